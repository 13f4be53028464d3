"""API tokens move to django-rest-knox (people.ApiToken: digest only, expiry, the password
they were issued under). rest_framework.authtoken kept tokens in plain text and forever:
its table is dropped, so everyone holding an old token signs in again for a new one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0002_role_groups'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('digest', models.CharField(max_length=128, unique=True)),
                ('password_hash_mac', models.CharField(max_length=128)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created', '-id'],
                'indexes': [models.Index(fields=['user', 'expiry'], name='people_apitoken_user_expiry')],
            },
        ),
        # The old plain-text tokens, and the record that their app was migrated (so adding
        # rest_framework.authtoken back would create its table afresh).
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.RunSQL(
            "DELETE FROM django_migrations WHERE app = 'authtoken'", migrations.RunSQL.noop
        ),
    ]

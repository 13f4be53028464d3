"""knox's own token table is not used (people.ApiToken replaces it, and knox's migrations
no longer run: MIGRATION_MODULES in config/settings/base.py). A database that ran them
drops the table, which held a key to every user, and the record of those migrations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_api_tokens"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", migrations.RunSQL.noop),
        migrations.RunSQL(
            "DELETE FROM django_migrations WHERE app = 'knox'", migrations.RunSQL.noop
        ),
    ]

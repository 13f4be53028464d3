"""Leader nominations become proposals HR approves (docs/privacy.md, attacks 1 and 2)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def existing_nominations_are_approved(apps, schema_editor):
    """Nominations made before proposals existed were in effect approved: they keep
    their rater, and the name a leader sees is the rater's."""
    Nomination = apps.get_model("feedback", "Nomination")
    for nomination in Nomination.objects.select_related("rater").filter(full_name=""):
        nomination.full_name = nomination.rater.full_name if nomination.rater else ""
        nomination.decided_at = nomination.created_at
        nomination.save(update_fields=["full_name", "decided_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0004_share_with_a_pairing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='nomination',
            name='feedback_nomination_once',
        ),
        migrations.AddField(
            model_name='nomination',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='nomination',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='nomination',
            name='email',
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name='nomination',
            name='full_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='nomination',
            name='status',
            field=models.CharField(choices=[('proposed', 'Awaiting approval'), ('approved', 'Approved'), ('rejected', 'Not approved'), ('withdrawn', 'Withdrawn')], default='approved', max_length=10),
        ),
        migrations.RunPython(existing_nominations_are_approved, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='nomination',
            name='rater',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='nomination',
            index=models.Index(fields=['cycle', 'status'], name='feedback_nomination_status'),
        ),
        migrations.AddConstraint(
            model_name='nomination',
            constraint=models.UniqueConstraint(condition=models.Q(('rater__isnull', False), ('status__in', ['proposed', 'approved'])), fields=('cycle', 'subject', 'rater'), name='feedback_nomination_rater_once'),
        ),
        migrations.AddConstraint(
            model_name='nomination',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['proposed', 'approved']), models.Q(('email', ''), _negated=True)), fields=('cycle', 'subject', 'email'), name='feedback_nomination_email_once'),
        ),
        migrations.AddConstraint(
            model_name='nomination',
            constraint=models.CheckConstraint(condition=models.Q(('rater', models.F('subject')), _negated=True), name='feedback_nomination_not_self'),
        ),
        migrations.AddConstraint(
            model_name='nomination',
            constraint=models.CheckConstraint(condition=models.Q(('rater__isnull', False), models.Q(('email', ''), _negated=True), _connector='OR'), name='feedback_nomination_names_someone'),
        ),
        migrations.AddConstraint(
            model_name='nomination',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'approved'), _negated=True), ('rater__isnull', False), _connector='OR'), name='feedback_nomination_approved_has_rater'),
        ),
    ]

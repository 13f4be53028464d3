"""A report is shared with a mentoring pairing, not with whoever mentors the leader now
(docs/privacy.md, attack 8). An existing share goes to the pairings that were active
when it was made; a share whose mentor has since changed is dropped (the leader can
share again with the new mentor)."""

import django.db.models.deletion
from django.db import migrations, models


def attach_pairings(apps, schema_editor):
    ReportShare = apps.get_model("feedback", "ReportShare")
    Pairing = apps.get_model("mentorship", "Pairing")
    for share in ReportShare.objects.filter(pairing__isnull=True):
        pairings = list(
            Pairing.objects.filter(
                mentee_id=share.subject_id, started_on__lte=share.shared_at.date()
            ).filter(
                models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=share.shared_at.date())
            )
        )
        for pairing in pairings[1:]:
            ReportShare.objects.create(
                cycle_id=share.cycle_id, subject_id=share.subject_id, pairing=pairing
            )
        if pairings:
            share.pairing = pairings[0]
            share.save(update_fields=["pairing"])
        else:
            share.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_anonymity_hardening"),
        ("mentorship", "0002_pairing_quiet_nudged_since_mentoringsession_and_more"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reportshare", name="feedback_share_once"),
        migrations.AddField(
            model_name="reportshare",
            name="pairing",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="mentorship.pairing",
            ),
        ),
        migrations.RunPython(attach_pairings, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reportshare",
            name="pairing",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="mentorship.pairing",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportshare",
            constraint=models.UniqueConstraint(
                fields=("cycle", "pairing"), name="feedback_share_once_per_pairing"
            ),
        ),
    ]

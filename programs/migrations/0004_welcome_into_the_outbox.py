"""Welcome emails move into the outbox (common.Email).

A welcome already sent becomes a sent outbox row (so it is never owed again); a welcome
still owed (an open enrollment of the last two days without one: what the old sweep
would still have sent) becomes a queued row the outbox sweep sends. Then the claim
column goes, with the old sweep's periodic task.
"""

import datetime

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

# This migration keeps its own copy of the kind (programs.emails.WELCOME).
WELCOME = "programs.welcome"
OWED_WINDOW = datetime.timedelta(days=2)


def forwards(apps, schema_editor):
    Enrollment = apps.get_model("programs", "Enrollment")
    Email = apps.get_model("common", "Email")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    now = timezone.now()
    enrollments = Enrollment.objects.filter(
        Q(welcome_sent_at__isnull=False)
        | Q(status__in=["invited", "active"], created_at__gte=now - OWED_WINDOW)
    ).select_related("leader")
    Email.objects.bulk_create(
        (
            Email(
                kind=WELCOME,
                key=f"{WELCOME}:{enrollment.pk}",
                ref=enrollment.pk,
                to=enrollment.leader.email,
                status="queued" if enrollment.welcome_sent_at is None else "sent",
                attempts=0 if enrollment.welcome_sent_at is None else 1,
                sent_at=enrollment.welcome_sent_at,
                next_attempt_at=now,
                created_at=enrollment.created_at,
            )
            for enrollment in enrollments.iterator()
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    PeriodicTask.objects.filter(task="programs.sweep_unsent_welcomes").delete()


def backwards(apps, schema_editor):
    Enrollment = apps.get_model("programs", "Enrollment")
    Email = apps.get_model("common", "Email")
    for email in Email.objects.filter(kind=WELCOME, status="sent").iterator():
        Enrollment.objects.filter(pk=email.ref).update(welcome_sent_at=email.sent_at)
    Email.objects.filter(kind=WELCOME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("programs", "0003_enrollment_welcome_sent_at"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="enrollment", name="welcome_sent_at"),
    ]

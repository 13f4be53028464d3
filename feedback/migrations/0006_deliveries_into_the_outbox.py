"""Rater emails move into the outbox: every Delivery becomes a common.Email row.

Same state, attempts, times and last error, under the key the code now uses
(kind, request and sequence), so a queued one is still sent, a failed one can still
be retried by HR, and nothing sent or skipped is ever owed again. Then Delivery goes:
the outbox is the one record of every email.
"""

from django.db import migrations

# This migration keeps its own copy of the kinds' prefix (feedback.emails).
PREFIX = "feedback."
COPIED = (
    "status",
    "attempts",
    "next_attempt_at",
    "enqueued_at",
    "claimed_at",
    "sent_at",
    "last_error",
    "created_at",
)


def forwards(apps, schema_editor):
    Delivery = apps.get_model("feedback", "Delivery")
    Email = apps.get_model("common", "Email")
    deliveries = Delivery.objects.select_related("request__rater").order_by("pk")
    Email.objects.bulk_create(
        (
            Email(
                kind=PREFIX + delivery.kind,
                key=f"{PREFIX}{delivery.kind}:{delivery.request_id}:{delivery.sequence}",
                ref=delivery.request_id,
                to=delivery.request.rater.email,
                **{name: getattr(delivery, name) for name in COPIED},
            )
            for delivery in deliveries.iterator()
        ),
        batch_size=500,
        ignore_conflicts=True,
    )


def backwards(apps, schema_editor):
    Delivery = apps.get_model("feedback", "Delivery")
    RaterRequest = apps.get_model("feedback", "RaterRequest")
    Email = apps.get_model("common", "Email")
    emails = Email.objects.filter(kind__startswith=PREFIX)
    existing = set(RaterRequest.objects.values_list("pk", flat=True))
    Delivery.objects.bulk_create(
        (
            Delivery(
                request_id=email.ref,
                kind=email.kind.removeprefix(PREFIX),
                sequence=int(email.key.rsplit(":", 1)[1]),
                **{name: getattr(email, name) for name in COPIED},
            )
            for email in emails.iterator()
            if email.ref in existing
        ),
        batch_size=500,
    )
    emails.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("feedback", "0005_nomination_proposals"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Delivery"),
    ]

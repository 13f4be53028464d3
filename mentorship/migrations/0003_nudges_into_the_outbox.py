"""Mentorship's emails move into the outbox (common.Email); their claim columns go.

Every email a claim column says was sent becomes a sent outbox row under the key the
code now uses, so nothing is owed (and sent) again: the last invitation revision of
each session, each action item's due-tomorrow and overdue nudges, each pairing's last
quiet-spell nudge. An invitation still owed (an upcoming planned or cancelled session
whose latest revision was never sent: what the old daily sweep would still have sent)
becomes a queued row the outbox sweep sends.
"""

import datetime

from django.db import migrations
from django.db.models import F, Q
from django.utils import timezone

# This migration keeps its own copy of the kinds (mentorship.emails).
INVITATION = "mentorship.session_invitation"
DUE_SOON = "mentorship.action_item_due_soon"
OVERDUE = "mentorship.action_item_overdue"
QUIET = "mentorship.quiet_pairing"
KINDS = (INVITATION, DUE_SOON, OVERDUE, QUIET)


def _invitation(Email, session, sequence, *, sent_at, now):
    pairing = session.pairing
    return Email(
        kind=INVITATION,
        key=f"{INVITATION}:{session.pk}:{sequence}",
        ref=session.pk,
        params={"sequence": sequence},
        to=f"{pairing.mentor.email}, {pairing.mentee.email}",
        status="queued" if sent_at is None else "sent",
        attempts=0 if sent_at is None else 1,
        sent_at=sent_at,
        next_attempt_at=now,
        created_at=sent_at or now,
    )


def _invitations(apps, Email, now):
    MentoringSession = apps.get_model("mentorship", "MentoringSession")
    sessions = MentoringSession.objects.select_related("pairing__mentor", "pairing__mentee")
    for session in sessions.filter(invitation_sent_sequence__isnull=False).iterator():
        sequence = session.invitation_sent_sequence
        yield _invitation(Email, session, sequence, sent_at=session.updated_at, now=now)
    owed = (
        sessions.filter(starts_at__gte=now - datetime.timedelta(days=1))
        .exclude(status="held")
        .filter(
            Q(invitation_sent_sequence__isnull=True)
            | Q(invitation_sent_sequence__lt=F("sequence"))
        )
    )
    for session in owed.iterator():
        yield _invitation(Email, session, session.sequence, sent_at=None, now=now)


def _action_item_nudges(apps, Email):
    ActionItem = apps.get_model("mentorship", "ActionItem")
    items = ActionItem.objects.filter(due_on__isnull=False).select_related(
        "session__pairing__mentor", "session__pairing__mentee"
    )
    for kind, column in ((DUE_SOON, "due_soon_notified_at"), (OVERDUE, "overdue_notified_at")):
        for item in items.filter(**{f"{column}__isnull": False}).iterator():
            pairing = item.session.pairing
            owner = pairing.mentor if item.owner == "mentor" else pairing.mentee
            sent_at = getattr(item, column)
            yield Email(
                kind=kind,
                key=f"{kind}:{item.pk}:{item.due_on.isoformat()}",
                ref=item.pk,
                params={"due_on": item.due_on.isoformat()},
                to=owner.email,
                status="sent",
                attempts=1,
                sent_at=sent_at,
                next_attempt_at=sent_at,
                created_at=sent_at,
            )


def _quiet_nudges(apps, Email, now):
    Pairing = apps.get_model("mentorship", "Pairing")
    pairings = Pairing.objects.filter(quiet_nudged_since__isnull=False).select_related("mentor")
    for pairing in pairings.iterator():
        since = pairing.quiet_nudged_since.isoformat()
        yield Email(
            kind=QUIET,
            key=f"{QUIET}:{pairing.pk}:{since}",
            ref=pairing.pk,
            params={"since": since},
            to=pairing.mentor.email,
            status="sent",
            attempts=1,
            sent_at=now,  # the old column kept the spell, not the time of the email
            next_attempt_at=now,
            created_at=now,
        )


def forwards(apps, schema_editor):
    Email = apps.get_model("common", "Email")
    now = timezone.now()
    for rows in (
        _invitations(apps, Email, now),
        _action_item_nudges(apps, Email),
        _quiet_nudges(apps, Email, now),
    ):
        Email.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def backwards(apps, schema_editor):
    Email = apps.get_model("common", "Email")
    MentoringSession = apps.get_model("mentorship", "MentoringSession")
    ActionItem = apps.get_model("mentorship", "ActionItem")
    Pairing = apps.get_model("mentorship", "Pairing")
    sent = Email.objects.filter(status="sent").order_by("sent_at", "pk")
    for email in sent.filter(kind=INVITATION).iterator():
        MentoringSession.objects.filter(pk=email.ref).update(
            invitation_sent_sequence=email.params["sequence"]
        )
    for kind, column in ((DUE_SOON, "due_soon_notified_at"), (OVERDUE, "overdue_notified_at")):
        for email in sent.filter(kind=kind).iterator():
            ActionItem.objects.filter(pk=email.ref, due_on=email.params["due_on"]).update(
                **{column: email.sent_at}
            )
    for email in sent.filter(kind=QUIET).iterator():
        Pairing.objects.filter(pk=email.ref).update(quiet_nudged_since=email.params["since"])
    Email.objects.filter(kind__in=KINDS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("mentorship", "0002_pairing_quiet_nudged_since_mentoringsession_and_more"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="actionitem", name="due_soon_notified_at"),
        migrations.RemoveField(model_name="actionitem", name="overdue_notified_at"),
        migrations.RemoveField(model_name="mentoringsession", name="invitation_sent_sequence"),
        migrations.RemoveField(model_name="pairing", name="quiet_nudged_since"),
    ]

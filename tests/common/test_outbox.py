"""The outbox's rules, on a kind of email made for these tests: owed once, sent after
commit, claimed before SMTP, retried with one backoff policy, skipped when no longer
owed, failed for HR to retry, and swept when its enqueue was lost or its worker died."""

import datetime
import types

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from common import outbox
from common.errors import TransitionError
from common.models import Email
from common.outbox import EmailKind, Owed, email_retry, email_send, emails_enqueue_owed, emails_owe
from common.tasks import send_email
from tests.backends import FlakyBackend
from tests.conftest import broker_down

pytestmark = pytest.mark.django_db

NOTE = "tests.note"


@pytest.fixture
def notes(monkeypatch):
    """Registers a kind for these tests: a note about thing ``ref``, owed until the thing
    is withdrawn. Records what the outbox reported back."""
    state = types.SimpleNamespace(withdrawn=set(), sent=[], failed=[])

    def build(email: Email) -> EmailMessage | None:
        if email.ref in state.withdrawn:
            return None
        return EmailMessage(subject=f"Note {email.ref}", body="Hello", to=email.to.split(", "))

    def on_sent(email: Email) -> None:
        state.sent.append((email.ref, email.sent_at))

    def on_failed(email: Email, *, final: bool) -> None:
        state.failed.append((email.ref, final, email.last_error))

    monkeypatch.setitem(outbox._kinds, NOTE, EmailKind(NOTE, build, on_sent, on_failed))
    return state


def note(ref: int, *, to: str = "someone@example.com", variant: str = "") -> Owed:
    return Owed(kind=NOTE, ref=ref, to=[to], variant=variant)


def row(ref: int) -> Email:
    return Email.objects.get(kind=NOTE, ref=ref)


def send(email: Email) -> str:
    return send_email.apply(args=[email.pk]).get()


# --- owing ---------------------------------------------------------------------------


def test_an_email_is_owed_once_however_often_it_is_owed(notes, clock):
    first = emails_owe([note(1), note(1), note(2), note(2, variant="b")])
    again = emails_owe([note(1), note(2), note(3)])

    assert [item.key for item in first] == ["tests.note:1", "tests.note:2", "tests.note:2:b"]
    assert [item.key for item in again] == ["tests.note:3"]
    assert Email.objects.count() == 4
    owed = row(1)
    assert (owed.status, owed.to, owed.next_attempt_at) == (
        "queued",
        "someone@example.com",
        clock.now,
    )


def test_an_owed_email_is_sent_after_commit_and_never_for_rolled_back_work(
    notes, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails_owe([note(1)])
    assert mailoutbox == [], "nothing leaves before the transaction commits"
    for callback in callbacks:
        callback()
    assert [message.subject for message in mailoutbox] == ["Note 1"]

    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        emails_owe([note(2)])
        raise RuntimeError("the business change failed")
    assert not Email.objects.filter(ref=2).exists()
    assert len(mailoutbox) == 1


# --- sending -------------------------------------------------------------------------


def test_the_claim_lets_one_send_through_and_records_it(notes, mailoutbox, clock):
    emails_owe([note(1)])

    assert send(row(1)) == "sent"
    assert send(row(1)) == "not_claimed"

    sent = row(1)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("sent", 1, clock.now, "")
    assert len(mailoutbox) == 1
    assert notes.sent == [(1, clock.now)]


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_timeout(
    notes, mailoutbox, clock, settings
):
    emails_owe([note(1)])
    Email.objects.filter(kind=NOTE).update(status="sending", claimed_at=clock.now, attempts=1)

    clock.advance(seconds=settings.OUTBOX_CLAIM_TIMEOUT - 1)
    assert send(row(1)) == "not_claimed", "a worker may still be sending it"
    clock.advance(seconds=1)
    assert send(row(1)) == "sent"
    assert row(1).attempts == 2
    assert len(mailoutbox) == 1


def test_an_email_no_longer_owed_is_skipped(notes, mailoutbox):
    emails_owe([note(1)])
    notes.withdrawn.add(1)

    assert send(row(1)) == "skipped"
    assert row(1).status == "skipped"
    assert mailoutbox == [] and notes.sent == []
    assert send(row(1)) == "not_claimed"


def test_failures_back_off_exponentially_with_jitter_then_fail_for_good(
    notes, mailoutbox, clock, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "tests.backends.FlakyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    monkeypatch.setattr(FlakyBackend, "failures_left", 99)
    base = datetime.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    emails_owe([note(1)])

    assert send(row(1)) == "retry"
    assert base <= row(1).next_attempt_at - clock.now <= base * 1.3
    assert send(row(1)) == "not_claimed", "not before the retry is due"
    clock.set(row(1).next_attempt_at)
    assert send(row(1)) == "retry"
    assert 2 * base <= row(1).next_attempt_at - clock.now <= 2 * base * 1.3
    clock.set(row(1).next_attempt_at)
    assert send(row(1)) == "failed"

    failed = row(1)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert [final for _, final, _ in notes.failed] == [False, False, True]
    clock.advance(days=1)
    assert emails_enqueue_owed() == 0, "a failed email waits for HR"
    assert mailoutbox == []


def test_hr_retries_a_failed_email_with_fresh_attempts(
    notes, mailoutbox, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.backends.FlakyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    monkeypatch.setattr(FlakyBackend, "failures_left", 1)
    emails_owe([note(1)])
    assert send(row(1)) == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        retried = email_retry(email=row(1), by=None)

    assert retried.attempts == 0
    sent = row(1)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    assert len(mailoutbox) == 1
    with pytest.raises(TransitionError):
        email_retry(email=sent, by=None)


def test_an_email_of_an_unknown_kind_fails_visibly(mailoutbox, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    emails_owe([Owed(kind="tests.gone", ref=1, to=["a@example.com"])])
    email = Email.objects.get()

    assert email_send(email_id=email.pk)[0] == "failed"
    email.refresh_from_db()
    assert email.last_error == "ImproperlyConfigured: No email kind 'tests.gone' is registered."
    assert mailoutbox == []


def test_the_recipients_recorded_are_those_the_message_went_to(notes, mailoutbox):
    emails_owe([note(1, to="old.address@example.com")])
    Email.objects.filter(kind=NOTE).update(to="someone.else@example.com")

    send(row(1))

    assert mailoutbox[0].to == ["someone.else@example.com"]
    assert row(1).to == "someone.else@example.com"


# --- the sweep -----------------------------------------------------------------------


def test_the_sweep_enqueues_what_is_owed_and_not_being_worked_on(
    notes, mailoutbox, clock, settings
):
    with broker_down():
        emails_owe([note(ref) for ref in range(1, 8)])
    start = clock.now
    stale = start - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    Email.objects.filter(ref=2).update(next_attempt_at=start + datetime.timedelta(days=1))
    Email.objects.filter(ref=3).update(status="sending", claimed_at=start)
    Email.objects.filter(ref=4).update(status="sending", claimed_at=stale, attempts=1)
    Email.objects.filter(ref=5).update(status="sent")
    Email.objects.filter(ref=6).update(status="failed")
    Email.objects.filter(ref=7).update(status="skipped")

    assert emails_enqueue_owed() == 0, "the enqueue at commit gets its chance first"
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)

    assert emails_enqueue_owed() == 2  # the lost enqueue (1) and the stale claim (4)
    assert sorted(message.subject for message in mailoutbox) == ["Note 1", "Note 4"]
    assert emails_enqueue_owed() == 0
    assert row(3).status == "sending", "a fresh claim is left to its worker"


def test_a_sweep_enqueues_at_most_a_batch(notes, mailoutbox, clock, settings):
    settings.OUTBOX_SWEEP_BATCH = 2
    with broker_down():
        emails_owe([note(ref) for ref in range(1, 6)])
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)

    assert [emails_enqueue_owed() for _ in range(4)] == [2, 2, 1, 0]
    assert len(mailoutbox) == 5


def test_one_beat_entry_sweeps_every_email_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["outbox-sweep"] == {"task": "outbox.sweep", "schedule": 60.0}
    # The others decide what is owed (or purge, or rank); none of them sends or sweeps
    # emails itself.
    assert {entry["task"] for entry in schedule.values()} == {
        "outbox.sweep",
        "feedback.tick",
        "feedback.purge_links",
        "mentorship.send_action_item_nudges",
        "mentorship.send_quiet_pairing_nudges",
        "metrics.refresh_cohort_rankings",
        "metrics.measure_retention",
        "plans.check_ins_due",
        "plans.plan_reminders",
        "plans.record_outcomes",
        "dashboards.manager_digests",
        "pulse.tick",
        "directory.sync_folder",
    }

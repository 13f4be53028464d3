"""The welcome email: owed with the enrollment, sent through the outbox after commit, once,
with the cohort's dates and an .ics of its sessions."""

import datetime
import email

import pytest
from django.core import mail
from icalendar import Calendar

from common.models import Email
from common.outbox import emails_enqueue_owed
from common.tasks import send_email
from config.celery import app
from programs.emails import WELCOME
from programs.services import enrollment_create, enrollment_withdraw
from tests.conftest import broker_down, mail_counts, redis_down, wait_for, worker_drained
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, CohortSessionFactory, ProgramFactory

UTC = datetime.UTC


def welcome_of(enrollment) -> Email:
    return Email.objects.get(kind=WELCOME, ref=enrollment.pk)


def send(email: Email) -> str:
    """Run the outbox's send task for one row, as a worker would (eagerly)."""
    return send_email.apply(args=[email.pk]).get()


def april_cohort():
    cohort = CohortFactory(
        program=ProgramFactory(name="Sales Leadership Essentials"),
        name="Virtual cohort, April 2024",
        starts_on=datetime.date(2024, 4, 8),
        ends_on=datetime.date(2024, 4, 12),
        time_zone="Europe/London",
    )
    for day in (8, 9):
        CohortSessionFactory(
            cohort=cohort,
            title=f"Day {day - 7}",
            starts_at=datetime.datetime(2024, 4, day, 8, 0, tzinfo=UTC),
            meeting_url="https://meet.example.com/sle",
        )
    return cohort


@pytest.mark.django_db
def test_enrolling_sends_a_welcome_email_after_commit(
    hr, django_capture_on_commit_callbacks, mailoutbox
):
    cohort = april_cohort()
    leader = LeaderFactory(email="nia@example.com", full_name="Nia Park")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment = enrollment_create(cohort=cohort, leader=leader, by=hr)
    assert mailoutbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    (message,) = mailoutbox
    assert message.to == ["nia@example.com"]
    assert message.subject == (
        "Welcome to Sales Leadership Essentials (Virtual cohort, April 2024)"
    )
    # Dates and times in the cohort's zone: 08:00 UTC is 09:00 in London (BST) in April.
    assert "Monday 8 April 2024 \u2013 Friday 12 April 2024" in message.body
    assert "Mon 8 Apr 2024, 09:00\u201311:00 BST" in message.body
    assert "Europe/London" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Monday 8 April 2024" in html
    assert "Mon 8 Apr 2024, 09:00" in html

    (name, content, ics_type) = message.attachments[0]
    assert name == f"cohort-{cohort.pk}.ics"
    assert ics_type.startswith("text/calendar")
    events = Calendar.from_ical(content).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == [
        "Sales Leadership Essentials: Day 1",
        "Sales Leadership Essentials: Day 2",
    ]
    assert events[0].decoded("DTSTART") == datetime.datetime(2024, 4, 8, 8, tzinfo=UTC)
    assert events[0].decoded("DTEND") == datetime.datetime(2024, 4, 8, 10, tzinfo=UTC)
    assert str(events[0]["URL"]) == "https://meet.example.com/sle"
    assert len({str(event["UID"]) for event in events}) == 2
    assert welcome_of(enrollment).status == Email.Status.SENT


@pytest.mark.django_db
def test_enrolling_without_a_welcome_owes_none(hr, django_capture_on_commit_callbacks, mailoutbox):
    cohort = april_cohort()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr, send_welcome=False)
    assert callbacks == []
    assert mailoutbox == []
    assert not Email.objects.exists()


@pytest.mark.django_db
def test_the_welcome_is_sent_once_however_often_the_task_runs(hr, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    welcome = welcome_of(enrollment)
    assert send(welcome) == "sent"
    assert send(welcome) == "not_claimed"
    assert len(mailoutbox) == 1
    # Owing it again (a repeated request, a retried import) owes nothing new.
    assert Email.objects.filter(kind=WELCOME).count() == 1


@pytest.mark.django_db
def test_no_welcome_after_withdrawal(hr, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    enrollment_withdraw(enrollment=enrollment, by=hr)
    assert send(welcome_of(enrollment)) == "skipped"
    assert mailoutbox == []
    assert welcome_of(enrollment).status == Email.Status.SKIPPED


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_backoff_then_sent_once(hr, monkeypatch, mailoutbox, clock):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)

    def broken_send(self, fail_silently=False):
        raise OSError("SMTP is down")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", broken_send)
    assert send(welcome_of(enrollment)) == "retry"
    welcome = welcome_of(enrollment)
    assert (welcome.status, welcome.attempts) == (Email.Status.QUEUED, 1)
    assert welcome.last_error == "OSError: SMTP is down"
    monkeypatch.undo()
    assert emails_enqueue_owed() == 0, "not before its retry is due"
    clock.set(welcome.next_attempt_at + datetime.timedelta(minutes=5))
    assert emails_enqueue_owed() == 1
    assert len(mailoutbox) == 1
    assert welcome_of(enrollment).status == Email.Status.SENT


@pytest.mark.django_db
def test_the_sweep_sends_welcomes_whose_enqueue_was_lost(
    hr, mailoutbox, clock, settings, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    assert mailoutbox == []
    assert welcome_of(enrollment).status == Email.Status.QUEUED
    assert emails_enqueue_owed() == 0, "the enqueue at commit gets its chance first"
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)
    assert emails_enqueue_owed() == 1
    assert len(mailoutbox) == 1
    assert emails_enqueue_owed() == 0  # sent; nothing owed any more
    assert len(mailoutbox) == 1


# ---------------------------------------------------------------- through the real worker


@pytest.mark.integration
def test_welcome_through_the_real_worker(committed_db, outbox_worker, mail_dir):
    cohort = april_cohort()
    leader = LeaderFactory(email="worker.path@example.com")
    enrollment = enrollment_create(cohort=cohort, leader=leader, by=None)

    wait_for(lambda: welcome_of(enrollment).status == Email.Status.SENT)
    files = wait_for(lambda: list(mail_dir.glob("*")))
    message = email.message_from_string(files[0].read_text())
    assert message["To"] == "worker.path@example.com"
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    events = Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")
    assert len(events) == 2

    # A redelivered task sends nothing more: the welcome's row is already sent.
    app.send_task("outbox.send", args=[welcome_of(enrollment).pk])
    wait_for(worker_drained())
    assert len(list(mail_dir.glob("*"))) == 1


STALLED = "stalled.welcome@example.com"


@pytest.fixture
def smtp_stalls_for(monkeypatch):
    """The worker's mail server hangs on the email to STALLED (set before it starts)."""
    monkeypatch.setenv("LODESTAR_TEST_STALL_TO", STALLED)
    return STALLED


@pytest.mark.integration
def test_a_welcome_in_flight_when_the_worker_is_killed_is_sent_once_after_restart(
    committed_db, smtp_stalls_for, outbox_worker, mail_dir, monkeypatch
):
    cohort = april_cohort()
    stalled = enrollment_create(cohort=cohort, leader=LeaderFactory(email=STALLED), by=None)
    others = [enrollment_create(cohort=cohort, leader=LeaderFactory(), by=None) for _ in range(2)]
    wait_for(lambda: welcome_of(stalled).status == Email.Status.SENDING)
    outbox_worker.kill()  # SIGKILL mid-send: claimed, never accepted, never recorded
    monkeypatch.delenv("LODESTAR_TEST_STALL_TO")
    outbox_worker.start()

    def all_sent():
        emails_enqueue_owed()  # what beat does every minute: finds the abandoned claim
        return not Email.objects.exclude(status=Email.Status.SENT).exists()

    wait_for(all_sent, timeout=60, interval=0.5)
    expected = {STALLED} | {enrollment.leader.email for enrollment in others}
    assert mail_counts(mail_dir) == dict.fromkeys(expected, 1)
    assert welcome_of(stalled).attempts == 2


@pytest.mark.integration
def test_redis_down_while_enrolling_the_sweep_sends_the_welcome_later_once(
    committed_db, outbox_worker, mail_dir
):
    with redis_down():
        enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=None)
    assert welcome_of(enrollment).status == Email.Status.QUEUED  # committed, not published

    def sent():
        emails_enqueue_owed()  # Redis is back: the database says what is owed
        return welcome_of(enrollment).status == Email.Status.SENT

    wait_for(sent, timeout=30, interval=0.5)
    for _ in range(3):
        emails_enqueue_owed()
    wait_for(worker_drained())
    assert mail_counts(mail_dir) == {enrollment.leader.email: 1}

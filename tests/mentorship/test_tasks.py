"""Mentorship's emails (invitations, action-item nudges, quiet-pairing nudges and HR's
digest) are owed to the outbox and sent by it: once, after commit, retried on failure."""

import datetime

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone
from icalendar import Calendar

from common.models import Email
from common.outbox import emails_enqueue_owed
from common.tasks import send_email
from config.celery import app
from mentorship import emails, services, tasks
from mentorship.models import Pairing
from tests.conftest import broker_down, mail_counts, redis_down, wait_for, worker_drained
from tests.mentorship.factories import (
    ActionItemFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.mentorship.helpers import PRIVATE
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory
from tests.programs.factories import competency

TODAY = timezone.localdate


@pytest.fixture
def run_twice(django_capture_on_commit_callbacks):
    """Run a task twice, as a doubled beat would, each run committing (so the outbox
    sends what it owed)."""

    def run(task) -> None:
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                task.delay()

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a service as if its transaction committed: the outbox sends what it owed."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def send(email: Email) -> str:
    return send_email.apply(args=[email.pk]).get()


# ---------------------------------------------------------------- action item nudges


@pytest.mark.django_db
def test_action_item_nudges_go_once_per_item_per_state(mailoutbox, run_twice, committed):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    due_soon = ActionItemFactory(due_on=tomorrow, owner="mentee")
    overdue = ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=3), owner="mentor")
    ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=3), done_at=timezone.now())
    ActionItemFactory(due_on=TODAY() + datetime.timedelta(days=5))

    run_twice(tasks.send_action_item_nudges)

    assert sorted(m.subject.split(":")[0] for m in mailoutbox) == [
        "Due tomorrow",
        f"Overdue since {overdue.due_on:%d %b}",
    ]
    by_subject = {m.subject.split(":")[0]: m for m in mailoutbox}
    assert by_subject["Due tomorrow"].to == [due_soon.session.pairing.mentee.email]
    assert by_subject[f"Overdue since {overdue.due_on:%d %b}"].to == [
        overdue.session.pairing.mentor.email
    ]

    # The next day the due-tomorrow item is overdue: that is a new state, one more email.
    committed(services.action_item_nudges_owe, today=TODAY() + datetime.timedelta(days=2))
    committed(services.action_item_nudges_owe, today=TODAY() + datetime.timedelta(days=2))
    assert len(mailoutbox) == 3
    assert mailoutbox[-1].to == [due_soon.session.pairing.mentee.email]


@pytest.mark.django_db
def test_no_nudges_for_ended_pairings(mailoutbox, run_twice):
    pairing = PairingFactory(status=Pairing.Status.ENDED, ended_on=TODAY())
    ActionItemFactory(session__pairing=pairing, due_on=TODAY() - datetime.timedelta(days=1))
    run_twice(tasks.send_action_item_nudges)
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_new_due_date_is_a_new_promise_its_nudge_goes_out_again(mailoutbox, committed):
    item = ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=1))
    committed(services.action_item_nudges_owe)
    services.action_item_update(
        item=item, due_on=TODAY() + datetime.timedelta(days=3), by=item.session.pairing.mentor
    )
    committed(services.action_item_nudges_owe)
    assert len(mailoutbox) == 1, "not overdue any more"
    committed(services.action_item_nudges_owe, today=TODAY() + datetime.timedelta(days=5))
    assert len(mailoutbox) == 2
    assert mailoutbox[-1].subject.startswith(f"Overdue since {item.due_on:%d %b}")


@pytest.mark.django_db
def test_a_nudge_owed_before_the_item_was_done_is_skipped(mailoutbox):
    item = ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=1))
    services.action_item_nudges_owe()  # owed; its enqueue has not run yet
    services.action_item_set_done(item=item, done=True, by=item.session.pairing.mentee)
    (nudge,) = Email.objects.filter(kind=emails.ACTION_ITEM_OVERDUE)
    assert send(nudge) == "skipped"
    assert mailoutbox == []


# ---------------------------------------------------------------- quiet pairings


@pytest.mark.django_db
def test_quiet_pairing_nudge_once_per_quiet_spell_with_an_hr_digest(
    mailoutbox, run_twice, committed
):
    hr = HRFactory()
    quiet = PairingFactory(started_on=TODAY() - datetime.timedelta(days=200))
    MentoringSessionFactory(pairing=quiet, starts_at=timezone.now() - datetime.timedelta(days=45))
    lively = PairingFactory(started_on=TODAY() - datetime.timedelta(days=200))
    MentoringSessionFactory(pairing=lively, starts_at=timezone.now() - datetime.timedelta(days=5))
    never_met = PairingFactory(started_on=TODAY() - datetime.timedelta(days=40))
    PairingFactory(started_on=TODAY() - datetime.timedelta(days=10))  # too new to be quiet

    run_twice(tasks.send_quiet_pairing_nudges)

    to_mentors = [m for m in mailoutbox if m.to != [hr.email]]
    assert sorted(m.to[0] for m in to_mentors) == sorted(
        [quiet.mentor.email, never_met.mentor.email]
    )
    digests = [m for m in mailoutbox if m.to == [hr.email]]
    assert len(digests) == 1
    assert quiet.mentee.full_name in digests[0].body
    assert never_met.mentee.full_name in digests[0].body
    assert lively.mentee.full_name not in digests[0].body

    # A session ends the spell; when the pairing goes quiet again, one new nudge.
    MentoringSessionFactory(pairing=quiet, starts_at=timezone.now() - datetime.timedelta(days=1))
    mailoutbox.clear()
    later = TODAY() + datetime.timedelta(days=40)
    committed(services.quiet_pairing_nudges_owe, today=later)
    committed(services.quiet_pairing_nudges_owe, today=later)
    mentors_nudged = [m.to[0] for m in mailoutbox if m.to != [hr.email]]
    assert quiet.mentor.email in mentors_nudged
    assert never_met.mentor.email not in mentors_nudged  # same spell as before
    assert len([m for m in mailoutbox if m.to == [hr.email]]) == 1


# ---------------------------------------------------------------- calendar invitations


@pytest.fixture
def planned(db):
    mentor = MentorFactory(full_name="Helen Okafor")
    leader = LeaderFactory(full_name="Sam Rivera")
    MentorProfileFactory(user=mentor)
    pairing = services.pairing_create(
        mentor=mentor, mentee=leader, started_on=TODAY(), objectives="", by=None
    )
    return pairing


def parse(ics: str | bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    return calendar, calendar.walk("VEVENT")[0]


@pytest.mark.django_db
def test_invitation_ics_request_update_and_cancel(
    planned, mailoutbox, django_capture_on_commit_callbacks
):
    start = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_create(
            pairing=planned,
            by=planned.mentor,
            status="planned",
            starts_at=start,
            duration_minutes=60,
            topics=[competency("communication")],
            private_notes=PRIVATE,
        )
    calendar, event = parse(mailoutbox[0].attachments[0][1])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]).startswith(f"mentoring-session-{session.pk}@")
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + datetime.timedelta(minutes=60)
    assert "Helen Okafor" in str(event["SUMMARY"]) and "Sam Rivera" in str(event["SUMMARY"])
    assert "Communication" in str(event["DESCRIPTION"])
    attendees = {str(a).lower() for a in event.get("ATTENDEE")}
    assert attendees == {f"mailto:{planned.mentor.email}", f"mailto:{planned.mentee.email}"}
    assert mailoutbox[0].attachments[0][2].startswith("text/calendar; method=REQUEST")
    uid = str(event["UID"])

    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_update(
            session=session, by=planned.mentor, starts_at=start + datetime.timedelta(hours=2)
        )
    calendar, event = parse(mailoutbox[1].attachments[0][1])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == start + datetime.timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=planned.mentor)
    calendar, event = parse(mailoutbox[2].attachments[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"
    for message in mailoutbox:
        assert PRIVATE not in message.body
        assert PRIVATE not in message.attachments[0][1]


def plan(pairing, *, days: int = 2, **fields):
    return services.session_create(
        pairing=pairing,
        by=pairing.mentor,
        status="planned",
        starts_at=timezone.now() + datetime.timedelta(days=days),
        **fields,
    )


def invitations_of(session):
    return Email.objects.about(kinds=[emails.SESSION_INVITATION], refs=[session.pk])


@pytest.mark.django_db
def test_an_invitation_is_sent_once_and_superseded_revisions_send_nothing(planned, mailoutbox):
    session = plan(planned)
    (first,) = invitations_of(session)
    assert send(first) == "sent"
    assert send(first) == "not_claimed"
    assert len(mailoutbox) == 1
    later = datetime.timedelta(hours=1)
    moved = services.session_update(
        session=session, by=planned.mentor, starts_at=session.starts_at + later
    )
    services.session_update(session=moved, by=planned.mentor, starts_at=moved.starts_at + later)
    revision_1, revision_2 = invitations_of(session).exclude(pk=first.pk).order_by("pk")
    assert send(revision_1) == "skipped"  # revision 2 superseded it before it went out
    assert send(revision_2) == "sent"
    assert len(mailoutbox) == 2
    assert "SEQUENCE:2" in mailoutbox[-1].attachments[0][1]


@pytest.mark.django_db
def test_the_sweep_sends_invitations_whose_enqueue_was_lost(
    planned, mailoutbox, clock, settings, committed
):
    with broker_down():
        committed(plan, planned)  # committed; publishing failed (Redis down)
    assert mailoutbox == []
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)
    assert emails_enqueue_owed() == 1
    assert emails_enqueue_owed() == 0
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("Mentoring session on")


@pytest.mark.django_db
def test_a_failed_nudge_is_retried_with_backoff_and_sent_once(
    mailoutbox, monkeypatch, clock, committed
):
    ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=2))

    def smtp_down(self, fail_silently=False):
        raise ConnectionError("SMTP unreachable")

    monkeypatch.setattr(EmailMessage, "send", smtp_down)
    committed(services.action_item_nudges_owe)
    (nudge,) = Email.objects.filter(kind=emails.ACTION_ITEM_OVERDUE)
    assert (nudge.status, nudge.attempts) == (Email.Status.QUEUED, 1)
    assert nudge.last_error == "ConnectionError: SMTP unreachable"
    monkeypatch.undo()
    committed(services.action_item_nudges_owe)  # the next day's run owes nothing new
    clock.set(nudge.next_attempt_at + datetime.timedelta(minutes=5))
    assert emails_enqueue_owed() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_hr_digest_that_fails_is_retried_not_lost(mailoutbox, monkeypatch, clock, committed):
    hr = HRFactory()
    PairingFactory(started_on=TODAY() - datetime.timedelta(days=60))

    def smtp_down(self, fail_silently=False):
        raise ConnectionError("SMTP unreachable")

    monkeypatch.setattr(EmailMessage, "send", smtp_down)
    committed(services.quiet_pairing_nudges_owe)
    monkeypatch.undo()
    committed(services.quiet_pairing_nudges_owe)  # nothing new: the pairings are owed already
    clock.advance(hours=1)
    assert emails_enqueue_owed() == 2
    digest = next(m for m in mailoutbox if m.to == [hr.email])
    assert digest.subject == "1 mentoring pairing went quiet"


# ---------------------------------------------------------------- through the real worker


@pytest.mark.integration
def test_invitation_through_the_real_worker(committed_db, outbox_worker, mail_dir):
    mentor = MentorFactory()
    leader = LeaderFactory()
    pairing = services.pairing_create(
        mentor=mentor, mentee=leader, started_on=TODAY(), objectives="", by=None
    )
    session = plan(pairing, days=3, private_notes=PRIVATE)

    wait_for(lambda: invitations_of(session).get().status == Email.Status.SENT)
    files = wait_for(lambda: list(mail_dir.glob("*")))
    text = "".join(path.read_text() for path in files)
    assert "METHOD:REQUEST" in text
    assert f"mentoring-session-{session.pk}@" in text
    assert leader.email in text and mentor.email in text
    assert PRIVATE not in text

    # A redelivered message sends nothing more: the revision's row is already sent.
    app.send_task("outbox.send", args=[invitations_of(session).get().pk])
    wait_for(worker_drained())
    assert sorted(mail_dir.glob("*")) == sorted(files)


STALLED = "stalled.mentor@example.com"


@pytest.fixture
def smtp_stalls_for(monkeypatch):
    """The worker's mail server hangs on emails to STALLED (set before it starts)."""
    monkeypatch.setenv("LODESTAR_TEST_STALL_TO", STALLED)
    return STALLED


@pytest.mark.integration
def test_an_invitation_in_flight_when_the_worker_is_killed_is_sent_once_after_restart(
    committed_db, smtp_stalls_for, outbox_worker, mail_dir, monkeypatch
):
    mentor = MentorFactory(email=STALLED)
    leader = LeaderFactory()
    pairing = services.pairing_create(
        mentor=mentor, mentee=leader, started_on=TODAY(), objectives="", by=None
    )
    session = plan(pairing)
    wait_for(lambda: invitations_of(session).get().status == Email.Status.SENDING)
    outbox_worker.kill()  # SIGKILL mid-send: claimed, never accepted, never recorded
    monkeypatch.delenv("LODESTAR_TEST_STALL_TO")
    outbox_worker.start()

    def sent():
        emails_enqueue_owed()  # what beat does every minute: finds the abandoned claim
        return invitations_of(session).get().status == Email.Status.SENT

    wait_for(sent, timeout=60, interval=0.5)
    wait_for(worker_drained())
    assert mail_counts(mail_dir) == {STALLED: 1, leader.email: 1}
    assert invitations_of(session).get().attempts == 2


@pytest.mark.integration
def test_redis_down_while_planning_the_sweep_sends_the_invitation_later_once(
    committed_db, outbox_worker, mail_dir
):
    mentor = MentorFactory()
    leader = LeaderFactory()
    pairing = services.pairing_create(
        mentor=mentor, mentee=leader, started_on=TODAY(), objectives="", by=None
    )
    with redis_down():
        session = plan(pairing)  # the session is saved; publishing fails and is logged
    assert invitations_of(session).get().status == Email.Status.QUEUED

    def sent():
        emails_enqueue_owed()  # Redis is back: the database says what is owed
        return invitations_of(session).get().status == Email.Status.SENT

    wait_for(sent, timeout=30, interval=0.5)
    for _ in range(3):
        emails_enqueue_owed()
    wait_for(worker_drained())
    assert mail_counts(mail_dir) == {mentor.email: 1, leader.email: 1}

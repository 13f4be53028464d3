import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from icalendar import Calendar

from config.celery import app
from mentorship import services, tasks
from mentorship.models import MentoringSession, Pairing
from tests.conftest import wait_for
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


def run_twice(task) -> None:
    task.delay()
    task.delay()


# ---------------------------------------------------------------- action item nudges


@pytest.mark.django_db
def test_action_item_nudges_go_once_per_item_per_state(mailoutbox):
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
    services.action_item_nudges_send(today=TODAY() + datetime.timedelta(days=2))
    services.action_item_nudges_send(today=TODAY() + datetime.timedelta(days=2))
    assert len(mailoutbox) == 3
    assert mailoutbox[-1].to == [due_soon.session.pairing.mentee.email]


@pytest.mark.django_db
def test_no_nudges_for_ended_pairings(mailoutbox):
    pairing = PairingFactory(status=Pairing.Status.ENDED, ended_on=TODAY())
    ActionItemFactory(session__pairing=pairing, due_on=TODAY() - datetime.timedelta(days=1))
    tasks.send_action_item_nudges.delay()
    assert mailoutbox == []


# ---------------------------------------------------------------- quiet pairings


@pytest.mark.django_db
def test_quiet_pairing_nudge_once_per_quiet_spell_with_an_hr_digest(mailoutbox):
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
    services.quiet_pairing_nudges_send(today=later)
    services.quiet_pairing_nudges_send(today=later)
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
            session=session, starts_at=start + datetime.timedelta(hours=2)
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


@pytest.mark.django_db
def test_invitation_task_twice_sends_once_and_stale_revisions_send_nothing(planned, mailoutbox):
    session = MentoringSessionFactory(
        pairing=planned, status="planned", starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    tasks.send_session_invitation.delay(session.pk, 0)
    tasks.send_session_invitation.delay(session.pk, 0)
    assert len(mailoutbox) == 1
    MentoringSession.objects.filter(pk=session.pk).update(sequence=2)
    tasks.send_session_invitation.delay(session.pk, 1)  # superseded by revision 2
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_daily_sweep_sends_invitations_whose_enqueue_was_lost(planned, mailoutbox):
    # Written without the service: as if Redis had been down when it was planned.
    MentoringSessionFactory(
        pairing=planned, status="planned", starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    run_twice(tasks.send_action_item_nudges)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("Mentoring session on")


# ---------------------------------------------------------------- through the real worker


@pytest.mark.integration
def test_invitation_through_the_real_worker(committed_db, mail_dir, celery_worker):
    mentor = MentorFactory()
    leader = LeaderFactory()
    pairing = services.pairing_create(
        mentor=mentor, mentee=leader, started_on=TODAY(), objectives="", by=None
    )
    session = services.session_create(
        pairing=pairing,
        by=mentor,
        status="planned",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        private_notes=PRIVATE,
    )

    def sent():
        session.refresh_from_db()
        return session.invitation_sent_sequence == 0

    wait_for(sent)
    files = wait_for(lambda: list(mail_dir.glob("*")))
    text = "".join(path.read_text() for path in files)
    assert "METHOD:REQUEST" in text
    assert f"mentoring-session-{session.pk}@" in text
    assert leader.email in text and mentor.email in text
    assert PRIVATE not in text

    # A redelivered message sends nothing more: the revision is already claimed.
    app.send_task("mentorship.send_session_invitation", args=[session.pk, 0])
    app.send_task("lodestar.ping", args=["mentorship-after-redelivery"])
    wait_for(lambda: cache.get("ping:mentorship-after-redelivery"))
    assert sorted(mail_dir.glob("*")) == sorted(files)


@pytest.mark.django_db
def test_a_failed_send_is_released_and_sent_by_the_next_run(mailoutbox, monkeypatch):
    from mentorship import notifications

    item = ActionItemFactory(due_on=TODAY() - datetime.timedelta(days=2))
    original = notifications.send_action_item_nudge

    def smtp_down(*args, **kwargs):
        raise ConnectionError("SMTP unreachable")

    monkeypatch.setattr(notifications, "send_action_item_nudge", smtp_down)
    with pytest.raises(ConnectionError):
        services.action_item_nudges_send()
    item.refresh_from_db()
    assert item.overdue_notified_at is None
    monkeypatch.setattr(notifications, "send_action_item_nudge", original)
    assert services.action_item_nudges_send() == 1
    assert len(mailoutbox) == 1

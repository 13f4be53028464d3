"""The welcome email: after commit, once, with the cohort's dates and an .ics of its sessions."""

import datetime
import email

import pytest
from django.core import mail
from icalendar import Calendar

from config.celery import app
from programs import tasks
from programs.models import Enrollment
from programs.services import enrollment_create, enrollment_withdraw
from tests.conftest import wait_for
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, CohortSessionFactory, ProgramFactory

UTC = datetime.UTC


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
    enrollment.refresh_from_db()
    assert enrollment.welcome_sent_at is not None


@pytest.mark.django_db
def test_a_rolled_back_enrollment_sends_nothing(hr, django_capture_on_commit_callbacks, mailoutbox):
    cohort = april_cohort()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr, send_welcome=False)
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_welcome_is_sent_once_however_often_the_task_runs(hr, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    assert tasks.send_enrollment_welcome(enrollment.pk) is True
    assert tasks.send_enrollment_welcome(enrollment.pk) is False
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_no_welcome_after_withdrawal(hr, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    enrollment_withdraw(enrollment=enrollment)
    assert tasks.send_enrollment_welcome(enrollment.pk) is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_failed_send_is_released_for_a_retry(hr, monkeypatch, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)

    def broken_send(self, fail_silently=False):
        raise OSError("SMTP is down")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", broken_send)
    with pytest.raises(OSError):
        tasks.send_enrollment_welcome.run(enrollment.pk)
    enrollment.refresh_from_db()
    assert enrollment.welcome_sent_at is None
    monkeypatch.undo()
    assert tasks.send_enrollment_welcome(enrollment.pk) is True
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_sweep_sends_welcomes_whose_enqueue_was_lost(hr, mailoutbox):
    enrollment = enrollment_create(cohort=april_cohort(), leader=LeaderFactory(), by=hr)
    old = Enrollment.objects.filter(pk=enrollment.pk)
    old.update(created_at=enrollment.created_at - datetime.timedelta(minutes=30))
    assert tasks.sweep_unsent_welcomes() == 1
    assert len(mailoutbox) == 1
    assert tasks.sweep_unsent_welcomes() == 0  # sent; nothing owed any more
    assert len(mailoutbox) == 1


@pytest.mark.integration
def test_welcome_through_the_real_worker(reference_data, mail_dir, celery_worker):
    cohort = april_cohort()
    leader = LeaderFactory(email="worker.path@example.com")
    enrollment = enrollment_create(cohort=cohort, leader=leader, by=None)

    def sent():
        enrollment.refresh_from_db()
        return enrollment.welcome_sent_at

    wait_for(sent)
    files = wait_for(lambda: list(mail_dir.glob("*")))
    message = email.message_from_string(files[0].read_text())
    assert message["To"] == "worker.path@example.com"
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    events = Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")
    assert len(events) == 2

    # A redelivered task sends nothing more: the enrollment's welcome is already claimed.
    app.send_task("programs.send_enrollment_welcome", args=[enrollment.pk])
    app.send_task("lodestar.ping", args=["programs-after-redelivery"])
    from django.core.cache import cache

    wait_for(lambda: cache.get("ping:programs-after-redelivery"))
    assert len(list(mail_dir.glob("*"))) == 1

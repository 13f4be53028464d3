"""The managers' monthly digest: owed once a month to each manager, built when sent from
their leaders as *My leaders* shows them (a link per item, never notes), and delivered
by a real worker once, however often the task runs."""

import datetime

import pytest

from common.models import Email
from dashboards import digest, tasks
from mentorship.models import MentoringSession
from people.roles import Role
from tests.conftest import mail_counts, wait_for, worker_drained
from tests.mentorship.factories import PairingFactory
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory


def a_manager_with_leaders():
    director = UserFactory(full_name="Dana Director", roles=[Role.MANAGER])
    line_manager = UserFactory(full_name="Lee Line", manager=director)
    near = LeaderFactory(full_name="Nia Near", manager=director)
    far = LeaderFactory(full_name="Fay Far", manager=line_manager)
    stranger = LeaderFactory(full_name="Sol Stranger")
    pairing = PairingFactory(mentor=MentorFactory(), mentee=near)
    MentoringSession.objects.create(
        pairing=pairing,
        status=MentoringSession.Status.HELD,
        starts_at=datetime.datetime(2027, 1, 20, 10, tzinfo=datetime.UTC),
        duration_minutes=45,
        shared_notes="SECRET shared words",
        private_notes="SECRET private words",
        logged_by=pairing.mentor,
    )
    return director, near, far, stranger


def test_each_manager_is_owed_one_digest_a_month_whatever_the_runs(db, clock):
    director, *_ = a_manager_with_leaders()
    UserFactory(roles=[Role.MANAGER], is_active=False)
    assert digest.manager_digests_owe() == 1
    assert tasks.manager_digests.delay().get() == 0, "the same month: nothing more"
    clock.advance(days=31)
    assert tasks.manager_digests.delay().get() == 1, "the next month: one more"
    assert list(Email.objects.values_list("to", flat=True)) == [director.email] * 2


def test_the_digest_lists_exactly_their_leaders_with_links_and_no_notes(db, clock):
    director, near, _far, _stranger = a_manager_with_leaders()
    digest.manager_digests_owe()
    message = digest.manager_digest_build(Email.objects.get(kind=digest.MANAGER_DIGEST))
    assert message.to == [director.email]
    assert message.subject == "Your leaders in February 2027"
    body = message.body
    assert "Nia Near" in body and "Fay Far" in body, "at any depth of the reporting line"
    assert "Sol Stranger" not in body
    assert f"/dashboards/leaders/{near.pk}/" in body and "/dashboards/manager/" in body
    assert "1 session held" in body
    assert "SECRET" not in body


def test_no_digest_for_a_manager_without_leaders_or_without_the_role(db, clock):
    lonely = UserFactory(roles=[Role.MANAGER])
    digest.manager_digests_owe()
    assert digest.manager_digest_build(Email.objects.get(ref=lonely.pk)) is None
    director, *_ = a_manager_with_leaders()
    digest.manager_digests_owe()
    director.groups.clear()
    assert digest.manager_digest_build(Email.objects.get(ref=director.pk)) is None


@pytest.mark.integration
def test_a_real_worker_delivers_the_digest_once(committed_db, outbox_worker, mail_dir):
    director, *_ = a_manager_with_leaders()
    tasks.manager_digests.delay()
    email = wait_for(lambda: Email.objects.filter(kind=digest.MANAGER_DIGEST).first())
    wait_for(lambda: Email.objects.get(pk=email.pk).status == Email.Status.SENT)
    tasks.manager_digests.delay()
    wait_for(worker_drained())
    assert mail_counts(mail_dir)[director.email] == 1


def test_a_beat_missed_on_the_first_still_owes_the_months_digest(db, clock, settings):
    """Beat down (a deploy, a restart) at 07:45 on the 1st: the schedule runs again the
    next day, and that run owes the month's digest; the month's key keeps it to one."""
    from celery.schedules import crontab

    a_manager_with_leaders()
    schedule = settings.CELERY_BEAT_SCHEDULE["dashboards-manager-digests"]["schedule"]
    assert isinstance(schedule, crontab)
    assert len(schedule.day_of_month) == 31, "runs every day, not only on the 1st"
    clock.advance(days=1)  # the 2nd: nothing was owed on the 1st
    assert tasks.manager_digests.delay().get() == 1
    clock.advance(days=1)
    assert tasks.manager_digests.delay().get() == 0

import pytest

from mentorship.models import Pairing
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from tests.mentorship.factories import PairingFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_hr_sees_every_leader(hr, leader, other_leader):
    # The leaders' managers are not leaders, so they are not in scope.
    assert set(leaders_visible_to(hr)) == {leader, other_leader}


def test_leader_sees_only_themselves(leader, other_leader):
    assert list(leaders_visible_to(leader)) == [leader]


def test_mentor_sees_active_mentees_only(mentor, leader, other_leader):
    PairingFactory(mentor=mentor, mentee=leader)
    PairingFactory(
        mentor=mentor,
        mentee=other_leader,
        status=Pairing.Status.ENDED,
        ended_on="2024-05-01",
    )
    assert list(leaders_visible_to(mentor)) == [leader]


def test_user_without_role_sees_nobody(nobody, leader):
    assert not leaders_visible_to(nobody).exists()


def test_cohorts_follow_the_visible_leaders_and_hr_sees_every_cohort(
    hr, mentor, leader, other_leader, nobody
):
    mine = EnrollmentFactory(leader=leader, status="withdrawn").cohort
    theirs = EnrollmentFactory(leader=other_leader).cohort
    empty = CohortFactory()
    PairingFactory(mentor=mentor, mentee=leader)
    assert set(cohorts_visible_to(hr)) == {mine, theirs, empty}
    assert list(cohorts_visible_to(leader)) == list(cohorts_visible_to(mentor)) == [mine]
    assert not cohorts_visible_to(nobody).exists()

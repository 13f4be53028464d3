"""The feedback world the attacks in docs/privacy.md are tried in (the attackers' own
steps are in attack.py)."""

import dataclasses
import datetime

import pytest

from feedback.models import Cycle
from mentorship.models import Pairing
from tests.feedback.factories import CycleFactory
from tests.mentorship.factories import PairingFactory
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory
from tests.privacy.attack import DUE_AT, OPENS_AT
from tests.programs.factories import CohortFactory, EnrollmentFactory


@dataclasses.dataclass
class World:
    cycle: Cycle
    leader: object
    manager: object
    mentor: object
    reports: list
    peers: list  # the leader's colleagues: same manager, in the directory


@pytest.fixture
def world(db, clock, leader, mentor) -> World:
    """Today is 1 February 2027 (the clock fixture), a month before the cycle opens.
    Leo Grant (a leader) in a cohort with a scheduled cycle: his manager, his mentor
    Mia, three direct reports, and three peers who report to the same manager."""
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    cycle = CycleFactory(cohort=cohort, opens_at=OPENS_AT, due_at=DUE_AT, anonymity_threshold=3)
    manager = leader.manager
    PairingFactory(mentor=mentor, mentee=leader, status=Pairing.Status.ACTIVE)
    EnrollmentFactory(cohort=cohort, leader=leader)
    reports = [
        UserFactory(manager=leader, full_name=f"Report {n}", email=f"report{n}@example.com")
        for n in range(1, 4)
    ]
    peers = [
        UserFactory(manager=manager, full_name=f"Peer {n}", email=f"peer{n}@example.com")
        for n in range(1, 4)
    ]
    return World(cycle, leader, manager, mentor, reports, peers)


@pytest.fixture
def second_mentor(db):
    return MentorFactory(email="second.mentor@example.com", full_name="Sam Second")


@pytest.fixture
def another_leader(db):
    return LeaderFactory(email="another.leader@example.com", full_name="Ana Other")

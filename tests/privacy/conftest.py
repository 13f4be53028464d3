"""A feedback world for the attacks in docs/privacy.md, and helpers that act as each
attacker does: through the API, the pages, the emailed rater links and the admin."""

import dataclasses
import datetime

import pytest
from django.test import TestCase

from feedback.links import request_token
from feedback.models import Cycle, RaterRequest
from feedback.services import cycle_release, feedback_tick
from mentorship.models import Pairing
from tests.feedback.factories import CycleFactory
from tests.mentorship.factories import PairingFactory
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

UTC = datetime.UTC
OPENS_AT = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
DUE_AT = datetime.datetime(2027, 3, 11, 8, 0, tzinfo=UTC)


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


def committed(function, *args, **kwargs):
    """Run a service as if its transaction committed, so on-commit emails are sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def open_cycle(clock, cycle: Cycle) -> None:
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    committed(feedback_tick)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN


def release(cycle: Cycle) -> None:
    committed(cycle_release, cycle=cycle)
    cycle.refresh_from_db()


def link_of(request: RaterRequest) -> str:
    """The rater-link API path from the emailed token."""
    return f"/api/v1/feedback/respond/{request_token(request)}/"


def answer(anon_api, request: RaterRequest, ratings: dict | int, comment: str = ""):
    """Answer through the emailed link as the rater does. ``ratings`` is one value for
    every statement, or {question_id: value} with None meaning "can't say"."""
    form = anon_api.get(link_of(request)).json()
    answers = []
    for question in form["questions"]:
        if question["kind"] == "comment":
            answers.append({"question": question["id"], "text": comment})
            continue
        value = ratings.get(question["id"], 4) if isinstance(ratings, dict) else ratings
        if value is None:
            answers.append({"question": question["id"], "cant_say": True})
        else:
            answers.append({"question": question["id"], "rating": value})
    response = anon_api.post(link_of(request), {"answers": answers}, format="json")
    assert response.status_code == 201, response.content
    return response


def requests_of(cycle: Cycle, subject, group: str) -> list[RaterRequest]:
    return list(
        RaterRequest.objects.filter(cycle=cycle, subject=subject, group=group).order_by("pk")
    )


@pytest.fixture
def second_mentor(db):
    return MentorFactory(email="second.mentor@example.com", full_name="Sam Second")


@pytest.fixture
def another_leader(db):
    return LeaderFactory(email="another.leader@example.com", full_name="Ana Other")

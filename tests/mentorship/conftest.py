from dataclasses import dataclass

import pytest

from mentorship.models import ActionItem, Goal, MentoringSession, Pairing
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.people.factories import MentorFactory
from tests.programs.factories import competency


@dataclass
class World:
    pairing: Pairing
    other_pairing: Pairing
    session: MentoringSession
    other_session: MentoringSession
    mentee_item: ActionItem
    mentor_item: ActionItem
    goal: Goal
    other_goal: Goal


@pytest.fixture
def other_mentor(db):
    return MentorFactory(email="other.mentor@example.com", full_name="Omar Diaz")


@pytest.fixture
def world(mentor, other_mentor, leader, other_leader) -> World:
    """mentor ↔ leader and other_mentor ↔ other_leader, each with a held session (with
    private notes), action items and a goal."""
    MentorProfileFactory(user=mentor, capacity=3, active_mentees=1)
    MentorProfileFactory(user=other_mentor, capacity=3, active_mentees=1)
    pairing = PairingFactory(mentor=mentor, mentee=leader)
    other_pairing = PairingFactory(mentor=other_mentor, mentee=other_leader)
    session = MentoringSessionFactory(pairing=pairing)
    session.topics.set([competency("communication")])
    other_session = MentoringSessionFactory(
        pairing=other_pairing, private_notes="Another mentor's own notes."
    )
    return World(
        pairing=pairing,
        other_pairing=other_pairing,
        session=session,
        other_session=other_session,
        mentee_item=ActionItemFactory(session=session, owner="mentee"),
        mentor_item=ActionItemFactory(session=session, owner="mentor"),
        goal=GoalFactory(mentee=leader, pairing=pairing),
        other_goal=GoalFactory(mentee=other_leader, pairing=other_pairing),
    )

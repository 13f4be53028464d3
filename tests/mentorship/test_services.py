import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common.errors import ApplicationError, CapacityError, TransitionError
from mentorship import selectors, services
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from people.roles import Role, grant_role
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import EnrollmentFactory, competency

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def pair(mentor, mentee, **kwargs):
    kwargs.setdefault("started_on", timezone.localdate() - datetime.timedelta(days=60))
    return services.pairing_create(mentor=mentor, mentee=mentee, by=None, **kwargs)


# ---------------------------------------------------------------- pairing rules


def test_pairing_takes_a_seat_and_creates_the_profile_on_demand(mentor, leader):
    pairing = pair(mentor, leader, objectives="Grow as a coach")
    profile = MentorProfile.objects.get(user=mentor)
    assert pairing.status == Pairing.Status.ACTIVE
    assert profile.capacity == 3
    assert profile.active_mentees == 1


def test_pairing_requires_a_mentor_and_a_leader(mentor, leader, nobody):
    with pytest.raises(ValidationError) as error:
        pair(nobody, leader)
    assert "mentor" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        pair(mentor, nobody)
    assert "mentee" in error.value.message_dict
    assert not Pairing.objects.exists()


def test_a_mentor_cannot_mentor_themselves(leader):
    grant_role(leader, Role.MENTOR)
    with pytest.raises(ValidationError) as error:
        pair(leader, leader)
    assert "mentor" in error.value.message_dict


@pytest.mark.parametrize("levels_up", [1, 2, 3])
def test_mentor_in_the_reporting_line_at_any_depth_is_refused(levels_up):
    # leader → manager → director → vp: each of them may not mentor the leader.
    vp = MentorFactory(full_name="Vera Vp")
    director = UserFactory(manager=vp)
    manager = UserFactory(manager=director)
    leader = LeaderFactory(manager=manager)
    chain = {1: manager, 2: director, 3: vp}
    line_mentor = chain[levels_up]
    grant_role(line_mentor, Role.MENTOR)
    with pytest.raises(ValidationError) as error:
        pair(line_mentor, leader)
    assert "reporting line" in error.value.message_dict["mentor"][0]
    assert not Pairing.objects.exists()


def test_a_mentor_outside_the_reporting_line_is_fine_even_with_a_cycle_in_hr_data(mentor):
    a = UserFactory()
    b = UserFactory(manager=a)
    a.manager = b
    a.save()  # a ↔ b: a loop in imported HR data must not hang the check
    leader = LeaderFactory(manager=a)
    assert pair(mentor, leader).pk
    assert [m.pk for m in selectors.reporting_line(leader)] == [a.pk, b.pk]


def test_capacity_full_is_a_conflict_and_changes_nothing(mentor):
    MentorProfileFactory(user=mentor, capacity=1)
    pair(mentor, LeaderFactory())
    with pytest.raises(CapacityError):
        pair(mentor, LeaderFactory())
    assert Pairing.objects.count() == 1
    assert MentorProfile.objects.get(user=mentor).active_mentees == 1


def test_capacity_is_a_database_constraint():
    profile = MentorProfileFactory(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorProfile.objects.filter(pk=profile.pk).update(active_mentees=2)


def test_only_one_active_pairing_per_pair(mentor, leader):
    first = pair(mentor, leader)
    with pytest.raises(ApplicationError) as error:
        pair(mentor, leader)
    assert "already mentoring" in error.value.message
    assert MentorProfile.objects.get(user=mentor).active_mentees == 1
    services.pairing_end(pairing=first, by=None)
    assert pair(mentor, leader).pk != first.pk


def test_inactive_mentor_profile_takes_no_mentees(mentor, leader):
    MentorProfileFactory(user=mentor, is_active=False)
    with pytest.raises(ApplicationError):
        pair(mentor, leader)


# ---------------------------------------------------------------- mentor profiles


def test_mentor_profile_update_changes_only_what_it_is_given(hr, mentor, leader):
    pair(mentor, leader)
    profile = MentorProfile.objects.get(user=mentor)
    profile.expertise.set([competency("communication")])
    services.mentor_profile_update(profile=profile, by=hr, dimensions=["success"])
    profile.refresh_from_db()
    assert (profile.capacity, profile.active_mentees, profile.is_active) == (3, 1, True)
    assert [c.slug for c in profile.expertise.all()] == ["communication"]
    assert list(profile.dimension_expertise.values_list("dimension", flat=True)) == ["success"]


def test_mentor_profile_capacity_never_below_the_seats_taken(hr, mentor, leader, other_leader):
    pair(mentor, leader)
    pair(mentor, other_leader)
    stale = MentorProfile.objects.get(user=mentor)
    stale.active_mentees = 0  # read before the pairings: the database still refuses
    with pytest.raises(ValidationError) as error:
        services.mentor_profile_update(profile=stale, by=hr, capacity=1)
    assert "2 active mentees" in error.value.message_dict["capacity"][0]
    assert MentorProfile.objects.get(user=mentor).capacity == 3
    services.mentor_profile_update(profile=stale, by=hr, capacity=2)
    assert MentorProfile.objects.get(user=mentor).active_mentees == 2


def test_mentor_profile_refuses_an_unknown_dimension(hr, mentor):
    profile = MentorProfileFactory(user=mentor)
    with pytest.raises(ValidationError) as error:
        services.mentor_profile_update(profile=profile, by=hr, dimensions=["courage"])
    assert "courage" in error.value.message_dict["dimensions"][0]
    assert not profile.dimension_expertise.exists()


def test_enrollment_must_be_the_mentees(mentor, leader, other_leader):
    enrollment = EnrollmentFactory(leader=other_leader)
    with pytest.raises(ValidationError) as error:
        pair(mentor, leader, enrollment=enrollment)
    assert "enrollment" in error.value.message_dict


def test_ending_frees_the_seat_keeps_history_and_cancels_planned_sessions(
    mentor, leader, mailoutbox, django_capture_on_commit_callbacks
):
    pairing = pair(mentor, leader)
    held = MentoringSessionFactory(pairing=pairing)
    planned = MentoringSessionFactory(
        pairing=pairing,
        status=MentoringSession.Status.PLANNED,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.pairing_end(pairing=pairing, by=None)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED
    assert pairing.ended_on == timezone.localdate()
    assert MentorProfile.objects.get(user=mentor).active_mentees == 0
    held.refresh_from_db()
    planned.refresh_from_db()
    assert held.status == MentoringSession.Status.HELD
    assert planned.status == MentoringSession.Status.CANCELLED
    assert len(mailoutbox) == 1
    assert b"METHOD:CANCEL" in mailoutbox[0].attachments[0][1].encode()
    with pytest.raises(TransitionError):
        services.pairing_end(pairing=pairing, by=None)
    assert MentorProfile.objects.get(user=mentor).active_mentees == 0


def test_pairing_cannot_end_in_the_future_or_before_it_started(mentor, leader):
    pairing = pair(mentor, leader)
    with pytest.raises(ValidationError):
        services.pairing_end(
            pairing=pairing, by=None, ended_on=timezone.localdate() + datetime.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        services.pairing_end(
            pairing=pairing, by=None, ended_on=pairing.started_on - datetime.timedelta(days=1)
        )


# ---------------------------------------------------------------- session rules


@pytest.fixture
def pairing(mentor, leader):
    return pair(mentor, leader)


def log(pairing, **kwargs):
    kwargs.setdefault("starts_at", timezone.now() - datetime.timedelta(days=1))
    return services.session_create(pairing=pairing, by=pairing.mentor, **kwargs)


def test_logging_a_held_session_with_topics_and_action_items(pairing):
    session = log(
        pairing,
        topics=[competency("communication")],
        shared_notes="Shared",
        private_notes="Private",
        action_items=[
            services.ActionItemInput("Book 1:1s with the team", due_on=TODAY),
            services.ActionItemInput("Send the article", owner="mentor"),
        ],
    )
    assert [t.slug for t in session.topics.all()] == ["communication"]
    assert session.action_items.count() == 2
    assert session.logged_by == pairing.mentor


def test_a_held_session_cannot_be_in_the_future(pairing):
    with pytest.raises(ValidationError) as error:
        log(pairing, starts_at=timezone.now() + datetime.timedelta(hours=2))
    assert "starts_at" in error.value.message_dict
    assert not MentoringSession.objects.exists()


def test_a_planned_session_cannot_be_in_the_past(pairing):
    with pytest.raises(ValidationError) as error:
        log(pairing, status="planned", starts_at=timezone.now() - datetime.timedelta(hours=1))
    assert "starts_at" in error.value.message_dict


def test_no_session_before_the_pairing_started(pairing):
    with pytest.raises(ValidationError) as error:
        log(pairing, starts_at=timezone.now() - datetime.timedelta(days=61))
    assert "started" in error.value.message_dict["starts_at"][0]


def test_no_session_after_the_pairing_ended(mentor, leader):
    pairing = pair(mentor, leader)
    services.pairing_end(
        pairing=pairing, by=None, ended_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    pairing.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        log(pairing, starts_at=timezone.now() - datetime.timedelta(days=2))
    assert "ended" in error.value.message_dict["starts_at"][0]
    assert log(pairing, starts_at=timezone.now() - datetime.timedelta(days=20)).pk


@pytest.mark.parametrize("minutes", [4, 481])
def test_duration_is_5_to_480_minutes(pairing, minutes):
    with pytest.raises(ValidationError) as error:
        log(pairing, duration_minutes=minutes)
    assert "duration_minutes" in error.value.message_dict


def test_duration_is_also_a_database_constraint(pairing):
    session = MentoringSessionFactory(pairing=pairing)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentoringSession.objects.filter(pk=session.pk).update(duration_minutes=600)


def test_planning_moving_and_cancelling_send_invitations_with_rising_sequence(
    pairing, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        session = log(pairing, status="planned", starts_at=start)
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_update(
            session=session, by=pairing.mentor, starts_at=start + datetime.timedelta(days=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, by=pairing.mentor, shared_notes="Agenda")
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_cancel(session=session, by=pairing.mentor)
    assert session.sequence == 2
    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        "Mentoring session on " + start.strftime("%a %d %b, %H"),
        "Moved",
        "Cancelled",
    ]
    for message in mailoutbox:
        assert set(message.to) == {pairing.mentor.email, pairing.mentee.email}


def test_held_and_cancelled_sessions_do_not_change_status(pairing):
    held = log(pairing)
    with pytest.raises(TransitionError):
        services.session_update(session=held, by=pairing.mentor, status="planned")
    with pytest.raises(TransitionError):
        services.session_cancel(session=held, by=pairing.mentor)


def test_marking_a_planned_session_held_needs_its_time_to_have_come(pairing):
    planned = log(pairing, status="planned", starts_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.session_update(session=planned, by=pairing.mentor, status="held")
    held = services.session_update(
        session=planned,
        by=pairing.mentor,
        status="held",
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    assert held.status == "held"


# ---------------------------------------------------------------- items and goals


def test_action_item_owner_must_be_mentor_or_mentee():
    item = ActionItemFactory()
    with pytest.raises(ValidationError):
        services.action_item_update(item=item, owner="manager", by=item.created_by)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(owner="manager")


def test_goal_progress_is_0_to_100(leader):
    with pytest.raises(ValidationError) as error:
        services.goal_create(mentee=leader, title="Coach weekly", progress=101, by=leader)
    assert "progress" in error.value.message_dict
    goal = GoalFactory(mentee=leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(progress=150)


def test_reporting_progress_moves_the_goal_status(leader):
    goal = services.goal_create(mentee=leader, title="Run better 1:1s", by=leader)
    assert goal.status == Goal.Status.NOT_STARTED
    goal = services.goal_update(goal=goal, progress=30, by=leader)
    assert goal.status == Goal.Status.IN_PROGRESS
    goal = services.goal_update(goal=goal, progress=100, by=leader)
    assert goal.status == Goal.Status.ACHIEVED


def test_goal_pairing_must_be_the_mentees(leader, other_leader):
    other_pairing = PairingFactory(mentee=other_leader)
    with pytest.raises(ValidationError) as error:
        services.goal_create(mentee=leader, title="x", pairing=other_pairing, by=leader)
    assert "pairing" in error.value.message_dict


# ---------------------------------------------------------------- concurrency


def race(mentor, mentees) -> list[str]:
    """Pair ``mentor`` with each mentee from its own thread (own connection), all at once."""
    barrier = threading.Barrier(len(mentees))
    outcomes: list[str] = []

    def attempt(mentee):
        try:
            barrier.wait()
            pair(mentor, mentee)
            outcomes.append("paired")
        except CapacityError:
            outcomes.append("full")
        except ApplicationError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(m,)) for m in mentees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_capacity_holds_when_hr_pairs_the_same_mentor_at_the_same_moment(committed_db):
    """Four requests race for the last seat: exactly one wins, the rest get CapacityError."""
    mentor = MentorFactory()
    MentorProfileFactory(user=mentor, capacity=1)
    assert race(mentor, [LeaderFactory() for _ in range(4)]) == ["full", "full", "full", "paired"]
    assert Pairing.objects.filter(mentor=mentor).count() == 1
    assert MentorProfile.objects.get(user=mentor).active_mentees == 1


def test_the_same_pair_created_twice_at_once_is_one_pairing_and_one_seat(committed_db):
    mentor = MentorFactory()
    MentorProfileFactory(user=mentor, capacity=3)
    leader = LeaderFactory()
    assert race(mentor, [leader, leader, leader]) == ["conflict", "conflict", "paired"]
    assert Pairing.objects.filter(mentor=mentor, mentee=leader).count() == 1
    assert MentorProfile.objects.get(user=mentor).active_mentees == 1

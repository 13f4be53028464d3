import datetime

import pytest
from django.utils import timezone

from mentorship import selectors
from mentorship.models import Pairing
from people.roles import Role, grant_role
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.people.factories import LeaderFactory, MentorFactory
from tests.programs.factories import EnrollmentFactory, ProgramFactory, competency

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def names(suggestions) -> list[str]:
    return [s.mentor.full_name for s in suggestions]


def expert(name: str, slugs: list[str], **profile) -> object:
    mentor = MentorFactory(full_name=name)
    MentorProfileFactory(user=mentor, **profile).expertise.set([competency(s) for s in slugs])
    return mentor


def test_needed_competencies_put_open_goals_before_program_competencies(leader):
    program = ProgramFactory()
    program.competencies.set([competency("talent-management"), competency("communication")])
    EnrollmentFactory(leader=leader, cohort__program=program)
    GoalFactory(mentee=leader, competency=competency("communication"))
    GoalFactory(mentee=leader, competency=competency("relationships"), status="achieved")
    needed = [c.slug for c in selectors.mentee_needed_competencies(leader)]
    assert needed == ["communication", "talent-management"]


def test_suggestions_rank_by_coverage_then_free_seats_then_name(leader):
    needed = [competency("communication"), competency("relationships")]
    expert("Cara Covers-One", ["communication"], capacity=3)
    expert("Bo Covers-Both-Busy", ["communication", "relationships"], capacity=3, active_mentees=2)
    expert("Al Covers-Both", ["communication", "relationships"], capacity=3, active_mentees=2)
    expert("Dee Covers-None", ["problem-solving"], capacity=5)
    ranked = selectors.mentor_suggestions(mentee=leader, needed=needed)
    assert names(ranked) == [
        "Al Covers-Both",
        "Bo Covers-Both-Busy",
        "Cara Covers-One",
        "Dee Covers-None",
    ]
    assert [s.score for s in ranked] == [100, 100, 50, 0]
    assert ranked[3].explanation == (
        "covers none of communication and relationships; 5 of 5 seats free"
    )


def test_suggestions_leave_out_who_cannot_take_the_leader(leader):
    needed = [competency("communication")]
    expert("Full Fiona", ["communication"], capacity=1, active_mentees=1)
    expert("Paused Paul", ["communication"], is_active=False)
    already = expert("Already Ann", ["communication"])
    PairingFactory(mentor=already, mentee=leader)
    grant_role(leader.manager, Role.MENTOR)  # in the reporting line
    MentorFactory(full_name="No Profile Nick")  # counts with the default capacity
    assert names(selectors.mentor_suggestions(mentee=leader, needed=needed)) == ["No Profile Nick"]


def test_suggestions_leave_out_the_managers_manager(leader):
    director = leader.manager
    vp = MentorFactory(full_name="Vic Vp")
    director.manager = vp
    director.save()
    assert "Vic Vp" not in names(selectors.mentor_suggestions(mentee=leader, needed=[]))


def test_explanation_without_needs(leader):
    expert("Solo", [], capacity=2)
    (only,) = selectors.mentor_suggestions(mentee=leader, needed=[])
    assert only.explanation == "no specific competencies needed yet; 2 of 2 seats free"


def test_mentee_overview_counts(mentor, leader):
    pairing = PairingFactory(mentor=mentor, mentee=leader)
    today = datetime.date(2026, 11, 28)
    in_quarter = timezone.now().replace(year=2026, month=10, day=5)
    last_quarter = timezone.now().replace(year=2026, month=9, day=20)
    MentoringSessionFactory(pairing=pairing, starts_at=in_quarter)
    old = MentoringSessionFactory(pairing=pairing, starts_at=last_quarter)
    MentoringSessionFactory(pairing=pairing, starts_at=in_quarter, status="cancelled")
    ActionItemFactory(session=old)
    ActionItemFactory(session=old, done_at=timezone.now())
    GoalFactory(mentee=leader, progress=20)
    GoalFactory(mentee=leader, progress=60)
    GoalFactory(mentee=leader, progress=100, status="achieved")
    (row,) = selectors.mentee_overview(mentor=mentor, today=today)
    assert row.sessions_this_quarter == 1
    assert row.last_contact == in_quarter
    assert row.open_action_items == 1
    assert row.open_goals == 2
    assert row.goals_progress == 40


def test_a_mentor_loses_sight_of_a_pairing_when_it_ends(mentor, leader, hr):
    pairing = PairingFactory(mentor=mentor, mentee=leader)
    MentoringSessionFactory(pairing=pairing)
    Pairing.objects.filter(pk=pairing.pk).update(status="ended", ended_on=timezone.localdate())
    assert not selectors.session_list(user=mentor).exists()
    assert selectors.session_list(user=leader).count() == 1
    assert selectors.session_list(user=hr).count() == 1


def test_calendar_holds_only_own_planned_and_held_sessions(mentor, leader):
    pairing = PairingFactory(mentor=mentor, mentee=leader)
    held = MentoringSessionFactory(pairing=pairing)
    MentoringSessionFactory(pairing=pairing, status="cancelled")
    MentoringSessionFactory(pairing=PairingFactory(mentee=LeaderFactory()))
    assert list(selectors.calendar_sessions(user=leader)) == [held]
    assert list(selectors.calendar_sessions(user=mentor)) == [held]


def test_covering_the_most_needed_competency_wins_a_tie(leader):
    needed = [competency("communication"), competency("relationships")]
    expert("Aaron Second-Need", ["relationships"], capacity=5)
    expert("Zoe First-Need", ["communication"], capacity=3)
    ranked = selectors.mentor_suggestions(mentee=leader, needed=needed)
    assert names(ranked) == ["Zoe First-Need", "Aaron Second-Need"]


def test_withdrawn_programs_are_not_needs_but_completed_ones_still_are(leader, other_leader):
    withdrawn = ProgramFactory()
    withdrawn.competencies.set([competency("problem-solving")])
    EnrollmentFactory(leader=leader, cohort__program=withdrawn, status="withdrawn")
    completed = ProgramFactory()
    completed.competencies.set([competency("relationships")])
    EnrollmentFactory(leader=leader, cohort__program=completed, status="completed")
    EnrollmentFactory(leader=other_leader, cohort__program=completed, status="withdrawn")
    needed = [c.slug for c in selectors.mentee_needed_competencies(leader)]
    assert needed == ["relationships"]


@pytest.mark.parametrize("days_since", [0, 29, 30, 31])
@pytest.mark.parametrize("held", [True, False], ids=["after-a-session", "never-met"])
def test_the_quiet_rule_agrees_in_python_and_in_sql_at_the_boundary(db, days_since, held):
    """Quiet from 30 days on, counted from the last held session or the pairing's start."""
    day = datetime.date(2027, 3, 31)
    spell_start = day - datetime.timedelta(days=days_since)
    pairing = PairingFactory(started_on=spell_start - datetime.timedelta(days=60 if held else 0))
    if held:
        MentoringSessionFactory(
            pairing=pairing,
            starts_at=datetime.datetime.combine(
                spell_start, datetime.time(10), tzinfo=datetime.UTC
            ),
        )

    annotated = selectors.with_quiet(Pairing.objects.filter(pk=pairing.pk), day=day).get()

    python = selectors.is_quiet(
        last_contact=annotated.last_contact, started_on=pairing.started_on, day=day
    )
    assert annotated.is_quiet == python == (days_since >= 30)
    assert (
        annotated.quiet_since
        == selectors.quiet_since(last_contact=annotated.last_contact, started_on=pairing.started_on)
        == spell_start
    )

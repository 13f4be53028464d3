"""Building a development plan from a released report, and what follows from it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common.errors import ApplicationError
from common.models import AuditEvent, Email
from mentorship.models import Goal
from plans import emails as plan_emails
from plans.models import CheckIn, Comment, Focus, Plan
from plans.selectors import cohort_plan_coverage, plan_options, plan_outcome
from plans.services import (
    FocusInput,
    check_in_submit,
    check_ins_due,
    comment_add,
    plan_create,
    plan_reminders_owe,
)
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import committed
from tests.metrics.factories import metric
from tests.people.factories import LeaderFactory
from tests.plans.world import UTC, WEAKEST, released_cycle
from tests.programs.factories import EnrollmentFactory

LATER = datetime.date(2027, 6, 30)


def focus(dimension: str, **overrides) -> FocusInput:
    values = {
        "dimension": dimension,
        "goal": f"Work on {dimension} every week",
        "measure": "Two team members say so in the next pulse",
        "target_date": LATER,
    }
    return FocusInput(**(values | overrides))


def test_the_options_put_the_dimension_leaning_most_to_management_first(world):
    options = plan_options(leader=world.leader, cycle=world.cycle)
    assert [row["dimension"] for row in options[:2]] == list(WEAKEST)
    assert options[0]["balance"] < options[1]["balance"] < options[2]["balance"]
    assert options[0]["modules"] == [world.modules["relationships"]]
    assert len(options) == 9


def test_a_leader_builds_a_plan_with_a_goal_per_focus_followed_by_their_mentor(world):
    plan = committed(
        plan_create,
        leader=world.leader,
        cycle=world.cycle,
        focuses=[
            focus("relationships", modules=[world.modules["relationships"]], topics="1:1s"),
            focus("communication", metric=metric("team_engagement")),
        ],
        by=world.leader,
    )
    focuses = list(plan.focuses.select_related("goal"))
    assert [f.dimension for f in focuses] == ["relationships", "communication"]
    goal = focuses[0].goal
    assert (goal.mentee, goal.dimension, goal.target_date) == (world.leader, "relationships", LATER)
    assert goal.pairing.mentor == world.mentor, "the mentor follows it like any goal"
    assert list(focuses[0].modules.all()) == [world.modules["relationships"]]
    assert focuses[1].metric.code == "team_engagement"
    event = AuditEvent.objects.get(action="plan.create")
    assert event.changes["focuses"] == [None, ["relationships", "communication"]]
    email = Email.objects.get(kind=plan_emails.PLAN_BUILT)
    assert email.to == world.mentor.email


@pytest.mark.parametrize(
    ("focuses", "field"),
    [
        ([], "focuses"),
        ([focus(d) for d in ("focus", "approach", "success", "development")], "focuses"),
        ([focus("relationships"), focus("relationships")], "focuses.1.dimension"),
        ([focus("charisma")], "focuses.0.dimension"),
        ([focus("relationships", goal=" ")], "focuses.0.goal"),
        ([focus("relationships", measure="")], "focuses.0.measure"),
        ([focus("relationships", target_date=None)], "focuses.0.target_date"),
        ([focus("relationships", target_date=datetime.date(2027, 3, 1))], "focuses.0.target_date"),
    ],
)
def test_a_plan_that_breaks_a_rule_is_refused_by_field_and_writes_nothing(world, focuses, field):
    with pytest.raises(ValidationError) as error:
        plan_create(leader=world.leader, cycle=world.cycle, focuses=focuses, by=world.leader)
    assert field in error.value.message_dict
    assert not Plan.objects.exists() and not Goal.objects.exists()


def test_modules_of_another_program_are_refused(world):
    from tests.programs.factories import ModuleFactory

    stranger = ModuleFactory()
    with pytest.raises(ValidationError) as error:
        plan_create(
            leader=world.leader,
            cycle=world.cycle,
            focuses=[focus("relationships", modules=[stranger])],
            by=world.leader,
        )
    assert "focuses.0.modules" in error.value.message_dict


def test_a_report_not_released_or_about_someone_else_cannot_have_a_plan(world):
    pending = CycleFactory(cohort=world.cohort)
    with pytest.raises(ValidationError) as error:
        plan_create(leader=world.leader, cycle=pending, focuses=[focus("focus")], by=world.leader)
    assert "cycle" in error.value.message_dict
    other = LeaderFactory()
    with pytest.raises(ValidationError):
        plan_create(leader=other, cycle=world.cycle, focuses=[focus("focus")], by=other)


def test_one_plan_per_report(world):
    plan_create(leader=world.leader, cycle=world.cycle, focuses=[focus("focus")], by=world.leader)
    with pytest.raises(ApplicationError):
        plan_create(
            leader=world.leader, cycle=world.cycle, focuses=[focus("success")], by=world.leader
        )
    assert Plan.objects.count() == 1 and Goal.objects.count() == 1


def test_a_comment_tells_the_others_following_the_plan_and_keeps_its_words_out_of_the_audit(
    world,
):
    plan = plan_create(
        leader=world.leader, cycle=world.cycle, focuses=[focus("focus")], by=world.leader
    )
    comment = comment_add(plan=plan, body="  Try a weekly 1:1.  ", by=world.mentor)
    assert comment.body == "Try a weekly 1:1."
    email = Email.objects.get(kind=plan_emails.COMMENT_ADDED)
    assert email.to == world.leader.email, "not the author"
    event = AuditEvent.objects.get(action="plan.comment")
    assert "weekly" not in str(event.changes)
    with pytest.raises(ValidationError):
        comment_add(plan=plan, body="   ", by=world.mentor)
    assert Comment.objects.count() == 1
    message = plan_emails.comment_added_build(email)
    assert (
        message.subject
        == f"{world.mentor.full_name} commented on {world.leader.full_name}'s development plan"
    )
    assert "weekly" not in message.body, "the words stay in Lodestar"

    reply = comment_add(plan=plan, body="Will do.", by=world.leader)
    to_mentor = Email.objects.get(kind=plan_emails.COMMENT_ADDED, ref=reply.pk)
    assert to_mentor.to == world.mentor.email
    assert plan_emails.comment_added_build(to_mentor).subject == (
        f"{world.leader.full_name} commented on their development plan"
    )


def test_check_ins_fall_due_on_the_cohorts_cadence_once_and_move_each_goal(world, clock):
    world.cohort.checkin_weeks = 2
    world.cohort.save()
    plan = plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[focus("relationships"), focus("communication")],
        by=world.leader,
    )
    assert check_ins_due(today=datetime.date(2027, 4, 2)) == 0, "13 days: not yet"
    assert check_ins_due(today=datetime.date(2027, 4, 3)) == 1
    assert check_ins_due(today=datetime.date(2027, 4, 3)) == 0, "twice: nothing more"
    check_in = CheckIn.objects.get(plan=plan)
    assert Email.objects.filter(kind=plan_emails.CHECK_IN_DUE).count() == 1

    first, second = plan.focuses.all()
    check_in_submit(
        check_in=check_in,
        progress={first.pk: 40, second.pk: 10},
        note="Weekly 1:1s started.",
        by=world.leader,
    )
    first.goal.refresh_from_db()
    assert (first.goal.progress, first.goal.status) == (40, Goal.Status.IN_PROGRESS)
    with pytest.raises(ApplicationError):
        check_in_submit(
            check_in=check_in, progress={first.pk: 50, second.pk: 10}, note="", by=world.leader
        )
    assert check_ins_due(today=datetime.date(2027, 4, 16)) == 0
    assert check_ins_due(today=datetime.date(2027, 4, 17)) == 1, "two weeks after the last"
    # A pause of six weeks opens the latest due check-in only, not three.
    assert check_ins_due(today=datetime.date(2027, 5, 31)) == 1
    assert list(CheckIn.objects.filter(plan=plan).values_list("due_on", flat=True)) == [
        datetime.date(2027, 5, 29),
        datetime.date(2027, 4, 17),
        datetime.date(2027, 4, 3),
    ]


def test_a_check_in_must_give_every_goal_a_percentage(world):
    plan = plan_create(
        leader=world.leader, cycle=world.cycle, focuses=[focus("focus")], by=world.leader
    )
    check_in = CheckIn.objects.create(plan=plan, due_on=datetime.date(2027, 4, 1))
    only = plan.focuses.get()
    for progress in ({}, {only.pk: 101}, {only.pk: -1}):
        with pytest.raises(ValidationError):
            check_in_submit(check_in=check_in, progress=progress, note="", by=world.leader)
    check_in.refresh_from_db()
    assert check_in.submitted_at is None


def test_leaders_without_a_plan_are_reminded_weekly_until_the_due_day(world):
    world.cohort.plan_due_days = 14
    world.cohort.save()
    released = world.cycle.released_at.date()  # 11 March
    assert plan_reminders_owe(today=released) == 0
    assert plan_reminders_owe(today=released + datetime.timedelta(days=3)) == 0
    assert plan_reminders_owe(today=released + datetime.timedelta(days=7)) == 1
    assert plan_reminders_owe(today=released + datetime.timedelta(days=7)) == 0, "once a day"
    assert plan_reminders_owe(today=released + datetime.timedelta(days=14)) == 1
    assert plan_reminders_owe(today=released + datetime.timedelta(days=21)) == 0, "past due"
    plan_create(leader=world.leader, cycle=world.cycle, focuses=[focus("focus")], by=world.leader)
    world.cohort.plan_due_days = 21
    world.cohort.save()
    assert plan_reminders_owe(today=released + datetime.timedelta(days=21)) == 0, "has a plan"


def test_the_next_report_shows_focus_dimensions_before_and_after_next_to_the_others(world, clock):
    plan = plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[focus("relationships"), focus("communication")],
        by=world.leader,
    )
    assert plan_outcome(plan=plan, viewer=world.leader) is None, "no later report yet"
    later = {
        ("relationships", "management"): 4,
        ("relationships", "leadership"): 4,
        ("communication", "management"): 4,
        ("communication", "leadership"): 4,
    }
    released_cycle(
        clock,
        world.cohort,
        world.leader,
        opens=datetime.datetime(2027, 9, 1, 8, tzinfo=UTC),
        table=later,
    )
    outcome = plan_outcome(plan=plan, viewer=world.leader)
    rows = {row["dimension"]: row for row in outcome["dimensions"]}
    assert (rows["relationships"]["before"], rows["relationships"]["after"]) == (-3, 0)
    assert rows["relationships"]["in_focus"] and not rows["focus"]["in_focus"]
    assert outcome["focus_change"] == 2.5  # (+3 and +2) / 2
    assert outcome["other_change"] == 0
    assert plan_outcome(plan=plan, viewer=world.mentor) is None, "the report was not shared"


def test_the_cohorts_plan_coverage_costs_four_queries_whatever_its_size(
    world, clock, django_assert_num_queries
):
    from tests.feedback.factories import RaterRequestFactory
    from tests.programs.factories import EnrollmentFactory

    day = datetime.date(2027, 3, 20)
    for size in (1, 6):
        while world.cycle.requests.values("subject").distinct().count() < size:
            leader = LeaderFactory()
            EnrollmentFactory(cohort=world.cohort, leader=leader)
            RaterRequestFactory(cycle=world.cycle, subject=leader, group="self")
            plan_create(leader=leader, cycle=world.cycle, focuses=[focus("focus")], by=leader)
        with django_assert_num_queries(4):
            coverage = cohort_plan_coverage(cohort=world.cohort, day=day)
        assert coverage["leaders"] == size


def test_hr_sees_how_many_of_the_cohort_built_a_plan_and_on_which_dimensions(world):
    day = datetime.date(2027, 3, 20)
    coverage = cohort_plan_coverage(cohort=world.cohort, day=day)
    assert (coverage["leaders"], coverage["with_plan"]) == (1, 0)
    plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[focus("relationships"), focus("communication")],
        by=world.leader,
    )
    coverage = cohort_plan_coverage(cohort=world.cohort, day=day)
    assert (coverage["leaders"], coverage["with_plan"]) == (1, 1)
    heat = {row["dimension"]: row["leaders"] for row in coverage["focus"]}
    assert heat["relationships"] == heat["communication"] == 1 and heat["focus"] == 0
    assert Focus.objects.count() == 2


def test_mentors_strong_at_the_plans_focus_are_suggested_first_and_told_why(world):
    """HR pairing a leader who has a plan: a mentor strong at its focus dimensions ranks
    above one who covers more competencies, and the explanation says so."""
    from mentorship.matching import focus_dimensions_for, needed_competencies_for
    from mentorship.models import MentorDimension
    from mentorship.selectors import mentor_suggestions
    from tests.mentorship.factories import MentorProfileFactory
    from tests.people.factories import MentorFactory
    from tests.programs.factories import competency

    plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[focus("relationships"), focus("communication")],
        by=world.leader,
    )
    broad = MentorFactory(full_name="Bea Broad")
    MentorProfileFactory(user=broad).expertise.set(
        [competency(slug) for slug in ("communication", "talent-management", "relationships")]
    )
    focused = MentorFactory(full_name="Fay Focused")
    profile = MentorProfileFactory(user=focused)
    MentorDimension.objects.create(profile=profile, dimension="relationships")

    focus_dims = focus_dimensions_for(world.leader)
    assert focus_dims == ["relationships", "communication"]
    ranked = mentor_suggestions(
        mentee=world.leader, needed=needed_competencies_for(world.leader), focus=focus_dims
    )
    names = [s.mentor.full_name for s in ranked]
    assert names.index("Fay Focused") < names.index("Bea Broad")
    fay = ranked[names.index("Fay Focused")]
    assert fay.explanation.startswith("strong at the plan's focus on relationships;")
    bea = ranked[names.index("Bea Broad")]
    assert bea.explanation.startswith("not strong at the plan's focus (relationships and ")


def test_program_impact_compares_focus_and_other_dimensions_from_recorded_balances(
    world, clock, django_assert_num_queries
):
    """Each plan keeps its report's balances and, once out, its leader's next report's;
    the program's figure is read from them, and withheld below three plans (the
    anonymity threshold: the kept figures are the reports as anyone sees them)."""
    from plans.selectors import program_plan_impact
    from plans.services import plan_outcomes_record
    from tests.plans.world import first_report_table

    leaders = [world.leader]
    cycles = {world.leader.pk: world.cycle}
    for _ in range(2):
        leader = LeaderFactory()
        EnrollmentFactory(cohort=world.cohort, leader=leader)
        cycles[leader.pk] = released_cycle(
            clock,
            world.cohort,
            leader,
            opens=datetime.datetime(2027, 3, 1, 8, tzinfo=UTC),
            table=first_report_table(),
        )
        leaders.append(leader)
    plans = [
        plan_create(
            leader=leader,
            cycle=cycles[leader.pk],
            focuses=[focus("relationships"), focus("communication")],
            by=leader,
        )
        for leader in leaders
    ]
    before = dict(plans[0].balances.values_list("dimension", "before"))
    assert before["relationships"] == -3 and before["focus"] == 0
    program = world.cohort.program
    assert plan_outcomes_record() == 0, "no later report yet"
    assert program_plan_impact(program=program)["overall"]["plans"] == 0

    later = {
        ("relationships", "management"): 4,
        ("relationships", "leadership"): 4,
        ("communication", "management"): 4,
        ("communication", "leadership"): 4,
        ("focus", "leadership"): 4,
    }
    opens = datetime.datetime(2027, 9, 1, 8, tzinfo=UTC)
    next_reports = [
        released_cycle(clock, world.cohort, leader, opens=opens, table=later) for leader in leaders
    ]
    # Two of the three plans have their outcome: too few to show.
    Plan.objects.filter(pk=plans[2].pk).update(outcome_cycle=next_reports[2])
    assert plan_outcomes_record() == 2
    assert plan_outcomes_record() == 0, "each plan once"
    withheld = program_plan_impact(program=program)["overall"]
    assert withheld == {"plans": 2, "focus_change": None, "other_change": None, "withheld": True}

    Plan.objects.filter(pk=plans[2].pk).update(outcome_cycle=None)
    assert plan_outcomes_record() == 1
    plans[0].refresh_from_db()
    assert plans[0].outcome_cycle == next_reports[0]
    with django_assert_num_queries(2):
        impact = program_plan_impact(program=program)
    assert impact["overall"] == {
        "plans": 3,
        "focus_change": Decimal("2.50"),  # +3 and +2
        "other_change": Decimal("0.14"),  # focus +1, six others 0: 1/7
        "withheld": False,
    }
    assert impact["cohorts"][0]["cohort"]["id"] == world.cohort.pk
    before_release = datetime.date(2027, 9, 1)
    assert program_plan_impact(program=program, day=before_release)["overall"]["plans"] == 0

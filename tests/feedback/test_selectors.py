import datetime
from decimal import Decimal

import pytest

from feedback.models import Cycle, RaterGroup
from feedback.selectors import cycle_preview, cycle_progress, report_build
from feedback.services import response_submit
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.feedback.helpers import answers_for
from tests.people.factories import LeaderFactory

UTC = datetime.UTC
ANONYMOUS = ["mentor", "peer", "direct_report"]


@pytest.fixture
def open_cycle(db, clock):
    clock.set(datetime.datetime(2027, 3, 2, 8, tzinfo=UTC))
    return CycleFactory(
        status=Cycle.Status.OPEN,
        opens_at=datetime.datetime(2027, 3, 1, 8, tzinfo=UTC),
        due_at=datetime.datetime(2027, 3, 11, 8, tzinfo=UTC),
    )


@pytest.fixture
def subject(db):
    return LeaderFactory()


def answered(cycle, subject, group, count, *, management=3, leadership=4, comment=""):
    for _ in range(count):
        request = RaterRequestFactory(cycle=cycle, subject=subject, group=group)
        response_submit(
            request=request,
            answers=answers_for(
                cycle,
                by_side={"management": management, "leadership": leadership},
                comment=comment,
            ),
        )


def release(cycle):
    cycle.status = Cycle.Status.CLOSED
    cycle.released_at = cycle.due_at
    cycle.save()


def shown(report) -> dict:
    return {group["group"]: group["respondents"] for group in report["groups"]}


@pytest.mark.parametrize("group", ANONYMOUS)
def test_anonymous_group_below_threshold_is_withheld(open_cycle, subject, group):
    answered(open_cycle, subject, group, open_cycle.anonymity_threshold - 1, comment="Great")
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert group not in shown(report) and "others" not in shown(report)
    assert report["withheld_groups"] == [group]
    assert all(row["management"] is None for row in report["overall"]), "not in the overall"
    assert not any(group["comments"] for group in report["groups"])
    rates = {row["group"]: row["answered"] for row in report["response_rates"]}
    assert rates[group] == open_cycle.anonymity_threshold - 1


@pytest.mark.parametrize("group", ANONYMOUS)
def test_anonymous_group_at_threshold_is_shown(open_cycle, subject, group):
    answered(open_cycle, subject, group, open_cycle.anonymity_threshold, comment="Great")
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert shown(report) == {group: 3}
    assert report["withheld_groups"] == []
    profile = report["groups"][0]["profile"]
    assert {row["management"] for row in profile} == {3}
    assert {row["balance"] for row in profile} == {1}
    assert len(report["groups"][0]["comments"]) == 3 * 2


@pytest.mark.parametrize("group", ["self", "manager"])
def test_self_and_manager_are_shown_as_themselves(open_cycle, subject, group):
    answered(open_cycle, subject, group, 1)
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert shown(report) == {group: 1}
    overall_has_scores = report["overall"][0]["management"] is not None
    assert overall_has_scores == (group == "manager"), "self is never in the overall"


def test_small_groups_pool_into_others_when_the_pool_reaches_the_threshold(open_cycle, subject):
    answered(open_cycle, subject, "peer", 2, management=2)
    answered(open_cycle, subject, "direct_report", 1, management=5)
    answered(open_cycle, subject, "mentor", 3, management=4)
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert shown(report) == {"mentor": 3, "others": 3}
    others = next(g for g in report["groups"] if g["group"] == "others")
    assert others["profile"][0]["management"] == pytest.approx(3)  # (2+2+5)/3
    assert report["overall"][0]["management"] == pytest.approx(3.5)


def test_pool_below_threshold_is_withheld(open_cycle, subject):
    answered(open_cycle, subject, "peer", 1)
    answered(open_cycle, subject, "direct_report", 1)
    answered(open_cycle, subject, "manager", 1)
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert shown(report) == {"manager": 1}
    assert report["withheld_groups"] == ["peer", "direct_report"] or set(
        report["withheld_groups"]
    ) == {"peer", "direct_report"}


def test_scores_are_rounded_and_comments_sorted_not_by_arrival(open_cycle, subject):
    answered(open_cycle, subject, "peer", 1, management=1, comment="zebra")
    answered(open_cycle, subject, "peer", 1, management=2, comment="apple")
    answered(open_cycle, subject, "peer", 1, management=2, comment="mango")
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    peer = report["groups"][0]
    assert str(peer["profile"][0]["management"]) == "1.7"
    texts = [c["text"] for c in peer["comments"] if c["question"].endswith("keep doing?")]
    assert texts == ["apple", "mango", "zebra"]


def test_trend_shows_the_previous_released_cycle(open_cycle, subject):
    earlier = CycleFactory(
        cohort=open_cycle.cohort,
        status=Cycle.Status.OPEN,
        opens_at=datetime.datetime(2027, 1, 1, 8, tzinfo=UTC),
        due_at=datetime.datetime(2027, 6, 1, 8, tzinfo=UTC),
    )
    answered(earlier, subject, "peer", 3, management=2, leadership=2)
    release(earlier)
    answered(open_cycle, subject, "peer", 3, management=3, leadership=5)
    release(open_cycle)
    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    assert report["previous"]["cycle"]["id"] == earlier.pk
    assert report["previous"]["overall"][0]["leadership"] == 2
    assert report["overall"][0]["leadership"] == 5


def test_report_query_count_does_not_grow_with_raters(
    open_cycle, subject, django_assert_num_queries
):
    other_subject = LeaderFactory()
    answered(open_cycle, subject, "peer", 3)
    answered(open_cycle, other_subject, "peer", 12)
    answered(open_cycle, other_subject, "direct_report", 8)
    release(open_cycle)
    with django_assert_num_queries(5) as few:
        report_build(cycle=open_cycle, subject=subject, viewer=None)
    with django_assert_num_queries(len(few.captured_queries)):
        report_build(cycle=open_cycle, subject=other_subject, viewer=None)


def test_progress_counts_per_group_and_leader(open_cycle, subject):
    RaterRequestFactory(cycle=open_cycle, subject=subject, group=RaterGroup.PEER)
    RaterRequestFactory(cycle=open_cycle, subject=subject, group=RaterGroup.PEER, status="failed")
    answered(open_cycle, subject, "manager", 1)
    progress = cycle_progress(cycle=open_cycle)
    assert progress["totals"]["total"] == 3
    peers = next(row for row in progress["groups"] if row["group"] == "peer")
    assert (peers["sent"], peers["failed"]) == (1, 1)
    assert progress["leaders"][0]["completed"] == 1


def test_preview_lists_raters_and_local_times(db, clock):
    from tests.feedback.helpers import team_in

    cycle = CycleFactory(min_raters={"peer": 2})
    team = team_in(cycle.cohort, reports=1)
    preview = cycle_preview(cycle=cycle)
    assert preview["opens_local"] == "Mon 1 Mar 2027, 09:00"
    assert preview["reminders_local"][0] == "Thu 4 Mar 2027, 09:00"
    groups = {(p.rater.pk, p.group) for p in preview["raters"]}
    assert (team.leader.pk, "self") in groups and (team.manager.pk, "manager") in groups
    assert preview["shortfalls"] == [
        {
            "subject_id": team.leader.pk,
            "subject_name": team.leader.full_name,
            "group": "peer",
            "wanted": 2,
            "planned": 0,
        }
    ]


def test_a_score_resting_on_too_few_raters_is_withheld_even_in_a_shown_group(open_cycle, subject):
    """Three peers answered, but two said "can't say" to the focus/management statement:
    that score would be one peer's own answer, so the group does not show it, and the
    overall rests on the shown scores only (the manager's)."""
    focus_management = open_cycle.questionnaire.questions.get(dimension="focus", side="management")
    answered(open_cycle, subject, "manager", 1, management=2)
    for index in range(3):
        answers = answers_for(open_cycle, by_side={"management": 5, "leadership": 4})
        if index < 2:
            answers[focus_management.pk] = {"cant_say": True}
        request = RaterRequestFactory(cycle=open_cycle, subject=subject, group="peer")
        response_submit(request=request, answers=answers)
    release(open_cycle)

    report = report_build(cycle=open_cycle, subject=subject, viewer=None)
    peers = next(group for group in report["groups"] if group["group"] == "peer")
    by_dimension = {row["dimension"]: row for row in peers["profile"]}
    assert by_dimension["focus"]["management"] is None
    assert by_dimension["focus"]["balance"] is None
    assert by_dimension["focus"]["leadership"] == 4  # all three rated it
    assert by_dimension["approach"]["management"] == 5
    overall = {row["dimension"]: row for row in report["overall"]}
    assert overall["focus"]["management"] == 2  # the manager's alone, not the hidden peer's
    assert overall["approach"]["management"] == Decimal("4.3")  # (2 + 5·3) / 4, one decimal

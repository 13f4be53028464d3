"""The definition of "cannot be recovered": for random rater groups, "can't say"
patterns, thresholds and viewers, no figure a viewer is shown changes when any single
rating hidden from that viewer changes. A figure that moved would leak the rating."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Answer, Cycle, Question, RaterRequest, Response
from feedback.selectors import report_build
from tests.feedback.factories import CycleFactory
from tests.people.factories import LeaderFactory, UserFactory

ANONYMOUS = ("mentor", "peer", "direct_report")
RATING = st.one_of(st.none(), st.integers(min_value=1, max_value=5))


@pytest.fixture
def setting(db):
    cycle = CycleFactory(
        status=Cycle.Status.CLOSED,
        opens_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
        released_at=datetime.datetime(2026, 3, 20, tzinfo=datetime.UTC),
    )
    questions = list(
        cycle.questionnaire.questions.filter(kind=Question.Kind.RATING, dimension="focus")
    )
    return cycle, LeaderFactory(), UserFactory(), questions


def raters(maximum):
    return st.lists(st.tuples(RATING, RATING), max_size=maximum)


GROUPS = st.fixed_dictionaries(
    {
        "manager": raters(1),
        "mentor": raters(3),
        "peer": raters(6),
        "direct_report": raters(6),
    }
)


def _build(cycle, subject, viewer, questions, groups, viewer_group):
    """Store the answers, and the viewer's own completed request in ``viewer_group``."""
    for group, answers in groups.items():
        for position, ratings in enumerate(answers):
            response = Response.objects.create(cycle=cycle, subject=subject, group=group)
            Answer.objects.bulk_create(
                Answer(
                    response=response,
                    question=question,
                    rating=rating,
                    cant_say=rating is None,
                )
                for question, rating in zip(questions, ratings, strict=True)
            )
            if group == viewer_group and position == 0:
                RaterRequest.objects.create(
                    cycle=cycle,
                    subject=subject,
                    rater=viewer,
                    group=group,
                    status=RaterRequest.Status.COMPLETED,
                )


def _report(setting, groups, threshold, viewer_group):
    cycle, subject, viewer, questions = setting
    with transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(anonymity_threshold=threshold)
        cycle.refresh_from_db()
        _build(cycle, subject, viewer, questions, groups, viewer_group)
        report = report_build(cycle=cycle, subject=subject, viewer=viewer if viewer_group else None)
        transaction.set_rollback(True)
    return report


def _shown_cells(report) -> set[tuple[str, str]]:
    """(group, side) cells of the focus dimension whose score the report shows."""
    return {
        (group["group"], side)
        for group in report["groups"]
        for row in group["profile"]
        if row["dimension"] == "focus"
        for side in ("management", "leadership")
        if row[side] is not None
    }


def _shown_as(report, group: str) -> str | None:
    for shown in report["groups"]:
        if shown["group"] == group:
            return group
    return "others" if any(g["group"] == "others" for g in report["groups"]) else None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    groups=GROUPS,
    threshold=st.integers(min_value=3, max_value=5),
    viewer_group=st.sampled_from([None, *ANONYMOUS]),
)
def test_no_shown_figure_moves_when_a_hidden_rating_changes(
    setting, groups, threshold, viewer_group
):
    if viewer_group and not groups[viewer_group]:
        viewer_group = None
    report = _report(setting, groups, threshold, viewer_group)
    shown = _shown_cells(report)
    sides = ("management", "leadership")

    for group, answers in groups.items():
        for position, ratings in enumerate(answers):
            if group == viewer_group and position == 0:
                continue  # the viewer's own answers are theirs to know
            for index, rating in enumerate(ratings):
                if rating is None:
                    continue
                shown_as = group if group == "manager" else _pooled_name(report, group)
                if shown_as is not None and (shown_as, sides[index]) in shown:
                    continue  # this rating is part of a figure the viewer is shown
                changed = [list(r) for r in answers]
                changed[position][index] = 1 if rating != 1 else 5
                altered = {**groups, group: [tuple(r) for r in changed]}
                assert _report(setting, altered, threshold, viewer_group) == report, (
                    f"a hidden {group} rating moved a shown figure"
                )


def _pooled_name(report, group):
    names = [shown["group"] for shown in report["groups"]]
    if group in names:
        return group
    if group in report["withheld_groups"]:
        return None
    return "others" if "others" in names else None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    groups=GROUPS,
    threshold=st.integers(min_value=3, max_value=5),
    viewer_group=st.sampled_from(ANONYMOUS),
)
def test_a_viewer_is_shown_their_own_group_only_beside_the_threshold_of_others(
    setting, groups, threshold, viewer_group
):
    if not groups[viewer_group]:
        return
    report = _report(setting, groups, threshold, viewer_group)

    shown_as = _pooled_name(report, viewer_group)
    if shown_as is not None:
        group = next(g for g in report["groups"] if g["group"] == shown_as)
        assert group["respondents"] - 1 >= threshold

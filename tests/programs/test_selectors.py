"""Progress numbers, computed in the database for many enrollments at once, and scoping."""

import datetime
from decimal import Decimal

import pytest

from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from programs.models import Enrollment
from programs.selectors import (
    cohort_list,
    competency_progress,
    enrolled_by,
    enrollment_list,
    my_programs,
    percent,
    status_on,
    with_progress,
    withdrawn_by,
)
from tests.mentorship.factories import PairingFactory
from tests.programs.factories import (
    CohortFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
    competency,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    """Three required modules (two communication, one talent management) and one optional."""
    program = ProgramFactory()
    ModuleFactory(program=program, title="Talk", competency=competency("communication"))
    ModuleFactory(program=program, title="Listen", competency=competency("communication"))
    ModuleFactory(program=program, title="Hire", competency=competency("talent-management"))
    ModuleFactory(program=program, title="Extra", is_required=False)
    return program


def complete(enrollment, *titles):
    for title in titles:
        module = enrollment.program.modules.get(title=title)
        ModuleCompletionFactory(enrollment=enrollment, module=module)


def test_progress_counts_required_modules_only(program):
    cohort = CohortFactory(program=program)
    none, some, all_, extra_only = EnrollmentFactory.create_batch(4, cohort=cohort)
    complete(some, "Talk", "Extra")
    complete(all_, "Talk", "Listen", "Hire")
    complete(extra_only, "Extra")
    rows = {e.pk: e for e in with_progress(Enrollment.objects.all())}
    assert [(rows[e.pk].required_done, rows[e.pk].required_total) for e in (none, some, all_)] == [
        (0, 3),
        (1, 3),
        (3, 3),
    ]
    assert rows[some.pk].progress_percent == Decimal("33.3")
    assert rows[all_.pk].progress_percent == Decimal("100.0")
    assert rows[extra_only.pk].progress_percent == Decimal("0.0")


def test_progress_of_many_enrollments_is_one_query(program, django_assert_num_queries):
    cohort = CohortFactory(program=program, capacity=50)
    for enrollment in EnrollmentFactory.create_batch(20, cohort=cohort):
        complete(enrollment, "Talk")
    with django_assert_num_queries(1):
        rows = list(with_progress(Enrollment.objects.all()))
    assert {row.required_done for row in rows} == {1}


def test_progress_per_competency_for_many_enrollments_in_two_queries(
    program, django_assert_num_queries
):
    other_program = ProgramFactory()
    ModuleFactory(program=other_program, competency=competency("relationships"))
    first, second = EnrollmentFactory.create_batch(2, cohort=CohortFactory(program=program))
    third = EnrollmentFactory(cohort=CohortFactory(program=other_program))
    complete(first, "Talk", "Hire")
    complete(second, "Listen")
    with django_assert_num_queries(3):  # enrollments, totals, completions
        progress = competency_progress(enrollments=Enrollment.objects.all())
    summary = {
        pk: [(row.competency, row.required_done, row.required_total, row.percent) for row in rows]
        for pk, rows in progress.items()
    }
    assert summary[first.pk] == [
        ("Communication", 1, 2, Decimal("50.0")),
        ("Talent management", 1, 1, Decimal("100.0")),
    ]
    assert summary[second.pk] == [
        ("Communication", 1, 2, Decimal("50.0")),
        ("Talent management", 0, 1, Decimal("0.0")),
    ]
    assert summary[third.pk] == [("Relationships", 0, 1, Decimal("0.0"))]


def test_progress_as_of_a_day_counts_only_completions_done_by_then(program):
    enrollment = EnrollmentFactory(cohort=CohortFactory(program=program))
    for title, day in [("Talk", 9), ("Listen", 11), ("Extra", 10)]:
        ModuleCompletionFactory(
            enrollment=enrollment,
            module=program.modules.get(title=title),
            completed_on=datetime.date(2024, 4, day),
        )

    def done(day):
        (row,) = with_progress(Enrollment.objects.all(), as_of=datetime.date(2024, 4, day))
        (communication, _) = competency_progress(
            enrollments=[row], as_of=datetime.date(2024, 4, day)
        )[row.pk]
        return row.required_done, communication.required_done

    assert done(8) == (0, 0)
    assert done(10) == (1, 1)
    assert done(11) == (2, 2)


def test_status_on_a_past_day_follows_the_transition_timestamps(program):
    cohort = CohortFactory(program=program, starts_on=datetime.date(2024, 4, 8))
    moment = datetime.datetime(2024, 4, 9, 12, tzinfo=datetime.UTC)
    enrollment = EnrollmentFactory(
        cohort=cohort,
        status=Enrollment.Status.WITHDRAWN,
        activated_at=moment,
        withdrawn_at=moment + datetime.timedelta(days=2),
    )
    on = {day: status_on(enrollment, datetime.date(2024, 4, day)) for day in (8, 9, 10, 11)}
    assert on == {8: "invited", 9: "active", 10: "active", 11: "withdrawn"}
    # Existing on a day: created by then, or in a cohort that had started.
    existed = Enrollment.objects.filter(enrolled_by(datetime.date(2024, 4, 8)))
    assert list(existed) == [enrollment]
    assert not Enrollment.objects.filter(enrolled_by(datetime.date(2024, 4, 7))).exists()
    assert not Enrollment.objects.filter(withdrawn_by(datetime.date(2024, 4, 10))).exists()
    assert Enrollment.objects.filter(withdrawn_by(datetime.date(2024, 4, 11))).exists()


def test_a_program_without_required_modules_is_zero_percent():
    assert percent(0, 0) == Decimal("0.0")
    assert percent(2, 3) == Decimal("66.7")


def test_scope_follows_leaders_visible_to(hr, mentor, leader, other_leader):
    """The web layer passes leaders_visible_to / cohorts_visible_to down as arguments."""

    def enrollments(user):
        return enrollment_list(leaders=leaders_visible_to(user))

    def cohorts(user):
        return cohort_list(cohorts=cohorts_visible_to(user))

    mine = EnrollmentFactory(leader=leader)
    theirs = EnrollmentFactory(leader=other_leader)
    empty = CohortFactory()
    assert set(enrollments(hr)) == {mine, theirs}
    assert set(cohorts(hr)) == {mine.cohort, theirs.cohort, empty}
    assert list(enrollments(leader)) == [mine]
    assert list(enrollments(mentor)) == []
    assert list(cohorts(mentor)) == []
    PairingFactory(mentor=mentor, mentee=leader)
    assert list(enrollments(mentor)) == [mine]
    assert list(cohorts(mentor)) == [mine.cohort]
    assert list(cohorts(other_leader)) == [theirs.cohort]


def test_my_programs_skip_withdrawn_enrollments(leader, program):
    EnrollmentFactory(leader=leader, status="withdrawn")
    active = EnrollmentFactory(leader=leader, cohort=CohortFactory(program=program))
    complete(active, "Talk")
    (item,) = my_programs(leader=leader)
    assert item.enrollment == active
    assert [row["completion"] is not None for row in item.modules] == [True, False, False, False]

"""Enrollment rules: seats, transitions, completion rule, module completions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from common.errors import ApplicationError, CapacityError, TransitionError
from common.models import AuditEvent
from people.roles import Role, has_role
from programs.models import Cohort, Enrollment, Module, ModuleCompletion
from programs.services import (
    enrollment_activate,
    enrollment_complete,
    enrollment_create,
    enrollment_withdraw,
    module_completion_delete,
    module_completion_record,
)
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import (
    CohortFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
)

pytestmark = pytest.mark.django_db
Status = Enrollment.Status

# The factories' cohort runs 8-12 April 2024.
IN_COHORT = datetime.date(2024, 4, 9)


def seats(cohort: Cohort) -> int:
    cohort.refresh_from_db()
    return cohort.seats_taken


def test_enrolling_takes_a_seat_and_starts_invited(hr, leader):
    cohort = CohortFactory(capacity=2)
    enrollment = enrollment_create(cohort=cohort, leader=leader, by=hr)
    assert enrollment.status == Status.INVITED
    assert enrollment.program == cohort.program
    assert enrollment.enrolled_by == hr
    assert seats(cohort) == 1


def test_enrolling_someone_without_the_leader_role_grants_it(hr):
    person = UserFactory()
    enrollment_create(cohort=CohortFactory(), leader=person, by=hr)
    person.refresh_from_db()
    assert has_role(person, Role.LEADER)


def test_full_cohort_refuses_with_capacity_error_and_keeps_count(hr):
    cohort = CohortFactory(capacity=1)
    enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr)
    with pytest.raises(CapacityError, match="full"):
        enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr)
    assert seats(cohort) == 1
    assert cohort.enrollments.count() == 1


def test_database_refuses_overbooking_even_without_the_service():
    cohort = CohortFactory(capacity=1)
    with pytest.raises(IntegrityError):
        Cohort.objects.filter(pk=cohort.pk).update(seats_taken=2)


def test_same_leader_twice_in_a_cohort_is_refused_without_taking_a_seat(hr, leader):
    cohort = CohortFactory(capacity=5)
    enrollment_create(cohort=cohort, leader=leader, by=hr)
    with pytest.raises(ApplicationError, match="already enrolled"):
        enrollment_create(cohort=cohort, leader=leader, by=hr)
    assert seats(cohort) == 1


def test_one_open_enrollment_per_program(hr, leader):
    first = CohortFactory()
    second = CohortFactory(program=first.program)
    enrollment = enrollment_create(cohort=first, leader=leader, by=hr)
    with pytest.raises(ApplicationError, match="open enrollment in this program"):
        enrollment_create(cohort=second, leader=leader, by=hr)
    assert seats(second) == 0
    enrollment_withdraw(enrollment=enrollment, by=hr)
    assert enrollment_create(cohort=second, leader=leader, by=hr).status == Status.INVITED


def test_transitions_invited_active_completed(hr, leader):
    enrollment = enrollment_create(cohort=CohortFactory(), leader=leader, by=hr)
    enrollment = enrollment_activate(enrollment=enrollment, by=hr)
    assert enrollment.status == Status.ACTIVE
    assert enrollment.activated_at is not None
    enrollment = enrollment_complete(enrollment=enrollment, by=hr)
    assert enrollment.status == Status.COMPLETED
    assert enrollment.completed_at is not None


@pytest.mark.parametrize(
    ("start", "verb"),
    [
        (Status.INVITED, enrollment_complete),
        (Status.ACTIVE, enrollment_activate),
        (Status.COMPLETED, enrollment_activate),
        (Status.COMPLETED, enrollment_withdraw),
        (Status.WITHDRAWN, enrollment_activate),
        (Status.WITHDRAWN, enrollment_complete),
        (Status.WITHDRAWN, enrollment_withdraw),
    ],
)
def test_other_transitions_are_refused(start, verb, hr):
    enrollment = EnrollmentFactory(status=start)
    with pytest.raises(TransitionError):
        verb(enrollment=enrollment, by=hr)
    enrollment.refresh_from_db()
    assert enrollment.status == start


def test_withdrawing_frees_the_seat_and_keeps_completions(hr, leader):
    cohort = CohortFactory(capacity=1)
    module = ModuleFactory(program=cohort.program)
    enrollment = enrollment_create(cohort=cohort, leader=leader, by=hr)
    module_completion_record(enrollment=enrollment, module=module, by=hr, completed_on=IN_COHORT)
    enrollment_withdraw(enrollment=enrollment, by=hr)
    assert seats(cohort) == 0
    assert enrollment.status == Status.WITHDRAWN
    assert enrollment.withdrawn_at is not None
    assert ModuleCompletion.objects.filter(enrollment=enrollment).count() == 1
    enrollment_create(cohort=cohort, leader=LeaderFactory(), by=hr)
    assert seats(cohort) == 1


def test_completing_keeps_the_seat(hr, leader):
    cohort = CohortFactory(capacity=1)
    enrollment = enrollment_create(cohort=cohort, leader=leader, by=hr)
    enrollment_activate(enrollment=enrollment, by=hr)
    enrollment_complete(enrollment=enrollment, by=hr)
    assert seats(cohort) == 1


def test_completion_needs_every_required_module_and_names_the_missing(hr):
    enrollment = EnrollmentFactory(status=Status.ACTIVE)
    program = enrollment.program
    done = ModuleFactory(program=program, title="Coaching conversations", position=1)
    missing = ModuleFactory(program=program, title="Pipeline reviews", position=2)
    ModuleFactory(program=program, title="Optional reading", is_required=False)
    ModuleCompletionFactory(enrollment=enrollment, module=done)
    with pytest.raises(ApplicationError) as info:
        enrollment_complete(enrollment=enrollment, by=hr)
    assert "Pipeline reviews" in info.value.message
    assert info.value.extra["missing_modules"] == [{"id": missing.pk, "title": "Pipeline reviews"}]
    enrollment.refresh_from_db()
    assert enrollment.status == Status.ACTIVE
    module_completion_record(enrollment=enrollment, module=missing, by=hr, completed_on=IN_COHORT)
    assert enrollment_complete(enrollment=enrollment, by=hr).status == Status.COMPLETED


def test_completion_of_a_module_from_another_program_is_refused(hr):
    enrollment = EnrollmentFactory()
    foreign = ModuleFactory()
    with pytest.raises(ValidationError) as info:
        module_completion_record(enrollment=enrollment, module=foreign, by=hr)
    assert "module" in info.value.error_dict
    assert not ModuleCompletion.objects.exists()


def test_completion_is_recorded_once(hr):
    enrollment = EnrollmentFactory()
    module = ModuleFactory(program=enrollment.program)
    first = module_completion_record(
        enrollment=enrollment, module=module, score=88, by=hr, completed_on=IN_COHORT
    )
    assert first.score == 88
    assert first.recorded_by == hr
    with pytest.raises(ApplicationError, match="already recorded"):
        module_completion_record(
            enrollment=enrollment, module=module, by=hr, completed_on=IN_COHORT
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": 101, "completed_on": IN_COHORT}, "score"),
        ({"completed_on": datetime.date(2999, 1, 1)}, "completed_on"),
    ],
)
def test_completion_input_is_validated(changes, field, hr):
    enrollment = EnrollmentFactory()
    module = ModuleFactory(program=enrollment.program)
    with pytest.raises(ValidationError) as info:
        module_completion_record(enrollment=enrollment, module=module, by=hr, **changes)
    assert field in info.value.error_dict


def test_no_completions_on_a_withdrawn_enrollment(hr):
    enrollment = EnrollmentFactory(status=Status.WITHDRAWN)
    module = ModuleFactory(program=enrollment.program, kind=Module.Kind.E_LEARNING)
    with pytest.raises(TransitionError):
        module_completion_record(enrollment=enrollment, module=module, by=hr)


def test_a_withdrawn_leader_cannot_rejoin_the_same_cohort(hr, leader):
    cohort = CohortFactory()
    enrollment_withdraw(enrollment=enrollment_create(cohort=cohort, leader=leader, by=hr), by=hr)
    with pytest.raises(ApplicationError, match="withdrew"):
        enrollment_create(cohort=cohort, leader=leader, by=hr)
    assert seats(cohort) == 0


def test_taking_back_a_completion_deletes_it_and_records_what_it_was(hr):
    completion = ModuleCompletionFactory(completed_on=IN_COHORT, score=70)
    module_completion_delete(completion=completion, by=hr)
    assert not ModuleCompletion.objects.filter(pk=completion.pk).exists()
    event = AuditEvent.objects.get(action="module_completion.delete")
    assert (event.actor, event.subject) == (hr, completion.enrollment.leader)
    assert event.changes["score"] == [70, None]


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.WITHDRAWN])
def test_a_closed_enrollment_keeps_its_completions(hr, status):
    completion = ModuleCompletionFactory(enrollment=EnrollmentFactory(status=status))
    with pytest.raises(TransitionError, match="can no longer be taken back"):
        module_completion_delete(completion=completion, by=hr)
    assert ModuleCompletion.objects.filter(pk=completion.pk).exists()

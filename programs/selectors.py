"""Reads for programs: scoped querysets and progress computed in the database.

Progress = required modules completed / required modules of the program. It is
annotated on any queryset of enrollments (two correlated subqueries, so one
query for any number of rows); per competency it is two grouped queries for
any number of enrollments.

Scope comes from above: programs sits below mentorship, so its list selectors take
the leaders (or cohorts) the caller may see as an argument, and the web layer passes
``mentorship.selectors.leaders_visible_to(request.user)`` (or ``cohorts_visible_to``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.shaping import percent
from people.models import User
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleCompletion,
    Program,
    SessionAttendance,
)


def _count_subquery(queryset: QuerySet, group_by: str) -> Coalesce:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate ``required_total`` and ``required_done`` on each enrollment."""
    return enrollments.annotate(
        required_total=_count_subquery(
            Module.objects.filter(program=OuterRef("program"), is_required=True), "program"
        ),
        required_done=_count_subquery(
            ModuleCompletion.objects.filter(enrollment=OuterRef("pk"), module__is_required=True),
            "enrollment",
        ),
    )


@dataclass(frozen=True)
class CompetencyProgress:
    competency_id: int
    competency: str
    required_total: int
    required_done: int

    @property
    def percent(self) -> Decimal:
        return percent(self.required_done, self.required_total)


def competency_progress(
    *, enrollments: QuerySet[Enrollment]
) -> dict[int, list[CompetencyProgress]]:
    """Enrollment id → progress per competency of its program (two queries in all)."""
    pairs = list(enrollments.order_by().values_list("pk", "program_id"))
    totals = defaultdict(list)
    for row in (
        Module.objects.filter(program_id__in={program for _, program in pairs}, is_required=True)
        .order_by()
        .values("program_id", "competency_id", "competency__name")
        .annotate(total=Count("pk"))
        .order_by("competency__name")
    ):
        totals[row["program_id"]].append(row)
    done = {
        (row["enrollment_id"], row["module__competency_id"]): row["done"]
        for row in ModuleCompletion.objects.filter(
            enrollment_id__in=[pk for pk, _ in pairs], module__is_required=True
        )
        .order_by()
        .values("enrollment_id", "module__competency_id")
        .annotate(done=Count("pk"))
    }
    return {
        pk: [
            CompetencyProgress(
                competency_id=row["competency_id"],
                competency=row["competency__name"],
                required_total=row["total"],
                required_done=done.get((pk, row["competency_id"]), 0),
            )
            for row in totals[program]
        ]
        for pk, program in pairs
    }


# --- scoped reads -------------------------------------------------------------------
# ``leaders`` and ``cohorts`` are what the caller may see (leaders_visible_to and
# cohorts_visible_to in mentorship.selectors, passed down by the web layer).


def competency_list() -> QuerySet[Competency]:
    return Competency.objects.all()


def program_list() -> QuerySet[Program]:
    return (
        Program.objects.prefetch_related("competencies")
        .annotate(module_count=Count("modules", distinct=True))
        .order_by("name", "pk")  # aggregation drops Meta.ordering
    )


def module_list() -> QuerySet[Module]:
    return Module.objects.select_related("program", "competency")


def enrollments_of(leaders: QuerySet[User]) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(leader__in=leaders)


def enrollment_list(*, leaders: QuerySet[User]) -> QuerySet[Enrollment]:
    """Enrollments of ``leaders``, with progress annotated."""
    return with_progress(
        enrollments_of(leaders).select_related("cohort", "program", "leader", "enrolled_by")
    )


def cohorts_of(leaders: QuerySet[User]) -> QuerySet[Cohort]:
    """Cohorts where one of ``leaders`` is (or was) enrolled."""
    return Cohort.objects.filter(pk__in=enrollments_of(leaders).values("cohort"))


def cohort_list(*, cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
    return cohorts.select_related("program", "facilitator")


def cohort_session_list(*, cohorts: QuerySet[Cohort]) -> QuerySet[CohortSession]:
    return CohortSession.objects.filter(cohort__in=cohorts).select_related("cohort", "module")


def module_completion_list(*, leaders: QuerySet[User]) -> QuerySet[ModuleCompletion]:
    return ModuleCompletion.objects.filter(enrollment__leader__in=leaders).select_related(
        "enrollment__leader", "module", "recorded_by"
    )


def session_attendance_list(*, leaders: QuerySet[User]) -> QuerySet[SessionAttendance]:
    return SessionAttendance.objects.filter(enrollment__leader__in=leaders).select_related(
        "enrollment__leader", "session", "recorded_by"
    )


def cohort_enrollments(*, cohort: Cohort) -> QuerySet[Enrollment]:
    """Everyone in a cohort with progress, for the HR cohort page."""
    return with_progress(
        cohort.enrollments.select_related("leader").order_by("status", "leader__full_name")
    )


@dataclass
class MyProgram:
    enrollment: Enrollment
    modules: list[dict]
    upcoming_sessions: list[CohortSession]
    competencies: list[CompetencyProgress]


def my_programs(*, leader) -> list[MyProgram]:
    """The leader's open and completed enrollments, newest cohort first, with their modules."""
    enrollments = with_progress(
        Enrollment.objects.filter(leader=leader)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .select_related("cohort", "program")
        .order_by("-cohort__starts_on")
    )
    enrollments = list(enrollments)
    if not enrollments:
        return []
    ids = [e.pk for e in enrollments]
    completed = {
        (c.enrollment_id, c.module_id): c
        for c in ModuleCompletion.objects.filter(enrollment_id__in=ids)
    }
    modules_by_program = defaultdict(list)
    for module in Module.objects.filter(
        program_id__in={e.program_id for e in enrollments}
    ).select_related("competency"):
        modules_by_program[module.program_id].append(module)
    sessions_by_cohort = defaultdict(list)
    for session in CohortSession.objects.filter(
        cohort_id__in={e.cohort_id for e in enrollments}, ends_at__gte=timezone.now()
    ):
        sessions_by_cohort[session.cohort_id].append(session)
    per_competency = competency_progress(enrollments=Enrollment.objects.filter(pk__in=ids))
    return [
        MyProgram(
            enrollment=enrollment,
            modules=[
                {
                    "module": module,
                    "completion": completed.get((enrollment.pk, module.pk)),
                    "self_recordable": enrollment.status in Enrollment.OPEN_STATUSES
                    and module.kind in Module.SELF_RECORDED_KINDS,
                }
                for module in modules_by_program[enrollment.program_id]
            ],
            upcoming_sessions=sessions_by_cohort[enrollment.cohort_id],
            competencies=per_competency.get(enrollment.pk, []),
        )
        for enrollment in enrollments
    ]

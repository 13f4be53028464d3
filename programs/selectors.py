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

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.dates import end_of_day
from common.shaping import percent, rounded
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


def _done_by(day: datetime.date | None) -> Q:
    """Completions done by the end of ``day`` (all of them without a day)."""
    return Q() if day is None else Q(completed_on__lte=day)


def with_progress(
    enrollments: QuerySet[Enrollment], *, as_of: datetime.date | None = None
) -> QuerySet[Enrollment]:
    """Annotate ``required_total`` and ``required_done`` (by the end of ``as_of``, if given)
    on each enrollment."""
    return enrollments.annotate(
        required_total=_count_subquery(
            Module.objects.filter(program=OuterRef("program"), is_required=True), "program"
        ),
        required_done=_count_subquery(
            ModuleCompletion.objects.filter(
                _done_by(as_of), enrollment=OuterRef("pk"), module__is_required=True
            ),
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
    *, enrollments: QuerySet[Enrollment] | list[Enrollment], as_of: datetime.date | None = None
) -> dict[int, list[CompetencyProgress]]:
    """Enrollment id → progress per competency of its program, by the end of ``as_of`` if
    given (two queries in all, plus one to read a queryset's enrollments)."""
    if isinstance(enrollments, QuerySet):
        pairs = list(enrollments.order_by().values_list("pk", "program_id"))
    else:
        pairs = [(enrollment.pk, enrollment.program_id) for enrollment in enrollments]
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
            _done_by(as_of),
            enrollment_id__in=[pk for pk, _ in pairs],
            module__is_required=True,
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


# --- as of a day ----------------------------------------------------------------------
# An enrollment counts from its creation or its cohort's start, whichever is earlier; its
# status on a past day comes from the timestamps each transition records; a completion
# counts from ``completed_on``. docs/dashboards.md says the same in words.


def enrolled_by(day: datetime.date) -> Q:
    """Enrollments that existed on ``day``: created by then, or in a cohort that had
    started (a leader recorded after the fact was still in the cohort when it ran)."""
    return Q(created_at__lt=end_of_day(day)) | Q(cohort__starts_on__lte=day)


def withdrawn_by(day: datetime.date) -> Q:
    return Q(withdrawn_at__lt=end_of_day(day)) | Q(
        status=Enrollment.Status.WITHDRAWN, withdrawn_at__isnull=True
    )


def completed_by(day: datetime.date) -> Q:
    return Q(completed_at__lt=end_of_day(day)) | Q(
        status=Enrollment.Status.COMPLETED, completed_at__isnull=True
    )


def status_on(enrollment: Enrollment, day: datetime.date) -> Enrollment.Status:
    """The enrollment's status at the end of ``day``: today its status; for a past day,
    from the timestamps each transition records (a transition without one, as in data
    entered by hand, counts from the start)."""
    current = Enrollment.Status(enrollment.status)
    if day >= timezone.localdate():
        return current
    end = end_of_day(day)

    def reached(status: str, moment) -> bool:
        return moment < end if moment is not None else current == status

    if reached(Enrollment.Status.WITHDRAWN, enrollment.withdrawn_at):
        return Enrollment.Status.WITHDRAWN
    if reached(Enrollment.Status.COMPLETED, enrollment.completed_at):
        return Enrollment.Status.COMPLETED
    if current == Enrollment.Status.COMPLETED or reached(
        Enrollment.Status.ACTIVE, enrollment.activated_at
    ):
        return Enrollment.Status.ACTIVE
    return Enrollment.Status.INVITED


def expected_share(cohort: Cohort, day: datetime.date) -> Decimal:
    """The share of the cohort's run that has elapsed on ``day`` (0 before, 1 after)."""
    if day < cohort.starts_on:
        return Decimal(0)
    if day >= cohort.ends_on:
        return Decimal(1)
    elapsed = (day - cohort.starts_on).days
    return Decimal(elapsed) / Decimal((cohort.ends_on - cohort.starts_on).days)


def required_expected(cohort: Cohort, required_total: int, day: datetime.date) -> int:
    """Required modules a leader should have done by ``day``, pro rata of the elapsed run."""
    return math.floor(required_total * expected_share(cohort, day))


def _current_on(enrollments: QuerySet[Enrollment], day: datetime.date) -> QuerySet[Enrollment]:
    """Enrollments that existed and were not withdrawn on ``day``, newest cohort first,
    with progress as of ``day``."""
    return with_progress(
        enrollments.filter(enrolled_by(day))
        .exclude(withdrawn_by(day))
        .select_related("cohort", "program"),
        as_of=day,
    ).order_by("leader_id", "-cohort__starts_on", "-pk")


def current_enrollment(*, leader, day: datetime.date) -> Enrollment | None:
    """The leader's current enrollment on ``day`` (the latest by cohort start that existed
    and was not withdrawn by then), with progress as of that day. One query."""
    return _current_on(Enrollment.objects.filter(leader=leader), day).first()


def current_enrollments(*, leader_ids, day: datetime.date) -> dict[int, Enrollment]:
    """Leader id → their current enrollment on ``day``, with progress as of that day.
    One query for any number of leaders."""
    current: dict[int, Enrollment] = {}
    for enrollment in _current_on(Enrollment.objects.filter(leader_id__in=leader_ids), day):
        current.setdefault(enrollment.leader_id, enrollment)
    return current


def program_modules(*, program_id: int) -> list[Module]:
    """The program's modules in curriculum order, with their competency."""
    return list(
        Module.objects.filter(program_id=program_id)
        .select_related("competency")
        .order_by("position", "id")
    )


def completion_dates(*, enrollment_ids, day: datetime.date) -> dict[int, dict[int, datetime.date]]:
    """Enrollment id → {module id: completed_on} for the completions done by ``day``."""
    done: dict[int, dict[int, datetime.date]] = defaultdict(dict)
    for enrollment_id, module_id, completed_on in ModuleCompletion.objects.filter(
        enrollment_id__in=enrollment_ids, completed_on__lte=day
    ).values_list("enrollment_id", "module_id", "completed_on"):
        done[enrollment_id][module_id] = completed_on
    return done


def upcoming_cohort_sessions(*, cohort_id: int, after, limit: int) -> list[CohortSession]:
    """The cohort's next live sessions that have not ended by ``after``."""
    return list(
        CohortSession.objects.filter(cohort_id=cohort_id, ends_at__gte=after).order_by("starts_at")[
            :limit
        ]
    )


def cohort_enrollments_on(
    *, cohort: Cohort, day: datetime.date
) -> list[tuple[Enrollment, Enrollment.Status]]:
    """Everyone enrolled in the cohort by ``day`` with their status then, by name, with
    progress as of that day. One query."""
    enrollments = with_progress(
        cohort.enrollments.filter(enrolled_by(day)).select_related("leader"), as_of=day
    ).order_by("leader__full_name", "pk")
    return [(enrollment, status_on(enrollment, day)) for enrollment in enrollments]


def program_completion(
    *, program: Program, day: datetime.date, cohort: Cohort | None = None
) -> dict:
    """Leaders taking part in the program (or one cohort of it) on ``day``, how many
    completed it, the share of required modules done and the average module score.
    Three queries."""
    participations = Enrollment.objects.filter(enrolled_by(day), program=program).exclude(
        withdrawn_by(day)
    )
    if cohort is not None:
        participations = participations.filter(cohort=cohort)
    counts = participations.aggregate(
        leaders=Count("pk"), completed=Count("pk", filter=completed_by(day))
    )
    required_total = Module.objects.filter(program=program, is_required=True).count()
    completions = ModuleCompletion.objects.filter(
        enrollment__in=participations, completed_on__lte=day
    ).aggregate(
        required_done=Count("pk", filter=Q(module__is_required=True)),
        average_score=Avg("score"),
        scored=Count("score"),
    )
    return {
        "leaders": counts["leaders"],
        "completed": counts["completed"],
        "completion_rate": percent(counts["completed"], counts["leaders"]),
        "required_modules": required_total,
        "required_modules_done_share": percent(
            completions["required_done"], required_total * counts["leaders"]
        ),
        "average_module_score": rounded(completions["average_score"]),
        "scored_completions": completions["scored"],
    }

"""Dashboards: read-only compositions of the other apps' selectors, as JSON-ready dicts.

Every figure can be seen "as of" a past day: enrollments count from their creation or
their cohort's start, completions from the day they were done, sessions from when they
were held, metrics from their period (docs/dashboards.md has the rules). Each
function issues a fixed number of queries whatever the number of leaders, modules,
sessions or metric periods (the tests assert it at two sizes).

Where another app has no selector for a figure, it is computed here from that app's
models (documented on the function); the API serializers in ``dashboards/api/`` give
the shapes.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.shaping import percent, person, rounded
from feedback.links import rater_link
from feedback.models import Cycle, RaterGroup, RaterRequest
from feedback.selectors import cycle_progress, report_build, report_visible_to
from mentorship.models import ActionItem, MentoringSession, Pairing
from mentorship.selectors import (
    QUIET_AFTER_DAYS,
    goal_list,
    is_quiet,
    mentee_overview,
    pairings_visible_to,
    quarter_start,
)
from metrics.models import MetricDefinition, Observation
from metrics.periods import Period, period_floor, period_label
from metrics.selectors import cohort_summary, program_impact, scorecard_for
from people.roles import Role, has_role
from programs.models import Cohort, CohortSession, Enrollment, Module, ModuleCompletion, Program

NEXT_MODULES = 3
UPCOMING = 3
# A leader is at risk when two or more of their latest metric values miss target.
METRICS_BELOW_TARGET_AT_RISK = 2


# --- time -----------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day``: things that happened on ``day`` count as of it."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) + (
        datetime.timedelta(days=1)
    )


def moment_of(day: datetime.date) -> datetime.datetime:
    """The present of a view as of ``day``: now for today, the end of a past day."""
    if day >= today():
        return timezone.now()
    return end_of_day(day)


# --- small helpers ---------------------------------------------------------------------


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
    if day >= today():
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


def _module_dict(module: Module) -> dict:
    return {
        "id": module.pk,
        "title": module.title,
        "kind": module.kind,
        "competency": module.competency.name,
        "is_required": module.is_required,
    }


def _cohort_dict(cohort: Cohort) -> dict:
    return {
        "id": cohort.pk,
        "name": cohort.name,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
    }


def _completions_by_enrollment(enrollment_ids, day: datetime.date) -> dict[int, dict]:
    """Enrollment id → {module id: completed_on} for completions done by ``day``."""
    done: dict[int, dict] = defaultdict(dict)
    for enrollment_id, module_id, completed_on in ModuleCompletion.objects.filter(
        enrollment_id__in=enrollment_ids, completed_on__lte=day
    ).values_list("enrollment_id", "module_id", "completed_on"):
        done[enrollment_id][module_id] = completed_on
    return done


def _competency_rows(modules: list[Module], done: dict) -> list[dict]:
    """Required modules per competency, done and total, in the competencies' name order."""
    totals: Counter = Counter()
    completed: Counter = Counter()
    for module in modules:
        if module.is_required:
            totals[module.competency.name] += 1
            completed[module.competency.name] += module.pk in done
    return [
        {
            "competency": name,
            "required_total": totals[name],
            "required_done": completed[name],
            "percent": percent(completed[name], totals[name]),
        }
        for name in sorted(totals)
    ]


# --- leader ----------------------------------------------------------------------------


def current_enrollment(*, leader, day: datetime.date) -> Enrollment | None:
    """The leader's latest enrollment (by cohort start) that existed and was not withdrawn
    by ``day``."""
    return (
        Enrollment.objects.filter(enrolled_by(day), leader=leader)
        .exclude(withdrawn_by(day))
        .select_related("cohort", "program")
        .order_by("-cohort__starts_on", "-pk")
        .first()
    )


def leader_program(*, leader, day: datetime.date) -> dict | None:
    """Progress in the current program: overall and per competency, the next modules to do,
    upcoming live sessions of the cohort. Four queries."""
    enrollment = current_enrollment(leader=leader, day=day)
    if enrollment is None:
        return None
    modules = list(
        Module.objects.filter(program_id=enrollment.program_id)
        .select_related("competency")
        .order_by("position", "id")
    )
    done = _completions_by_enrollment([enrollment.pk], day)[enrollment.pk]
    required = [module for module in modules if module.is_required]
    required_done = sum(module.pk in done for module in required)
    sessions = CohortSession.objects.filter(
        cohort_id=enrollment.cohort_id, ends_at__gte=moment_of(day)
    ).order_by("starts_at")[:UPCOMING]
    return {
        "enrollment_id": enrollment.pk,
        "status": status_on(enrollment, day),
        "program": {"id": enrollment.program_id, "name": enrollment.program.name},
        "cohort": _cohort_dict(enrollment.cohort),
        "required_total": len(required),
        "required_done": required_done,
        "required_expected": required_expected(enrollment.cohort, len(required), day),
        "percent": percent(required_done, len(required)),
        "competencies": _competency_rows(modules, done),
        "next_modules": [_module_dict(m) for m in modules if m.pk not in done][:NEXT_MODULES],
        "upcoming_sessions": [
            {
                "id": session.pk,
                "title": session.title,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "location": session.location,
                "meeting_url": session.meeting_url,
            }
            for session in sessions
        ],
    }


def _open_items_on(day: datetime.date) -> Q:
    """Action items agreed by ``day`` (at their session, even when logged later) and not
    done by then."""
    end = end_of_day(day)
    return Q(session__starts_at__lt=end) & (Q(done_at__isnull=True) | Q(done_at__gte=end))


def _item_dict(item: ActionItem, day: datetime.date) -> dict:
    return {
        "id": item.pk,
        "description": item.description,
        "owner": item.owner,
        "due_on": item.due_on,
        "overdue": item.due_on is not None and item.due_on < day,
        "session_id": item.session_id,
    }


def leader_mentoring(*, leader, viewer, day: datetime.date) -> dict:
    """Mentor, sessions held, the next planned session, open and overdue action items,
    goals: as much of the leader's mentoring as ``viewer`` may see through the
    mentorship API (a mentor sees their own pairings, not the mentor before them).
    Goals show their current state (goals keep no history). Five queries."""
    moment = moment_of(day)
    pairings = pairings_visible_to(viewer).filter(mentee=leader, started_on__lte=day)
    pairing = (
        pairings.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .select_related("mentor")
        .order_by("-started_on", "-pk")
        .first()
    )
    sessions = MentoringSession.objects.filter(pairing__in=pairings)
    held = sessions.filter(status=MentoringSession.Status.HELD, starts_at__lt=moment)
    held_figures = held.aggregate(count=Count("pk"), last=Max("starts_at"))
    next_session = (
        sessions.filter(status=MentoringSession.Status.PLANNED, starts_at__gte=moment)
        .order_by("starts_at")
        .first()
    )
    items = list(
        ActionItem.objects.filter(_open_items_on(day), session__pairing__in=pairings).order_by(
            F("due_on").asc(nulls_last=True), "pk"
        )
    )
    goals = goal_list(user=viewer).filter(mentee=leader)
    return {
        "mentor": person(pairing.mentor) if pairing else None,
        "paired_since": pairing.started_on if pairing else None,
        "sessions_held": held_figures["count"],
        "last_session_at": held_figures["last"],
        "next_session": (
            {
                "id": next_session.pk,
                "starts_at": next_session.starts_at,
                "duration_minutes": next_session.duration_minutes,
                "format": next_session.format,
            }
            if next_session
            else None
        ),
        "open_action_items": [_item_dict(item, day) for item in items],
        "overdue_action_items": sum(_item_dict(item, day)["overdue"] for item in items),
        "goals": [
            {
                "id": goal.pk,
                "title": goal.title,
                "competency": goal.competency.name if goal.competency else None,
                "status": goal.status,
                "progress": goal.progress,
                "target_date": goal.target_date,
            }
            for goal in goals
        ],
    }


def latest_released_cycle(*, leader, day: datetime.date) -> Cycle | None:
    """The leader's most recent feedback cycle whose results were released by ``day``."""
    return (
        Cycle.objects.filter(released_at__lt=end_of_day(day), requests__subject=leader)
        .order_by("-opens_at", "-pk")
        .distinct()
        .first()
    )


def leader_feedback(*, leader, viewer, day: datetime.date) -> dict | None:
    """Requests the leader must still answer and the latest released report (the balance
    profile per dimension, with the previous cycle's for the change).

    Who sees what follows feedback's rules: the leader and HR see everything; a mentor
    sees the report only once the leader shared it (feedback.selectors.report_visible_to)
    and never the leader's own open requests. Only the leader gets their answer links.
    """
    is_self = viewer.pk == leader.pk
    sees_requests = is_self or has_role(viewer, Role.HR)
    cycle = latest_released_cycle(leader=leader, day=day)
    report = None
    if cycle is not None and report_visible_to(user=viewer, cycle=cycle, subject=leader):
        report = report_build(cycle=cycle, subject=leader, viewer=viewer)
    if not sees_requests and report is None:
        return None
    requests = []
    if sees_requests:
        requests = [
            {
                "id": request.pk,
                "cycle": request.cycle.name,
                "subject": person(request.subject),
                "group": request.group,
                "due_at": request.due_at_override or request.cycle.due_at,
                "answer_url": rater_link(request) if is_self else None,
            }
            for request in RaterRequest.objects.filter(
                rater=leader,
                status__in=RaterRequest.OPEN_STATUSES,
                cycle__status=Cycle.Status.OPEN,
            )
            .select_related("cycle", "subject")
            .order_by("cycle__due_at", "pk")
        ]
    return {"open_requests": requests, "latest_report": report}


def leader_dashboard(*, leader, viewer=None, day: datetime.date | None = None) -> dict:
    """Everything a leader (or HR, or their mentor) sees about the leader's development."""
    day = day or today()
    return {
        "leader": person(leader),
        "as_of": day,
        "program": leader_program(leader=leader, day=day),
        "mentoring": leader_mentoring(leader=leader, viewer=viewer or leader, day=day),
        "feedback": leader_feedback(leader=leader, viewer=viewer or leader, day=day),
        "metrics": scorecard_for(leader=leader, as_of=day),
    }


# --- mentor ----------------------------------------------------------------------------


def _progress_by_leader(leader_ids, day: datetime.date) -> dict[int, dict]:
    """Leader id → required modules done, total and expected by now in their current
    enrollment. Three queries for any number of leaders."""
    current: dict[int, Enrollment] = {}
    for enrollment in (
        Enrollment.objects.filter(enrolled_by(day), leader_id__in=leader_ids)
        .exclude(withdrawn_by(day))
        .select_related("cohort", "program")
        .order_by("leader_id", "-cohort__starts_on", "-pk")
    ):
        current.setdefault(enrollment.leader_id, enrollment)
    required_totals = dict(
        Module.objects.filter(
            program_id__in={e.program_id for e in current.values()}, is_required=True
        )
        .values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
    )
    required_done = dict(
        ModuleCompletion.objects.filter(
            enrollment_id__in=[e.pk for e in current.values()],
            module__is_required=True,
            completed_on__lte=day,
        )
        .values("enrollment_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment_id", "n")
    )
    progress = {}
    for leader_id, enrollment in current.items():
        total = required_totals.get(enrollment.program_id, 0)
        done = required_done.get(enrollment.pk, 0)
        progress[leader_id] = {
            "program": enrollment.program.name,
            "cohort": enrollment.cohort.name,
            "status": status_on(enrollment, day),
            "required_done": done,
            "required_total": total,
            "required_expected": required_expected(enrollment.cohort, total, day),
            "percent": percent(done, total),
        }
    return progress


def mentor_dashboard(*, mentor) -> dict:
    """Each active mentee with progress, last session, sessions this quarter, overdue action
    items and goals, flagged when they need attention (with the reasons); those first.

    Today's view: built on mentorship.selectors.mentee_overview, plus the overdue action
    items it does not count. A fixed number of queries for any number of mentees.
    """
    day = today()
    pairings = list(
        mentee_overview(mentor=mentor, today=day).annotate(
            overdue_action_items=Coalesce(
                Subquery(
                    ActionItem.objects.filter(
                        session__pairing=OuterRef("pk"), done_at__isnull=True, due_on__lt=day
                    )
                    .order_by()
                    .values("session__pairing")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
    )
    progress = _progress_by_leader([p.mentee_id for p in pairings], day)
    mentees = []
    for pairing in pairings:
        program = progress.get(pairing.mentee_id)
        reasons = []
        if is_quiet(last_contact=pairing.last_contact, started_on=pairing.started_on, day=day):
            reasons.append(f"No mentoring session in the last {QUIET_AFTER_DAYS} days.")
        if pairing.overdue_action_items:
            reasons.append(f"{pairing.overdue_action_items} overdue action item(s).")
        if program and program["required_done"] < program["required_expected"]:
            reasons.append(
                f"Behind on required modules: {program['required_done']} of "
                f"{program['required_expected']} expected by now."
            )
        mentees.append(
            {
                "pairing_id": pairing.pk,
                "leader": person(pairing.mentee),
                "paired_since": pairing.started_on,
                "program": program,
                "last_session_at": pairing.last_contact,
                "sessions_this_quarter": pairing.sessions_this_quarter,
                "open_action_items": pairing.open_action_items,
                "overdue_action_items": pairing.overdue_action_items,
                "open_goals": pairing.open_goals,
                "goals_progress": (
                    rounded(pairing.goals_progress) if pairing.goals_progress is not None else None
                ),
                "needs_attention": bool(reasons),
                "reasons": reasons,
            }
        )
    mentees.sort(key=lambda m: (not m["needs_attention"], -len(m["reasons"])))
    return {
        "mentor": person(mentor),
        "as_of": day,
        "quarter_started_on": quarter_start(day),
        "mentees": mentees,
    }


# --- cohort ----------------------------------------------------------------------------


_NO_MENTORING = {"mentor": None, "sessions_held": 0, "last_session_at": None, "quiet": True}


def _mentoring_by_leader(leader_ids, day: datetime.date) -> dict[int, dict]:
    """Leader id → their mentor on ``day``, sessions held by then and whether mentoring
    has gone quiet. Two queries for any number of leaders."""
    moment = moment_of(day)
    mentors = {}
    for pairing in (
        Pairing.objects.filter(mentee_id__in=leader_ids, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .select_related("mentor")
        .order_by("mentee_id", "-started_on", "-pk")
    ):
        mentors.setdefault(pairing.mentee_id, pairing)
    held = {
        row["pairing__mentee_id"]: row
        for row in MentoringSession.objects.filter(
            pairing__mentee_id__in=leader_ids,
            status=MentoringSession.Status.HELD,
            starts_at__lt=moment,
        )
        .values("pairing__mentee_id")
        .annotate(count=Count("pk"), last=Max("starts_at"))
    }
    activity = {}
    for leader_id in leader_ids:
        pairing = mentors.get(leader_id)
        sessions = held.get(leader_id, {"count": 0, "last": None})
        activity[leader_id] = {
            "mentor": person(pairing.mentor) if pairing else None,
            "sessions_held": sessions["count"],
            "last_session_at": sessions["last"],
            "quiet": pairing is None
            or is_quiet(last_contact=sessions["last"], started_on=pairing.started_on, day=day),
        }
    return activity


def cohort_feedback(*, cohort: Cohort, day: datetime.date) -> dict | None:
    """Response rates per rater group in the cohort's latest cycle opened by ``day``
    (today's counts: requests keep no status history), from feedback's cycle_progress."""
    cycle = (
        Cycle.objects.filter(cohort=cohort, opened_at__lt=end_of_day(day))
        .order_by("-opens_at", "-pk")
        .first()
    )
    if cycle is None:
        return None
    progress = cycle_progress(cycle=cycle)
    return {
        "cycle": {"id": cycle.pk, "name": cycle.name, "status": cycle.status},
        "groups": [
            {
                "group": row["group"],
                "label": RaterGroup(row["group"]).label,
                "asked": row["total"],
                "answered": row["completed"],
                "rate": percent(row["completed"], row["total"]),
            }
            for row in progress["groups"]
        ],
    }


def cohort_dashboard(*, cohort: Cohort, day: datetime.date | None = None) -> dict:
    """HR's view of a cohort: the enrollment funnel, completion per module and per leader
    (the heatmap), metric averages against targets and the leaders at risk, with reasons.

    Three queries for programs' figures plus metrics.selectors.cohort_summary's own.
    """
    day = day or today()
    enrollments = [
        (enrollment, status_on(enrollment, day))
        for enrollment in cohort.enrollments.filter(enrolled_by(day))
        .select_related("leader")
        .order_by("leader__full_name", "pk")
    ]
    taking_part = [
        (e, status) for e, status in enrollments if status in Enrollment.TAKING_PART_STATUSES
    ]
    modules = list(
        Module.objects.filter(program_id=cohort.program_id)
        .select_related("competency")
        .order_by("position", "id")
    )
    required = [module for module in modules if module.is_required]
    done = _completions_by_enrollment([e.pk for e, _ in taking_part], day)
    expected = required_expected(cohort, len(required), day)
    metrics = cohort_summary(cohort=cohort, as_of=day)
    below_target: dict[int, list[str]] = defaultdict(list)
    for row in metrics["below_target"]:
        below_target[row["leader"]["id"]].append(row["metric"])
    metric_names = {
        entry["metric"]["code"]: entry["metric"]["name"] for entry in metrics["metrics"]
    }

    mentoring = _mentoring_by_leader([e.leader_id for e, _ in taking_part], day)
    feedback = cohort_feedback(cohort=cohort, day=day)
    asked_about = set(
        # Asked about in a cycle of this cohort that had opened by then.
        RaterRequest.objects.filter(
            cycle__cohort=cohort, cycle__opens_at__lt=end_of_day(day)
        ).values_list("subject_id", flat=True)
    )

    statuses = Counter(status for _, status in enrollments)
    completed_by_module = Counter(
        module_id for enrollment, _ in taking_part for module_id in done.get(enrollment.pk, {})
    )
    leaders = []
    at_risk = []
    for enrollment, status in taking_part:
        mine = done.get(enrollment.pk, {})
        required_done = sum(module.pk in mine for module in required)
        activity = mentoring.get(enrollment.leader_id, _NO_MENTORING)
        reasons = []
        if status != Enrollment.Status.COMPLETED and required_done < expected:
            reasons.append(
                f"Behind on required modules: {required_done} of {expected} expected by now."
            )
        if status != Enrollment.Status.COMPLETED and activity["quiet"]:
            reasons.append(
                f"No mentoring session in the last {QUIET_AFTER_DAYS} days"
                + ("." if activity["mentor"] else " (no mentor).")
            )
        if (
            status != Enrollment.Status.COMPLETED
            and day >= cohort.starts_on
            and enrollment.leader_id not in asked_about
        ):
            reasons.append("Feedback not requested yet.")
        missed = below_target.get(enrollment.leader_id, [])
        if len(missed) >= METRICS_BELOW_TARGET_AT_RISK:
            names = ", ".join(sorted(metric_names[code] for code in missed))
            reasons.append(f"{len(missed)} metrics below target: {names}.")
        leader = {
            "leader": person(enrollment.leader),
            "status": status,
            "required_done": required_done,
            "required_total": len(required),
            "percent": percent(required_done, len(required)),
            "modules": [mine.get(module.pk) for module in modules],
            "mentoring": activity,
            "metrics_below_target": sorted(missed),
            "at_risk_reasons": reasons,
        }
        leaders.append(leader)
        if reasons:
            at_risk.append({"leader": leader["leader"], "reasons": reasons})
    return {
        "cohort": {**_cohort_dict(cohort), "program": cohort.program.name},
        "as_of": day,
        "required_expected": expected,
        "funnel": [
            {"status": status, "label": status.label, "count": statuses[status]}
            for status in Enrollment.Status
        ],
        "modules": [
            {
                **_module_dict(module),
                "completed": completed_by_module[module.pk],
                "percent": percent(completed_by_module[module.pk], len(taking_part)),
            }
            for module in modules
        ],
        "leaders": leaders,
        "quiet_pairings": [
            {"leader": row["leader"], "mentor": row["mentoring"]["mentor"]}
            for row in leaders
            if row["mentoring"]["mentor"] and row["mentoring"]["quiet"]
        ],
        "at_risk": at_risk,
        "feedback": feedback,
        "metrics": metrics,
    }


def cohort_csv_rows(dashboard: dict) -> list[dict]:
    """One row per leader: the cohort table as HR exports it."""
    titles = [module["title"] for module in dashboard["modules"]]
    rows = []
    for row in dashboard["leaders"]:
        rows.append(
            {
                "leader": row["leader"]["full_name"],
                "email": row["leader"]["email"],
                "status": row["status"],
                "required_done": row["required_done"],
                "required_total": row["required_total"],
                "progress_percent": row["percent"],
                **{
                    f"module: {title}": (completed_on.isoformat() if completed_on else "")
                    for title, completed_on in zip(titles, row["modules"], strict=True)
                },
                "mentor": (row["mentoring"]["mentor"] or {}).get("full_name", ""),
                "mentoring_sessions_held": row["mentoring"]["sessions_held"],
                "metrics_below_target": " ".join(row["metrics_below_target"]),
                "at_risk_reasons": " ".join(row["at_risk_reasons"]),
            }
        )
    return rows


# --- program impact --------------------------------------------------------------------


def before_and_after(*, program: Program, day: datetime.date) -> list[dict]:
    """Per metric: the average value of the program's leaders before their cohort started
    (their last period before it) and in the metric's latest period, over the leaders who
    have both. metrics.selectors.program_impact gives the change and its comparison; this
    gives the two levels for the before/after chart. One query per cohort, plus two."""
    metrics = list(MetricDefinition.objects.filter(is_active=True))
    latest = dict(
        Observation.objects.filter(period_start__lte=day)
        .values("metric")
        .annotate(latest=Max("period_start"))
        .values_list("metric", "latest")
    )
    sums: dict[int, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    wanted = Q(pk__in=[])
    for metric in metrics:
        if metric.pk in latest:
            wanted |= Q(metric_id=metric.pk, period_start=latest[metric.pk])
    for cohort in program.cohorts.filter(starts_on__lte=day):
        cutoff = Case(
            When(
                metric__period=Period.QUARTER,
                then=Value(period_floor(cohort.starts_on, Period.QUARTER)),
            ),
            default=Value(period_floor(cohort.starts_on, Period.MONTH)),
            output_field=DateField(),
        )
        baseline = (
            Observation.objects.filter(
                leader=OuterRef("leader"), metric=OuterRef("metric"), period_start__lt=cutoff
            )
            .order_by("-period_start")
            .values("value")[:1]
        )
        for row in (
            Observation.objects.filter(
                wanted,
                leader__in=Enrollment.objects.filter(
                    cohort=cohort, status__in=Enrollment.TAKING_PART_STATUSES
                ).values("leader"),
            )
            .annotate(
                baseline=Subquery(
                    baseline, output_field=DecimalField(max_digits=14, decimal_places=2)
                )
            )
            .filter(baseline__isnull=False)
            .values("metric")
            .annotate(leaders=Count("pk"), before=Avg("baseline"), after=Avg("value"))
        ):
            total = sums[row["metric"]]
            total[0] += row["leaders"]
            total[1] += Decimal(row["before"]) * row["leaders"]
            total[2] += Decimal(row["after"]) * row["leaders"]
    rows = []
    for metric in metrics:
        leaders, before, after = sums.get(metric.pk, (0, None, None))
        rows.append(
            {
                "metric": {
                    "id": metric.pk,
                    "code": metric.code,
                    "name": metric.name,
                    "unit": metric.unit,
                    "direction": metric.direction,
                },
                "latest_period": (
                    period_label(latest[metric.pk], metric.period) if metric.pk in latest else None
                ),
                "leaders": leaders,
                "before": rounded(before / leaders, places=2) if leaders else None,
                "after": rounded(after / leaders, places=2) if leaders else None,
            }
        )
    return rows


def program_impact_dashboard(*, program: Program, day: datetime.date | None = None) -> dict:
    """metrics.selectors.program_impact plus completion and module-score figures.

    Completion is computed here from programs' models (programs has no program-level
    aggregate): leaders taking part, completed, and required modules done on average.
    """
    day = day or today()
    participations = Enrollment.objects.filter(enrolled_by(day), program=program).exclude(
        withdrawn_by(day)
    )
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
    average_score = completions["average_score"]
    return {
        "program": {"id": program.pk, "name": program.name},
        "as_of": day,
        "completion": {
            "leaders": counts["leaders"],
            "completed": counts["completed"],
            "completion_rate": percent(counts["completed"], counts["leaders"]),
            "required_modules": required_total,
            "required_modules_done_share": percent(
                completions["required_done"], required_total * counts["leaders"]
            ),
            "average_module_score": (rounded(average_score) if average_score is not None else None),
            "scored_completions": completions["scored"],
        },
        "before_after": before_and_after(program=program, day=day),
        "impact": program_impact(program=program, as_of=day),
    }

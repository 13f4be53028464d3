"""Dashboards: read-only compositions of the other apps' selectors, as JSON-ready dicts.

Every figure can be seen "as of" a past day. The rules for that live with the app that
owns the figure (programs: enrollment status and progress on a day; mentorship:
sessions, action items and quiet pairings; feedback: cycles and reports; metrics:
periods, scorecards and before/after); docs/dashboards.md has them in words. This module
composes those selectors, words the reasons a leader needs attention and reads no
other app's models. Each function issues a fixed number of queries whatever the number
of leaders, modules, sessions or metric periods (the tests pin them at two sizes); the
API serializers in ``dashboards/api/`` give the shapes.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils import timezone

from common.dates import moment_of
from common.shaping import percent, person, rounded
from feedback.links import rater_link
from feedback.selectors import (
    GROUP_LABELS,
    cycle_progress,
    latest_opened_cycle,
    latest_released_cycle,
    report_build,
    report_visible_to,
    requests_to_answer,
    subjects_asked_about,
)
from mentorship.selectors import (
    QUIET_AFTER_DAYS,
    MentoringActivity,
    action_items_by_mentee,
    is_quiet,
    leaders_below,
    mentee_overview,
    mentoring_activity_on,
    mentoring_on,
    quarter_start,
    with_overdue_action_items,
)
from metrics.selectors import (
    cohort_summary,
    latest_standing,
    program_impact_and_levels,
    scorecard_for,
)
from plans.selectors import cohort_plan_coverage, latest_plans, program_plan_impact
from programs.models import Cohort, Enrollment, Module, Program
from programs.selectors import (
    cohort_enrollments_on,
    competency_progress,
    completion_dates,
    current_enrollment,
    current_enrollments,
    program_completion,
    program_modules,
    required_expected,
    status_on,
    upcoming_cohort_sessions,
)
from pulse.models import PulseShare
from pulse.selectors import leaders_sharing_pulse

NEXT_MODULES = 3
UPCOMING = 3
# A leader is at risk when two or more of their latest metric values miss target.
METRICS_BELOW_TARGET_AT_RISK = 2


# --- shapes ----------------------------------------------------------------------------


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


def _progress_dict(enrollment: Enrollment, day: datetime.date) -> dict:
    """Required modules done, in all and expected by ``day`` (needs with_progress)."""
    return {
        "required_done": enrollment.required_done,
        "required_total": enrollment.required_total,
        "required_expected": required_expected(enrollment.cohort, enrollment.required_total, day),
        "percent": enrollment.progress_percent,
    }


def _behind(progress: dict) -> str | None:
    if progress["required_done"] < progress["required_expected"]:
        return (
            f"Behind on required modules: {progress['required_done']} of "
            f"{progress['required_expected']} expected by now."
        )
    return None


# --- leader ----------------------------------------------------------------------------


def leader_program(*, leader, day: datetime.date) -> dict | None:
    """Progress in the current program: overall and per competency, the next modules to do,
    upcoming live sessions of the cohort. Six queries."""
    enrollment = current_enrollment(leader=leader, day=day)
    if enrollment is None:
        return None
    modules = program_modules(program_id=enrollment.program_id)
    done = completion_dates(enrollment_ids=[enrollment.pk], day=day)[enrollment.pk]
    competencies = competency_progress(enrollments=[enrollment], as_of=day)[enrollment.pk]
    sessions = upcoming_cohort_sessions(
        cohort_id=enrollment.cohort_id, after=moment_of(day), limit=UPCOMING
    )
    return {
        "enrollment_id": enrollment.pk,
        "status": status_on(enrollment, day),
        "program": {"id": enrollment.program_id, "name": enrollment.program.name},
        "cohort": _cohort_dict(enrollment.cohort),
        **_progress_dict(enrollment, day),
        "competencies": [
            {
                "competency": row.competency,
                "required_total": row.required_total,
                "required_done": row.required_done,
                "percent": row.percent,
            }
            for row in competencies
        ],
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


def leader_mentoring(*, leader, viewer, day: datetime.date) -> dict:
    """Mentor, sessions held, the next planned session, open and overdue action items,
    goals: as much of the leader's mentoring as ``viewer`` may see (mentorship's
    mentoring_on). Goals show their current state (goals keep no history)."""
    mentoring = mentoring_on(leader=leader, viewer=viewer, day=day)
    pairing, next_session = mentoring.pairing, mentoring.next_session
    items = [
        {
            "id": item.pk,
            "description": item.description,
            "owner": item.owner,
            "due_on": item.due_on,
            "overdue": item.due_on is not None and item.due_on < day,
            "session_id": item.session_id,
        }
        for item in mentoring.open_action_items
    ]
    return {
        "mentor": person(pairing.mentor) if pairing else None,
        "paired_since": pairing.started_on if pairing else None,
        "sessions_held": mentoring.sessions_held,
        "last_session_at": mentoring.last_session_at,
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
        "open_action_items": items,
        "overdue_action_items": sum(item["overdue"] for item in items),
        "goals": [
            {
                "id": goal.pk,
                "title": goal.title,
                "competency": goal.competency.name if goal.competency else None,
                "status": goal.status,
                "progress": goal.progress,
                "target_date": goal.target_date,
            }
            for goal in mentoring.goals
        ],
    }


def leader_feedback(*, leader, viewer, day: datetime.date) -> dict | None:
    """Requests the leader must still answer and the latest released report (the balance
    profile per dimension, with the previous cycle's for the change).

    Who sees what follows feedback's rules: the leader and HR see everything; a mentor
    sees the report only once the leader shared it (feedback.selectors.report_visible_to)
    and never the leader's own open requests. Only the leader gets their answer links.
    """
    cycle = latest_released_cycle(subject=leader, day=day)
    report = None
    if cycle is not None and report_visible_to(user=viewer, cycle=cycle, subject=leader):
        report = report_build(cycle=cycle, subject=leader, viewer=viewer)
    requests = requests_to_answer(rater=leader, viewer=viewer)
    if requests is None and report is None:
        return None
    is_self = viewer.pk == leader.pk
    return {
        "open_requests": [
            {
                "id": request.pk,
                "cycle": request.cycle.name,
                "subject": person(request.subject),
                "group": request.group,
                "due_at": request.due_at_override or request.cycle.due_at,
                "answer_url": rater_link(request) if is_self else None,
            }
            for request in requests or []
        ],
        "latest_report": report,
    }


def leader_dashboard(*, leader, viewer=None, day: datetime.date | None = None) -> dict:
    """Everything a leader (or HR, or their mentor) sees about the leader's development."""
    day = day or timezone.localdate()
    return {
        "leader": person(leader),
        "as_of": day,
        "program": leader_program(leader=leader, day=day),
        "mentoring": leader_mentoring(leader=leader, viewer=viewer or leader, day=day),
        "feedback": leader_feedback(leader=leader, viewer=viewer or leader, day=day),
        "metrics": scorecard_for(leader=leader, as_of=day),
    }


# --- mentor ----------------------------------------------------------------------------


def _mentee_row(pairing, enrollment: Enrollment | None, day: datetime.date) -> dict:
    """One mentee on the mentor's dashboard, with the reasons they need attention."""
    program = _program_row(enrollment, day)
    reasons = []
    if is_quiet(last_contact=pairing.last_contact, started_on=pairing.started_on, day=day):
        reasons.append(f"No mentoring session in the last {QUIET_AFTER_DAYS} days.")
    if pairing.overdue_action_items:
        reasons.append(f"{pairing.overdue_action_items} overdue action item(s).")
    if program and (behind := _behind(program)):
        reasons.append(behind)
    return {
        "pairing_id": pairing.pk,
        "leader": person(pairing.mentee),
        "paired_since": pairing.started_on,
        "program": program,
        "last_session_at": pairing.last_contact,
        "sessions_this_quarter": pairing.sessions_this_quarter,
        "open_action_items": pairing.open_action_items,
        "overdue_action_items": pairing.overdue_action_items,
        "open_goals": pairing.open_goals,
        "goals_progress": rounded(pairing.goals_progress),
        "needs_attention": bool(reasons),
        "reasons": reasons,
    }


def mentor_dashboard(*, mentor) -> dict:
    """Each active mentee with progress, last session, sessions this quarter, overdue action
    items and goals, flagged when they need attention (with the reasons); those first.

    Today's view, built on mentorship.selectors.mentee_overview and programs' current
    enrollments. Two queries for any number of mentees.
    """
    day = timezone.localdate()
    pairings = list(with_overdue_action_items(mentee_overview(mentor=mentor, today=day), day=day))
    current = current_enrollments(leader_ids=[p.mentee_id for p in pairings], day=day)
    mentees = [_mentee_row(p, current.get(p.mentee_id), day) for p in pairings]
    mentees.sort(key=lambda m: (not m["needs_attention"], -len(m["reasons"])))
    return {
        "mentor": person(mentor),
        "as_of": day,
        "quarter_started_on": quarter_start(day),
        "mentees": mentees,
    }


# --- manager ---------------------------------------------------------------------------


def _program_row(enrollment: Enrollment | None, day: datetime.date) -> dict | None:
    if enrollment is None:
        return None
    return {
        "program": enrollment.program.name,
        "cohort": enrollment.cohort.name,
        "status": status_on(enrollment, day),
        **_progress_dict(enrollment, day),
    }


def _managed_leader_row(
    leader, *, program, activity, items, plan, standing, pulse_shared: bool
) -> dict:
    """One leader on their manager's dashboard, with the reasons to look closer."""
    open_items, overdue_items = items
    reasons = []
    if activity.pairing is None:
        reasons.append("No mentor.")
    elif activity.quiet:
        reasons.append(f"No mentoring session in the last {QUIET_AFTER_DAYS} days.")
    if overdue_items:
        reasons.append(f"{overdue_items} overdue action item(s).")
    if program and (behind := _behind(program)):
        reasons.append(behind)
    if len(standing["below_target"]) >= METRICS_BELOW_TARGET_AT_RISK:
        reasons.append(f"Below target on {', '.join(standing['below_target'])}.")
    return {
        "leader": person(leader),
        "reports_to": person(leader.manager),
        "region": leader.region,
        "program": program,
        "mentor": person(activity.pairing.mentor) if activity.pairing else None,
        "sessions_held": activity.sessions_held,
        "last_session_at": activity.last_session_at,
        "open_action_items": open_items,
        "overdue_action_items": overdue_items,
        "plan": {"id": plan.pk, "cycle": plan.cycle.name} if plan else None,
        "metrics_on_target": standing["on_target"],
        "metrics_below_target": standing["below_target"],
        "team_engagement": standing["team_engagement"],
        "pulse_shared": pulse_shared,
        "needs_attention": bool(reasons),
        "reasons": reasons,
    }


def manager_dashboard(*, manager, day: datetime.date | None = None) -> dict:
    """The leaders below ``manager`` in the reporting line (at any depth): program
    progress, mentoring cadence (sessions held, action items; never notes), the
    development plan, metrics against target and the team's engagement with its source;
    those needing attention first. A fixed number of queries for any number of leaders."""
    day = day or timezone.localdate()
    leaders = list(
        leaders_below(manager=manager).select_related("manager").order_by("full_name", "pk")
    )
    ids = [leader.pk for leader in leaders]
    current = current_enrollments(leader_ids=ids, day=day)
    activity = mentoring_activity_on(leader_ids=ids, day=day)
    items = action_items_by_mentee(leader_ids=ids, day=day)
    plans = latest_plans(user=manager, leader_ids=ids)
    standing = latest_standing(leader_ids=ids, as_of=day)
    sharing = leaders_sharing_pulse(leader_ids=ids, audience=PulseShare.Audience.MANAGER)
    rows = [
        _managed_leader_row(
            leader,
            program=_program_row(current.get(leader.pk), day),
            activity=activity[leader.pk],
            items=items[leader.pk],
            plan=plans.get(leader.pk),
            standing=standing[leader.pk],
            pulse_shared=leader.pk in sharing,
        )
        for leader in leaders
    ]
    rows.sort(key=lambda row: (not row["needs_attention"], -len(row["reasons"])))
    return {"manager": person(manager), "as_of": day, "leaders": rows}


# --- cohort ----------------------------------------------------------------------------


_NO_MENTORING = MentoringActivity(pairing=None, sessions_held=0, last_session_at=None, quiet=True)


def cohort_feedback(*, cohort: Cohort, day: datetime.date) -> dict | None:
    """Response rates per rater group in the cohort's latest cycle opened by ``day``
    (today's counts: requests keep no status history), from feedback's cycle_progress."""
    cycle = latest_opened_cycle(cohort=cohort, day=day)
    if cycle is None:
        return None
    progress = cycle_progress(cycle=cycle)
    return {
        "cycle": {"id": cycle.pk, "name": cycle.name, "status": cycle.status},
        "groups": [
            {
                "group": row["group"],
                "label": GROUP_LABELS[row["group"]],
                "asked": row["total"],
                "answered": row["completed"],
                "rate": percent(row["completed"], row["total"]),
            }
            for row in progress["groups"]
        ],
    }


@dataclass(frozen=True)
class _CohortSignals:
    """What the at-risk reasons of a cohort's leaders are read from, on one day."""

    cohort: Cohort
    day: datetime.date
    expected: int
    mentoring: dict[int, MentoringActivity]
    asked_about: set[int]
    below_target: dict[int, list[str]]
    metric_names: dict[str, str]


def _cohort_signals(cohort, day, taking_part, expected, metrics) -> _CohortSignals:
    below_target: dict[int, list[str]] = defaultdict(list)
    for row in metrics["below_target"]:
        below_target[row["leader"]["id"]].append(row["metric"])
    return _CohortSignals(
        cohort=cohort,
        day=day,
        expected=expected,
        mentoring=mentoring_activity_on(
            leader_ids=[enrollment.leader_id for enrollment, _ in taking_part], day=day
        ),
        asked_about=subjects_asked_about(cohort=cohort, day=day),
        below_target=below_target,
        metric_names={
            entry["metric"]["code"]: entry["metric"]["name"] for entry in metrics["metrics"]
        },
    )


def _at_risk_reasons(enrollment, status, activity: MentoringActivity, signals) -> list[str]:
    """Behind on required modules; quiet mentoring or no mentor; no feedback asked about
    them once the cohort started (none of these once they completed); two or more metrics
    below target."""
    reasons = []
    if status != Enrollment.Status.COMPLETED:
        if enrollment.required_done < signals.expected:
            reasons.append(
                f"Behind on required modules: {enrollment.required_done} of "
                f"{signals.expected} expected by now."
            )
        if activity.quiet:
            reasons.append(
                f"No mentoring session in the last {QUIET_AFTER_DAYS} days"
                + ("." if activity.pairing else " (no mentor).")
            )
        if signals.day >= signals.cohort.starts_on and (
            enrollment.leader_id not in signals.asked_about
        ):
            reasons.append("Feedback not requested yet.")
    missed = signals.below_target.get(enrollment.leader_id, [])
    if len(missed) >= METRICS_BELOW_TARGET_AT_RISK:
        names = ", ".join(sorted(signals.metric_names[code] for code in missed))
        reasons.append(f"{len(missed)} metrics below target: {names}.")
    return reasons


def _cohort_leader_row(enrollment, status, modules, done: dict, signals) -> dict:
    """One row of the cohort's leader table (the heatmap, the CSV export)."""
    activity = signals.mentoring.get(enrollment.leader_id, _NO_MENTORING)
    return {
        "leader": person(enrollment.leader),
        "status": status,
        "required_done": enrollment.required_done,
        "required_total": enrollment.required_total,
        "percent": enrollment.progress_percent,
        "modules": [done.get(module.pk) for module in modules],
        "mentoring": {
            "mentor": person(activity.pairing.mentor) if activity.pairing else None,
            "sessions_held": activity.sessions_held,
            "last_session_at": activity.last_session_at,
            "quiet": activity.quiet,
        },
        "metrics_below_target": sorted(signals.below_target.get(enrollment.leader_id, [])),
        "at_risk_reasons": _at_risk_reasons(enrollment, status, activity, signals),
    }


def _module_rows(modules, done: dict, taking_part: int) -> list[dict]:
    """Per module: how many of the leaders taking part completed it."""
    completed = Counter(module_id for dates in done.values() for module_id in dates)
    return [
        {
            **_module_dict(module),
            "completed": completed[module.pk],
            "percent": percent(completed[module.pk], taking_part),
        }
        for module in modules
    ]


def cohort_dashboard(*, cohort: Cohort, day: datetime.date | None = None) -> dict:
    """HR's view of a cohort: the enrollment funnel, completion per module and per leader
    (the heatmap), feedback response rates, metric figures against targets and the
    leaders at risk, with reasons. Only HR may open it, so it covers every leader.

    Three queries for programs' figures, two for mentoring, two or four for feedback,
    plus metrics.selectors.cohort_summary's own.
    """
    day = day or timezone.localdate()
    enrollments = cohort_enrollments_on(cohort=cohort, day=day)
    taking_part = [(e, s) for e, s in enrollments if s in Enrollment.TAKING_PART_STATUSES]
    modules = program_modules(program_id=cohort.program_id)
    done = completion_dates(enrollment_ids=[e.pk for e, _ in taking_part], day=day)
    expected = required_expected(cohort, sum(m.is_required for m in modules), day)
    metrics = cohort_summary(cohort=cohort, as_of=day)
    signals = _cohort_signals(cohort, day, taking_part, expected, metrics)
    feedback = cohort_feedback(cohort=cohort, day=day)
    leaders = [
        _cohort_leader_row(e, status, modules, done.get(e.pk, {}), signals)
        for e, status in taking_part
    ]
    statuses = Counter(status for _, status in enrollments)
    return {
        "cohort": {**_cohort_dict(cohort), "program": cohort.program.name},
        "as_of": day,
        "required_expected": expected,
        "funnel": [
            {"status": status, "label": status.label, "count": statuses[status]}
            for status in Enrollment.Status
        ],
        "modules": _module_rows(modules, done, len(taking_part)),
        "leaders": leaders,
        "quiet_pairings": [
            {"leader": row["leader"], "mentor": row["mentoring"]["mentor"]}
            for row in leaders
            if row["mentoring"]["mentor"] and row["mentoring"]["quiet"]
        ],
        "at_risk": [
            {"leader": row["leader"], "reasons": row["at_risk_reasons"]}
            for row in leaders
            if row["at_risk_reasons"]
        ],
        "feedback": feedback,
        "plans": cohort_plan_coverage(cohort=cohort, day=day),
        "metrics": metrics,
    }


# --- program impact --------------------------------------------------------------------


def program_impact_dashboard(
    *, program: Program, cohort: Cohort | None = None, day: datetime.date | None = None
) -> dict:
    """Did the program (or one of its cohorts) work: programs' completion figures,
    metrics' before/after levels and program_impact (the difference-in-differences)."""
    day = day or timezone.localdate()
    impact, levels = program_impact_and_levels(program=program, cohort=cohort, as_of=day)
    return {
        "program": {"id": program.pk, "name": program.name},
        "as_of": day,
        "completion": program_completion(program=program, cohort=cohort, day=day),
        "before_after": levels,
        "impact": impact,
        "plans": program_plan_impact(program=program, cohort=cohort, day=day),
    }

"""Reads of development plans, scoped like every other read: a plan exists for a caller
only when its leader is among ``leaders_visible_to(caller)``. Figures from a 360 report
(balance, before → after) are shown only to a viewer who may see that report."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Avg, Count, F, Prefetch, QuerySet

from common.dates import end_of_day
from feedback.models import MIN_ANONYMITY_THRESHOLD, Cycle, RaterRequest
from feedback.selectors import report_build, report_visible_to
from mentorship.selectors import leaders_visible_to
from metrics.models import MetricDefinition
from people.models import User
from plans.models import CheckIn, Comment, Focus, Plan, PlanBalance
from programs.models import Dimension, Enrollment, Module


def plan_list(*, user) -> QuerySet[Plan]:
    return (
        Plan.objects.filter(leader__in=leaders_visible_to(user))
        .select_related("leader", "cycle")
        .prefetch_related(
            Prefetch(
                "focuses",
                queryset=Focus.objects.select_related("goal", "metric").prefetch_related("modules"),
            )
        )
    )


def plan_get(*, user, pk: int) -> Plan | None:
    return plan_list(user=user).filter(pk=pk).first()


def plan_for(*, leader: User, cycle: Cycle) -> Plan | None:
    return Plan.objects.filter(leader=leader, cycle=cycle).first()


def latest_plan(*, leader: User) -> Plan | None:
    """The plan answering the leader's most recent report that has one."""
    return plan_list(user=leader).filter(leader=leader).order_by("-cycle__opens_at").first()


def latest_plans(*, user, leader_ids) -> dict[int, Plan]:
    """Each of these leaders' latest plan the caller may see, in one query."""
    latest: dict[int, Plan] = {}
    for plan in (
        Plan.objects.filter(leader__in=leaders_visible_to(user), leader_id__in=list(leader_ids))
        .select_related("cycle")
        .order_by("leader_id", "-cycle__opens_at", "-pk")
    ):
        latest.setdefault(plan.leader_id, plan)
    return latest


def plan_comments(*, plan: Plan) -> QuerySet[Comment]:
    return plan.comments.select_related("author", "check_in")


def plan_check_ins(*, plan: Plan) -> QuerySet[CheckIn]:
    return plan.check_ins.prefetch_related("progress__focus")


def open_check_in(*, plan: Plan) -> CheckIn | None:
    """The latest check-in that is due and not yet answered, if any (an older one left
    unanswered is superseded by it)."""
    return plan.check_ins.filter(submitted_at__isnull=True).order_by("-due_on").first()


def leader_modules(*, leader: User) -> QuerySet[Module]:
    """The modules of the programs the leader takes part in: what a plan may link."""
    return Module.objects.filter(
        program__in=Enrollment.objects.filter(
            leader=leader, status__in=Enrollment.TAKING_PART_STATUSES
        ).values("program")
    )


def modules_developing(*, leader: User) -> dict[str, list[Module]]:
    """The leader's modules (``leader_modules``), by the dimensions they develop."""
    modules = (
        leader_modules(leader=leader)
        .prefetch_related("dimension_tags")
        .order_by("program", "position", "id")
    )
    by_dimension: dict[str, list[Module]] = {}
    for module in modules:
        for tag in module.dimension_tags.all():
            by_dimension.setdefault(tag.dimension, []).append(module)
    return by_dimension


def active_metrics() -> QuerySet[MetricDefinition]:
    return MetricDefinition.objects.filter(is_active=True).order_by("name")


def plan_options(*, leader: User, cycle: Cycle) -> list[dict]:
    """What *Build my plan* offers: the nine dimensions, the one leaning furthest to
    management first (its balance, leadership minus management, most negative), each with
    its scores, its trend since the previous report and the modules that develop it.
    Dimensions the report could not score (too few raters) come last."""
    report = report_build(cycle=cycle, subject=leader, viewer=leader)
    previous = {
        row["dimension"]: row["balance"] for row in (report["previous"] or {}).get("overall", [])
    }
    modules = modules_developing(leader=leader)
    options = [
        {
            **row,
            "trend": (
                row["balance"] - previous[row["dimension"]]
                if row["balance"] is not None and previous.get(row["dimension"]) is not None
                else None
            ),
            "modules": modules.get(row["dimension"], []),
        }
        for row in report["overall"]
    ]
    return sorted(
        options,
        key=lambda row: (
            row["balance"] is None,
            row["balance"] if row["balance"] is not None else 0,
        ),
    )


def cycles_to_plan(*, leader: User) -> QuerySet[Cycle]:
    """Released cycles the leader was asked about: each can have one plan."""
    return (
        Cycle.objects.filter(
            released_at__isnull=False,
            pk__in=RaterRequest.objects.filter(subject=leader).values("cycle_id"),
        )
        .order_by("-opens_at", "-pk")
        .distinct()
    )


def next_released_cycle(*, plan: Plan) -> Cycle | None:
    """The leader's first released report after the one the plan answers."""
    return (
        cycles_to_plan(leader=plan.leader)
        .filter(opens_at__gt=plan.cycle.opens_at)
        .order_by("opens_at", "pk")
        .first()
    )


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None


def plan_outcome(*, plan: Plan, viewer) -> dict | None:
    """Closing the loop: per dimension, the balance in the report the plan answers and in
    the next released report, focus dimensions next to the others. None until that
    report is released, or when the viewer may not see both reports."""
    later = next_released_cycle(plan=plan)
    if later is None:
        return None
    leader = plan.leader
    if viewer is not None and not (
        report_visible_to(user=viewer, cycle=plan.cycle, subject=leader)
        and report_visible_to(user=viewer, cycle=later, subject=leader)
    ):
        return None
    before = report_build(cycle=plan.cycle, subject=leader, viewer=viewer, with_previous=False)
    after = report_build(cycle=later, subject=leader, viewer=viewer, with_previous=False)
    after_by = {row["dimension"]: row["balance"] for row in after["overall"]}
    focus = {f.dimension for f in plan.focuses.all()}
    rows = []
    for row in before["overall"]:
        start, end = row["balance"], after_by.get(row["dimension"])
        change = end - start if start is not None and end is not None else None
        rows.append(
            {
                "dimension": row["dimension"],
                "label": row["label"],
                "in_focus": row["dimension"] in focus,
                "before": start,
                "after": end,
                "change": change,
            }
        )
    changes_in = [r["change"] for r in rows if r["in_focus"] and r["change"] is not None]
    changes_out = [r["change"] for r in rows if not r["in_focus"] and r["change"] is not None]
    return {
        "before_cycle": {"id": plan.cycle_id, "name": plan.cycle.name},
        "after_cycle": {"id": later.pk, "name": later.name},
        "dimensions": sorted(rows, key=lambda r: (not r["in_focus"], r["label"])),
        "focus_change": _mean(changes_in),
        "other_change": _mean(changes_out),
    }


def cohort_plan_coverage(*, cohort, day: datetime.date) -> dict | None:
    """For HR: of the leaders the cohort's latest released report was about, how many
    built a plan from it, and which dimensions they focus on (a heat map: leaders per
    dimension). None while the cohort has no released report."""
    cycle = (
        Cycle.objects.filter(cohort=cohort, released_at__lt=end_of_day(day))
        .order_by("-opens_at", "-pk")
        .first()
    )
    if cycle is None:
        return None
    subjects = RaterRequest.objects.filter(cycle=cycle).values("subject_id").distinct()
    plans = Plan.objects.filter(cycle=cycle, leader__in=subjects, created_at__lt=end_of_day(day))
    counts = dict(
        Focus.objects.filter(plan__in=plans)
        .values("dimension")
        .annotate(n=Count("pk"))
        .values_list("dimension", "n")
    )
    with_plan = plans.count()
    return {
        "cycle": {"id": cycle.pk, "name": cycle.name, "released_at": cycle.released_at},
        "leaders": subjects.count(),
        "with_plan": with_plan,
        "focus": [
            {"dimension": value, "label": label, "leaders": counts.get(value, 0)}
            for value, label in Dimension.choices
        ],
    }


def _rounded(value) -> Decimal | None:
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else None


def program_plan_impact(*, program, cohort=None, day: datetime.date | None = None) -> dict:
    """Across a program's cohorts (or one): of the plans whose leader's next report was
    out by ``day``, how far the balance moved on the focus dimensions and on the others
    (means of the per-dimension changes), per cohort and overall. Read from the recorded
    balances (PlanBalance), so two queries whatever the number of plans.

    The recorded balances are the reports as anyone may see them, not as a viewer who
    rated one of these leaders would: so a figure resting on fewer plans than the
    anonymity threshold is withheld (``withheld``), never shown."""
    balances = PlanBalance.objects.filter(
        plan__cycle__cohort__program=program,
        plan__outcome_cycle__isnull=False,
        before__isnull=False,
        after__isnull=False,
    )
    if cohort is not None:
        balances = balances.filter(plan__cycle__cohort=cohort)
    if day is not None:
        balances = balances.filter(
            plan__created_at__lt=end_of_day(day),
            plan__outcome_cycle__released_at__lt=end_of_day(day),
        )
    moved = {"change": Avg(F("after") - F("before")), "plans": Count("plan", distinct=True)}
    cohorts: dict[int, dict] = {}
    for row in (
        balances.values("plan__cycle__cohort", "plan__cycle__cohort__name", "in_focus")
        .annotate(**moved)
        .order_by("plan__cycle__cohort__name", "plan__cycle__cohort")
    ):
        entry = cohorts.setdefault(
            row["plan__cycle__cohort"],
            {
                "cohort": {
                    "id": row["plan__cycle__cohort"],
                    "name": row["plan__cycle__cohort__name"],
                },
                **_no_change(),
            },
        )
        _add_change(entry, row)
    overall = _no_change()
    for row in balances.values("in_focus").annotate(**moved).order_by("in_focus"):
        _add_change(overall, row)
    return {
        "cohorts": [_withhold_small(entry) for entry in cohorts.values()],
        "overall": _withhold_small(overall),
    }


def _no_change() -> dict:
    return {"plans": 0, "focus_change": None, "other_change": None, "withheld": False}


def _add_change(entry: dict, row: dict) -> None:
    entry["plans"] = max(entry["plans"], row["plans"])
    entry["focus_change" if row["in_focus"] else "other_change"] = _rounded(row["change"])


def _withhold_small(entry: dict) -> dict:
    if entry["plans"] and entry["plans"] < MIN_ANONYMITY_THRESHOLD:
        entry.update(focus_change=None, other_change=None, withheld=True)
    return entry

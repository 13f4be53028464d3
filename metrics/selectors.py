"""Reads and figures for leadership metrics. Everything is computed in the database.

For the dashboards (plain dicts, JSON-ready; the API serializers in
``metrics/api/serializers.py`` document their shapes):

``scorecard_for(*, leader, as_of=None) -> dict``
    Per active metric: latest value, the target that applies, attainment and
    on-target (respecting direction), the trend over the last 8 periods, the
    change since the leader's baseline (the last recorded period before their
    first program started) and their percentile within their cohort.
    A fixed number of queries.

``cohort_summary(*, cohort, as_of=None, periods=12) -> dict``
    Per metric and period: average, median, spread (standard deviation, min,
    max), leaders with a target and share on target; the latest value of
    every leader (``leaders``) and who is below target. A fixed number of queries.

``program_impact(*, program, cohort=None, as_of=None) -> dict``
    Per metric: average change baseline → latest for enrolled leaders, the
    same change for leaders not (yet) enrolled over the same calendar
    periods, their difference (difference-in-differences), the n behind each
    figure and a caution when a group has fewer than 5 leaders.
    Five queries, whatever the number of leaders or cohorts.

``program_impact_and_levels(*, program, cohort=None, as_of=None) -> (dict, list)``
    ``program_impact`` and, per metric, the program's leaders' average before their
    cohort started and in the latest period (the two levels of a before/after chart),
    from one read of the enrolled leaders' rows (the impact dashboard shows both).

Scoped lists for the API: ``observation_list(*, leaders)``, ``target_list(*, leaders, cohorts)``;
the web layer passes what the caller may see (``leaders_visible_to``, ``cohorts_visible_to``).
Definitions in plain words: docs/metrics.md.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    StdDev,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    PercentRank,
    RowNumber,
    TruncMonth,
    TruncQuarter,
)
from django.utils import timezone
from django_cte import CTE, with_cte

from common.shaping import percent, person, rounded
from metrics.models import CohortRanking, MetricDefinition, Observation, Target
from metrics.periods import Period, period_floor, period_label, period_shift
from people.models import ReportingLine, User
from people.roles import Role
from programs.models import Cohort, Enrollment, Program

TREND_PERIODS = 8
SMALL_GROUP = 5
# The metric a team pulse measures (pulse/ writes it; dashboards show it with its source).
TEAM_ENGAGEMENT = "team_engagement"
HIGHER = MetricDefinition.Direction.HIGHER_IS_BETTER
LOWER = MetricDefinition.Direction.LOWER_IS_BETTER
VALUE_FIELD = DecimalField(max_digits=14, decimal_places=2)


# --- scoped lists -----------------------------------------------------------


def metric_definition_list() -> QuerySet[MetricDefinition]:
    return MetricDefinition.objects.all()


def observation_list(*, leaders: QuerySet[User]) -> QuerySet[Observation]:
    return Observation.objects.filter(leader__in=leaders).select_related(
        "leader", "metric", "recorded_by"
    )


def target_list(*, leaders: QuerySet[User], cohorts: QuerySet[Cohort]) -> QuerySet[Target]:
    """The own targets of ``leaders`` and the cohort defaults of ``cohorts``."""
    return Target.objects.select_related("metric", "leader", "cohort").filter(
        Q(leader__in=leaders) | Q(cohort__in=cohorts)
    )


# --- expressions shared by the figures ----------------------------------------


def _valid_on(period_ref: str) -> Q:
    """A target applies to a period when it is valid on the period's first day."""
    return Q(valid_from__lte=OuterRef(period_ref)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef(period_ref))
    )


def target_expression(leader_ref: str = "leader", period_ref: str = "period_start"):
    """The target for an observation row: the leader's own, else their cohort's default."""
    own = Target.objects.filter(
        _valid_on(period_ref), leader=OuterRef(leader_ref), metric=OuterRef("metric")
    ).order_by("-valid_from")
    cohort_default = Target.objects.filter(
        _valid_on(period_ref),
        metric=OuterRef("metric"),
        cohort__enrollments__leader=OuterRef(leader_ref),
        cohort__enrollments__status__in=Enrollment.TAKING_PART_STATUSES,
    ).order_by("-cohort__starts_on", "-valid_from")
    return Coalesce(
        Subquery(own.values("value")[:1]),
        Subquery(cohort_default.values("value")[:1]),
        output_field=VALUE_FIELD,
    )


def on_target_expression(
    value: str = "value", target: str = "target", direction: str = "metric__direction"
):
    """True when the value meets the target in the metric's direction; None without a target."""
    return Case(
        When(**{f"{target}__isnull": True}, then=Value(None)),
        When(Q(**{direction: HIGHER, f"{value}__gte": F(target)}), then=Value(True)),
        When(Q(**{direction: LOWER, f"{value}__lte": F(target)}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(null=True),
    )


def attainment(value: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    """Value against target in %, where 100 is exactly on target and more is better.

    Higher is better: value ÷ target. Lower is better: target ÷ value. Undefined
    (None) when dividing by zero; ``on_target`` still answers then.
    """
    if value is None or target is None:
        return None
    numerator, denominator = (value, target) if direction == HIGHER else (target, value)
    if denominator == 0:
        return None
    return percent(numerator, denominator)


def _period_cutoff(day: datetime.date):
    """Per row: the first day of the metric's period that contains ``day``."""
    return Case(
        When(metric__period=Period.QUARTER, then=Value(period_floor(day, Period.QUARTER))),
        default=Value(period_floor(day, Period.MONTH)),
        output_field=DateField(),
    )


def latest_observations(*, as_of: datetime.date, leaders) -> QuerySet[Observation]:
    """Each (leader, metric)'s most recent observation on or before ``as_of``, for the
    ``leaders`` in question only (ids, or a query of them): one pass over their rows,
    numbered newest first per leader and metric, so a page about one leader reads that
    leader's rows, whatever the size of the company (issue 14)."""
    newest_first = (
        Observation.objects.filter(leader__in=leaders, period_start__lte=as_of)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("leader"), F("metric")],
                order_by=F("period_start").desc(),
            )
        )
        .filter(recency=1)
        .values("pk")
    )
    return Observation.objects.filter(pk__in=newest_first)


def latest_standing(*, leader_ids, as_of: datetime.date) -> dict[int, dict]:
    """Leader id → where their latest values stand on ``as_of``: how many metrics are on
    target, the names of those below it, and their team engagement (value, period,
    source and its note: "team pulse, 5 answers"). One query for any number of leaders."""
    standing = {
        leader_id: {"on_target": 0, "below_target": [], "team_engagement": None}
        for leader_id in leader_ids
    }
    rows = (
        latest_observations(as_of=as_of, leaders=list(leader_ids))
        .filter(metric__is_active=True)
        .annotate(target=target_expression())
        .annotate(on_target=on_target_expression())
        .select_related("metric")
        .order_by("leader_id", "metric__name")
    )
    for row in rows:
        entry = standing[row.leader_id]
        if row.on_target is True:
            entry["on_target"] += 1
        elif row.on_target is False:
            entry["below_target"].append(row.metric.name)
        if row.metric.code == TEAM_ENGAGEMENT:
            entry["team_engagement"] = {
                "value": row.value,
                "period": period_label(row.period_start, row.metric.period),
                "source": row.get_source_display(),
                "note": row.note,
            }
    return standing


def _directional_value():
    """Sorts best last whatever the direction (for percent ranks)."""
    return Case(
        When(metric__direction=LOWER, then=-F("value")),
        default=F("value"),
        output_field=VALUE_FIELD,
    )


def _metric_dict(metric: MetricDefinition) -> dict:
    return {
        "id": metric.pk,
        "code": metric.code,
        "name": metric.name,
        "category": metric.category,
        "unit": metric.unit,
        "currency": metric.currency,
        "direction": metric.direction,
        "period": metric.period,
    }


def _participations(leader_ids) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        leader__in=leader_ids, status__in=Enrollment.TAKING_PART_STATUSES
    )


# --- measured retention ---------------------------------------------------------------


def team_retention(*, month: datetime.date) -> QuerySet:
    """Per leader whose team was not empty on the month's first day, from the reporting
    line's history: ``start``, the people reporting to them that day; ``left``, those of
    them who left the company in the month while still on the team; ``moved``, those
    who moved to another team in the month (a transfer, not attrition). Rows of
    ``manager`` (the leader's id), ``start``, ``left`` and ``moved``, in one query.

    A stretch of the line covers ``started_on`` up to, not including, ``ended_on``, so
    the team at the month's end is the team on the next month's first day, and someone
    who left on that day (``left_on``) left in this month."""
    after = period_shift(month, Period.MONTH, 1)
    on_first_day = Q(started_on__lte=month) & (Q(ended_on__isnull=True) | Q(ended_on__gt=month))
    left = Q(person__left_on__gte=month, person__left_on__lte=after) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=F("person__left_on"))
    )
    moved = Q(ended_on__lte=after) & ~left
    return (
        ReportingLine.objects.filter(on_first_day)
        .filter(manager__in=User.objects.filter(groups__name=Role.LEADER).values("pk"))
        .values("manager")
        .annotate(
            start=Count("person", distinct=True),
            left=Count("person", filter=left, distinct=True),
            moved=Count("person", filter=moved, distinct=True),
        )
        .order_by("manager")
    )


# --- scorecard ---------------------------------------------------------------


def scorecard_for(*, leader: User, as_of: datetime.date | None = None) -> dict:
    as_of = as_of or timezone.localdate()
    metrics = list(MetricDefinition.objects.filter(is_active=True))
    enrollments = list(
        _participations([leader.pk]).select_related("cohort").order_by("cohort__starts_on")
    )
    first_start = enrollments[0].cohort.starts_on if enrollments else None
    cohort = enrollments[-1].cohort if enrollments else None
    mine = Observation.objects.filter(leader=leader, period_start__lte=as_of)
    figures = _ScorecardFigures(
        as_of=as_of,
        latest={
            row.metric_id: row
            for row in latest_observations(as_of=as_of, leaders=[leader.pk])
            .annotate(target=target_expression())
            .annotate(on_target=on_target_expression())
        },
        trends=_trends(mine),
        baselines=_baselines(mine, first_start) if first_start else {},
        percentiles=_percentiles_in_cohort(leader, cohort, as_of) if cohort else {},
        year_to_date={
            row["metric"]: row
            for row in mine.filter(period_start__year=as_of.year)
            .values("metric")
            .annotate(average=Avg("value"), total=Sum("value"), periods=Count("id"))
        },
    )
    return {
        "leader": person(leader),
        "as_of": as_of,
        "cohort": {"id": cohort.pk, "name": cohort.name} if cohort else None,
        "first_program_start": first_start,
        "metrics": [_scorecard_row(metric, figures) for metric in metrics],
    }


@dataclass(frozen=True)
class _ScorecardFigures:
    """One leader's figures per metric id, each read in one query."""

    as_of: datetime.date
    latest: dict[int, Observation]
    trends: dict[int, list[dict]]
    baselines: dict[int, dict]
    percentiles: dict[int, dict]
    year_to_date: dict[int, dict]


def _latest_first(partition: str = "metric") -> Window:
    return Window(RowNumber(), partition_by=[F(partition)], order_by=F("period_start").desc())


def _trends(mine: QuerySet[Observation]) -> dict[int, list[dict]]:
    """Metric id → the leader's last TREND_PERIODS values, oldest first."""
    trends = defaultdict(list)
    for row in (
        mine.annotate(recency=_latest_first())
        .filter(recency__lte=TREND_PERIODS)
        .order_by("metric", "period_start")
        .values("metric", "period_start", "value")
    ):
        trends[row["metric"]].append(row)
    return trends


def _baselines(mine: QuerySet[Observation], first_start: datetime.date) -> dict[int, dict]:
    """Metric id → the leader's last value before the period their first program began."""
    return {
        row["metric"]: row
        for row in mine.annotate(cutoff=_period_cutoff(first_start))
        .filter(period_start__lt=F("cutoff"))
        .annotate(recency=_latest_first())
        .filter(recency=1)
        .values("metric", "period_start", "value")
    }


def _percentiles_in_cohort(leader: User, cohort: Cohort, as_of: datetime.date) -> dict[int, dict]:
    """Metric id → the leader's percent rank among the cohort's latest values, and peers:
    read from the cohort's ranking while it is current (three queries whatever the cohort's
    size), else ranked live."""
    ranking = CohortRanking.objects.filter(cohort=cohort, as_of=as_of).first()
    members = cohort_member_ids(cohort)
    if ranking is not None and ranking.members == members:
        ranks = ranking.ranks.filter(leader=leader).values("metric", "rank", "peers")
    else:
        ranks = (
            row for row in cohort_ranks(cohort=cohort, as_of=as_of) if row["leader"] == leader.pk
        )
    return {row["metric"]: row for row in ranks}


def cohort_member_ids(cohort: Cohort) -> list[int]:
    """The ids of the leaders taking part in ``cohort``, ascending: what a
    ``CohortRanking`` records as the members it ranked."""
    return cohorts_member_ids(cohort_ids=[cohort.pk]).get(cohort.pk, [])


def cohorts_member_ids(*, cohort_ids: list[int] | None = None) -> dict[int, list[int]]:
    """Cohort id → ``cohort_member_ids``, for ``cohort_ids`` or every cohort with members,
    in one query."""
    participations = Enrollment.objects.filter(status__in=Enrollment.TAKING_PART_STATUSES)
    if cohort_ids is not None:
        participations = participations.filter(cohort__in=cohort_ids)
    members: dict[int, list[int]] = {}
    for cohort_id, leader_id in (
        participations.order_by("cohort", "leader").values_list("cohort", "leader").distinct()
    ):
        members.setdefault(cohort_id, []).append(leader_id)
    return members


def cohort_ranks(*, cohort: Cohort, as_of: datetime.date) -> QuerySet:
    """Every member's percent rank (0 lowest, 1 best, direction applied) on each metric
    among the members' latest values on or before ``as_of``, with how many have one:
    rows of leader, metric, rank and peers. What ``CohortRanking`` keeps."""
    return (
        latest_observations(as_of=as_of, leaders=_participations_in(cohort).values("leader"))
        .annotate(
            rank=Window(
                PercentRank(), partition_by=[F("metric")], order_by=_directional_value().asc()
            ),
            peers=Window(Count("id"), partition_by=[F("metric")]),
        )
        .values("leader", "metric", "rank", "peers")
    )


def _scorecard_row(metric: MetricDefinition, figures: _ScorecardFigures) -> dict:
    current = figures.latest.get(metric.pk)
    baseline = figures.baselines.get(metric.pk)
    ranked = figures.percentiles.get(metric.pk)
    value = current.value if current else None
    target = current.target if current else None
    return {
        "metric": _metric_dict(metric),
        "period_start": current.period_start if current else None,
        "period": period_label(current.period_start, metric.period) if current else None,
        "value": value,
        "target": target,
        "attainment": attainment(value, target, metric.direction),
        "on_target": current.on_target if current else None,
        "source": current.source if current else None,
        "source_label": current.get_source_display() if current else None,
        "note": current.note if current else None,
        "trend": [
            {
                "period_start": point["period_start"],
                "period": period_label(point["period_start"], metric.period),
                "value": point["value"],
            }
            for point in figures.trends.get(metric.pk, [])
        ],
        "baseline_period": (
            period_label(baseline["period_start"], metric.period) if baseline else None
        ),
        "baseline_value": baseline["value"] if baseline else None,
        "change_since_baseline": (
            value - baseline["value"] if baseline and value is not None else None
        ),
        "percentile_in_cohort": (
            rounded(Decimal(ranked["rank"]) * 100, places=2)
            if ranked and ranked["peers"] > 1
            else None
        ),
        "cohort_leaders_with_value": ranked["peers"] if ranked else 0,
        "year_to_date": _year_to_date(
            metric, figures.year_to_date.get(metric.pk), current, figures.as_of
        ),
    }


def _year_to_date(metric, aggregate, current, as_of) -> Decimal | None:
    """The periods of this calendar year combined the metric's way (average, sum or last)."""
    if not aggregate:
        return None
    if metric.aggregation == MetricDefinition.Aggregation.SUM:
        return rounded(aggregate["total"], places=2)
    if metric.aggregation == MetricDefinition.Aggregation.LAST:
        in_year = current and current.period_start.year == as_of.year
        return current.value if in_year else None
    return rounded(aggregate["average"], places=2)


def _participations_in(cohort: Cohort) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(cohort=cohort, status__in=Enrollment.TAKING_PART_STATUSES)


# --- cohort summary ------------------------------------------------------------


def cohort_summary(
    *, cohort: Cohort, as_of: datetime.date | None = None, periods: int = 12
) -> dict:
    as_of = as_of or timezone.localdate()
    metrics = {metric.pk: metric for metric in MetricDefinition.objects.filter(is_active=True)}
    members = list(
        User.objects.filter(
            enrollments__cohort=cohort, enrollments__status__in=Enrollment.TAKING_PART_STATUSES
        ).order_by("full_name")
    )
    member_ids = [member.pk for member in members]
    in_cohort = Observation.objects.filter(
        _last_periods(metrics.values(), as_of, periods),
        leader__in=member_ids,
        period_start__lte=as_of,
    )
    latest_by_leader, below_target = _latest_cells(
        _with_targets(
            latest_observations(as_of=as_of, leaders=member_ids).filter(metric__in=metrics)
        ).order_by("leader", "metric"),
        metrics,
        members,
    )
    by_metric = _per_period(in_cohort, metrics)
    return {
        "cohort": {"id": cohort.pk, "name": cohort.name, "program": cohort.program_id},
        "as_of": as_of,
        "metrics": [
            {"metric": _metric_dict(metric), "periods": by_metric.get(metric.pk, [])}
            for metric in metrics.values()
        ],
        "leaders": [
            {"leader": person(member), "latest": latest_by_leader.get(member.pk, {})}
            for member in members
        ],
        "below_target": below_target,
    }


def _with_targets(observations: QuerySet[Observation], **windows) -> QuerySet:
    """``observations`` as rows of leader, metric, period_start, value, direction, their
    effective target and whether it is met, plus ``windows`` over them.

    The rows are a materialized CTE, so the target (two correlated lookups) is computed once
    per row: annotated the usual way, Django repeats its subqueries wherever the target is
    referenced (four times for a count of targets and the on-target share; issue 14).
    """
    rows = CTE(
        observations.order_by()
        .values("leader", "metric", "period_start", "value", direction=F("metric__direction"))
        .annotate(target=target_expression(), **windows),
        name="with_targets",
        materialized=True,
    )
    return with_cte(rows, select=rows.queryset()).annotate(
        on_target=on_target_expression(direction="direction")
    )


def _last_periods(metrics, as_of: datetime.date, periods: int) -> Q:
    """Observations in each metric's last ``periods`` periods up to ``as_of``."""
    return reduce(
        operator.or_,
        (
            Q(
                metric_id=metric.pk,
                period_start__gte=period_shift(
                    period_floor(as_of, metric.period), metric.period, -(periods - 1)
                ),
            )
            for metric in metrics
        ),
        Q(pk__in=[]),
    )


def _per_period(in_cohort: QuerySet[Observation], metrics: dict) -> dict[int, list[dict]]:
    """Metric id → the cohort's figures per period, in one query.

    The median is the middle row (odd n) or the average of the two middle rows (even n):
    rows are numbered by value inside each group, and the middle ones satisfy
    n ≤ 2·position ≤ n + 2.
    """
    group = [F("metric"), F("period_start")]
    rows = (
        _with_targets(
            in_cohort,
            position=Window(RowNumber(), partition_by=group, order_by=F("value").asc()),
            size=Window(Count("id"), partition_by=group),
        )
        .values("metric", "period_start")
        .annotate(
            leaders=Count("value"),
            average=Avg("value"),
            median=Avg(
                "value",
                filter=Q(position__gte=F("size") / 2.0, position__lte=F("size") / 2.0 + 1),
            ),
            spread=StdDev("value"),
            lowest=Min("value"),
            highest=Max("value"),
            with_target=Count("target"),
            on_target_count=Count("value", filter=Q(on_target=True)),
        )
        .order_by("metric", "period_start")
    )
    by_metric: dict[int, list] = defaultdict(list)
    for row in rows:
        by_metric[row["metric"]].append(
            {
                "period_start": row["period_start"],
                "period": period_label(row["period_start"], metrics[row["metric"]].period),
                "leaders": row["leaders"],
                "average": rounded(row["average"], places=2),
                "median": rounded(row["median"], places=2),
                "spread": rounded(row["spread"], places=2),
                "lowest": row["lowest"],
                "highest": row["highest"],
                "leaders_with_target": row["with_target"],
                "share_on_target": (
                    rounded(Decimal(row["on_target_count"]) * 100 / row["with_target"], places=2)
                    if row["with_target"]
                    else None
                ),
            }
        )
    return by_metric


def _latest_cells(
    latest_rows, metrics: dict, members: list[User]
) -> tuple[dict[int, dict], list[dict]]:
    """Leader id → {metric code: their latest value against target}, and the cells below
    target, named, in the members' order."""
    latest_by_leader: dict[int, dict] = defaultdict(dict)
    below: dict[int, list[dict]] = defaultdict(list)
    for row in latest_rows:
        metric = metrics[row["metric"]]
        cell = {
            "metric": metric.code,
            "period": period_label(row["period_start"], metric.period),
            "value": row["value"],
            "target": row["target"],
            "attainment": attainment(row["value"], row["target"], metric.direction),
            "on_target": row["on_target"],
        }
        latest_by_leader[row["leader"]][metric.code] = cell
        if row["on_target"] is False:
            below[row["leader"]].append(cell)
    below_target = [
        {"leader": person(member), **cell} for member in members for cell in below[member.pk]
    ]
    return latest_by_leader, below_target


# --- program impact ------------------------------------------------------------


def program_impact(
    *, program: Program, cohort: Cohort | None = None, as_of: datetime.date | None = None
) -> dict:
    return program_impact_and_levels(program=program, cohort=cohort, as_of=as_of)[0]


def program_impact_and_levels(
    *, program: Program, cohort: Cohort | None = None, as_of: datetime.date | None = None
) -> tuple[dict, list[dict]]:
    """``program_impact`` and the before/after levels (``_levels``) together, from one read
    of the enrolled leaders' rows (the impact dashboard shows both)."""
    as_of = as_of or timezone.localdate()
    metrics = list(MetricDefinition.objects.filter(is_active=True))
    cohorts = [cohort] if cohort else list(program.cohorts.filter(starts_on__lte=as_of))
    latest_periods = _latest_periods(as_of)
    enrolled = _enrolled_figures(cohorts=cohorts, latest_periods=latest_periods, metrics=metrics)
    impact = _impact(program, cohort, as_of, metrics, cohorts, latest_periods, enrolled)
    return impact, _levels(metrics, latest_periods, enrolled)


def _impact(program, cohort, as_of, metrics, cohorts, latest_periods, enrolled) -> dict:
    took_part = Enrollment.objects.filter(
        program=program, status__in=Enrollment.TAKING_PART_STATUSES, cohort__starts_on__lte=as_of
    ).values("leader")
    comparison_leaders = User.objects.filter(groups__name=Role.LEADER).exclude(pk__in=took_part)
    # per metric: [(cohort, enrolled (n, change), comparison (n, change))], in two
    # queries whatever the number of cohorts.
    comparison_changes = _changes_since(
        leaders=comparison_leaders,
        starts=[each.starts_on for each in cohorts],
        latest_periods=latest_periods,
        metrics=metrics,
    )
    windows: dict[int, list] = defaultdict(list)
    for each in cohorts:
        for metric in metrics:
            row = enrolled.get((each.pk, metric.pk))
            windows[metric.pk].append(
                (
                    each,
                    (row["changed"], row["change"]) if row and row["changed"] else None,
                    comparison_changes.get((_month(each.starts_on), metric.pk)),
                )
            )
    return {
        "program": {"id": program.pk, "name": program.name},
        "cohort": {"id": cohort.pk, "name": cohort.name} if cohort else None,
        "as_of": as_of,
        "metrics": [
            _impact_row(metric, windows.get(metric.pk, []), latest_periods.get(metric.pk))
            for metric in metrics
        ],
    }


def _latest_periods(as_of: datetime.date) -> dict[int, datetime.date]:
    """Metric id → its latest period with a value on or before ``as_of`` (anyone's): one
    step down the (metric, period_start) index per metric, not a scan of every row."""
    latest = (
        Observation.objects.filter(metric=OuterRef("pk"), period_start__lte=as_of)
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    return dict(
        MetricDefinition.objects.annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .values_list("pk", "latest")
    )


def _baseline_value(cutoff: str = "cutoff"):
    """Per observation row: the leader's last value of the metric before the row's
    ``cutoff`` (annotate it first)."""
    return Subquery(
        Observation.objects.filter(
            leader=OuterRef("leader"),
            metric=OuterRef("metric"),
            period_start__lt=OuterRef(cutoff),
        )
        .order_by("-period_start")
        .values("value")[:1],
        output_field=VALUE_FIELD,
    )


def _latest_rows(latest_periods, metrics) -> Q:
    """Each metric's rows in its latest period."""
    return reduce(
        operator.or_,
        (
            Q(metric_id=metric.pk, period_start=latest_periods[metric.pk])
            for metric in metrics
            if metric.pk in latest_periods
        ),
        Q(pk__in=[]),
    )


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _cutoff_of(start):
    """Per row: the first day of the metric's period containing ``start`` (a date field)."""
    return Case(
        When(metric__period=Period.QUARTER, then=TruncQuarter(start)),
        default=TruncMonth(start),
        output_field=DateField(),
    )


def _enrolled_rows(cohorts, latest: Q) -> QuerySet:
    """The ``latest`` rows of every leader taking part in one of ``cohorts``, once per
    cohort, each with its ``cohort``, the ``cutoff`` of the cohort's start for the
    row's metric, and the leader's ``baseline`` before it (rows without one left out).

    A materialized CTE, so the baseline (a lookup per row) is computed once per row:
    annotated the usual way, Django repeats it wherever it is referenced (issue 14)."""
    rows = CTE(
        Observation.objects.filter(
            latest,
            leader__enrollments__cohort__in=[each.pk for each in cohorts],
            leader__enrollments__status__in=Enrollment.TAKING_PART_STATUSES,
        )
        .order_by()
        .values("metric", "period_start", "value", cohort=F("leader__enrollments__cohort"))
        .annotate(cutoff=_cutoff_of("leader__enrollments__cohort__starts_on"))
        .annotate(baseline=_baseline_value()),
        name="enrolled_rows",
        materialized=True,
    )
    return with_cte(rows, select=rows.queryset()).filter(baseline__isnull=False)


def _enrolled_figures(*, cohorts, latest_periods, metrics) -> dict[tuple[int, int], dict]:
    """(cohort id, metric id) → the cohort's leaders with a baseline and a value in the
    metric's latest period: how many (``leaders``), their average ``before`` and ``after``;
    and of those whose latest period is not before the one containing the cohort's start,
    how many (``changed``) and their average ``change``. One query."""
    counted = Q(period_start__gte=F("cutoff"))
    rows = (
        _enrolled_rows(cohorts, _latest_rows(latest_periods, metrics))
        .values("cohort", "metric")
        .annotate(
            leaders=Count("value"),
            before=Avg("baseline"),
            after=Avg("value"),
            changed=Count("value", filter=counted),
            change=Avg(F("value") - F("baseline"), filter=counted, output_field=VALUE_FIELD),
        )
        .order_by()
    )
    return {(row["cohort"], row["metric"]): row for row in rows}


def _changes_since(*, leaders, starts, latest_periods, metrics) -> dict[tuple, tuple]:
    """(first of the start's month, metric id) → (n, average change) of ``leaders`` from
    each one's last value before the period containing the start to their value in the
    metric's latest period. One query for all the starts: one baseline per distinct start
    month, so the cost grows with the months cohorts start in, not with the cohorts."""
    months = sorted({_month(start) for start in starts})
    if not months:
        return {}
    rows = Observation.objects.filter(_latest_rows(latest_periods, metrics), leader__in=leaders)
    figures = {}
    for index, month in enumerate(months):
        cutoff = f"cutoff_{index}"
        rows = rows.annotate(**{cutoff: _period_cutoff(month)}).annotate(
            **{f"baseline_{index}": _baseline_value(cutoff)}
        )
        counted = Q(**{f"baseline_{index}__isnull": False, "period_start__gte": F(cutoff)})
        figures[f"leaders_{index}"] = Count("id", filter=counted)
        figures[f"change_{index}"] = Avg(
            F("value") - F(f"baseline_{index}"), filter=counted, output_field=VALUE_FIELD
        )
    changes = {}
    for row in rows.values("metric").annotate(**figures).order_by():
        for index, month in enumerate(months):
            if row[f"leaders_{index}"]:
                changes[(month, row["metric"])] = (
                    row[f"leaders_{index}"],
                    row[f"change_{index}"],
                )
    return changes


def _weighted(pairs) -> tuple[int, Decimal | None]:
    """Combine per-cohort (n, average) pairs weighted by n."""
    pairs = [(n, change) for n, change in pairs if n]
    total = sum(n for n, _ in pairs)
    if not total:
        return 0, None
    return total, sum(Decimal(n) * Decimal(change) for n, change in pairs) / total


def _impact_row(metric: MetricDefinition, windows: list, latest_period) -> dict:
    # Only windows where both groups have data can be compared.
    usable = [(each, enrolled, other) for each, enrolled, other in windows if enrolled and other]
    enrolled_n, enrolled_change = _weighted(enrolled for _, enrolled, _ in usable)
    # The comparison change of each window counts as often as enrolled leaders rely on it.
    _, comparison_change = _weighted((enrolled[0], other[1]) for _, enrolled, other in usable)
    comparison_n = min((other[0] for _, _, other in usable), default=0)
    difference = (
        enrolled_change - comparison_change
        if enrolled_change is not None and comparison_change is not None
        else None
    )
    improvement = None
    if difference is not None:
        improvement = difference if metric.direction == HIGHER else -difference
    return {
        "metric": _metric_dict(metric),
        "latest_period": period_label(latest_period, metric.period) if latest_period else None,
        "enrolled_leaders": enrolled_n,
        "enrolled_change": rounded(enrolled_change, places=2),
        "comparison_leaders": comparison_n,
        "comparison_change": rounded(comparison_change, places=2),
        "difference_in_differences": rounded(difference, places=2),
        "improved": None if improvement is None else improvement > 0,
        "caution": _caution(enrolled_n, comparison_n),
        "cohorts": [
            {
                "cohort": {"id": each.pk, "name": each.name},
                "enrolled_leaders": enrolled[0] if enrolled else 0,
                "enrolled_change": rounded(enrolled[1], places=2) if enrolled else None,
                "comparison_leaders": other[0] if other else 0,
                "comparison_change": rounded(other[1], places=2) if other else None,
            }
            for each, enrolled, other in windows
        ],
    }


def _caution(enrolled_n: int, comparison_n: int) -> str:
    if enrolled_n == 0 or comparison_n == 0:
        return (
            "No comparison is possible yet: one of the groups has no leader with values both "
            "before the program and in the latest period."
        )
    small = []
    if enrolled_n < SMALL_GROUP:
        small.append(f"only {enrolled_n} enrolled leader{'s' if enrolled_n != 1 else ''}")
    if comparison_n < SMALL_GROUP:
        small.append(f"only {comparison_n} comparison leader{'s' if comparison_n != 1 else ''}")
    if small:
        return (
            f"Too few leaders to conclude anything ({' and '.join(small)}; at least "
            f"{SMALL_GROUP} in each group are needed). Treat this figure as anecdote."
        )
    return ""


# --- before and after ----------------------------------------------------------


def _levels(metrics, latest_periods, enrolled: dict) -> list[dict]:
    """Per metric: the average value of the program's leaders (or one cohort's) before
    their cohort started (their last period before it) and in the metric's latest period,
    over the leaders who have both: the two levels of a before/after chart."""
    totals: dict[int, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for (_, metric_id), row in enrolled.items():
        total = totals[metric_id]
        total[0] += row["leaders"]
        total[1] += Decimal(row["before"]) * row["leaders"]
        total[2] += Decimal(row["after"]) * row["leaders"]
    return [
        _levels_row(metric, totals.get(metric.pk), latest_periods.get(metric.pk))
        for metric in metrics
    ]


def _levels_row(metric: MetricDefinition, total: list | None, latest_period) -> dict:
    leaders, before, after = total or (0, None, None)
    return {
        "metric": {
            "id": metric.pk,
            "code": metric.code,
            "name": metric.name,
            "unit": metric.unit,
            "direction": metric.direction,
        },
        "latest_period": period_label(latest_period, metric.period) if latest_period else None,
        "leaders": leaders,
        "before": rounded(before / leaders, places=2) if leaders else None,
        "after": rounded(after / leaders, places=2) if leaders else None,
    }

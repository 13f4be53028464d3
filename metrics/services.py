"""Writes for metrics: definitions, observations (single, bulk, CSV import) and targets.

Every observation write goes through ``observations_bulk_upsert``: one value per
(leader, metric, period); a new value replaces the old one and the replacement
is kept in ``ObservationChange``. Writing the same value again changes nothing,
so importing the same file twice is harmless. A value Lodestar measured itself (team
pulse, reporting line) is not replaced by an imported one, nor the other way round when
the metric says ``imported_wins`` (``metrics.models.source_replaces``): the row is
*kept*, and the report says why.

The measured retention rate (``retention_measure``) is written here too, from the
reporting line's history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from common import audit
from common.audit import Actor
from common.broker import enqueue_on_commit
from common.csv_import import RowError, RowErrorsFound, read_csv
from common.errors import ApplicationError
from common.shaping import rounded
from metrics import selectors
from metrics.models import (
    CohortRank,
    CohortRanking,
    MetricDefinition,
    Observation,
    ObservationChange,
    Target,
    source_replaces,
)
from metrics.periods import (
    Period,
    is_period_start,
    last_complete_period,
    parse_period,
    period_floor,
    period_label,
    period_shift,
)
from people.models import User
from people.roles import Role
from programs.models import Cohort, Enrollment

MAX_BULK_ROWS = 10_000  # one JSON request
# A CSV file: a BI export of a year of monthly figures for a large sales organisation
# (8,000 leaders, 2 metrics, 6 months: 96,000 rows) is one import, all or nothing.
MAX_IMPORT_ROWS = 100_000
MAX_IMPORT_BYTES = 12 * 1024 * 1024
PREVIEW_ROWS = 200
WRITE_SLICE = 5000  # observations written (with their history and audit events) at a time

IMPORT_COLUMNS = ["leader_email", "metric", "period", "value"]
IMPORT_OPTIONAL = ["note"]
IMPORT_ALIASES = {
    "leader_email": ["email", "leader"],
    "metric": ["metric_code", "code"],
    "period": ["period_start", "month", "quarter"],
}


# --- values -----------------------------------------------------------------


def parse_value(text: str) -> Decimal:
    """'87.5', '87,5' (a European spreadsheet), ' 1 200 ' → Decimal; ValidationError otherwise."""
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValidationError(f'"{text}" is not a number.') from exc
    if not value.is_finite():
        raise ValidationError(f'"{text}" is not a number.')
    return value


def validate_value(*, metric: MetricDefinition, value: Decimal) -> Decimal:
    """Check a value against its metric's unit and valid range; return it."""
    if not isinstance(value, Decimal):
        value = parse_value(value)
    if not value.is_finite():
        raise ValidationError("Not a number.")
    if abs(value) >= Decimal(10) ** 12:
        raise ValidationError("This value is too large.")
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValidationError("Use at most 2 decimal places.")
    if metric.unit == MetricDefinition.Unit.COUNT and value != value.to_integral_value():
        raise ValidationError(f"{metric.name} is a count: use a whole number.")
    low, high = metric.valid_range()
    unit = f" {metric.currency}" if metric.currency else ("%" if metric.unit == "percent" else "")
    if low is not None and high is not None and not low <= value <= high:
        raise ValidationError(
            f"{metric.name} must be between {low}{unit} and {high}{unit}; got {value}."
        )
    if low is not None and value < low:
        raise ValidationError(f"{metric.name} cannot be below {low}{unit}; got {value}.")
    if high is not None and value > high:
        raise ValidationError(f"{metric.name} cannot be above {high}{unit}; got {value}.")
    return value


def validate_period_start(*, metric: MetricDefinition, period_start: datetime.date) -> None:
    if not is_period_start(period_start, metric.period):
        first_days = "1 Jan, 1 Apr, 1 Jul or 1 Oct" if metric.period == "quarter" else "the 1st"
        raise ValidationError(
            f"{metric.name} is reported per {metric.period}; a period starts on {first_days}."
        )


# --- observations -----------------------------------------------------------


@dataclass(frozen=True)
class ObservationInput:
    leader: User
    metric: MetricDefinition
    period_start: datetime.date
    value: Decimal
    note: str = ""

    @property
    def key(self) -> tuple[int, int, datetime.date]:
        return (self.leader.pk, self.metric.pk, self.period_start)


# What an upsert does with a row.
PLANNED_ACTIONS = ("create", "update", "unchanged", "kept")


@dataclass
class PlannedRow:
    """What an upsert will do with one row: create, update (old → new), nothing, or keep
    the value there (``reason``: measured and imported values, ``source_replaces``)."""

    row: int
    input: ObservationInput
    action: str  # one of PLANNED_ACTIONS
    old_value: Decimal | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "leader_email": self.input.leader.email,
            "metric": self.input.metric.code,
            "period": period_label(self.input.period_start, self.input.metric.period),
            "value": self.input.value,
            "old_value": self.old_value,
            "action": self.action,
            "reason": self.reason,
        }


@dataclass
class UpsertReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[PlannedRow] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept": self.kept,
            "errors": [error.as_dict() for error in self.errors],
            "preview": [planned.as_dict() for planned in self.preview[:PREVIEW_ROWS]],
        }


def observation_rows_resolve(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> tuple[list[tuple[int, ObservationInput]], list[RowError]]:
    """Turn raw rows (leader_email, metric code, period text, value text, note) into inputs.

    ``rows`` pairs a row number (as the person sees it) with the raw fields.
    Looks leaders and metrics up in two queries whatever the number of rows,
    and reports every problem by row and column, including a key that appears
    twice.
    """
    rows = list(rows)
    emails = {User.objects.normalize_email(raw.get("leader_email")) for _, raw in rows}
    leaders = {
        user.email: user for user in User.objects.filter(email__in=emails, groups__name=Role.LEADER)
    }
    codes = {str(raw.get("metric") or "").strip() for _, raw in rows}
    metrics = {
        metric.code: metric
        for metric in MetricDefinition.objects.filter(code__in=codes, is_active=True)
    }
    inputs: list[tuple[int, ObservationInput]] = []
    errors: list[RowError] = []
    first_row_of_key: dict[tuple, int] = {}
    for number, raw in rows:
        observation, row_errors = _observation_row_resolve(number, raw, leaders, metrics)
        if observation is not None:
            earlier = first_row_of_key.setdefault(observation.key, number)
            if earlier == number:
                inputs.append((number, observation))
            else:
                row_errors.append(_repeated_key_error(number, earlier, observation))
        errors.extend(row_errors)
    return inputs, errors


def _observation_row_resolve(
    number: int, raw: Mapping[str, str], leaders: dict, metrics: dict
) -> tuple[ObservationInput | None, list[RowError]]:
    """One raw row → its input, or the errors of each of its columns."""
    row_errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        row_errors.append(RowError(row=number, column=column, message=message))

    email = User.objects.normalize_email(raw.get("leader_email"))
    leader = leaders.get(email)
    if not email:
        fail("leader_email", "The leader's email is missing.")
    elif leader is None:
        fail("leader_email", f"No leader with the email {email}.")

    code = str(raw.get("metric") or "").strip()
    metric = metrics.get(code)
    if not code:
        fail("metric", "The metric code is missing.")
    elif metric is None:
        fail("metric", f'No active metric with the code "{code}".')

    period_start = value = None
    if metric is not None:
        try:
            period_start = parse_period(str(raw.get("period") or ""), metric.period)
        except ValidationError as exc:
            fail("period", exc.messages[0])
        try:
            value = validate_value(metric=metric, value=parse_value(raw.get("value") or ""))
        except ValidationError as exc:
            fail("value", exc.messages[0])

    note = str(raw.get("note") or "").strip()
    if len(note) > 500:
        fail("note", "A note can be at most 500 characters.")

    if row_errors or not (leader and metric and period_start) or value is None:
        return None, row_errors
    return ObservationInput(leader, metric, period_start, value, note), row_errors


def _repeated_key_error(number: int, earlier: int, observation: ObservationInput) -> RowError:
    metric = observation.metric
    return RowError(
        row=number,
        column="period",
        message=(
            f"Row {earlier} already has {metric.code} for {observation.leader.email} in "
            f"{period_label(observation.period_start, metric.period)}; each appears once "
            "per file."
        ),
    )


def _existing_observations(inputs: Sequence[ObservationInput], *, lock: bool) -> dict:
    """Existing rows for the inputs' keys, in one query (a superset, narrowed by key)."""
    if not inputs:
        return {}
    query = Observation.objects.filter(
        leader_id__in={item.leader.pk for item in inputs},
        metric_id__in={item.metric.pk for item in inputs},
        period_start__in={item.period_start for item in inputs},
    )
    if lock:
        query = query.select_for_update()
    wanted = {item.key for item in inputs}
    found = {}
    for observation in query:
        key = (observation.leader_id, observation.metric_id, observation.period_start)
        if key in wanted:
            found[key] = observation
    return found


def _plan(
    numbered: Sequence[tuple[int, ObservationInput]], existing: Mapping, *, source: str
) -> list[PlannedRow]:
    plan = []
    for number, item in numbered:
        current = existing.get(item.key)
        if current is None:
            plan.append(PlannedRow(number, item, "create"))
        elif current.value == item.value and (not item.note or item.note == current.note):
            plan.append(PlannedRow(number, item, "unchanged", current.value))
        elif not source_replaces(
            incoming=source, current=current.source, imported_wins=item.metric.imported_wins
        ):
            reason = _kept_reason(current, item.metric)
            plan.append(PlannedRow(number, item, "kept", current.value, reason))
        else:
            plan.append(PlannedRow(number, item, "update", current.value))
    return plan


def _kept_reason(current: Observation, metric: MetricDefinition) -> str:
    """Why a value was kept, in the words of the import's report."""
    label = current.get_source_display()
    if metric.imported_wins:
        return f"imported ({label}); {metric.name} prefers imported values"
    return f"measured by the {label.lower()}"


def observations_bulk_upsert(
    *,
    rows: Sequence[ObservationInput] | Sequence[tuple[int, ObservationInput]],
    source: str,
    by: User | Actor | None,
    dry_run: bool = False,
    max_rows: int = MAX_BULK_ROWS,
) -> UpsertReport:
    """Create or replace many observations at once, atomically, in a fixed number of queries.

    Rows must already be validated (``observation_rows_resolve`` or
    ``observation_upsert`` do that). A replaced value is recorded in the
    history; an identical value is left alone, and so is a value the incoming
    ``source`` may not replace (action ``kept``: ``source_replaces``).
    """
    numbered = [row if isinstance(row, tuple) else (index, row) for index, row in enumerate(rows)]
    if len(numbered) > max_rows:
        raise ValidationError({"observations": f"At most {max_rows:,} observations at once."})
    report = UpsertReport(dry_run=dry_run, rows=len(numbered))
    try:
        with transaction.atomic():
            existing = _existing_observations([item for _, item in numbered], lock=not dry_run)
            plan = _plan(numbered, existing, source=source)
            report.preview = plan[:PREVIEW_ROWS]
            report.created = sum(1 for planned in plan if planned.action == "create")
            report.updated = sum(1 for planned in plan if planned.action == "update")
            report.unchanged = sum(1 for planned in plan if planned.action == "unchanged")
            report.kept = sum(1 for planned in plan if planned.action == "kept")
            if not dry_run:
                # In slices, so a 100,000-row import never holds all its new rows and
                # audit events at once; one transaction all the same.
                for start in range(0, len(plan), WRITE_SLICE):
                    _write_plan(plan[start : start + WRITE_SLICE], existing, source=source, by=by)
                _rankings_outdated(leader_ids={planned.input.leader.pk for planned in plan})
    except IntegrityError as exc:
        raise ApplicationError(
            "Another upload wrote some of the same observations at the same moment; "
            "nothing was saved. Send the request again."
        ) from exc
    return report


# What an observation's events show (its leader, metric and period are in its name).
OBSERVATION_AUDITED_FIELDS = ("value", "source", "note")


def _write_plan(plan: Sequence[PlannedRow], existing: Mapping, *, source: str, by) -> None:
    """Write (a slice of) the plan: new rows, replaced values and their history, and one
    audit event per row created or changed, in a fixed number of queries."""
    now = timezone.now()
    person = by if isinstance(by, User) else None  # not the schedule: nobody recorded it
    new, changed, history, before = [], [], [], {}
    for planned in plan:
        item = planned.input
        if planned.action == "create":
            new.append(
                Observation(
                    leader=item.leader,
                    metric=item.metric,
                    period_start=item.period_start,
                    period=item.metric.period,
                    value=item.value,
                    note=item.note,
                    source=source,
                    recorded_by=person,
                    recorded_at=now,
                )
            )
        elif planned.action == "update":
            current = existing[item.key]
            # The same leader and metric as the input: named in the event without a query.
            current.leader, current.metric = item.leader, item.metric
            before[current.pk] = audit.snapshot(current, OBSERVATION_AUDITED_FIELDS)
            if current.value != item.value:
                history.append(
                    ObservationChange(
                        observation=current,
                        old_value=current.value,
                        new_value=item.value,
                        old_source=current.source,
                        new_source=source,
                        changed_by=person,
                        changed_at=now,
                    )
                )
            current.value = item.value
            current.note = item.note or current.note
            current.source = source
            current.recorded_by = person
            current.recorded_at = now
            changed.append(current)
    Observation.objects.bulk_create(new, batch_size=1000)
    Observation.objects.bulk_update(
        changed, ["value", "note", "source", "recorded_by", "recorded_at"], batch_size=1000
    )
    ObservationChange.objects.bulk_create(history, batch_size=1000)
    created = [
        _observation_event(row, "create", audit.created(row, OBSERVATION_AUDITED_FIELDS), by)
        for row in new
    ]
    updated = [
        _observation_event(row, "update", audit.changed(row, before[row.pk]), by) for row in changed
    ]
    audit.record_many([*created, *updated])


def _observation_event(observation: Observation, verb: str, changes: dict, by):
    return audit.event(
        action=f"observation.{verb}",
        by=by,
        obj=observation,
        changes=changes,
        about=observation.leader_id,
        at=observation.recorded_at,
    )


def observation_upsert(
    *,
    leader: User,
    metric: MetricDefinition,
    period_start: datetime.date,
    value: Decimal,
    source: str = Observation.Source.MANUAL,
    note: str = "",
    by: User | None,
) -> tuple[Observation, bool]:
    """Record one value; returns the observation and whether it was created. A value
    the ``source`` may not replace (a measured one, ``source_replaces``) is kept and
    refused (409), naming why."""
    errors = {}
    if not leader.groups.filter(name=Role.LEADER).exists():
        errors["leader"] = "Metrics are recorded for leaders only."
    try:
        validate_period_start(metric=metric, period_start=period_start)
    except ValidationError as exc:
        errors["period"] = exc.messages
    try:
        value = validate_value(metric=metric, value=value)
    except ValidationError as exc:
        errors["value"] = exc.messages
    if len(note) > 500:
        errors["note"] = "A note can be at most 500 characters."
    if errors:
        raise ValidationError(errors)
    report = observations_bulk_upsert(
        rows=[ObservationInput(leader, metric, period_start, value, note.strip())],
        source=source,
        by=by,
    )
    if report.kept:
        planned = report.preview[0]
        raise ApplicationError(
            f"{metric.name} for {period_label(period_start, metric.period)} is kept at "
            f"{planned.old_value}: {planned.reason}. Nothing was changed.",
            field="value",
        )
    observation = Observation.objects.select_related("leader", "metric").get(
        leader=leader, metric=metric, period_start=period_start
    )
    return observation, report.created == 1


def observations_import_rows(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    source: str,
    by: User | None,
    dry_run: bool,
    max_rows: int = MAX_BULK_ROWS,
) -> UpsertReport:
    """Resolve and upsert raw rows. Any row error: nothing is written.

    A dry run returns the errors in the report; a real run raises
    ``RowErrorsFound`` (HTTP 400, every error listed).
    """
    inputs, errors = observation_rows_resolve(rows)
    if errors:
        if not dry_run:
            raise RowErrorsFound(errors)
        report = observations_bulk_upsert(
            rows=inputs, source=source, by=by, dry_run=True, max_rows=max_rows
        )
        report.rows += len({error.row for error in errors})
        report.errors = errors
        return report
    return observations_bulk_upsert(
        rows=inputs, source=source, by=by, dry_run=dry_run, max_rows=max_rows
    )


def observations_import_csv(
    *, file: IO[bytes] | bytes, by: User | None, dry_run: bool
) -> UpsertReport:
    """Import a CSV of leader_email, metric, period, value[, note]. File problems → 400."""
    table = read_csv(
        file,
        required=IMPORT_COLUMNS,
        optional=IMPORT_OPTIONAL,
        aliases=IMPORT_ALIASES,
        max_rows=MAX_IMPORT_ROWS,
        max_bytes=MAX_IMPORT_BYTES,
    )
    return observations_import_rows(
        rows=[(row.number, row.values) for row in table.rows],
        source=Observation.Source.IMPORT,
        by=by,
        dry_run=dry_run,
        max_rows=MAX_IMPORT_ROWS,
    )


# --- targets ------------------------------------------------------------------


def target_validate(target: Target) -> None:
    target.full_clean()
    try:
        validate_value(metric=target.metric, value=target.value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    if target.leader_id and not target.leader.groups.filter(name=Role.LEADER).exists():
        raise ValidationError({"leader": "Targets are set for leaders only."})
    far_future = datetime.date.max
    overlapping = Target.objects.filter(
        metric=target.metric,
        leader=target.leader,
        cohort=target.cohort,
        valid_from__lte=target.valid_to or far_future,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=target.valid_from))
    if target.pk:
        overlapping = overlapping.exclude(pk=target.pk)
    clash = overlapping.first()
    if clash:
        raise ValidationError(
            {
                "valid_from": f"Overlaps the target of {clash.value} from {clash.valid_from}"
                f"{f' to {clash.valid_to}' if clash.valid_to else ''}; end that one first."
            }
        )


@transaction.atomic
def target_create(
    *,
    metric: MetricDefinition,
    value: Decimal,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    leader: User | None = None,
    cohort=None,
    by: User | None,
) -> Target:
    target = Target(
        metric=metric,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
        leader=leader,
        cohort=cohort,
        created_by=by,
    )
    target_validate(target)
    target.save()
    _target_record(target, "create", audit.created(target, TARGET_AUDITED_FIELDS), by)
    return target


TARGET_AUDITED_FIELDS = ("metric", "leader", "cohort", "valid_from", "valid_to", "value")


def _target_record(target: Target, verb: str, changes: dict, by) -> None:
    audit.record(
        action=f"target.{verb}", by=by, obj=target, changes=changes, about=target.leader_id
    )


@transaction.atomic
def target_update(*, target: Target, by, **changes) -> Target:
    allowed = {"value", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Cannot be changed; create a new target."))
    target = Target.objects.select_for_update().get(pk=target.pk)
    before = audit.snapshot(target, TARGET_AUDITED_FIELDS)
    for name, value in changes.items():
        setattr(target, name, value)
    target_validate(target)
    target.save()
    _target_record(target, "update", audit.changed(target, before), by)
    return target


@transaction.atomic
def target_delete(*, target: Target, by) -> None:
    gone = audit.event(
        action="target.delete",
        by=by,
        obj=target,
        changes=audit.deleted(target, TARGET_AUDITED_FIELDS),
        about=target.leader_id,
    )
    target.delete()
    audit.record_many([gone])


# --- definitions ---------------------------------------------------------------

# Changing these would silently change the meaning of values already recorded.
FROZEN_ONCE_OBSERVED = ("unit", "period", "currency")


@transaction.atomic
def metric_definition_create(*, by, **fields) -> MetricDefinition:
    metric = MetricDefinition(**fields)
    metric.full_clean()
    metric.save()
    audit.record(
        action="metric_definition.create", by=by, obj=metric, changes=audit.created(metric)
    )
    return metric


@transaction.atomic
def metric_definition_update(*, metric: MetricDefinition, by, **changes) -> MetricDefinition:
    metric = MetricDefinition.objects.select_for_update().get(pk=metric.pk)
    before = audit.snapshot(metric)
    frozen = [
        name
        for name in FROZEN_ONCE_OBSERVED
        if name in changes and changes[name] != getattr(metric, name)
    ]
    if frozen and metric.observations.exists():
        raise ApplicationError(
            f"{metric.name} already has recorded values; its {', '.join(frozen)} cannot change. "
            "Create a new metric instead.",
            field=frozen[0],
        )
    for name, value in changes.items():
        setattr(metric, name, value)
    metric.full_clean()
    if "min_value" in changes or "max_value" in changes:
        low, high = metric.valid_range()
        outside = metric.observations.all()
        outside = outside.filter(
            Q(value__lt=low) if low is not None else Q(pk__in=[]),
        ) | outside.filter(Q(value__gt=high) if high is not None else Q(pk__in=[]))
        if outside.exists():
            raise ValidationError(
                {"min_value": "Some recorded values fall outside the new range; fix them first."}
            )
    metric.save()
    changes = audit.changed(metric, before)
    if changes:
        audit.record(action="metric_definition.update", by=by, obj=metric, changes=changes)
    return metric


# --- cohort rankings ---------------------------------------------------------------

REFRESH_RANKINGS_TASK = "metrics.refresh_cohort_rankings"


def _rankings_outdated(*, leader_ids: set[int]) -> None:
    """Values of these leaders changed: their cohorts' rankings go now (in the writing
    transaction, so no scorecard reads them again) and are rebuilt once it commits. The
    rebuild is forced, because a rebuild that read before this write may commit after it;
    if the broker is down, the periodic refresh rebuilds them as missing."""
    if not leader_ids:
        return
    cohort_ids = sorted(
        set(Enrollment.objects.filter(leader__in=leader_ids).values_list("cohort", flat=True))
    )
    CohortRanking.objects.filter(cohort__in=cohort_ids).delete()
    enqueue_on_commit(REFRESH_RANKINGS_TASK, cohort_ids=cohort_ids)


def cohort_rankings_refresh(
    *, cohort_ids: Iterable[int] | None = None, as_of: datetime.date | None = None
) -> int:
    """Rebuild the rankings of ``cohort_ids``, or, without them, of every cohort with
    members whose ranking is missing, of another day, or of other members. Safe to run
    twice at once: each cohort is rebuilt under its row lock. Returns how many it rebuilt."""
    as_of = as_of or timezone.localdate()
    if cohort_ids is None:
        cohort_ids = _stale_rankings(as_of)
    rebuilt = 0
    for cohort_id in cohort_ids:
        rebuilt += _cohort_ranking_build(cohort_id, as_of)
    return rebuilt


def _stale_rankings(as_of: datetime.date) -> list[int]:
    """Cohorts with members whose ranking does not rank exactly them as of ``as_of``."""
    members = selectors.cohorts_member_ids()
    current = {
        ranking.cohort_id
        for ranking in CohortRanking.objects.filter(as_of=as_of).only("cohort", "members")
        if ranking.members == members.get(ranking.cohort_id)
    }
    return sorted(set(members) - current)


@transaction.atomic
def _cohort_ranking_build(cohort_id: int, as_of: datetime.date) -> int:
    # The lock orders concurrent rebuilds of a cohort: the later one reads after the
    # earlier one committed, so the ranking left is never older than the last rebuild.
    cohort = Cohort.objects.select_for_update().filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    CohortRanking.objects.filter(cohort=cohort).delete()
    ranking = CohortRanking.objects.create(
        cohort=cohort,
        as_of=as_of,
        members=selectors.cohort_member_ids(cohort),
        refreshed_at=timezone.now(),
    )
    CohortRank.objects.bulk_create(
        (
            CohortRank(
                ranking=ranking,
                leader_id=row["leader"],
                metric_id=row["metric"],
                rank=row["rank"],
                peers=row["peers"],
            )
            for row in selectors.cohort_ranks(cohort=cohort, as_of=as_of)
        ),
        batch_size=2000,
    )
    return 1


# --- measured retention ----------------------------------------------------------------

RETENTION_METRIC = "retention_rate"
MEASURE_RETENTION_TASK = "metrics.measure_retention"


def retention_measure(*, month: datetime.date, by: User | Actor | None) -> UpsertReport | None:
    """Each leader's ``retention_rate`` for ``month`` (any day of it), measured from the
    reporting line's history and written with the source *reporting line*: the share of
    the people on their team on the month's first day who had not left the company by
    its end (``selectors.team_retention``). A transfer to another team is not attrition:
    only leavers lower it. A leader whose team was empty that day gets no value.

    Measuring a month again changes nothing unless the history changed (a leaver recorded
    late); an imported value for the month is replaced, or kept if the metric says
    ``imported_wins``. None when the metric is not defined, inactive or not monthly.
    A fixed number of queries however many leaders."""
    month = period_floor(month, Period.MONTH)
    if period_shift(month, Period.MONTH, 1) > timezone.localdate():
        raise ValidationError({"month": f"{period_label(month, Period.MONTH)} has not ended."})
    metric = MetricDefinition.objects.filter(
        code=RETENTION_METRIC, is_active=True, period=Period.MONTH
    ).first()
    if metric is None:
        return None
    teams = list(selectors.team_retention(month=month))
    leaders = User.objects.in_bulk([team["manager"] for team in teams])
    rows = [
        ObservationInput(
            leader=leaders[team["manager"]],
            metric=metric,
            period_start=month,
            value=rounded(Decimal(team["start"] - team["left"]) * 100 / team["start"], places=2),
            note=_retention_note(team),
        )
        for team in teams
    ]
    return observations_bulk_upsert(rows=rows, source=Observation.Source.REPORTING_LINE, by=by)


def _retention_note(team: dict) -> str:
    stayed = team["start"] - team["left"]
    note = f"reporting line: {stayed} of {team['start']} stayed"
    if team["moved"]:
        note += f" ({team['moved']} moved to another team)"
    return note


def last_month() -> datetime.date:
    """The first day of the month just ended (the one the monthly task measures)."""
    return last_complete_period(timezone.localdate(), Period.MONTH)


def retention_measure_months(
    *, first: datetime.date, last: datetime.date | None = None, by: User | Actor | None
) -> list[tuple[datetime.date, UpsertReport | None]]:
    """``retention_measure`` for every month from ``first`` to ``last`` (default: the
    month just ended), oldest first: a backfill."""
    last = period_floor(last or last_month(), Period.MONTH)
    month, measured = period_floor(first, Period.MONTH), []
    if month > last:
        raise ValidationError({"first": "The first month comes after the last."})
    # Refused before anything is written, not after the months that have ended.
    if last > last_month():
        raise ValidationError({"last": "A month is measured once it has ended."})
    while month <= last:
        measured.append((month, retention_measure(month=month, by=by)))
        month = period_shift(month, Period.MONTH, 1)
    return measured

"""Demo metrics: two years of values for the 12 demo leaders and 20 comparison leaders.

Runs after programs.demo and mentorship.demo. Values are generated from a
``random.Random`` seeded per (leader, metric), so every machine gets the same
numbers, and written with ``bulk_create(ignore_conflicts=True)``: a second run
adds nothing. Enrolled leaders improve gradually after their first program
starts; everyone drifts a little with the market, so the program impact page
shows a real difference-in-differences rather than a trend everyone shares.

The window is the 24 months (8 quarters) ending with the last complete period
before the seeding day, stretched back if a demo program started earlier, so
every enrolled leader has a baseline period before their program.

The last ``MEASURED_MONTHS`` of retention are then measured from the reporting line
(people.demo has leavers and a transfer in them), as the monthly task would have: those
values replace the imported ones and show the source *reporting line*.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from metrics.models import MetricDefinition, Observation, Target
from metrics.periods import Period, last_complete_period, period_floor, period_shift
from metrics.services import cohort_rankings_refresh, retention_measure_months
from people.demo import LEADERS
from people.models import User
from people.roles import Role, grant_role
from programs.models import Cohort, Enrollment

MONTHS = 24
MEASURED_MONTHS = 3  # the latest months of retention_rate measured from the reporting line
PERIODS_BEFORE_PROGRAM = 6  # months of history the earliest program needs before it

COMPARISON_LEADERS = [
    ("Avery Collins", "North"),
    ("Blake Harper", "North"),
    ("Carmen Ortiz", "North"),
    ("Dev Malhotra", "North"),
    ("Erin Walsh", "North"),
    ("Felix Braun", "South"),
    ("Gita Rao", "South"),
    ("Hugo Lambert", "South"),
    ("Ines Costa", "South"),
    ("Jack Turner", "South"),
    ("Keiko Sato", "West"),
    ("Lars Nilsson", "West"),
    ("Maya Cohen", "West"),
    ("Nikhil Shah", "West"),
    ("Olivia Grant", "West"),
    ("Pablo Ruiz", "East"),
    ("Quinn Foster", "East"),
    ("Rosa Alvarez", "East"),
    ("Stefan Novak", "East"),
    ("Tara Byrne", "East"),
]


@dataclass(frozen=True)
class Profile:
    """How a metric behaves: level, spread between leaders, noise, drift, program effect."""

    level: float
    between_leaders: float
    noise: float
    drift_per_year: float
    program_effect: float
    low: float
    high: float
    decimals: int = 1
    is_count: bool = False


PROFILES = {
    "team_engagement": Profile(68, 5, 2.5, 1.0, 7, 0, 100),
    "retention_rate": Profile(92.5, 2, 1.5, 0.3, 2.5, 0, 100),
    # Counts: level is the expected number per period.
    "regretted_attrition": Profile(0.45, 0.15, 0, 0, -0.25, 0, 20, 0, is_count=True),
    "team_development": Profile(40, 8, 3, 3, 22, 0, 100),
    "internal_promotions": Profile(0.35, 0.1, 0, 0.05, 0.45, 0, 10, 0, is_count=True),
    "sales_attainment": Profile(92, 6, 7, 1.5, 9, 0, 500),
}

COHORT_TARGETS = {
    "team_engagement": 72,
    "retention_rate": 94,
    "regretted_attrition": 1,
    "team_development": 60,
    "internal_promotions": 1,
    "sales_attainment": 100,
}
# Sam Rivera has an agreed stretch target of his own (it wins over the cohort's).
OWN_TARGETS = {("leader@example.com", "sales_attainment"): 105}
RAMP_MONTHS = 6  # the program's effect builds up over half a year


def seed(*, today: datetime.date) -> None:
    hr = User.objects.filter(email="hr@example.com").first()
    leaders = list(User.objects.filter(email__in=[email for email, _, _ in LEADERS]))
    comparison = _comparison_leaders()
    metrics = list(MetricDefinition.objects.filter(code__in=PROFILES))
    first_start = dict(
        Enrollment.objects.filter(
            leader__in=leaders,
            status__in=Enrollment.TAKING_PART_STATUSES,
        )
        .values("leader")
        .annotate(first=Min("cohort__starts_on"))
        .values_list("leader", "first")
    )
    earliest = min(first_start.values(), default=None)

    now = timezone.now()
    rows = []
    for metric in metrics:
        for leader in [*leaders, *comparison]:
            for period_start, value in _series(
                leader, metric, first_start.get(leader.pk), earliest, today
            ):
                rows.append(
                    Observation(
                        leader=leader,
                        metric=metric,
                        period_start=period_start,
                        period=metric.period,
                        value=value,
                        source=Observation.Source.IMPORT,
                        recorded_by=hr,
                        recorded_at=now,
                    )
                )
    Observation.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    last = last_complete_period(today, Period.MONTH)
    retention_measure_months(
        first=period_shift(last, Period.MONTH, 1 - MEASURED_MONTHS), last=last, by=None
    )
    _targets(metrics, leaders, hr, since=_window(Period.MONTH, earliest, today)[0], today=today)
    # Rows written directly, not through the import: rank every cohort now rather than
    # at the next periodic refresh.
    cohort_rankings_refresh(as_of=today)


def _comparison_leaders() -> list[User]:
    """Leaders who never join a program (no login), for the comparison group."""
    people = []
    for name, region in COMPARISON_LEADERS:
        email = f"{name.lower().replace(' ', '.')}@example.com"
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"full_name": name, "job_title": "Sales Team Lead", "region": region},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            grant_role(user, Role.LEADER)
        people.append(user)
    return people


def _window(
    period: str, earliest_program: datetime.date | None, today: datetime.date
) -> list[datetime.date]:
    end = last_complete_period(today, period)
    steps = MONTHS if period == Period.MONTH else MONTHS // 3
    start = period_shift(end, period, -(steps - 1))
    if earliest_program:
        needed = period_floor(
            period_shift(
                period_floor(earliest_program, Period.MONTH), Period.MONTH, -PERIODS_BEFORE_PROGRAM
            ),
            period,
        )
        start = min(start, needed)
    periods = []
    while start <= end:
        periods.append(start)
        start = period_shift(start, period, 1)
    return periods


def _series(leader, metric, program_start, earliest_program, today):
    """Deterministic (period_start, value) pairs for one leader and metric."""
    profile = PROFILES[metric.code]
    rng = random.Random(f"lodestar-demo:{leader.email}:{metric.code}")  # noqa: S311 — demo data
    level = profile.level + rng.gauss(0, profile.between_leaders)
    periods = _window(metric.period, earliest_program, today)
    first = periods[0]
    for period_start in periods:
        years = (period_start - first).days / 365.25
        expected = level + profile.drift_per_year * years
        if program_start and period_start >= period_floor(program_start, metric.period):
            months_in = (period_start - program_start).days / 30.4
            expected += profile.program_effect * max(0.0, min(1.0, months_in / RAMP_MONTHS))
        if profile.is_count:
            value = _count(rng, max(0.0, expected))
        else:
            value = round(expected + rng.gauss(0, profile.noise), profile.decimals)
        value = min(max(value, profile.low), profile.high)
        yield period_start, Decimal(str(value))


def _count(rng: random.Random, expected: float) -> int:
    """A whole number with the given expected value (stochastic rounding: little noise)."""
    return int(expected + rng.random())


def _targets(metrics, leaders, hr, *, since: datetime.date, today: datetime.date) -> None:
    """Cohort defaults cover the whole demo history (from the year ``since`` falls in), so
    pre-program periods have a target too; own targets start this year."""
    valid_from = datetime.date(since.year, 1, 1)
    by_code = {metric.code: metric for metric in metrics}
    cohorts = Cohort.objects.filter(enrollments__leader__in=leaders).distinct()
    for cohort in cohorts:
        for code, value in COHORT_TARGETS.items():
            if code in by_code:
                Target.objects.get_or_create(
                    metric=by_code[code],
                    cohort=cohort,
                    valid_from=valid_from,
                    defaults={"value": Decimal(value), "created_by": hr},
                )
    emails = {leader.email: leader for leader in leaders}
    for (email, code), value in OWN_TARGETS.items():
        if email in emails and code in by_code:
            Target.objects.get_or_create(
                metric=by_code[code],
                leader=emails[email],
                valid_from=datetime.date(today.year, 1, 1),
                defaults={"value": Decimal(value), "created_by": hr},
            )

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from metrics.periods import QUARTER_START_MONTHS, Period, is_period_start

CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as EUR.")

VALUE_DIGITS = {"max_digits": 14, "decimal_places": 2}


class MetricDefinition(models.Model):
    """What is measured about a leader's team, how, and which way is good."""

    class Category(models.TextChoices):
        ENGAGEMENT = "engagement", "Engagement"
        RETENTION = "retention", "Retention"
        DEVELOPMENT = "development", "Development"
        SALES = "sales", "Sales"

    class Unit(models.TextChoices):
        PERCENT = "percent", "Percent"
        SCORE = "score", "Score (0 to 100)"
        COUNT = "count", "Count"
        CURRENCY = "currency", "Currency"

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "Higher is better"
        LOWER_IS_BETTER = "lower", "Lower is better"

    class Aggregation(models.TextChoices):
        AVERAGE = "average", "Average of the periods"
        SUM = "sum", "Sum of the periods"
        LAST = "last", "Last period"

    Period = Period

    code = models.SlugField(
        max_length=50, unique=True, help_text="Used in imports, e.g. retention_rate."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    currency = models.CharField(
        max_length=3, blank=True, validators=[CURRENCY_CODE], help_text="Only for currency metrics."
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER
    )
    aggregation = models.CharField(
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.AVERAGE,
        help_text="How several periods combine into one figure (e.g. year to date).",
    )
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTH)
    min_value = models.DecimalField(null=True, blank=True, **VALUE_DIGITS)
    max_value = models.DecimalField(null=True, blank=True, **VALUE_DIGITS)
    is_active = models.BooleanField(default=True)
    imported_wins = models.BooleanField(
        default=False,
        help_text="Where Lodestar measures this metric itself (team pulse, reporting line), "
        "an imported value for the same period replaces the measured one. Off: the measured "
        "value is kept and the import reports it.",
    )

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit="currency") & ~Q(currency=""))
                | (~Q(unit="currency") & Q(currency="")),
                name="metrics_definition_currency_iff_currency_unit",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="metrics_definition_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=~Q(unit="score")
                | (
                    (Q(min_value__isnull=True) | Q(min_value__gte=0))
                    & (Q(max_value__isnull=True) | Q(max_value__lte=100))
                ),
                name="metrics_definition_score_range_within_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.unit == self.Unit.CURRENCY and not self.currency:
            errors["currency"] = "A currency metric needs its ISO 4217 currency code."
        if self.unit != self.Unit.CURRENCY and self.currency:
            errors["currency"] = "Only currency metrics have a currency."
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = "The maximum cannot be below the minimum."
        if self.unit == self.Unit.SCORE:
            if self.min_value is not None and self.min_value < 0:
                errors["min_value"] = "Scores run from 0 to 100."
            if self.max_value is not None and self.max_value > 100:
                errors["max_value"] = "Scores run from 0 to 100."
        if errors:
            raise ValidationError(errors)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == self.Direction.HIGHER_IS_BETTER

    def valid_range(self) -> tuple[Decimal | None, Decimal | None]:
        """The narrowest range a value may take: the unit's own bounds, then the definition's."""
        low, high = UNIT_BOUNDS[self.unit]
        if self.min_value is not None:
            low = self.min_value if low is None else max(low, self.min_value)
        if self.max_value is not None:
            high = self.max_value if high is None else min(high, self.max_value)
        return low, high


# The bounds every metric of a unit respects; a definition may narrow them.
# Percentages may exceed 100 (sales attainment of 130 % of quota is real).
UNIT_BOUNDS: dict[str, tuple[Decimal | None, Decimal | None]] = {
    MetricDefinition.Unit.PERCENT: (Decimal(0), Decimal(1000)),
    MetricDefinition.Unit.SCORE: (Decimal(0), Decimal(100)),
    MetricDefinition.Unit.COUNT: (Decimal(0), None),
    MetricDefinition.Unit.CURRENCY: (None, None),
}


class Observation(models.Model):
    """One value of one metric for one leader's team in one period."""

    class Source(models.TextChoices):
        IMPORT = "import", "CSV import"
        API = "api", "API"
        MANUAL = "manual", "Entered by hand"
        # Measured by Lodestar itself, not imported (issue 16):
        PULSE = "pulse", "Team pulse"
        REPORTING_LINE = "reporting_line", "Reporting line"

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="metric_observations"
    )
    metric = models.ForeignKey(
        MetricDefinition, on_delete=models.PROTECT, related_name="observations"
    )
    period_start = models.DateField(help_text="First day of the month or quarter.")
    # Copied from the metric (which cannot change it once it has values) so the
    # database itself can refuse a quarterly value that does not start a quarter.
    period = models.CharField(max_length=10, choices=Period.choices, editable=False)
    value = models.DecimalField(**VALUE_DIGITS)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["leader", "metric", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "metric", "period_start"],
                name="metrics_observation_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_start__day=1), name="metrics_observation_period_on_first"
            ),
            models.CheckConstraint(
                condition=Q(period=Period.MONTH)
                | Q(period=Period.QUARTER, period_start__month__in=QUARTER_START_MONTHS),
                name="metrics_observation_quarter_aligned",
            ),
        ]
        indexes = [models.Index(fields=["metric", "period_start"])]

    def __str__(self) -> str:
        return f"{self.metric} {self.period_start:%Y-%m} for {self.leader}: {self.value}"

    def clean(self) -> None:
        super().clean()
        if self.metric_id and self.period_start:
            period = self.metric.period
            if not is_period_start(self.period_start, period):
                months = "a quarter (Jan, Apr, Jul, Oct)" if period == Period.QUARTER else "a month"
                raise ValidationError(
                    {
                        "period_start": f"{self.metric.name} is reported per {period}; "
                        f"use the first day of {months}."
                    }
                )


# Values Lodestar measured itself rather than was told: an import does not replace them
# unless the metric says ``imported_wins``.
MEASURED_SOURCES = frozenset({Observation.Source.PULSE, Observation.Source.REPORTING_LINE})


def source_replaces(*, incoming: str, current: str, imported_wins: bool) -> bool:
    """May a value from ``incoming`` replace one from ``current`` for the same period?

    Measured and imported values (CSV, API, by hand) each replace their own kind. Across
    kinds the metric decides: the measured value wins, unless it says ``imported_wins``."""
    incoming_measured = incoming in MEASURED_SOURCES
    if incoming_measured == (current in MEASURED_SOURCES):
        return True
    return incoming_measured != imported_wins


class ObservationChange(models.Model):
    """An observation's value was replaced: who, when, old → new. Never edited."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="changes")
    old_value = models.DecimalField(**VALUE_DIGITS)
    new_value = models.DecimalField(**VALUE_DIGITS)
    old_source = models.CharField(max_length=20, choices=Observation.Source.choices)
    new_source = models.CharField(max_length=20, choices=Observation.Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_value} → {self.new_value}"


class Target(models.Model):
    """The value a leader should reach on a metric, from valid_from to valid_to (inclusive).

    Set for one leader, or as the default for everyone in a cohort; a leader's
    own target wins over their cohort's default.
    """

    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT, related_name="targets")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="metric_targets",
    )
    cohort = models.ForeignKey(
        "programs.Cohort",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="metric_targets",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    value = models.DecimalField(**VALUE_DIGITS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["metric", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(leader__isnull=False) & Q(cohort__isnull=True))
                | (Q(leader__isnull=True) & Q(cohort__isnull=False)),
                name="metrics_target_leader_xor_cohort",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="metrics_target_valid_to_after_from",
            ),
            models.UniqueConstraint(
                fields=["metric", "leader", "valid_from"],
                condition=Q(leader__isnull=False),
                name="metrics_target_one_per_leader_start",
            ),
            models.UniqueConstraint(
                fields=["metric", "cohort", "valid_from"],
                condition=Q(cohort__isnull=False),
                name="metrics_target_one_per_cohort_start",
            ),
        ]

    def __str__(self) -> str:
        whom = self.leader or self.cohort
        return f"{self.metric} target {self.value} for {whom} from {self.valid_from}"

    def clean(self) -> None:
        super().clean()
        if bool(self.leader_id) == bool(self.cohort_id):
            raise ValidationError(
                {"leader": "Set a target either for one leader or as a cohort default, not both."}
            )
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "A target cannot end before it starts."})


class CohortRanking(models.Model):
    """Where each member of a cohort stands on each metric as of a day (the scorecard's
    percentile in the cohort): a roll-up, so that a leader's scorecard reads one row per
    metric instead of ranking the whole cohort (issue 14).

    ``metrics.services.cohort_rankings_refresh`` builds it (after observations are written,
    and every few minutes for any ranking that is missing or stale); the scorecard uses it
    only while its day and its members are still the cohort's, and ranks live otherwise.
    """

    cohort = models.OneToOneField(
        "programs.Cohort", on_delete=models.CASCADE, related_name="metric_ranking"
    )
    as_of = models.DateField()
    # The ids of the leaders it ranked, ascending: a withdrawal or a new member makes it
    # stale without anything in programs having to know about it.
    members = models.JSONField(default=list)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Ranking of {self.cohort} as of {self.as_of}"


class CohortRank(models.Model):
    """One member's percent rank on one metric among the cohort members with a value."""

    ranking = models.ForeignKey(CohortRanking, on_delete=models.CASCADE, related_name="ranks")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="+")
    # PostgreSQL's percent_rank(): 0 for the lowest, 1 for the best (direction applied).
    rank = models.FloatField()
    peers = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "leader", "metric"], name="metrics_cohortrank_one_per_metric"
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=0, rank__lte=1), name="metrics_cohortrank_rank_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} on {self.metric}: {self.rank:.2f} of {self.peers}"

from rest_framework import serializers

from common.fields import CodeRelatedField, NumberOrTextField
from common.serializers import ModelSerializer, RowErrorSerializer, Serializer
from metrics.models import MetricDefinition, Observation, ObservationChange, Target
from metrics.periods import period_label
from metrics.services import MAX_BULK_ROWS, PLANNED_ACTIONS
from people.models import User
from people.roles import Role
from programs.models import Cohort


class MetricPersonSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class MetricDefinitionSerializer(ModelSerializer):
    class Meta:
        model = MetricDefinition
        fields = [
            "id",
            "code",
            "name",
            "description",
            "category",
            "unit",
            "currency",
            "direction",
            "aggregation",
            "period",
            "min_value",
            "max_value",
            "is_active",
            "imported_wins",
        ]
        # Uniqueness and ranges are checked by the service (model full_clean).
        validators: list = []
        extra_kwargs = {"code": {"validators": []}}


SOURCES_HELP = "import, api or manual (imported); pulse or reporting_line (measured)"


class ObservationChangeSerializer(ModelSerializer):
    changed_by = MetricPersonSerializer(
        read_only=True, allow_null=True, help_text="Null: measured by Lodestar (a schedule)."
    )
    # Plain strings: the same choices as Observation.source (one enum in the schema).
    old_source = serializers.CharField(read_only=True, help_text=SOURCES_HELP)
    new_source = serializers.CharField(read_only=True, help_text=SOURCES_HELP)

    class Meta:
        model = ObservationChange
        fields = ["old_value", "new_value", "old_source", "new_source", "changed_by", "changed_at"]


class ObservationSerializer(ModelSerializer):
    leader = MetricPersonSerializer(read_only=True)
    metric = CodeRelatedField(read_only=True)
    period = serializers.SerializerMethodField()
    recorded_by = MetricPersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null: measured by Lodestar (team pulse, reporting line) or a schedule.",
    )
    changes = ObservationChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "leader",
            "metric",
            "period",
            "period_start",
            "value",
            "source",
            "note",
            "recorded_by",
            "recorded_at",
            "changes",
        ]

    def get_period(self, obj: Observation) -> str:
        return period_label(obj.period_start, obj.metric.period)


class ObservationWriteSerializer(Serializer):
    """One value: the same (leader, metric, period) again replaces it, keeping history."""

    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.LEADER)
    )
    metric = CodeRelatedField(queryset=MetricDefinition.objects.filter(is_active=True))
    period = serializers.CharField(help_text="YYYY-MM for monthly metrics, YYYY-Qn for quarterly.")
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ObservationUpdateSerializer(Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ObservationRowSerializer(Serializer):
    """A raw row, as in the CSV import; every rule is checked by the import service."""

    leader_email = serializers.CharField(allow_blank=True)
    metric = serializers.CharField(allow_blank=True, help_text="The metric's code.")
    period = serializers.CharField(allow_blank=True, help_text="YYYY-MM or YYYY-Qn.")
    value = NumberOrTextField(allow_blank=True, help_text="A number (string or JSON number).")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ObservationBulkSerializer(Serializer):
    observations = ObservationRowSerializer(many=True, max_length=MAX_BULK_ROWS, min_length=1)
    dry_run = serializers.BooleanField(default=False)


class ObservationImportSerializer(Serializer):
    file = serializers.FileField(help_text="CSV: leader_email, metric, period, value[, note].")
    dry_run = serializers.BooleanField(default=False)


class MetricPlannedRowSerializer(Serializer):
    row = serializers.IntegerField()
    leader_email = serializers.EmailField()
    metric = serializers.CharField()
    period = serializers.CharField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    old_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    action = serializers.ChoiceField(
        choices=list(PLANNED_ACTIONS),
        help_text="kept: a value for that period stays, because a measured value (team pulse, "
        "reporting line) is not replaced by an imported one, unless the metric says "
        "imported_wins, and then the other way round; ``reason`` says which.",
    )
    reason = serializers.CharField(
        allow_blank=True, help_text='Why a row was kept, e.g. "measured by the reporting line".'
    )


class UpsertReportSerializer(Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    kept = serializers.IntegerField(
        help_text="Rows not written because the value there wins (see preview's reason)."
    )
    errors = RowErrorSerializer(many=True)
    preview = MetricPlannedRowSerializer(
        many=True, help_text="The first 200 rows and their action."
    )


class RowErrorsResponseSerializer(Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = RowErrorSerializer(many=True)


class TargetSerializer(ModelSerializer):
    metric = CodeRelatedField(queryset=MetricDefinition.objects.filter(is_active=True))
    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(groups__name=Role.LEADER), allow_null=True, required=False
    )
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Target
        fields = ["id", "metric", "leader", "cohort", "valid_from", "valid_to", "value"]
        validators: list = []  # the service checks the rules, including overlaps


class TargetUpdateSerializer(Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(required=False, allow_null=True)


# --- computed figures (shapes of the selectors' dicts) ---------------------------


class MetricBriefSerializer(Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=MetricDefinition.Category.choices)
    unit = serializers.ChoiceField(choices=MetricDefinition.Unit.choices)
    currency = serializers.CharField(allow_blank=True)
    direction = serializers.ChoiceField(choices=MetricDefinition.Direction.choices)
    period = serializers.ChoiceField(choices=MetricDefinition.Period.choices)


class NamedRefSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _decimal(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, **kwargs)


class TrendPointSerializer(Serializer):
    period_start = serializers.DateField()
    period = serializers.CharField()
    value = _decimal()


class ScorecardMetricSerializer(Serializer):
    metric = MetricBriefSerializer()
    period_start = serializers.DateField(
        allow_null=True, help_text="The latest period with a value."
    )
    period = serializers.CharField(allow_null=True)
    value = _decimal()
    target = _decimal()
    attainment = serializers.DecimalField(
        max_digits=10,
        decimal_places=1,
        allow_null=True,
        help_text="% of target, respecting direction (100 = on target, more is better).",
    )
    on_target = serializers.BooleanField(allow_null=True)
    source = serializers.ChoiceField(
        choices=Observation.Source.choices,
        allow_null=True,
        help_text="Where the latest value came from: measured (pulse, reporting_line) or "
        "imported (import, api, manual).",
    )
    source_label = serializers.CharField(
        allow_null=True, help_text='As people read it: "Reporting line", "CSV import"...'
    )
    note = serializers.CharField(
        allow_null=True, help_text='The value\'s note, e.g. "reporting line: 4 of 5 stayed".'
    )
    trend = TrendPointSerializer(many=True, help_text="The last 8 periods with a value.")
    baseline_period = serializers.CharField(allow_null=True)
    baseline_value = _decimal()
    change_since_baseline = _decimal()
    percentile_in_cohort = _decimal(help_text="Share of cohort peers this leader does better than.")
    cohort_leaders_with_value = serializers.IntegerField()
    year_to_date = _decimal(help_text="This calendar year combined the metric's way.")


class ScorecardSerializer(Serializer):
    leader = MetricPersonSerializer()
    as_of = serializers.DateField()
    cohort = NamedRefSerializer(allow_null=True)
    first_program_start = serializers.DateField(allow_null=True)
    metrics = ScorecardMetricSerializer(many=True)


class SummaryPeriodSerializer(Serializer):
    period_start = serializers.DateField()
    period = serializers.CharField()
    leaders = serializers.IntegerField()
    average = _decimal()
    median = _decimal()
    spread = _decimal(help_text="Standard deviation across the cohort's leaders.")
    lowest = _decimal()
    highest = _decimal()
    leaders_with_target = serializers.IntegerField()
    share_on_target = _decimal(help_text="% of leaders with a target who meet it.")


class SummaryMetricSerializer(Serializer):
    metric = MetricBriefSerializer()
    periods = SummaryPeriodSerializer(many=True)


class LatestCellSerializer(Serializer):
    metric = serializers.CharField()
    period = serializers.CharField()
    value = _decimal()
    target = _decimal()
    attainment = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    on_target = serializers.BooleanField(allow_null=True)


class SummaryLeaderSerializer(Serializer):
    leader = MetricPersonSerializer()
    latest = serializers.DictField(child=LatestCellSerializer(), help_text="By metric code.")


class BelowTargetSerializer(LatestCellSerializer):
    leader = MetricPersonSerializer()


class CohortRefSerializer(NamedRefSerializer):
    program = serializers.IntegerField()


class CohortSummarySerializer(Serializer):
    cohort = CohortRefSerializer()
    as_of = serializers.DateField()
    metrics = SummaryMetricSerializer(many=True)
    leaders = SummaryLeaderSerializer(many=True)
    below_target = BelowTargetSerializer(many=True)


class ImpactCohortSerializer(Serializer):
    cohort = NamedRefSerializer()
    enrolled_leaders = serializers.IntegerField()
    enrolled_change = _decimal()
    comparison_leaders = serializers.IntegerField()
    comparison_change = _decimal()


class ImpactMetricSerializer(Serializer):
    metric = MetricBriefSerializer()
    latest_period = serializers.CharField(allow_null=True)
    enrolled_leaders = serializers.IntegerField()
    enrolled_change = _decimal()
    comparison_leaders = serializers.IntegerField(
        help_text="Smallest comparison group behind any cohort's window."
    )
    comparison_change = _decimal()
    difference_in_differences = _decimal()
    improved = serializers.BooleanField(allow_null=True)
    caution = serializers.CharField(allow_blank=True)
    cohorts = ImpactCohortSerializer(many=True)


class ProgramImpactSerializer(Serializer):
    program = NamedRefSerializer()
    cohort = NamedRefSerializer(allow_null=True)
    as_of = serializers.DateField()
    metrics = ImpactMetricSerializer(many=True)


SUMMARY_COLUMNS = [
    "period",
    "leaders",
    "average",
    "median",
    "spread",
    "lowest",
    "highest",
    "leaders_with_target",
    "share_on_target",
]


def cohort_summary_rows(summary: dict) -> list[dict]:
    """The serialized cohort summary as CSV rows: one per metric and period."""
    return [
        {
            "metric": block["metric"]["code"],
            "metric_name": block["metric"]["name"],
            **{column: period[column] for column in SUMMARY_COLUMNS},
        }
        for block in summary["metrics"]
        for period in block["periods"]
    ]

import django_filters

from common.filters import FilterSet, IdFilter
from metrics.models import MetricDefinition, Observation, Target
from programs.models import Enrollment


def _in_cohort(queryset, name, value):
    members = Enrollment.objects.filter(
        cohort_id=value, status__in=Enrollment.TAKING_PART_STATUSES
    ).values("leader")
    return queryset.filter(leader__in=members)


class ObservationFilter(FilterSet):
    leader = IdFilter(field_name="leader_id")
    metric = django_filters.CharFilter(field_name="metric__code", help_text="Metric code.")
    category = django_filters.ChoiceFilter(
        field_name="metric__category", choices=MetricDefinition.Category.choices
    )
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")
    source = django_filters.ChoiceFilter(choices=Observation.Source.choices)
    cohort = IdFilter(method=_in_cohort, help_text="Leaders of this cohort.")

    class Meta:
        model = Observation
        fields = ["leader", "metric", "category", "period_from", "period_to", "source", "cohort"]


class TargetFilter(FilterSet):
    leader = IdFilter(field_name="leader_id")
    cohort = IdFilter(field_name="cohort_id")
    metric = django_filters.CharFilter(field_name="metric__code", help_text="Metric code.")
    category = django_filters.ChoiceFilter(
        field_name="metric__category", choices=MetricDefinition.Category.choices
    )
    active_on = django_filters.DateFilter(method="filter_active_on", help_text="Valid on this day.")

    class Meta:
        model = Target
        fields = ["leader", "cohort", "metric", "category", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(valid_from__lte=value).exclude(valid_to__lt=value)

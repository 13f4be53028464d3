from common.filters import FilterSet
from plans.models import Plan


class PlanFilter(FilterSet):
    class Meta:
        model = Plan
        fields = ["leader", "cycle"]

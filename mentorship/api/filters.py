import django_filters

from common.filters import BooleanFilter, FilterSet, IdFilter
from mentorship.models import ActionItem, Goal, MentoringSession, Pairing


class PairingFilter(FilterSet):
    class Meta:
        model = Pairing
        fields = ["status", "mentor", "mentee"]


class SessionFilter(FilterSet):
    mentee = IdFilter(field_name="pairing__mentee")
    starts_after = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label="Starts on or after (date)"
    )
    starts_before = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label="Starts on or before (date)"
    )

    class Meta:
        model = MentoringSession
        fields = ["pairing", "mentee", "status", "starts_after", "starts_before"]


class ActionItemFilter(FilterSet):
    pairing = IdFilter(field_name="session__pairing")
    mentee = IdFilter(field_name="session__pairing__mentee")
    done = BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True, label="Done")

    class Meta:
        model = ActionItem
        fields = ["session", "pairing", "mentee", "owner", "done"]


class GoalFilter(FilterSet):
    class Meta:
        model = Goal
        fields = ["mentee", "pairing", "status", "competency"]

"""HR's audit trail as an API: ``GET /api/v1/audit/events/``, filterable and paginated.

The events are written by the services (common/audit.py); this only reads them. The
same filters serve the audit page (people/audit_views.py).
"""

import datetime

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from common import audit
from common.dates import end_of_day, start_of_day
from common.filters import FilterSet, IdFilter
from common.models import AuditEvent
from common.serializers import ModelSerializer
from people.models import User
from people.permissions import RolePermission
from people.roles import Role


class AuditEventFilter(FilterSet):
    actor = IdFilter(field_name="actor_id", help_text="Done by this person (a user id).")
    actor_kind = django_filters.ChoiceFilter(choices=AuditEvent.ActorKind.choices)
    action = django_filters.CharFilter(
        method="filter_action",
        help_text="An action (enrollment.withdraw), or an entity for all its actions (enrollment).",
    )
    object_type = django_filters.CharFilter(
        method="filter_object_type", help_text="app_label.model, e.g. programs.enrollment."
    )
    object_id = django_filters.CharFilter(help_text="With object_type: one object's history.")
    subject = IdFilter(field_name="subject_id", help_text="About this person (a user id).")
    since = django_filters.DateFilter(method="filter_since", help_text="On or after this day.")
    until = django_filters.DateFilter(method="filter_until", help_text="On or before this day.")

    class Meta:
        model = AuditEvent
        fields = [
            "actor",
            "actor_kind",
            "action",
            "object_type",
            "object_id",
            "subject",
            "since",
            "until",
        ]

    def filter_action(self, queryset, name, value):
        if "." in value:
            return queryset.filter(action=value)
        return queryset.filter(action__startswith=f"{value}.")

    def filter_object_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(object_type__app_label=app_label, object_type__model=model)

    def filter_since(self, queryset, name, value: datetime.date):
        return queryset.filter(at__gte=start_of_day(value))

    def filter_until(self, queryset, name, value: datetime.date):
        return queryset.filter(at__lt=end_of_day(value))


class AuditPersonSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class AuditEventSerializer(ModelSerializer):
    actor = AuditPersonSerializer(allow_null=True, read_only=True)
    subject = AuditPersonSerializer(
        allow_null=True, read_only=True, help_text="The person the event is about."
    )
    object_type = serializers.SerializerMethodField(help_text="app_label.model")
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="Field → [old, new], only the fields that changed; never a private field.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_kind",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "subject",
            "changes",
        ]

    def get_object_type(self, event: AuditEvent) -> str:
        return audit.type_key(event.object_type)


@extend_schema(tags=["audit"])
class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who did what to which object, when, with old → new values (HR only). Newest first;
    filter by who, what, which object, whom it is about and when."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    filterset_class = AuditEventFilter
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        return audit.event_list()

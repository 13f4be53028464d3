from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from common.fields import AsOfDateField, QueryIntegerField
from common.renderers import CsvRenderer
from common.schema import DetailErrorSerializer, FieldErrorsSerializer
from common.serializers import Serializer
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from metrics import selectors, services
from metrics.api import serializers as s
from metrics.api.filters import ObservationFilter, TargetFilter
from metrics.models import MetricDefinition, Observation, Target
from metrics.periods import parse_period
from metrics.permissions import METRIC_DATA
from people.models import User
from people.permissions import RolePermission
from people.roles import Role
from programs.models import Cohort, Program

AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="Compute as of this day (default: today)."
)
ROW_ERRORS = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="ObservationImportError",
        serializers=[s.RowErrorsResponseSerializer, FieldErrorsSerializer, DetailErrorSerializer],
        resource_type_field_name=None,
    ),
    description="Unreadable body, bad parameters (field errors) or row errors: "
    "nothing was written.",
)


MEASURED_KEPT = OpenApiResponse(
    description="The period holds a value Lodestar measured (team pulse, reporting line), "
    "which an imported value does not replace unless the metric says imported_wins: "
    "nothing was changed, and the message says why."
)


class AsOfSerializer(Serializer):
    as_of = AsOfDateField(required=False, allow_null=True, default=None)


def _as_of(request):
    params = AsOfSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data["as_of"]


@extend_schema(tags=["metrics"])
class MetricDefinitionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """What is measured. Everyone reads; HR adds and edits (no deletes: history needs them)."""

    queryset = MetricDefinition.objects.all()
    serializer_class = s.MetricDefinitionSerializer
    permission_classes = [METRIC_DATA]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["category", "unit", "period", "is_active"]
    ordering_fields = ["code", "name", "category"]

    def get_queryset(self):
        return selectors.metric_definition_list()

    def perform_create(self, serializer):
        serializer.instance = services.metric_definition_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.metric_definition_update(
            metric=serializer.instance, by=self.request.user, **serializer.validated_data
        )


@extend_schema(tags=["metrics"])
class ObservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Metric values per leader and period. HR writes; leaders read their own, mentors
    their mentees'. Writing a value for an existing (leader, metric, period) replaces
    it and keeps the old value in ``changes``."""

    queryset = Observation.objects.all()
    serializer_class = s.ObservationSerializer
    permission_classes = [METRIC_DATA]
    filterset_class = ObservationFilter
    ordering_fields = ["period_start", "value", "recorded_at"]
    ordering = ["leader__full_name", "metric__code", "period_start"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        observations = selectors.observation_list(leaders=leaders_visible_to(self.request.user))
        return observations.prefetch_related("changes__changed_by")

    @extend_schema(
        request=s.ObservationWriteSerializer,
        responses={201: s.ObservationSerializer, 200: s.ObservationSerializer, 409: MEASURED_KEPT},
    )
    def create(self, request):
        """Record one value (201), or replace the value of that period (200)."""
        params = s.ObservationWriteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            period_start = parse_period(data["period"], data["metric"].period)
        except ValidationError as exc:
            raise ValidationError({"period": exc.messages}) from exc
        observation, created = services.observation_upsert(
            leader=data["leader"],
            metric=data["metric"],
            period_start=period_start,
            value=data["value"],
            note=data["note"],
            source=Observation.Source.API,
            by=request.user,
        )
        return Response(
            self._detail(observation), status=status.HTTP_201_CREATED if created else 200
        )

    @extend_schema(
        request=s.ObservationUpdateSerializer,
        responses={200: s.ObservationSerializer, 409: MEASURED_KEPT},
    )
    def partial_update(self, request, pk=None):
        """Correct a value; the old one is kept in the history."""
        observation = self.get_object()
        params = s.ObservationUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        observation, _ = services.observation_upsert(
            leader=observation.leader,
            metric=observation.metric,
            period_start=observation.period_start,
            value=params.validated_data["value"],
            note=params.validated_data["note"],
            source=Observation.Source.API,
            by=request.user,
        )
        return Response(self._detail(observation))

    def _detail(self, observation: Observation) -> dict:
        return s.ObservationSerializer(self.get_queryset().get(pk=observation.pk)).data

    @extend_schema(
        request=s.ObservationBulkSerializer,
        responses={200: s.UpsertReportSerializer, 400: ROW_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Upsert up to 10,000 observations at once, atomically (same rows as the CSV). A
        row for a period that holds a measured value is ``kept`` (see the preview's
        ``reason``), unless the metric says ``imported_wins``."""
        params = s.ObservationBulkSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        report = services.observations_import_rows(
            rows=list(enumerate(params.validated_data["observations"])),
            source=Observation.Source.API,
            by=request.user,
            dry_run=params.validated_data["dry_run"],
        )
        return Response(s.UpsertReportSerializer(report.as_dict()).data)

    @extend_schema(
        request={"multipart/form-data": s.ObservationImportSerializer},
        responses={200: s.UpsertReportSerializer, 400: ROW_ERRORS},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request):
        """Import a CSV (leader_email, metric, period, value[, note]); ``dry_run`` previews.
        A row for a period that holds a measured value is ``kept``, as in ``bulk``."""
        params = s.ObservationImportSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        report = services.observations_import_csv(
            file=params.validated_data["file"],
            by=request.user,
            dry_run=params.validated_data["dry_run"],
        )
        return Response(s.UpsertReportSerializer(report.as_dict()).data)


@extend_schema(tags=["metrics"])
class TargetViewSet(viewsets.ModelViewSet):
    """Targets per metric, for a leader or as a cohort default (the leader's own wins)."""

    queryset = Target.objects.all()
    serializer_class = s.TargetSerializer
    permission_classes = [METRIC_DATA]
    filterset_class = TargetFilter
    ordering_fields = ["valid_from", "value"]
    ordering = ["metric__code", "valid_from", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        return selectors.target_list(
            leaders=leaders_visible_to(user), cohorts=cohorts_visible_to(user)
        )

    def perform_create(self, serializer):
        serializer.instance = services.target_create(
            by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=s.TargetUpdateSerializer, responses=s.TargetSerializer)
    def partial_update(self, request, pk=None):
        target = self.get_object()
        params = s.TargetUpdateSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        target = services.target_update(target=target, by=request.user, **params.validated_data)
        return Response(s.TargetSerializer(target).data)

    def perform_destroy(self, instance):
        services.target_delete(target=instance, by=self.request.user)


@extend_schema(tags=["metrics"])
class ScorecardViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A leader's scorecard: HR, the leader's mentor, or the leader; anyone else gets 404."""

    queryset = User.objects.all()
    serializer_class = s.ScorecardSerializer
    filter_backends: list = []

    def get_queryset(self):
        return leaders_visible_to(self.request.user)

    @extend_schema(parameters=[AS_OF], responses=s.ScorecardSerializer)
    def retrieve(self, request, pk=None):
        leader = self.get_object()
        card = selectors.scorecard_for(leader=leader, as_of=_as_of(request))
        return Response(s.ScorecardSerializer(card).data)


@extend_schema(tags=["metrics"])
class CohortMetricsViewSet(viewsets.GenericViewSet):
    queryset = Cohort.objects.select_related("program")
    permission_classes = [RolePermission.of(Role.HR)]
    serializer_class = s.CohortSummarySerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[AS_OF],
        responses={(200, "application/json"): s.CohortSummarySerializer, (200, "text/csv"): str},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer, CsvRenderer],
    )
    def summary(self, request, pk=None):
        """The cohort per metric and period (HR). ``?format=csv`` downloads it as CSV."""
        cohort = self.get_object()
        data = s.CohortSummarySerializer(
            selectors.cohort_summary(cohort=cohort, as_of=_as_of(request))
        ).data
        if request.accepted_renderer.format != "csv":
            return Response(data)
        return Response(
            s.cohort_summary_rows(data),
            headers={
                "Content-Disposition": f'attachment; filename="cohort-{cohort.pk}-metrics.csv"'
            },
        )


class ImpactParamsSerializer(AsOfSerializer):
    cohort = QueryIntegerField(required=False)


@extend_schema(tags=["metrics"])
class ProgramMetricsViewSet(viewsets.GenericViewSet):
    queryset = Program.objects.all()
    permission_classes = [RolePermission.of(Role.HR)]
    serializer_class = s.ProgramImpactSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            AS_OF,
            OpenApiParameter("cohort", OpenApiTypes.INT, description="Only this cohort."),
        ],
        responses=s.ProgramImpactSerializer,
    )
    @action(detail=True, methods=["get"])
    def impact(self, request, pk=None):
        """Did the program move the metrics? Enrolled vs not (yet) enrolled leaders (HR)."""
        program = self.get_object()
        params = ImpactParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cohort = None
        if "cohort" in params.validated_data:
            cohort = program.cohorts.filter(pk=params.validated_data["cohort"]).first()
            if cohort is None:
                raise ValidationError({"cohort": "This program has no such cohort."})
        impact = selectors.program_impact(
            program=program, cohort=cohort, as_of=params.validated_data["as_of"]
        )
        return Response(s.ProgramImpactSerializer(impact).data)

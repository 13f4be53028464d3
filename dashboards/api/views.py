"""The dashboards API: read-only, scoped like every other endpoint (404 outside scope)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from common.renderers import CsvRenderer
from dashboards import selectors
from dashboards.api.serializers import (
    CohortDashboardSerializer,
    DashboardQuerySerializer,
    LeaderDashboardSerializer,
    ManagerDashboardSerializer,
    MentorDashboardSerializer,
    ProgramImpactDashboardSerializer,
    cohort_csv_rows,
)
from feedback.services import report_view_record
from mentorship.selectors import leaders_visible_to
from people.models import User
from people.permissions import RolePermission
from people.roles import Role
from programs.models import Cohort, Program

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="See the dashboard as it was at the end of this day (YYYY-MM-DD).",
)
CSV_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="`csv`: the per-leader table as CSV."
)


def as_of_day(request):
    """The ``as_of`` query parameter as a date; a malformed one is a 400 naming the field."""
    query = DashboardQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("as_of") or timezone.localdate()


class DashboardViewSet(viewsets.GenericViewSet):
    pagination_class = None
    filter_backends: list = []


class LeaderDashboardViewSet(DashboardViewSet):
    """A leader's dashboard: program progress and metric scorecard."""

    queryset = User.objects.all()
    serializer_class = LeaderDashboardSerializer

    def get_queryset(self):
        return leaders_visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "me":
            return [RolePermission.of(Role.LEADER)()]
        return super().get_permissions()

    def _respond(self, leader):
        dashboard = selectors.leader_dashboard(
            leader=leader, viewer=self.request.user, day=as_of_day(self.request)
        )
        report = (dashboard["feedback"] or {}).get("latest_report")
        if report is not None:
            report_view_record(report=report, subject=leader, viewer=self.request.user)
        return Response(LeaderDashboardSerializer(dashboard).data)

    @extend_schema(parameters=[AS_OF], summary="My dashboard (leader)")
    def me(self, request):
        return self._respond(request.user)

    @extend_schema(
        parameters=[AS_OF],
        summary="A leader's dashboard (HR, the leader's mentor or manager; 404 for anyone else)",
    )
    def retrieve(self, request, pk=None):
        return self._respond(self.get_object())


class MentorDashboardViewSet(DashboardViewSet):
    """A mentor's mentees, those needing attention first (today's view)."""

    queryset = User.objects.none()
    serializer_class = MentorDashboardSerializer
    permission_classes = [RolePermission.of(Role.MENTOR)]

    @extend_schema(summary="My mentees (mentor)")
    def me(self, request):
        return Response(
            MentorDashboardSerializer(selectors.mentor_dashboard(mentor=request.user)).data
        )


class ManagerDashboardViewSet(DashboardViewSet):
    """A manager's leaders: everyone below them in the reporting line who is a leader."""

    queryset = User.objects.none()
    serializer_class = ManagerDashboardSerializer
    permission_classes = [RolePermission.of(Role.MANAGER)]

    @extend_schema(parameters=[AS_OF], summary="My leaders (manager)")
    def me(self, request):
        dashboard = selectors.manager_dashboard(manager=request.user, day=as_of_day(request))
        return Response(ManagerDashboardSerializer(dashboard).data)


class CohortDashboardViewSet(DashboardViewSet):
    """HR's cohort dashboard; ``?format=csv`` exports the per-leader table."""

    queryset = Cohort.objects.select_related("program")
    serializer_class = CohortDashboardSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CsvRenderer]

    @extend_schema(
        parameters=[AS_OF, CSV_FORMAT],
        summary="A cohort's dashboard (HR)",
        responses={
            (200, "application/json"): CohortDashboardSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per leader."),
        },
    )
    def retrieve(self, request, pk=None):
        cohort = self.get_object()
        dashboard = selectors.cohort_dashboard(cohort=cohort, day=as_of_day(request))
        if request.accepted_renderer.format == "csv":
            filename = f"cohort-{cohort.pk}-{dashboard['as_of']}.csv"
            return Response(
                cohort_csv_rows(dashboard),
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return Response(CohortDashboardSerializer(dashboard).data)


class ProgramImpactViewSet(DashboardViewSet):
    """HR: did the program move its leaders' metrics, and did they complete it."""

    queryset = Program.objects.all()
    serializer_class = ProgramImpactDashboardSerializer
    permission_classes = [RolePermission.of(Role.HR)]

    @extend_schema(parameters=[AS_OF], summary="A program's impact (HR)")
    def retrieve(self, request, pk=None):
        program = get_object_or_404(self.get_queryset(), pk=pk)
        dashboard = selectors.program_impact_dashboard(program=program, day=as_of_day(request))
        return Response(ProgramImpactDashboardSerializer(dashboard).data)

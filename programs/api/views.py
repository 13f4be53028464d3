from django.db.models import ProtectedError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.errors import ApplicationError
from common.filters import FilterSet
from common.renderers import ICalendarRenderer
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role
from programs import selectors, services
from programs.api.serializers import (
    CohortSerializer,
    CohortSessionSerializer,
    CompetencySerializer,
    EnrollmentCreateSerializer,
    EnrollmentImportReportSerializer,
    EnrollmentImportRequestSerializer,
    EnrollmentSerializer,
    ModuleCompletionSerializer,
    ModuleSerializer,
    ProgramSerializer,
    ProgressSerializer,
    SessionAttendanceSerializer,
)
from programs.calendar import cohort_calendar, cohort_calendar_filename
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleCompletion,
    Program,
    SessionAttendance,
)
from programs.permissions import completion_refusal

TAGS = ["programs"]


class ProtectedDeleteMixin:
    """Deleting is recorded, and deleting what history points at answers 409, not a 500."""

    def perform_destroy(self, instance):
        try:
            services.catalogue_delete(instance=instance, by=self.request.user)
        except ProtectedError as exc:
            raise ApplicationError(
                f"This {instance._meta.verbose_name} is in use (cohorts, enrollments or "
                "completions refer to it) and cannot be deleted."
            ) from exc


@extend_schema(tags=TAGS)
class CompetencyViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Leadership competencies. Everyone reads; HR writes."""

    queryset = Competency.objects.all()
    serializer_class = CompetencySerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.competency_list()

    def perform_create(self, serializer):
        serializer.instance = services.competency_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.competency_update(
            competency=serializer.instance, by=self.request.user, **serializer.validated_data
        )


@extend_schema(tags=TAGS)
class ProgramViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Programs. Everyone reads; HR writes."""

    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.program_list()

    def perform_create(self, serializer):
        program = services.program_create(by=self.request.user, **serializer.validated_data)
        # Answer with the same annotated row a GET returns (module_count).
        serializer.instance = self.get_queryset().get(pk=program.pk)

    def perform_update(self, serializer):
        program = services.program_update(
            program=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=program.pk)


@extend_schema(tags=TAGS)
class ModuleViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Modules of programs. Everyone reads; HR writes."""

    queryset = Module.objects.all()
    serializer_class = ModuleSerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    filterset_fields = ["program", "competency", "kind", "is_required"]
    ordering_fields = ["position", "title"]

    def get_queryset(self):
        return selectors.module_list()

    def perform_create(self, serializer):
        serializer.instance = services.module_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.module_update(
            module=serializer.instance, by=self.request.user, **serializer.validated_data
        )


class CohortFilter(FilterSet):
    class Meta:
        model = Cohort
        fields = {"program": ["exact"], "delivery": ["exact"], "starts_on": ["gte", "lte"]}


@extend_schema(tags=TAGS)
class CohortViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Cohorts. HR writes and sees all; leaders see their own, mentors their mentees'."""

    queryset = Cohort.objects.all()
    serializer_class = CohortSerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    filterset_class = CohortFilter
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        return selectors.cohort_list(cohorts=cohorts_visible_to(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = services.cohort_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.cohort_update(
            cohort=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        tags=TAGS,
        request={"multipart/form-data": EnrollmentImportRequestSerializer},
        responses={
            200: EnrollmentImportReportSerializer,
            400: OpenApiResponse(description="Unreadable file, or row errors (nothing written)."),
        },
        description=(
            "Enroll leaders from a CSV (email, full_name, title, manager_email). With "
            "dry_run=true nothing is written and the report shows what would happen."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="enrollments/import",
        permission_classes=[RolePermission.of(Role.HR)],
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_enrollments(self, request, pk=None):
        cohort = self.get_object()
        form = EnrollmentImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = services.enrollment_import(
            cohort=cohort,
            file=form.validated_data["file"],
            dry_run=form.validated_data["dry_run"],
            by=request.user,
        )
        return Response(report.as_dict())


@extend_schema(tags=TAGS)
class CohortSessionViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Live sessions of cohorts; readable by whoever can see the cohort."""

    queryset = CohortSession.objects.all()
    serializer_class = CohortSessionSerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    filterset_fields = ["cohort", "module"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return selectors.cohort_session_list(cohorts=cohorts_visible_to(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = services.cohort_session_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.cohort_session_update(
            session=serializer.instance, by=self.request.user, **serializer.validated_data
        )


class EnrollmentFilter(FilterSet):
    class Meta:
        model = Enrollment
        fields = ["cohort", "program", "status", "leader"]


TRANSITION_RESPONSES = {
    200: EnrollmentSerializer,
    409: OpenApiResponse(description="The enrollment's status does not allow this."),
}


@extend_schema(tags=TAGS)
class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enrollments with progress.

    HR sees all and changes status; leaders see their own; mentors their mentees'.
    """

    queryset = Enrollment.objects.all()
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = [
        "created_at",
        "status",
        "leader__full_name",
        "cohort__starts_on",
        "required_done",
    ]
    ordering = ["cohort", "leader__full_name"]

    def get_queryset(self):
        return selectors.enrollment_list(leaders=leaders_visible_to(self.request.user))

    def get_permissions(self):
        if self.action in {"create", "activate", "complete", "withdraw"}:
            return [RolePermission.of(Role.HR)()]
        return super().get_permissions()

    def _respond(self, enrollment: Enrollment, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=enrollment.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        tags=TAGS,
        request=EnrollmentCreateSerializer,
        responses={
            201: EnrollmentSerializer,
            409: OpenApiResponse(description="Full or already enrolled."),
        },
    )
    def create(self, request):
        form = EnrollmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(by=request.user, **form.validated_data)
        return self._respond(enrollment, status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._respond(
            services.enrollment_activate(enrollment=self.get_object(), by=request.user)
        )

    @extend_schema(tags=TAGS, request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._respond(
            services.enrollment_complete(enrollment=self.get_object(), by=request.user)
        )

    @extend_schema(tags=TAGS, request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._respond(
            services.enrollment_withdraw(enrollment=self.get_object(), by=request.user)
        )

    @extend_schema(tags=TAGS, responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        enrollment = self.get_object()
        per_competency = selectors.competency_progress(
            enrollments=Enrollment.objects.filter(pk=enrollment.pk)
        )[enrollment.pk]
        missing = services.enrollment_missing_required_modules(enrollment=enrollment)
        data = {
            "enrollment": enrollment.pk,
            "status": enrollment.status,
            "required_total": enrollment.required_total,
            "required_done": enrollment.required_done,
            "percent": enrollment.progress_percent,
            "competencies": [
                {
                    "competency_id": row.competency_id,
                    "competency": row.competency,
                    "required_total": row.required_total,
                    "required_done": row.required_done,
                    "percent": row.percent,
                }
                for row in per_competency
            ],
            "missing_required_modules": [{"id": m.pk, "title": m.title} for m in missing],
        }
        return Response(ProgressSerializer(data).data)


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS),
    create=extend_schema(tags=TAGS, responses={201: ModuleCompletionSerializer}),
)
class ModuleCompletionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Module completions. HR records any; a leader records their own e-learning and assignments."""

    queryset = ModuleCompletion.objects.all()
    serializer_class = ModuleCompletionSerializer
    permission_classes = [
        RolePermission.of(
            read=AUTHENTICATED,
            write=[Role.HR, Role.LEADER],
            message="Only HR and leaders can record module completions.",
        )
    ]
    filterset_fields = ["enrollment", "module"]
    ordering_fields = ["completed_on", "recorded_at"]

    def get_queryset(self):
        return selectors.module_completion_list(leaders=leaders_visible_to(self.request.user))

    def perform_create(self, serializer):
        data = serializer.validated_data
        refusal = completion_refusal(self.request.user, data["enrollment"], data["module"])
        if refusal:
            raise PermissionDenied(refusal)
        serializer.instance = services.module_completion_record(by=self.request.user, **data)


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS),
    create=extend_schema(tags=TAGS, responses={201: SessionAttendanceSerializer}),
    destroy=extend_schema(tags=TAGS),
)
class SessionAttendanceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who attended which live session. HR records and corrects; others read within scope."""

    queryset = SessionAttendance.objects.all()
    serializer_class = SessionAttendanceSerializer
    permission_classes = [RolePermission.of(read=AUTHENTICATED, write=Role.HR)]
    filterset_fields = ["enrollment", "session", "session__cohort"]
    ordering_fields = ["session__starts_at", "recorded_at"]

    def get_queryset(self):
        return selectors.session_attendance_list(leaders=leaders_visible_to(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = services.session_attendance_record(
            by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.session_attendance_delete(attendance=instance, by=self.request.user)


class CohortCalendarView(generics.GenericAPIView):
    """The cohort's sessions as an iCalendar file (for anyone who may see the cohort)."""

    queryset = Cohort.objects.all()
    renderer_classes = [ICalendarRenderer]

    def get_queryset(self):
        cohorts = selectors.cohort_list(cohorts=cohorts_visible_to(self.request.user))
        return cohorts.prefetch_related("sessions")

    @extend_schema(
        tags=TAGS,
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
        operation_id="cohorts_calendar_ics",
    )
    def get(self, request, pk: int):
        cohort = self.get_object()
        response = Response(cohort_calendar(cohort), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{cohort_calendar_filename(cohort)}"'
        )
        return response

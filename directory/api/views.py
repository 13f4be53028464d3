from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from directory import selectors, services
from directory.api.serializers import (
    DirectorySyncSerializer,
    SyncReportSerializer,
    SyncUploadSerializer,
)
from directory.models import DirectorySync
from people.permissions import RolePermission
from people.roles import Role

TAGS = ["directory"]


@extend_schema(tags=TAGS)
class DirectorySyncViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Directory files (HR): people added, changed and leaving from the HR system's
    export; a file that would make too many leavers waits for HR's approval."""

    queryset = DirectorySync.objects.all()
    serializer_class = DirectorySyncSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    filterset_fields = ["status", "source"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.sync_list()

    @extend_schema(
        request={"multipart/form-data": SyncUploadSerializer},
        responses={
            200: OpenApiResponse(SyncReportSerializer, description="Dry run: nothing written."),
            201: OpenApiResponse(DirectorySyncSerializer, description="Applied."),
            202: OpenApiResponse(
                DirectorySyncSerializer, description="Held by the safety valve for approval."
            ),
            400: OpenApiResponse(description="Unreadable file, or row errors (nothing written)."),
            409: OpenApiResponse(description="Another file waits for HR's approval."),
        },
        description=(
            "Apply a CSV of people (email, full_name, title, region, manager_email, active). "
            "With dry_run=true nothing is written and the report shows what would happen. "
            "An empty cell leaves what Lodestar has; active=no makes a leaver. A file that "
            "would make more than DIRECTORY_SYNC_MAX_LEAVER_SHARE of the active people "
            "leavers is held (202) until HR approves it (uploads are at .../import/, "
            "like every CSV import)."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        form = SyncUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        report, sync = services.directory_sync(
            file=upload,
            file_name=upload.name,
            source=DirectorySync.Source.UPLOAD,
            dry_run=form.validated_data["dry_run"],
            by=request.user,
        )
        if sync is None:
            return Response(report.as_dict())
        return Response(
            DirectorySyncSerializer(sync).data,
            status=status.HTTP_202_ACCEPTED if report.held else status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={200: DirectorySyncSerializer, 409: OpenApiResponse(description="Not held.")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Apply a held file (checked again against the directory as it is now)."""
        sync = self.get_object()
        services.directory_sync_approve(sync=sync, by=request.user)
        sync.refresh_from_db()
        return Response(DirectorySyncSerializer(sync).data)

    @extend_schema(
        request=None,
        responses={200: DirectorySyncSerializer, 409: OpenApiResponse(description="Not held.")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a held file: nothing in it is applied."""
        sync = services.directory_sync_reject(sync=self.get_object(), by=request.user)
        return Response(DirectorySyncSerializer(sync).data)

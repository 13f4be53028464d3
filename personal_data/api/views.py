"""A person's data through the API (HR only): export and erasure, one service each."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from people.models import User
from people.permissions import RolePermission
from people.roles import Role
from personal_data import services
from personal_data.api.serializers import EraseRequestSerializer, ErasureSerializer

TAGS = ["personal data"]


class PersonDataViewSet(viewsets.GenericViewSet):
    """Everything Lodestar holds about a person, and erasing it (HR)."""

    queryset = User.objects.all()
    serializer_class = EraseRequestSerializer
    permission_classes = [RolePermission.of(Role.HR, message="Only HR handles personal data.")]

    @extend_schema(
        tags=TAGS,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export.")},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything about the person as JSON: the same document as `manage.py
        person_export` and the HR page's download. Recorded in the audit trail as
        `person.export`."""
        export = services.person_export_record(person=self.get_object(), by=request.user)
        response = Response(export)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        tags=TAGS,
        request=EraseRequestSerializer,
        responses={
            200: ErasureSerializer,
            400: OpenApiResponse(description="The confirmation is not their email address."),
            403: OpenApiResponse(description="Not HR, or erasing yourself."),
            409: OpenApiResponse(description="Already erased, or the last active HR user."),
        },
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Anonymise the person: their pairings end and open feedback requests expire
        first; figures and other people's data stay (docs/privacy.md)."""
        person = self.get_object()
        serializer = EraseRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erasure = services.person_erase(
            person=person, by=request.user, confirm=serializer.validated_data["confirm"]
        )
        return Response(ErasureSerializer(erasure).data)

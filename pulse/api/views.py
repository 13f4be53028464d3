"""The pulse API: HR's pulses and their results, and a leader's own team trend. Same rules
as the pages (pulse.selectors, pulse.services)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.viewsets import ScopedViewSet
from people.permissions import RolePermission
from people.roles import Role
from pulse import selectors, services
from pulse.api.serializers import (
    PulseSerializer,
    PulseShareSerializer,
    RoundResultsSerializer,
    TeamResultSerializer,
)
from pulse.models import PULSE_FIELDS, Pulse


@extend_schema(tags=["pulse"])
class PulseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Team pulses (HR): schedule one, change it, read its results per round and leader."""

    queryset = Pulse.objects.all()
    serializer_class = PulseSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    ordering_fields = ["starts_on", "name"]
    ordering = ["-starts_on", "-id"]

    def scoped(self, user):
        return selectors.pulse_list().prefetch_related("template__statements")

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in PULSE_FIELDS}
        serializer.instance = services.pulse_create(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in PULSE_FIELDS}
        serializer.instance = services.pulse_update(
            pulse=serializer.instance, by=self.request.user, **data
        )

    @extend_schema(responses=RoundResultsSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        """Each round, newest first: a summary of the shown teams and a row per leader."""
        pulse = self.get_object()
        rounds = selectors.pulse_results(pulse=pulse)
        return Response(RoundResultsSerializer(rounds, many=True).data, status=status.HTTP_200_OK)


class MyPulseView(APIView):
    """The caller's own team pulse, one row per closed round, oldest first."""

    permission_classes = [RolePermission.of(Role.LEADER)]

    @extend_schema(responses=TeamResultSerializer(many=True), tags=["pulse"])
    def get(self, request):
        trend = selectors.leader_trend(leader=request.user)
        return Response(TeamResultSerializer(trend, many=True).data)


class MyPulseShareView(APIView):
    """Show (or stop showing) your team pulse to your mentor(s) or manager(s)."""

    permission_classes = [RolePermission.of(Role.LEADER)]

    @extend_schema(request=PulseShareSerializer, responses=PulseShareSerializer, tags=["pulse"])
    def post(self, request):
        serializer = PulseShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shared = services.pulse_share_set(leader=request.user, **serializer.validated_data)
        return Response({"audience": serializer.validated_data["audience"], "shared": shared})

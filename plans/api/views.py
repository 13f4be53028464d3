"""The development plan API: the same scope and rules as the pages (plans.selectors,
plans.permissions, plans.services)."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.viewsets import ScopedViewSet
from people.permissions import RolePermission
from people.roles import AUTHENTICATED
from plans import selectors, services
from plans.api.filters import PlanFilter
from plans.api.serializers import (
    CheckInSerializer,
    CheckInSubmitSerializer,
    CommentSerializer,
    FocusSerializer,
    FocusUpdateSerializer,
    PlanCreateSerializer,
    PlanDetailSerializer,
    PlanOptionSerializer,
    PlanOptionsQuerySerializer,
    PlanSerializer,
)
from plans.models import Focus, Plan
from plans.permissions import can_build_plan, can_change_plan, can_check_in


class _Scoped(ScopedViewSet):
    permission_classes = [RolePermission.of(AUTHENTICATED)]


@extend_schema(tags=["plans"])
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Scoped):
    """Development plans. A leader builds their own from a released report; the leader,
    their mentor and HR read it and comment; the leader checks in."""

    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scoped(self, user):
        return selectors.plan_list(user=user)

    def _cycles(self) -> dict:
        return {"cycles": selectors.cycles_to_plan(leader=self.request.user)}

    @extend_schema(responses=PlanDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        outcome = selectors.plan_outcome(plan=plan, viewer=request.user)
        return Response(PlanDetailSerializer(plan, context={"outcome": outcome}).data)

    @extend_schema(request=PlanCreateSerializer, responses={201: PlanDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not can_build_plan(request.user, request.user):
            raise exceptions.PermissionDenied("Only a leader builds their own plan.")
        serializer = PlanCreateSerializer(data=request.data, context=self._cycles())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = services.plan_create(
            leader=request.user,
            cycle=data["cycle"],
            focuses=[services.FocusInput(**item) for item in data["focuses"]],
            by=request.user,
        )
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(
            PlanDetailSerializer(plan, context={"outcome": None}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[PlanOptionsQuerySerializer], responses=PlanOptionSerializer(many=True)
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="options",
        pagination_class=None,
        filter_backends=[],
    )
    def build_options(self, request):
        """What *Build my plan* offers for one of the caller's released reports: the nine
        dimensions, the one leaning furthest to management first."""
        query = PlanOptionsQuerySerializer(data=request.query_params, context=self._cycles())
        query.is_valid(raise_exception=True)
        cycle = query.validated_data["cycle"]
        options = selectors.plan_options(leader=request.user, cycle=cycle)
        return Response(PlanOptionSerializer(options, many=True).data)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        """Comments on the plan and its check-ins (GET), or a new one (POST: anyone who
        sees the plan -- the leader, their mentor, their manager, HR)."""
        plan = self.get_object()
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data, context={"plan": plan})
            serializer.is_valid(raise_exception=True)
            comment = services.comment_add(
                plan=plan,
                body=serializer.validated_data["body"],
                check_in=serializer.validated_data.get("check_in"),
                by=request.user,
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        return Response(CommentSerializer(selectors.plan_comments(plan=plan), many=True).data)

    @extend_schema(responses=CheckInSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="check-ins",
        pagination_class=None,
        filter_backends=[],
    )
    def check_ins(self, request, pk=None):
        plan = self.get_object()
        return Response(CheckInSerializer(selectors.plan_check_ins(plan=plan), many=True).data)

    @extend_schema(request=CheckInSubmitSerializer, responses=CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="check-in", filter_backends=[])
    def check_in(self, request, pk=None):
        """Answer the check-in that is due (the leader): progress per focus and a note."""
        plan = self.get_object()
        if not can_check_in(request.user, plan):
            raise exceptions.PermissionDenied("Only the leader checks in on their plan.")
        serializer = CheckInSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        due = selectors.open_check_in(plan=plan)
        if due is None:
            raise ValidationError({"check_in": "No check-in is due now."})
        data = serializer.validated_data
        check_in = services.check_in_submit(
            check_in=due,
            progress={row["focus"]: row["progress"] for row in data["progress"]},
            note=data["note"],
            by=request.user,
        )
        return Response(CheckInSerializer(check_in).data)


@extend_schema(tags=["plans"])
class FocusViewSet(mixins.RetrieveModelMixin, _Scoped):
    """One focus of a plan: the leader or their mentor changes its modules, mentoring
    topics and metric (its goal changes through /mentorship/goals/)."""

    queryset = Focus.objects.all()
    serializer_class = FocusSerializer

    def scoped(self, user):
        return (
            Focus.objects.filter(plan__in=selectors.plan_list(user=user))
            .select_related("goal", "metric", "plan__leader")
            .prefetch_related(Prefetch("modules"))
        )

    @extend_schema(request=FocusUpdateSerializer, responses=FocusSerializer)
    def partial_update(self, request, *args, **kwargs):
        focus = self.get_object()
        if not can_change_plan(request.user, focus.plan):
            raise exceptions.PermissionDenied("Only the leader or their mentor changes a plan.")
        serializer = FocusUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.focus_update(
            focus=focus,
            by=request.user,
            topics=data.get("topics"),
            metric=data.get("metric"),
            clear_metric="metric" in data and data["metric"] is None,
            modules=data.get("modules"),
        )
        return Response(FocusSerializer(self.get_queryset().get(pk=focus.pk)).data)

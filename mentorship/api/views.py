from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.renderers import ICalendarRenderer
from common.viewsets import ScopedViewSet
from mentorship import selectors, services
from mentorship.api import filters
from mentorship.api.serializers import (
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    GoalCreateSerializer,
    GoalSerializer,
    PairingCreateSerializer,
    PairingEndSerializer,
    PairingSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
    SessionWriteSerializer,
    SuggestionListSerializer,
    SuggestionQuerySerializer,
)
from mentorship.calendar import feed_ics
from mentorship.matching import focus_dimensions_for, needed_competencies_for
from mentorship.models import ActionItem, Goal, MentoringSession, Pairing
from mentorship.permissions import (
    ActionItemPermission,
    GoalPermission,
    SessionPermission,
    can_edit_action_item,
    can_log_sessions,
    can_manage_goals_of,
)
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role


@extend_schema(tags=["mentorship"])
class PairingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Mentor-leader pairings. HR creates and ends them and sees all; a mentor sees their
    own, a leader theirs."""

    queryset = Pairing.objects.all()
    serializer_class = PairingSerializer
    permission_classes = [
        RolePermission.of(read=AUTHENTICATED, write=Role.HR, message="Only HR can do this.")
    ]
    filterset_class = filters.PairingFilter
    ordering_fields = ["started_on", "ended_on", "last_contact", "mentee__full_name"]
    ordering = ["-started_on", "id"]

    def scoped(self, user):
        return selectors.pairing_list(user=user)

    def _respond(self, pairing: Pairing, status_code=status.HTTP_200_OK) -> Response:
        pairing = self.get_queryset().get(pk=pairing.pk)
        return Response(self.get_serializer(pairing).data, status=status_code)

    @extend_schema(request=PairingCreateSerializer, responses={201: PairingSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PairingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pairing = services.pairing_create(
            mentor=data["mentor"],
            mentee=data["mentee"],
            enrollment=data.get("enrollment"),
            started_on=data.get("started_on") or timezone.localdate(),
            objectives=data.get("objectives", ""),
            by=request.user,
        )
        return self._respond(pairing, status.HTTP_201_CREATED)

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the pairing: the mentor's seat is freed, every session and goal is kept."""
        pairing = self.get_object()
        serializer = PairingEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pairing = services.pairing_end(
            pairing=pairing, by=request.user, ended_on=serializer.validated_data.get("ended_on")
        )
        return self._respond(pairing)


@extend_schema(tags=["mentorship"])
class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Mentoring sessions. The pairing's mentor logs and edits them; the mentee and HR
    read them (private notes are shown to the mentor only)."""

    queryset = MentoringSession.objects.all()
    serializer_class = SessionSerializer
    permission_classes = [RolePermission.of(AUTHENTICATED), SessionPermission]
    filterset_class = filters.SessionFilter
    ordering_fields = ["starts_at", "created_at"]
    ordering = ["-starts_at", "-id"]

    def scoped(self, user):
        return selectors.session_list(user=user)

    def _respond(self, session, status_code=status.HTTP_200_OK) -> Response:
        session = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(session).data, status=status_code)

    @extend_schema(request=SessionWriteSerializer, responses={201: SessionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = SessionWriteSerializer(
            data=request.data,
            context={"pairings": selectors.pairings_visible_to(request.user)},
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pairing = data.pop("pairing")
        if not can_log_sessions(request.user, pairing):
            raise exceptions.PermissionDenied(SessionPermission.message)
        items = [services.ActionItemInput(**item) for item in data.pop("action_items", [])]
        session = services.session_create(
            pairing=pairing, by=request.user, action_items=items, **data
        )
        return self._respond(session, status.HTTP_201_CREATED)

    @extend_schema(request=SessionUpdateSerializer, responses=SessionSerializer)
    def partial_update(self, request, *args, **kwargs):
        session = self.get_object()
        serializer = SessionUpdateSerializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        session = services.session_update(
            session=session, by=request.user, **serializer.validated_data
        )
        return self._respond(session)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a planned session; both people get a calendar cancellation."""
        session = services.session_cancel(session=self.get_object(), by=request.user)
        return self._respond(session)


@extend_schema(tags=["mentorship"])
class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Action items agreed in sessions. The mentor creates and edits them; the mentee
    marks their own done; HR reads."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    permission_classes = [RolePermission.of(AUTHENTICATED), ActionItemPermission]
    filterset_class = filters.ActionItemFilter
    ordering_fields = ["due_on", "created_at", "done_at"]
    ordering = ["due_on", "id"]

    def scoped(self, user):
        return selectors.action_item_list(user=user)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return serializer
        if "session" in getattr(serializer, "fields", {}):
            serializer.fields["session"].queryset = selectors.session_list(user=self.request.user)
        return serializer

    def _respond(self, item, status_code=status.HTTP_200_OK) -> Response:
        item = self.get_queryset().get(pk=item.pk)
        return Response(ActionItemSerializer(item).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        session = data.pop("session")
        if not can_log_sessions(request.user, session.pairing):
            raise exceptions.PermissionDenied(ActionItemPermission.message)
        item = services.action_item_create(session=session, by=request.user, **data)
        return self._respond(item, status.HTTP_201_CREATED)

    @extend_schema(request=ActionItemUpdateSerializer, responses=ActionItemSerializer)
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = ActionItemUpdateSerializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not can_edit_action_item(request.user, item):
            raise exceptions.PermissionDenied(ActionItemPermission.message)
        item = services.action_item_update(item=item, by=request.user, **serializer.validated_data)
        return self._respond(item)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)

    @extend_schema(request=None, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        item = services.action_item_set_done(item=self.get_object(), done=True, by=request.user)
        return self._respond(item)

    @extend_schema(request=None, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        item = services.action_item_set_done(item=self.get_object(), done=False, by=request.user)
        return self._respond(item)


@extend_schema(tags=["mentorship"])
class GoalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """A leader's development goals. The leader and their mentor create and update them;
    HR reads."""

    queryset = Goal.objects.all()
    serializer_class = GoalSerializer
    permission_classes = [RolePermission.of(AUTHENTICATED), GoalPermission]
    filterset_class = filters.GoalFilter
    ordering_fields = ["target_date", "progress", "created_at"]
    ordering = ["target_date", "id"]

    def scoped(self, user):
        return selectors.goal_list(user=user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["pairings"] = selectors.pairings_visible_to(self.request.user)
            context["mentees"] = selectors.leaders_visible_to(self.request.user)
        return context

    def _respond(self, goal, status_code=status.HTTP_200_OK) -> Response:
        goal = self.get_queryset().get(pk=goal.pk)
        return Response(GoalSerializer(goal).data, status=status_code)

    @extend_schema(request=GoalCreateSerializer, responses={201: GoalSerializer})
    def create(self, request, *args, **kwargs):
        serializer = GoalCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mentee = data.pop("mentee")
        if not can_manage_goals_of(request.user, mentee):
            raise exceptions.PermissionDenied(GoalPermission.message)
        goal = services.goal_create(mentee=mentee, by=request.user, **data)
        return self._respond(goal, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        goal = self.get_object()
        serializer = self.get_serializer(goal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_update(goal=goal, by=request.user, **serializer.validated_data)
        return self._respond(goal)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)


@extend_schema(tags=["mentorship"])
class SuggestionsView(APIView):
    """Mentors ranked for a leader, each with the reasons in words (HR)."""

    permission_classes = [RolePermission.of(Role.HR)]

    @extend_schema(parameters=[SuggestionQuerySerializer], responses=SuggestionListSerializer)
    def get(self, request):
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mentee = get_object_or_404(
            selectors.leaders_visible_to(request.user), pk=query.validated_data["mentee"]
        )
        needed = needed_competencies_for(mentee)
        focus = focus_dimensions_for(mentee)
        suggestions = selectors.mentor_suggestions(mentee=mentee, needed=needed, focus=focus)
        return Response(
            SuggestionListSerializer(
                {"mentee": mentee, "needed": needed, "suggestions": suggestions}
            ).data
        )


@extend_schema(tags=["mentorship"])
class CalendarView(APIView):
    """The caller's planned and held mentoring sessions as an iCalendar feed."""

    renderer_classes = [ICalendarRenderer, renderers.JSONRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        sessions = selectors.calendar_sessions(user=request.user)
        # Always a calendar, whatever the client's Accept header asks for.
        response = HttpResponse(feed_ics(sessions), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="mentoring.ics"'
        return response

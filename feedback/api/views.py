"""Feedback API: thin views; authorize, call one service or selector, answer."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import ApplicationError
from common.filters import FilterSet
from common.throttles import RaterLinkThrottle
from feedback import selectors, services
from feedback.api import serializers as s
from feedback.links import local_due, rater_link_page, request_check_answerable, request_for_token
from feedback.models import Cycle, Nomination, Questionnaire, RaterRequest
from feedback.permissions import adds_raters_directly, can_withdraw_nomination
from people.models import User
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role

TAGS = ["feedback"]


class NotReleased(ApplicationError):
    code = "not_released"


class CycleFilter(FilterSet):
    class Meta:
        model = Cycle
        fields = ["cohort", "status"]


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS),
    create=extend_schema(tags=TAGS),
    update=extend_schema(tags=TAGS),
    partial_update=extend_schema(tags=TAGS),
)
class CycleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Feedback cycles. HR sets them up and follows them; leaders see their cohort's cycles."""

    queryset = Cycle.objects.all()
    serializer_class = s.CycleSerializer
    # Reading is scoped by the selector; setting up and changing cycles is HR's.
    permission_classes = [
        RolePermission.of(
            read=AUTHENTICATED, write=Role.HR, message="Only HR can set up feedback cycles."
        )
    ]
    filterset_class = CycleFilter
    ordering_fields = ["opens_at", "due_at", "name", "status"]
    ordering = ["-opens_at"]

    def get_queryset(self):
        return selectors.cycle_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.cycle_create(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("schedule", None)
        serializer.instance = services.cycle_update(
            cycle=serializer.instance, by=self.request.user, **data
        )

    def _verb(self, service, request, pk=None):
        cycle = service(cycle=self.get_object(), by=request.user)
        return Response(s.CycleSerializer(cycle, context={"request": request}).data)

    @extend_schema(tags=TAGS, request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[RolePermission.of(Role.HR)])
    def schedule(self, request, pk=None):
        """Draft → scheduled: the tick opens it at opens_at."""
        return self._verb(services.cycle_schedule, request)

    @extend_schema(tags=TAGS, request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[RolePermission.of(Role.HR)])
    def cancel(self, request, pk=None):
        return self._verb(services.cycle_cancel, request)

    @extend_schema(tags=TAGS, request=None, responses=s.CycleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[RolePermission.of(Role.HR)])
    def release(self, request, pk=None):
        """Release results early; refused while any rater can still answer."""
        return self._verb(services.cycle_release, request)

    @extend_schema(tags=TAGS, responses=s.CyclePreviewSerializer)
    @action(detail=True, methods=["get"], permission_classes=[RolePermission.of(Role.HR)])
    def preview(self, request, pk=None):
        """Who will be asked about whom, and when (local time), if it opened now."""
        preview = selectors.cycle_preview(cycle=self.get_object())
        return Response(s.CyclePreviewSerializer(preview).data)

    @extend_schema(tags=TAGS, responses=s.CycleProgressSerializer)
    @action(detail=True, methods=["get"], permission_classes=[RolePermission.of(Role.HR)])
    def progress(self, request, pk=None):
        """Sent, completed, declined, failed... per rater group and per leader."""
        return Response(
            s.CycleProgressSerializer(selectors.cycle_progress(cycle=self.get_object())).data
        )

    @extend_schema(tags=TAGS, responses=s.MyCountsSerializer)
    @action(detail=True, methods=["get"], permission_classes=[RolePermission.of(Role.LEADER)])
    def mine(self, request, pk=None):
        """The calling leader's own raters: counts only, never who answered."""
        cycle = self.get_object()
        counts = selectors.subject_request_counts(cycle=cycle, subject=request.user)
        if not counts["total"] and counts["self_request"] is None:
            raise NotFound("You are not a subject of this cycle.")
        data = {
            **counts,
            "shared_with_mentor": selectors.report_shared_with_mentor(
                cycle=cycle, subject=request.user
            ),
            "shared_with_manager": selectors.report_shared_with_manager(
                cycle=cycle, subject=request.user
            ),
            "report_available": cycle.released_at is not None,
        }
        return Response(s.MyCountsSerializer(data).data)

    @extend_schema(tags=TAGS, responses=s.ColleagueSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[RolePermission.of(Role.LEADER)],
        pagination_class=None,
    )
    def colleagues(self, request, pk=None):
        """The colleagues you may propose as peers for this cycle, by name."""
        colleagues = selectors.nomination_colleagues(cycle=self.get_object(), subject=request.user)
        return Response(s.ColleagueSerializer(colleagues, many=True).data)

    @extend_schema(tags=TAGS, request=s.ReportShareSerializer, responses=s.ReportShareSerializer)
    @action(detail=True, methods=["post"], permission_classes=[RolePermission.of(Role.LEADER)])
    def share(self, request, pk=None):
        """Share (or stop sharing) your report of this cycle with your current mentor, or
        (``audience: manager``) with your manager. A later mentor or manager does not see
        it until you share it again."""
        cycle = self.get_object()
        if not RaterRequest.objects.filter(cycle=cycle, subject=request.user).exists():
            raise NotFound("You are not a subject of this cycle.")
        serializer = s.ReportShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        audience = serializer.validated_data["audience"]
        shared = services.report_share_set(
            cycle=cycle,
            subject=request.user,
            shared=serializer.validated_data["shared"],
            audience=audience,
        )
        return Response({"shared": shared, "audience": audience})

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("subject_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            200: s.BalanceReportSerializer,
            409: OpenApiResponse(description="Not released yet."),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"reports/(?P<subject_id>[0-9]+)")
    def reports(self, request, pk=None, subject_id=None):
        """A leader's balance report: visible to the leader and HR, to a mentor once shared."""
        cycle = self.get_object()
        subject = get_object_or_404(User, pk=subject_id)
        if not RaterRequest.objects.filter(cycle=cycle, subject=subject).exists():
            raise NotFound()
        if not selectors.report_visible_to(user=request.user, cycle=cycle, subject=subject):
            raise NotFound()
        if cycle.released_at is None:
            raise NotReleased(
                "Results are released when the cycle closes, so answers can no longer change."
            )
        report = selectors.report_build(cycle=cycle, subject=subject, viewer=request.user)
        services.report_view_record(report=report, subject=subject, viewer=request.user)
        return Response(s.BalanceReportSerializer(report).data)


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires (HR). Edit them in the admin; a frozen one is copied to change it."""

    queryset = Questionnaire.objects.prefetch_related("questions")
    serializer_class = s.QuestionnaireSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    ordering_fields = ["name"]
    filterset_fields = ["name"]

    @extend_schema(
        tags=TAGS, request=s.QuestionnaireCopySerializer, responses={201: s.QuestionnaireSerializer}
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        serializer = s.QuestionnaireCopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.questionnaire_copy(
            questionnaire=self.get_object(),
            by=request.user,
            name=serializer.validated_data.get("name", ""),
        )
        return Response(s.QuestionnaireSerializer(copy).data, status=status.HTTP_201_CREATED)


class NominationFilter(FilterSet):
    class Meta:
        model = Nomination
        fields = ["cycle", "subject", "group", "status"]


@extend_schema_view(
    list=extend_schema(tags=TAGS),
    retrieve=extend_schema(tags=TAGS),
    destroy=extend_schema(
        tags=TAGS,
        description="Withdraw a nomination before the cycle opens; it is kept as withdrawn.",
    ),
)
class NominationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Raters nominated before a cycle opens. Leaders propose peers for themselves;
    HR adds raters for anyone and approves or rejects proposals. Nothing is deleted:
    withdrawing (DELETE) keeps the nomination, marked withdrawn, in the list
    (``?status=withdrawn``) and the audit trail; as an object it is gone (404)."""

    queryset = Nomination.objects.all()
    serializer_class = s.NominationSerializer
    # HR nominates for anyone; a leader for themselves (the selector scopes the rows).
    permission_classes = [
        RolePermission.of(
            Role.HR, Role.LEADER, message="Only HR and leaders can manage nominations."
        )
    ]
    filterset_class = NominationFilter
    ordering_fields = ["created_at", "group", "status"]
    ordering = ["cycle", "subject", "group", "id"]

    def get_queryset(self):
        nominations = selectors.nomination_list(user=self.request.user)
        if self.action in ("retrieve", "destroy"):
            # Withdrawn is what DELETE did: the row stays for history, the object is gone.
            nominations = nominations.exclude(status=Nomination.Status.WITHDRAWN)
        return nominations

    @extend_schema(
        tags=TAGS, request=s.NominationCreateSerializer, responses={201: s.NominationSerializer}
    )
    def create(self, request):
        """Leaders propose a peer (a colleague's id, or name and email); HR adds a rater
        for any leader, approved at once."""
        serializer = s.NominationCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subject = data.get("subject") or request.user
        if not selectors.nomination_subjects(user=request.user).filter(pk=subject.pk).exists():
            raise NotFound("Leaders nominate raters for themselves only.")
        fields = {
            "cycle": data["cycle"],
            "subject": subject,
            "by": request.user,
            "email": data.get("email", ""),
            "full_name": data.get("full_name", ""),
        }
        if adds_raters_directly(request.user, subject):
            people, unknown = User.objects.filter(is_active=True), "No such person."
            create, fields["group"] = services.nomination_create, data["group"]
        else:
            people = selectors.nomination_colleagues(cycle=data["cycle"], subject=subject)
            unknown = "Choose one of your colleagues."
            create, fields["group"] = services.nomination_propose, data["group"]
        if data.get("rater") is not None:
            fields["rater"] = people.filter(pk=data["rater"]).first()
            if fields["rater"] is None:
                raise ValidationError({"rater": [unknown]})
        nomination = create(**fields)
        return Response(
            s.NominationSerializer(nomination, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_destroy(self, instance):
        if not can_withdraw_nomination(self.request.user, instance):
            raise PermissionDenied("Only HR can withdraw a rater HR added.")
        services.nomination_withdraw(nomination=instance, by=self.request.user)

    def _decide(self, request, *, approve: bool):
        serializer = s.NominationIdsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["ids"])
        nominations = list(self.get_queryset().filter(pk__in=ids))
        unknown = sorted(ids - {nomination.pk for nomination in nominations})
        if unknown:
            raise ValidationError({"ids": [f"No such nomination: {', '.join(map(str, unknown))}."]})
        decided = services.nominations_decide(
            nominations=nominations, by=request.user, approve=approve
        )
        return Response(
            s.NominationSerializer(decided, many=True, context={"request": request}).data
        )

    @extend_schema(
        tags=TAGS, request=s.NominationIdsSerializer, responses=s.NominationSerializer(many=True)
    )
    @action(detail=False, methods=["post"], permission_classes=[RolePermission.of(Role.HR)])
    def approve(self, request):
        """Approve proposals (HR), all or none: from then on they are asked when the
        cycle opens. A proposed address becomes a person in the directory."""
        return self._decide(request, approve=True)

    @extend_schema(
        tags=TAGS, request=s.NominationIdsSerializer, responses=s.NominationSerializer(many=True)
    )
    @action(detail=False, methods=["post"], permission_classes=[RolePermission.of(Role.HR)])
    def reject(self, request):
        """Reject proposals (HR), all or none: they are never asked."""
        return self._decide(request, approve=False)


class RaterRequestFilter(FilterSet):
    class Meta:
        model = RaterRequest
        fields = ["cycle", "subject", "group", "status"]


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class RaterRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Rater requests (HR): follow sends, nudge, retry failures, extend a deadline."""

    queryset = RaterRequest.objects.all()
    serializer_class = s.RaterRequestSerializer
    permission_classes = [RolePermission.of(Role.HR)]
    filterset_class = RaterRequestFilter
    ordering_fields = ["status", "group", "sent_at"]
    ordering = ["cycle", "subject", "group", "id"]

    def get_queryset(self):
        return selectors.request_list(user=self.request.user)

    def _done(self, request_obj):
        request_obj.refresh_from_db()
        return Response(s.RaterRequestSerializer(request_obj).data)

    @extend_schema(tags=TAGS, request=None, responses=s.RaterRequestSerializer)
    @action(detail=True, methods=["post"])
    def nudge(self, request, pk=None):
        """Send a manual reminder now (at most once per 24 hours per request)."""
        rater_request = self.get_object()
        services.request_nudge(request=rater_request, by=request.user)
        return self._done(rater_request)

    @extend_schema(tags=TAGS, request=None, responses=s.RaterRequestSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed invitation again."""
        rater_request = self.get_object()
        services.request_retry(request=rater_request, by=request.user)
        return self._done(rater_request)

    @extend_schema(tags=TAGS, request=s.RequestExtendSerializer, responses=s.RaterRequestSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Give this rater until ``due_at``; their link stays valid until then."""
        rater_request = self.get_object()
        serializer = s.RequestExtendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_extend(
            request=rater_request, due_at=serializer.validated_data["due_at"], by=request.user
        )
        return self._done(rater_request)


class RaterLinkView(APIView):
    """The rater link as an API: read the form, then answer or decline. No login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RaterLinkThrottle]

    @method_decorator(rater_link_page)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def _request(self, token: str) -> RaterRequest:
        return request_for_token(token, now=timezone.now())

    @extend_schema(
        tags=TAGS,
        responses={
            200: s.RaterFormSerializer,
            400: OpenApiResponse(description="Invalid link."),
            410: OpenApiResponse(description="Expired, used, declined, closed or cancelled."),
        },
    )
    def get(self, request, token: str):
        rater_request = self._request(token)
        request_check_answerable(rater_request, timezone.now())
        data = {
            "subject_name": rater_request.subject.full_name,
            "is_self": rater_request.group == "self",
            "due": local_due(rater_request),
            "anonymity_threshold": rater_request.cycle.anonymity_threshold,
            "questions": rater_request.cycle.questionnaire.questions.all(),
        }
        return Response(s.RaterFormSerializer(data).data)

    @extend_schema(
        tags=TAGS,
        request=s.RaterSubmitSerializer,
        responses={
            201: s.RaterResultSerializer,
            400: OpenApiResponse(description="Invalid link or answers."),
            410: OpenApiResponse(description="Expired, used, declined, closed or cancelled."),
        },
    )
    def post(self, request, token: str):
        rater_request = self._request(token)
        serializer = s.RaterSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["decline"]:
            services.request_decline(request=rater_request)
            return Response({"status": "declined"}, status=status.HTTP_201_CREATED)
        answers = {
            item["question"]: {
                "rating": item.get("rating"),
                "cant_say": item.get("cant_say", False),
                "text": item.get("text", ""),
            }
            for item in serializer.validated_data["answers"]
        }
        services.response_submit(request=rater_request, answers=answers)
        return Response({"status": "completed"}, status=status.HTTP_201_CREATED)

from django.contrib.auth.signals import user_logged_in
from django.shortcuts import get_object_or_404
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.throttles import SignInThrottle
from people import tokens
from people.api.serializers import (
    ApiTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    TokensRevokeAllSerializer,
    TokensRevokedSerializer,
)
from people.models import ApiToken, User
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role, has_role


class ApiTokenScheme(KnoxTokenScheme):
    """The schema's name for ``Authorization: Token <token>`` (people.tokens)."""

    target_class = "people.tokens.TokenAuthentication"
    name = "tokenAuth"


class TokenView(APIView):
    """Exchange an email and password for an API token, valid ``API_TOKEN_TTL_HOURS``.

    Repeated wrong passwords lock the account from the caller's address (403 with a
    ``detail`` saying so; HR unlocks it), and each address may try only so often (429)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignInThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong email or password, or a missing field."),
            403: OpenApiResponse(description="The account is locked from this address."),
            429: OpenApiResponse(description="Too many sign-in attempts from this address."),
        },
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, secret = tokens.token_issue(user=user)
        # What a sign-in on a page does too: last_login, and the failure count cleared.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenResponseSerializer({"token": secret, "expiry": token.expiry}).data)


@extend_schema(tags=["auth"])
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your live API tokens: when each was issued, expires and was last used; revoke one
    (DELETE), or all of them ("sign out everywhere"). HR sees and revokes everyone's.
    The tokens themselves are never shown again after they were issued."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    permission_classes = [RolePermission.of(AUTHENTICATED)]
    filterset_fields = ["user"]
    ordering_fields = ["created", "expiry", "last_used_at"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return tokens.tokens_visible_to(self.request.user)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.token_revoke(token=instance, by=self.request.user)

    @extend_schema(
        request=TokensRevokeAllSerializer,
        responses={
            200: TokensRevokedSerializer,
            404: OpenApiResponse(description="No such user, or not yours to sign out."),
        },
    )
    @action(detail=False, methods=["post"], url_path="revoke-all")
    def revoke_all(self, request):
        """Sign out of the API everywhere: every token of the caller (or, for HR, of
        ``user``) ends, the one this request was made with included."""
        serializer = TokensRevokeAllSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_id = serializer.validated_data.get("user", request.user.pk)
        # Someone else's tokens are HR's business; for anyone else they do not exist.
        if user_id != request.user.pk and not has_role(request.user, Role.HR):
            user_id = None
        user = get_object_or_404(User, pk=user_id)
        return Response({"revoked": tokens.tokens_revoke_all(user=user, by=request.user)})


class MeView(APIView):
    """The caller, with their roles and manager."""

    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)

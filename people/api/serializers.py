from django.contrib.auth import authenticate
from rest_framework import serializers

from common.serializers import ModelSerializer, Serializer
from people.models import ApiToken, User
from people.passwords import password_sign_in_allowed, password_sign_in_off_message
from people.roles import role_names
from people.signin import (
    AccountLockedError,
    PasswordSignInOffError,
    locked_message,
)


class TokenRequestSerializer(Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context.get("request")
        if not password_sign_in_allowed(attrs["email"]):
            raise PasswordSignInOffError(password_sign_in_off_message())
        user = authenticate(request=request, email=attrs["email"], password=attrs["password"])
        if user is None:
            # The lockout (django-axes) marks the request it refused, or the one that
            # reached the limit; its answer is the same whatever the password was.
            if getattr(request, "axes_locked_out", False):
                raise AccountLockedError(locked_message())
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with that email and password."]},
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="The token is refused from then on.")


class UserSummarySerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title"]


class MeSerializer(ModelSerializer):
    roles = serializers.SerializerMethodField()
    manager = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title", "region", "manager", "roles"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(role_names(obj))


class ApiTokenSerializer(ModelSerializer):
    """A token as its owner and HR see it: never the token itself, nor its digest."""

    user = UserSummarySerializer(read_only=True)
    current = serializers.SerializerMethodField(
        help_text="Is this the token the request was made with?"
    )

    class Meta:
        model = ApiToken
        fields = ["id", "user", "created", "expiry", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class TokensRevokeAllSerializer(Serializer):
    user = serializers.IntegerField(
        required=False,
        help_text="Whose tokens (HR only; default: the caller's own).",
    )


class TokensRevokedSerializer(Serializer):
    revoked = serializers.IntegerField(help_text="How many tokens ended.")

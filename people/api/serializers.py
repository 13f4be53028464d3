from django.contrib.auth import authenticate
from rest_framework import serializers

from people.models import User
from people.roles import role_names


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"), email=attrs["email"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with that email and password."]},
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    manager = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title", "region", "manager", "roles"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(role_names(obj))

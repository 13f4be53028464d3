"""Serializers for the mentorship API.

Private notes are written through ``SessionWriteSerializer`` and read only
through ``SessionSerializer``, which drops the field unless the caller is the
session's mentor: one place decides, for every endpoint that shows a session.
"""

from rest_framework import serializers

from common.filters import MAX_ID
from common.serializers import ModelSerializer, Serializer
from mentorship.models import ActionItem, Goal, MentoringSession, Pairing
from mentorship.permissions import (
    can_see_goal_notes,
    can_see_private_notes,
    can_see_shared_notes,
)
from people.api.serializers import UserSummarySerializer
from people.models import User
from programs.models import Competency, Dimension, Enrollment


class CompetencySummarySerializer(ModelSerializer):
    class Meta:
        model = Competency
        fields = ["id", "slug", "name"]


class PairingSerializer(ModelSerializer):
    mentor = UserSummarySerializer(read_only=True)
    mentee = UserSummarySerializer(read_only=True)
    last_contact = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the latest held session started."
    )

    class Meta:
        model = Pairing
        fields = [
            "id",
            "mentor",
            "mentee",
            "enrollment",
            "started_on",
            "ended_on",
            "status",
            "objectives",
            "last_contact",
            "created_at",
        ]
        read_only_fields = fields


class PairingCreateSerializer(Serializer):
    mentor = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    mentee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    enrollment = serializers.PrimaryKeyRelatedField(
        queryset=Enrollment.objects.all(), required=False, allow_null=True
    )
    started_on = serializers.DateField(required=False, help_text="Defaults to today.")
    objectives = serializers.CharField(required=False, allow_blank=True, default="")


class PairingEndSerializer(Serializer):
    ended_on = serializers.DateField(required=False, help_text="Defaults to today.")


class ActionItemSerializer(ModelSerializer):
    pairing = serializers.IntegerField(source="session.pairing_id", read_only=True)
    owner_user = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "session",
            "pairing",
            "description",
            "owner",
            "owner_user",
            "due_on",
            "dimension",
            "done_at",
            "closed_reason",
            "created_at",
        ]
        read_only_fields = ["id", "pairing", "owner_user", "done_at", "closed_reason", "created_at"]

    def get_owner_user(self, item: ActionItem) -> int:
        pairing = item.session.pairing
        return pairing.mentor_id if item.owner == ActionItem.Owner.MENTOR else pairing.mentee_id


class ActionItemUpdateSerializer(ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_on", "dimension"]


class InlineActionItemSerializer(Serializer):
    description = serializers.CharField(max_length=500)
    owner = serializers.ChoiceField(choices=ActionItem.Owner.choices, default="mentee")
    due_on = serializers.DateField(required=False, allow_null=True)
    dimension = serializers.ChoiceField(
        choices=Dimension.choices,
        required=False,
        allow_blank=True,
        help_text="The development-plan focus it serves; blank: the session's.",
    )


class SessionSerializer(ModelSerializer):
    mentor = serializers.IntegerField(source="pairing.mentor_id", read_only=True)
    mentee = serializers.IntegerField(source="pairing.mentee_id", read_only=True)
    topics = CompetencySummarySerializer(many=True, read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    dimension = serializers.ChoiceField(
        choices=Dimension.choices,
        allow_blank=True,
        read_only=True,
        help_text="The development-plan focus the session worked on; blank: none.",
    )
    action_items = ActionItemSerializer(many=True, read_only=True)
    # Not read_only: drf-spectacular lists every read-only field as required, and this one
    # is absent for everyone but the mentor. This serializer only ever renders responses.
    private_notes = serializers.CharField(
        required=False, help_text="Present only for the session's mentor."
    )

    class Meta:
        model = MentoringSession
        fields = [
            "id",
            "pairing",
            "mentor",
            "mentee",
            "status",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "format",
            "topics",
            "dimension",
            "shared_notes",
            "private_notes",
            "logged_by",
            "sequence",
            "action_items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, session):
        data = super().to_representation(session)
        request = self.context.get("request")
        if request is None or not can_see_private_notes(request.user, session):
            data.pop("private_notes", None)
        if request is None or not can_see_shared_notes(request.user, session):
            data["shared_notes"] = ""
        return data


class SessionWriteSerializer(ModelSerializer):
    topics = serializers.PrimaryKeyRelatedField(
        queryset=Competency.objects.all(), many=True, required=False
    )
    action_items = InlineActionItemSerializer(many=True, required=False)

    class Meta:
        model = MentoringSession
        fields = [
            "pairing",
            "status",
            "starts_at",
            "duration_minutes",
            "format",
            "topics",
            "dimension",
            "shared_notes",
            "private_notes",
            "action_items",
        ]
        # The service validates with the same constraints (and the clock).
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairings = self.context.get("pairings")
        if pairings is not None:
            self.fields["pairing"].queryset = pairings


class SessionUpdateSerializer(ModelSerializer):
    topics = serializers.PrimaryKeyRelatedField(
        queryset=Competency.objects.all(), many=True, required=False
    )

    class Meta:
        model = MentoringSession
        fields = [
            "status",
            "starts_at",
            "duration_minutes",
            "format",
            "topics",
            "dimension",
            "shared_notes",
            "private_notes",
        ]


class GoalSerializer(ModelSerializer):
    class Meta:
        model = Goal
        fields = [
            "id",
            "mentee",
            "pairing",
            "title",
            "competency",
            "dimension",
            "measure",
            "target_date",
            "status",
            "progress",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "mentee", "created_at", "updated_at"]
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairings = self.context.get("pairings")
        if pairings is not None and "pairing" in self.fields:
            self.fields["pairing"].queryset = pairings

    def to_representation(self, goal):
        data = super().to_representation(goal)
        request = self.context.get("request")
        if "notes" in data and (request is None or not can_see_goal_notes(request.user, goal)):
            data["notes"] = ""
        return data


class GoalCreateSerializer(GoalSerializer):
    class Meta(GoalSerializer.Meta):
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mentees = self.context.get("mentees")
        if mentees is not None:
            self.fields["mentee"].queryset = mentees


class SuggestionSerializer(Serializer):
    mentor = UserSummarySerializer()
    score = serializers.IntegerField(help_text="Share of the needed competencies covered (%).")
    covered = CompetencySummarySerializer(many=True)
    focus_covered = serializers.ListField(
        child=serializers.ChoiceField(choices=Dimension.choices),
        help_text="The focus dimensions of the leader's development plan this mentor is "
        "strong at (ranked first).",
    )
    seats_free = serializers.IntegerField()
    capacity = serializers.IntegerField()
    explanation = serializers.CharField()


class SuggestionQuerySerializer(Serializer):
    mentee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The leader to suggest mentors for (their id)."
    )


class SuggestionListSerializer(Serializer):
    mentee = UserSummarySerializer()
    needed = CompetencySummarySerializer(many=True)
    suggestions = SuggestionSerializer(many=True)

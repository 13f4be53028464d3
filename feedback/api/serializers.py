from django.utils import timezone
from rest_framework import serializers

from common.serializers import ModelSerializer, Serializer
from feedback.models import (
    Cycle,
    Nomination,
    Question,
    Questionnaire,
    RaterGroup,
    RaterRequest,
)
from feedback.selectors import cycle_list, nomination_subjects
from people.models import User
from people.roles import Role, has_role
from programs.models import Cohort


class FeedbackQuestionSerializer(ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "dimension", "side"]


class QuestionnaireSerializer(ModelSerializer):
    questions = FeedbackQuestionSerializer(many=True, read_only=True)
    is_frozen = serializers.BooleanField(read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "name", "description", "is_frozen", "frozen_at", "questions"]


class QuestionnaireCopySerializer(Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CycleSerializer(ModelSerializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all())
    questionnaire = serializers.PrimaryKeyRelatedField(queryset=Questionnaire.objects.all())
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    time_zone = serializers.CharField(source="cohort.time_zone", read_only=True)
    schedule = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="Schedule it right away."
    )

    class Meta:
        model = Cycle
        fields = [
            "id",
            "name",
            "cohort",
            "cohort_name",
            "time_zone",
            "questionnaire",
            "opens_at",
            "due_at",
            "reminder_every_days",
            "min_raters",
            "anonymity_threshold",
            "recurrence_days",
            "status",
            "opened_at",
            "closed_at",
            "released_at",
            "previous",
            "schedule",
        ]
        read_only_fields = [
            "status",
            "opened_at",
            "closed_at",
            "released_at",
            "previous",
        ]

    def validate_min_raters(self, value):
        if not isinstance(value, dict) or any(
            key not in RaterGroup.values or not isinstance(n, int) or n < 0
            for key, n in value.items()
        ):
            raise serializers.ValidationError(
                "Use rater groups (self, manager, mentor, peer, direct_report) as keys "
                "and whole numbers as minimums."
            )
        return value


class RequestCountsSerializer(Serializer):
    pending = serializers.IntegerField()
    sent = serializers.IntegerField()
    completed = serializers.IntegerField()
    declined = serializers.IntegerField()
    expired = serializers.IntegerField()
    failed = serializers.IntegerField()
    total = serializers.IntegerField()


class GroupCountsSerializer(RequestCountsSerializer):
    group = serializers.ChoiceField(choices=RaterGroup.choices)


class LeaderCountsSerializer(RequestCountsSerializer):
    subject_id = serializers.IntegerField()
    subject_name = serializers.CharField()


class CycleProgressSerializer(Serializer):
    totals = RequestCountsSerializer()
    groups = GroupCountsSerializer(many=True)
    leaders = LeaderCountsSerializer(many=True)


class PlannedRaterSerializer(Serializer):
    subject_id = serializers.IntegerField(source="subject.pk")
    subject_name = serializers.CharField(source="subject.full_name")
    rater_id = serializers.IntegerField(source="rater.pk")
    rater_name = serializers.CharField(source="rater.full_name")
    rater_email = serializers.EmailField(source="rater.email")
    group = serializers.CharField()


class ShortfallSerializer(Serializer):
    subject_id = serializers.IntegerField()
    subject_name = serializers.CharField()
    group = serializers.CharField()
    wanted = serializers.IntegerField()
    planned = serializers.IntegerField()


class CyclePreviewSerializer(Serializer):
    opens_at = serializers.DateTimeField()
    opens_local = serializers.CharField()
    due_at = serializers.DateTimeField()
    due_local = serializers.CharField()
    reminders_local = serializers.ListField(child=serializers.CharField())
    closing_reminder_local = serializers.CharField()
    raters = PlannedRaterSerializer(many=True)
    shortfalls = ShortfallSerializer(many=True)


class MyCountsSerializer(Serializer):
    total = serializers.IntegerField(help_text="Raters asked, not counting yourself.")
    answered = serializers.IntegerField()
    waiting = serializers.IntegerField()
    shared_with_mentor = serializers.BooleanField()
    shared_with_manager = serializers.BooleanField()
    report_available = serializers.BooleanField()


class ReportShareSerializer(Serializer):
    shared = serializers.BooleanField()
    audience = serializers.ChoiceField(
        choices=["mentor", "manager"],
        default="mentor",
        help_text="Who the switch is for: your current mentor(s) or your manager.",
    )


class NominationSerializer(ModelSerializer):
    """A nomination as its reader may see it. A leader sees what they typed (or the name
    of the colleague they picked) and its state; the directory's record of the rater,
    who proposed and who decided are HR's."""

    # Not read_only: drf-spectacular lists every read-only field as required, and these
    # are absent for everyone but HR. This serializer only ever renders responses.
    subject_name = serializers.CharField(
        source="subject.full_name", required=False, help_text="HR only."
    )
    rater = serializers.IntegerField(
        source="rater_id", required=False, allow_null=True, help_text="HR only."
    )
    rater_name = serializers.CharField(
        source="rater.full_name", required=False, allow_null=True, help_text="HR only."
    )
    rater_email = serializers.EmailField(
        source="rater.email", required=False, allow_null=True, help_text="HR only."
    )
    proposed_by = serializers.IntegerField(
        source="created_by_id", required=False, allow_null=True, help_text="HR only."
    )
    decided_by = serializers.IntegerField(
        source="decided_by_id", required=False, allow_null=True, help_text="HR only."
    )
    full_name = serializers.CharField(
        source="display_name", help_text="The name as the proposer gave it."
    )
    email = serializers.EmailField(
        allow_blank=True, help_text="The address as the proposer typed it; blank if picked."
    )

    HR_ONLY = ("subject_name", "rater", "rater_name", "rater_email", "proposed_by", "decided_by")

    class Meta:
        model = Nomination
        fields = [
            "id",
            "cycle",
            "subject",
            "subject_name",
            "group",
            "status",
            "full_name",
            "email",
            "rater",
            "rater_name",
            "rater_email",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = ["id", "cycle", "subject", "group", "status", "created_at", "decided_at"]

    def to_representation(self, nomination):
        data = super().to_representation(nomination)
        request = self.context.get("request")
        if request is None or not has_role(request.user, Role.HR):
            for name in self.HR_ONLY:
                data.pop(name, None)
        return data


class NominationCreateSerializer(Serializer):
    """Propose (leader) or add (HR) a rater: pick a person by id, or give name and email."""

    cycle = serializers.PrimaryKeyRelatedField(queryset=Cycle.objects.all())
    subject = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text="HR only; leaders propose raters for themselves.",
    )
    group = serializers.ChoiceField(
        choices=RaterGroup.choices,
        default=RaterGroup.PEER,
        help_text="HR only; leaders propose peers.",
    )
    rater = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A person's id: for leaders, one of GET /cycles/{id}/colleagues/.",
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Scoped like every lookup: someone the caller may not nominate for is
            # refused exactly like nobody at all (no existence oracle).
            fields["cycle"].queryset = cycle_list(user=request.user)
            fields["subject"].queryset = nomination_subjects(user=request.user)
        return fields


class NominationIdsSerializer(Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=500
    )


class ColleagueSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class RaterRequestSerializer(ModelSerializer):
    subject_name = serializers.CharField(source="subject.full_name", read_only=True)
    # Null once the retention purge has removed who was asked (feedback/retention.py).
    rater_name = serializers.CharField(source="rater.full_name", read_only=True, allow_null=True)
    rater_email = serializers.EmailField(source="rater.email", read_only=True, allow_null=True)
    effective_due_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = RaterRequest
        fields = [
            "id",
            "cycle",
            "subject",
            "subject_name",
            "rater",
            "rater_name",
            "rater_email",
            "group",
            "status",
            "sent_at",
            "reminders_sent",
            "last_reminded_at",
            "closing_reminder_sent_at",
            "nudged_at",
            "attempts",
            "last_error",
            "due_at_override",
            "effective_due_at",
        ]
        read_only_fields = fields


class RequestExtendSerializer(Serializer):
    due_at = serializers.DateTimeField()

    def validate_due_at(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError("Give a time zone.")
        return value


# --- reports --------------------------------------------------------------------


class DimensionScoreSerializer(Serializer):
    dimension = serializers.CharField()
    label = serializers.CharField()
    management = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    leadership = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    balance = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="Leadership score minus management score (-4 to +4; 0 is balanced).",
    )


class ReportCommentSerializer(Serializer):
    question = serializers.CharField()
    text = serializers.CharField()


class ReportGroupSerializer(Serializer):
    group = serializers.CharField()
    label = serializers.CharField()
    respondents = serializers.IntegerField()
    profile = DimensionScoreSerializer(many=True)
    comments = ReportCommentSerializer(many=True)


class ResponseRateSerializer(Serializer):
    group = serializers.CharField()
    label = serializers.CharField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=4, decimal_places=1)


class ReportCycleSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    released_at = serializers.DateTimeField()


class ReportSubjectSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PreviousReportSerializer(Serializer):
    cycle = ReportCycleSerializer()
    overall = DimensionScoreSerializer(many=True)


class BalanceReportSerializer(Serializer):
    cycle = ReportCycleSerializer()
    subject = ReportSubjectSerializer()
    anonymity_threshold = serializers.IntegerField()
    response_rates = ResponseRateSerializer(many=True)
    overall = DimensionScoreSerializer(many=True)
    groups = ReportGroupSerializer(many=True)
    withheld_groups = serializers.ListField(child=serializers.CharField())
    previous = PreviousReportSerializer(allow_null=True)


# --- the rater link ------------------------------------------------------------------


class RaterFormSerializer(Serializer):
    subject_name = serializers.CharField()
    is_self = serializers.BooleanField()
    due = serializers.CharField(help_text="The deadline in the cohort's time zone.")
    anonymity_threshold = serializers.IntegerField()
    questions = FeedbackQuestionSerializer(many=True)


class AnswerInputSerializer(Serializer):
    question = serializers.IntegerField()
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    cant_say = serializers.BooleanField(required=False, default=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class RaterSubmitSerializer(Serializer):
    decline = serializers.BooleanField(required=False, default=False)
    answers = AnswerInputSerializer(many=True, required=False, default=list)


class RaterResultSerializer(Serializer):
    status = serializers.ChoiceField(choices=["completed", "declined"])

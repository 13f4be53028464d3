"""Serializers of the development plan API."""

from rest_framework import serializers

from common.fields import CodeRelatedField
from common.serializers import ModelSerializer, Serializer
from feedback.models import Cycle
from mentorship.models import Goal
from metrics.models import MetricDefinition
from people.api.serializers import UserSummarySerializer
from plans.models import MAX_FOCUSES, CheckIn, Comment, Focus, Plan
from programs.models import Dimension, Module


class PlanGoalSerializer(ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "title", "measure", "target_date", "status", "progress"]


class FocusSerializer(ModelSerializer):
    goal = PlanGoalSerializer(read_only=True)
    metric = CodeRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The code of the team metric it should move, or null.",
    )

    class Meta:
        model = Focus
        fields = ["id", "dimension", "goal", "modules", "topics", "metric"]


class PlanSerializer(ModelSerializer):
    leader = UserSummarySerializer(read_only=True)
    focuses = FocusSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "leader", "cycle", "focuses", "created_at", "updated_at"]


class BalanceChangeSerializer(Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    label = serializers.CharField()
    in_focus = serializers.BooleanField()
    before = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    after = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class CycleRefSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OutcomeSerializer(Serializer):
    before_cycle = CycleRefSerializer()
    after_cycle = CycleRefSerializer()
    dimensions = BalanceChangeSerializer(many=True)
    focus_change = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    other_change = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class PlanDetailSerializer(PlanSerializer):
    outcome = serializers.SerializerMethodField(
        help_text="Balance before → after per dimension once the next report is released "
        "(null before, or when the caller may not see both reports)."
    )

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "outcome"]

    def get_outcome(self, plan) -> OutcomeSerializer(allow_null=True):  # type: ignore[valid-type]
        outcome = self.context.get("outcome")
        return OutcomeSerializer(outcome).data if outcome else None


class FocusInputSerializer(Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    goal = serializers.CharField(max_length=200, help_text="What the leader will do differently.")
    measure = serializers.CharField(max_length=300, help_text="How they will know.")
    target_date = serializers.DateField()
    modules = serializers.PrimaryKeyRelatedField(
        queryset=Module.objects.all(), many=True, required=False
    )
    topics = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    metric = CodeRelatedField(
        queryset=MetricDefinition.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )


class _OwnCycleMixin:
    """``cycle`` is one of the caller's released reports (``context["cycles"]``): someone
    else's answers exactly like no such cycle."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cycles = self.context.get("cycles")
        if cycles is not None:
            self.fields["cycle"].queryset = cycles


class PlanCreateSerializer(_OwnCycleMixin, Serializer):
    cycle = serializers.PrimaryKeyRelatedField(
        queryset=Cycle.objects.all(), help_text="One of the leader's released reports."
    )
    focuses = FocusInputSerializer(many=True, max_length=MAX_FOCUSES, min_length=1)


class FocusUpdateSerializer(Serializer):
    modules = serializers.PrimaryKeyRelatedField(
        queryset=Module.objects.all(), many=True, required=False
    )
    topics = serializers.CharField(max_length=300, required=False, allow_blank=True)
    metric = CodeRelatedField(
        queryset=MetricDefinition.objects.all(), required=False, allow_null=True
    )


class PlanOptionSerializer(Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    label = serializers.CharField()
    management = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    leadership = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    balance = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    trend = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    modules = serializers.SerializerMethodField(help_text="Ids of the modules that develop it.")

    def get_modules(self, option) -> list[int]:
        return [module.pk for module in option["modules"]]


class PlanOptionsQuerySerializer(_OwnCycleMixin, Serializer):
    cycle = serializers.PrimaryKeyRelatedField(
        queryset=Cycle.objects.all(), help_text="One of the leader's released reports."
    )


class CommentSerializer(ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    check_in = serializers.PrimaryKeyRelatedField(
        queryset=CheckIn.objects.all(),
        required=False,
        allow_null=True,
        help_text="The check-in the comment answers (one of this plan's); null: the plan.",
    )

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "check_in", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.context.get("plan")
        if plan is not None:
            # Another plan's check-in answers exactly like no such check-in.
            self.fields["check_in"].queryset = CheckIn.objects.filter(plan=plan)


class CheckInProgressSerializer(Serializer):
    focus = serializers.IntegerField()
    progress = serializers.IntegerField(min_value=0, max_value=100)


class CheckInSerializer(ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = ["id", "due_on", "submitted_at", "note", "progress"]

    def get_progress(self, check_in) -> CheckInProgressSerializer(many=True):  # type: ignore[valid-type]
        return [
            {"focus": row.focus_id, "progress": row.progress} for row in check_in.progress.all()
        ]


class CheckInSubmitSerializer(Serializer):
    progress = CheckInProgressSerializer(many=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

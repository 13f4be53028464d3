"""Serializers of the pulse API. Results carry figures only for shown teams: a team below
the threshold is ``"below_threshold"`` with every figure null."""

from rest_framework import serializers

from common.serializers import ModelSerializer, Serializer
from pulse.models import Pulse, PulseShare, PulseStatement


class PulseStatementSerializer(ModelSerializer):
    class Meta:
        model = PulseStatement
        fields = ["id", "position", "text", "kind"]


class PulseSerializer(ModelSerializer):
    statements = PulseStatementSerializer(many=True, read_only=True, source="template.statements")

    class Meta:
        model = Pulse
        fields = [
            "id",
            "name",
            "template",
            "statements",
            "cohort",
            "cadence",
            "starts_on",
            "answer_days",
            "remind_after_days",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class StatementMeanSerializer(Serializer):
    statement = serializers.IntegerField()
    text = serializers.CharField()
    mean = serializers.DecimalField(max_digits=3, decimal_places=2)


class TeamResultSerializer(Serializer):
    leader = serializers.IntegerField(source="leader_id")
    period_start = serializers.DateField(source="round.period_start")
    status = serializers.ChoiceField(choices=["open", "shown", "below_threshold"])
    invited = serializers.IntegerField()
    answers = serializers.IntegerField(allow_null=True, help_text="Null below the threshold.")
    response_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    engagement = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="0 to 100; null below it."
    )
    enps = serializers.IntegerField(allow_null=True)
    statements = StatementMeanSerializer(many=True)
    comments = serializers.ListField(child=serializers.CharField())


class RoundSummarySerializer(Serializer):
    leaders = serializers.IntegerField()
    shown = serializers.IntegerField()
    below_threshold = serializers.IntegerField()
    answers = serializers.IntegerField(allow_null=True)
    engagement = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    response_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class RoundResultsSerializer(Serializer):
    id = serializers.IntegerField(source="round.pk")
    period_start = serializers.DateField(source="round.period_start")
    status = serializers.CharField(source="round.status")
    opens_at = serializers.DateTimeField(source="round.opens_at")
    closes_at = serializers.DateTimeField(source="round.closes_at")
    summary = RoundSummarySerializer()
    teams = TeamResultSerializer(many=True)


class PulseShareSerializer(Serializer):
    audience = serializers.ChoiceField(choices=PulseShare.Audience.choices)
    shared = serializers.BooleanField()

from rest_framework import serializers

from common.serializers import ModelSerializer, RowErrorSerializer, Serializer
from mentorship.selectors import leaders_visible_to
from people.models import User
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleCompletion,
    Program,
    SessionAttendance,
)
from programs.selectors import enrollments_of


class PersonSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title"]


class CompetencySerializer(ModelSerializer):
    class Meta:
        model = Competency
        fields = ["id", "name", "slug", "description"]


class ProgramSerializer(ModelSerializer):
    module_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "competencies",
            "is_active",
            "module_count",
            "created_at",
        ]


class ModuleSerializer(ModelSerializer):
    class Meta:
        model = Module
        fields = [
            "id",
            "program",
            "title",
            "kind",
            "competency",
            "is_required",
            "position",
            "expected_hours",
            "description",
        ]

    def validate_program(self, program: Program) -> Program:
        module = self.instance
        if module and module.program_id != program.pk and module.completions.exists():
            raise serializers.ValidationError(
                "Leaders have completed this module; it cannot move to another program."
            )
        return program


class CohortSerializer(ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = [
            "id",
            "program",
            "program_name",
            "name",
            "starts_on",
            "ends_on",
            "delivery",
            "time_zone",
            "capacity",
            "seats_taken",
            "seats_left",
            "facilitator",
            "plan_due_days",
            "checkin_weeks",
        ]
        read_only_fields = ["seats_taken"]


class CohortSessionSerializer(ModelSerializer):
    class Meta:
        model = CohortSession
        fields = [
            "id",
            "cohort",
            "module",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "meeting_url",
        ]


class EnrollmentSerializer(ModelSerializer):
    leader = PersonSerializer(read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    required_total = serializers.IntegerField(read_only=True)
    required_done = serializers.IntegerField(read_only=True)
    progress_percent = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "cohort",
            "cohort_name",
            "program",
            "program_name",
            "leader",
            "status",
            "enrolled_by",
            "created_at",
            "activated_at",
            "completed_at",
            "withdrawn_at",
            "withdrawal_reason",
            "required_total",
            "required_done",
            "progress_percent",
        ]
        read_only_fields = fields


class EnrollmentCreateSerializer(Serializer):
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all())
    leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text="Any active user; enrolling grants the Leader role.",
    )


class CompetencyProgressSerializer(Serializer):
    competency_id = serializers.IntegerField()
    competency = serializers.CharField()
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=4, decimal_places=1)


class MissingModuleSerializer(Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ProgressSerializer(Serializer):
    enrollment = serializers.IntegerField()
    status = serializers.CharField()
    required_total = serializers.IntegerField()
    required_done = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=4, decimal_places=1)
    competencies = CompetencyProgressSerializer(many=True)
    missing_required_modules = MissingModuleSerializer(many=True)


class ModuleCompletionSerializer(ModelSerializer):
    completed_on = serializers.DateField(required=False)

    class Meta:
        model = ModuleCompletion
        fields = [
            "id",
            "enrollment",
            "module",
            "completed_on",
            "score",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]
        # The one-per-module rule answers 409 from the service, not a generic 400 here.
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only enrollments the caller can see may be named (others "do not exist").
            self.fields["enrollment"].queryset = enrollments_of(leaders_visible_to(request.user))


class EnrollmentImportRequestSerializer(Serializer):
    file = serializers.FileField(help_text="CSV with email, full_name, title, manager_email.")
    dry_run = serializers.BooleanField(default=False)


class ImportCountsSerializer(Serializer):
    created_users = serializers.IntegerField()
    created_managers = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()


class EnrollmentImportReportSerializer(Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    rows = serializers.IntegerField()
    created_users = serializers.ListField(child=serializers.EmailField())
    created_managers = serializers.ListField(child=serializers.EmailField())
    enrolled = serializers.ListField(child=serializers.EmailField())
    unchanged = serializers.ListField(child=serializers.EmailField())
    counts = ImportCountsSerializer()
    errors = RowErrorSerializer(many=True)


class SessionAttendanceSerializer(ModelSerializer):
    class Meta:
        model = SessionAttendance
        fields = ["id", "enrollment", "session", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_by", "recorded_at"]
        validators: list = []  # recording twice is harmless: the service returns the first

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["enrollment"].queryset = enrollments_of(leaders_visible_to(request.user))

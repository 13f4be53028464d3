from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import ModelSerializer, RowErrorSerializer, Serializer
from directory.models import DirectorySync


class SyncUploadSerializer(Serializer):
    file = serializers.FileField(
        help_text="CSV of people: email, full_name, title, region, manager_email, active."
    )
    dry_run = serializers.BooleanField(default=False)


class SyncCountsSerializer(Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    managers_changed = serializers.IntegerField()
    returned = serializers.IntegerField()
    leaving = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()


class SyncReportSerializer(Serializer):
    dry_run = serializers.BooleanField()
    held = serializers.BooleanField(
        help_text="The safety valve holds (or, dry, would hold) the file for HR's approval."
    )
    rows = serializers.IntegerField()
    created = serializers.ListField(child=serializers.EmailField())
    updated = serializers.ListField(child=serializers.EmailField())
    managers_changed = serializers.ListField(child=serializers.EmailField())
    returned = serializers.ListField(child=serializers.EmailField())
    leaving = serializers.ListField(child=serializers.EmailField())
    unchanged = serializers.ListField(child=serializers.EmailField())
    counts = SyncCountsSerializer()
    active_people = serializers.IntegerField()
    recent_leavers = serializers.IntegerField(
        help_text="Leavers the directory made in the last 24 hours, counted with this file's."
    )
    leaving_share = serializers.FloatField()
    errors = RowErrorSerializer(many=True)


class DirectorySyncSerializer(ModelSerializer):
    # None for a file from the sync folder (no person sent it) and one not decided yet.
    created_by_name = serializers.CharField(
        source="created_by.full_name", default=None, allow_null=True, read_only=True
    )
    decided_by_name = serializers.CharField(
        source="decided_by.full_name", default=None, allow_null=True, read_only=True
    )
    report = serializers.SerializerMethodField()

    class Meta:
        model = DirectorySync
        fields = [
            "id",
            "source",
            "file_name",
            "status",
            "report",
            "created_by",
            "created_by_name",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SyncReportSerializer)
    def get_report(self, sync: DirectorySync) -> dict:
        return sync.report

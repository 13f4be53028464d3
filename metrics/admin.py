from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from common.admin import ModelAdmin
from metrics.models import MetricDefinition, Observation, ObservationChange, Target
from metrics.services import target_validate


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(ModelAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "unit",
        "currency",
        "direction",
        "period",
        "is_active",
        "imported_wins",
    ]
    list_filter = ["category", "unit", "period", "is_active", "imported_wins"]
    search_fields = ["code", "name"]


class ObservationChangeInline(admin.TabularInline):
    model = ObservationChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "old_value", "new_value", "old_source", "new_source"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ModelAdmin):
    """Read-only here: values change through the import or the API so history is kept."""

    list_display = ["leader", "metric", "period_start", "value", "source", "recorded_at"]
    list_filter = ["metric", "source"]
    search_fields = ["leader__email", "leader__full_name"]
    date_hierarchy = "period_start"
    list_select_related = ["leader", "metric"]
    inlines = [ObservationChangeInline]
    readonly_fields = [
        "leader",
        "metric",
        "period_start",
        "value",
        "source",
        "note",
        "recorded_by",
        "recorded_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TargetAdminForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["metric", "leader", "cohort", "valid_from", "valid_to", "value"]

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                target_validate(self.instance)  # the same rules as the API (range, overlaps)
            except ValidationError as exc:
                self._update_errors(exc)


@admin.register(Target)
class TargetAdmin(ModelAdmin):
    audit_about = "leader"
    form = TargetAdminForm
    list_display = ["metric", "leader", "cohort", "valid_from", "valid_to", "value"]
    list_filter = ["metric", "cohort"]
    search_fields = ["leader__email", "leader__full_name", "cohort__name"]
    list_select_related = ["metric", "leader", "cohort"]
    raw_id_fields = ["leader"]
    readonly_fields = ["created_by", "created_at"]

"""HR's back office for development plans: read them, fix a focus's modules, topics or
metric. Plans are built by leaders in the pages; here they are looked at, not written."""

from django.contrib import admin

from common.admin import ModelAdmin
from plans.models import Focus, Plan


class FocusInline(admin.TabularInline):
    model = Focus
    fields = ["dimension", "goal", "topics", "metric"]
    readonly_fields = ["dimension", "goal"]
    extra = 0
    can_delete = False


@admin.register(Plan)
class PlanAdmin(ModelAdmin):
    audit_about = "leader"
    list_display = ["leader", "cycle", "created_at"]
    list_filter = ["cycle__cohort"]
    search_fields = ["leader__full_name", "leader__email"]
    list_select_related = ["leader", "cycle"]
    readonly_fields = ["leader", "cycle", "created_by", "created_at", "updated_at"]
    inlines = [FocusInline]

    def has_add_permission(self, request) -> bool:
        return False  # a leader builds their plan from their report

from django.contrib import admin

from common.admin import ModelAdmin
from mentorship.models import (
    ActionItem,
    Goal,
    MentorDimension,
    MentoringSession,
    MentorProfile,
    Pairing,
)


class MentorDimensionInline(admin.TabularInline):
    model = MentorDimension
    extra = 0
    verbose_name = "balance dimension they develop well"


@admin.register(MentorProfile)
class MentorProfileAdmin(ModelAdmin):
    audit_about = "user"
    list_display = ["user", "capacity", "active_mentees", "is_active"]
    list_filter = ["is_active", "expertise"]
    search_fields = ["user__full_name", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["expertise"]
    readonly_fields = ["active_mentees"]
    inlines = [MentorDimensionInline]


@admin.register(Pairing)
class PairingAdmin(ModelAdmin):
    """Pairings are created and ended through the pages/API (capacity is counted
    there); the admin shows them and lets HR correct objectives."""

    audit_about = "mentee"
    list_display = ["mentee", "mentor", "status", "started_on", "ended_on"]
    list_filter = ["status"]
    search_fields = ["mentor__full_name", "mentee__full_name"]
    list_select_related = ["mentor", "mentee"]
    readonly_fields = [
        "mentor",
        "mentee",
        "enrollment",
        "status",
        "started_on",
        "ended_on",
        "created_by",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["description", "owner", "due_on", "done_at"]


@admin.register(MentoringSession)
class MentoringSessionAdmin(ModelAdmin):
    """Private notes are the mentor's alone: the admin does not show them either."""

    audit_about = "pairing.mentee"
    list_display = ["pairing", "status", "starts_at", "duration_minutes", "format"]
    list_filter = ["status", "format"]
    search_fields = ["pairing__mentor__full_name", "pairing__mentee__full_name"]
    list_select_related = ["pairing__mentor", "pairing__mentee"]
    date_hierarchy = "starts_at"
    exclude = ["private_notes"]
    readonly_fields = ["pairing", "sequence", "logged_by"]
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(ModelAdmin):
    audit_about = "session.pairing.mentee"
    list_display = ["description", "owner", "due_on", "done_at", "session"]
    list_filter = ["owner"]
    search_fields = ["description"]
    list_select_related = ["session__pairing__mentor", "session__pairing__mentee"]
    readonly_fields = ["session"]


@admin.register(Goal)
class GoalAdmin(ModelAdmin):
    audit_about = "mentee"
    list_display = ["title", "mentee", "competency", "status", "progress", "target_date"]
    list_filter = ["status", "competency"]
    search_fields = ["title", "mentee__full_name"]
    list_select_related = ["mentee", "competency"]
    autocomplete_fields = ["mentee"]

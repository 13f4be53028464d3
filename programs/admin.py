"""HR's back office. Seat counts and enrollment status change only through the services;
every other edit is audited by the base admin (common.admin)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models

from common.admin import ModelAdmin
from common.errors import ApplicationError
from programs import services
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


@admin.register(Competency)
class CompetencyAdmin(ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "title", "kind", "competency", "is_required", "expected_hours"]
    ordering = ["position", "id"]


@admin.register(Program)
class ProgramAdmin(ModelAdmin):
    list_display = ["name", "slug", "is_active", "created_at"]
    list_filter = ["is_active", "competencies"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["competencies"]
    inlines = [ModuleInline]


@admin.register(Module)
class ModuleAdmin(ModelAdmin):
    list_display = ["title", "program", "kind", "competency", "is_required", "position"]
    list_filter = ["program", "kind", "competency", "is_required"]
    list_select_related = ["program", "competency"]
    search_fields = ["title", "description", "program__name"]


class CohortSessionInline(admin.TabularInline):
    model = CohortSession
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["title", "module", "starts_at", "ends_at", "location", "meeting_url"]


class EnrollmentInline(admin.TabularInline):
    """Read-only: enroll and change status through the enrollment actions (seat counting)."""

    model = Enrollment
    extra = 0
    fields = ["leader", "status", "created_at", "enrolled_by"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Cohort)
class CohortAdmin(ModelAdmin):
    list_display = [
        "name",
        "program",
        "starts_on",
        "ends_on",
        "delivery",
        "seats_taken",
        "capacity",
    ]
    list_filter = ["program", "delivery", "starts_on"]
    list_select_related = ["program"]
    search_fields = ["name", "program__name"]
    readonly_fields = ["seats_taken"]
    autocomplete_fields = ["facilitator"]
    date_hierarchy = "starts_on"
    inlines = [CohortSessionInline, EnrollmentInline]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # audited as cohort.create
            return
        # Re-check capacity against the seats taken *now*, under a row lock (the service
        # records the event).
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        services.cohort_update(cohort=obj, by=request.user, **changed)


def _run_transition(modeladmin, request, queryset, service, verb: str) -> None:
    done = 0
    for enrollment in queryset.select_related("leader"):
        try:
            service(enrollment=enrollment, by=request.user)
            done += 1
        except (ApplicationError, ValidationError) as exc:
            modeladmin.message_user(
                request, f"{enrollment.leader}: {getattr(exc, 'message', exc)}", messages.ERROR
            )
    if done:
        modeladmin.message_user(request, f"{done} enrollment(s) {verb}.", messages.SUCCESS)


@admin.action(description="Activate selected enrollments")
def activate(modeladmin, request, queryset):
    _run_transition(modeladmin, request, queryset, services.enrollment_activate, "activated")


@admin.action(description="Complete selected enrollments")
def complete(modeladmin, request, queryset):
    _run_transition(modeladmin, request, queryset, services.enrollment_complete, "completed")


@admin.action(description="Withdraw selected enrollments")
def withdraw(modeladmin, request, queryset):
    _run_transition(modeladmin, request, queryset, services.enrollment_withdraw, "withdrawn")


class ModuleCompletionInline(admin.TabularInline):
    model = ModuleCompletion
    extra = 0
    fields = ["module", "completed_on", "score", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Enrollment)
class EnrollmentAdmin(ModelAdmin):
    """Enrolling happens on the cohort page or the API (seats, welcome email)."""

    list_display = ["leader", "cohort", "program", "status", "created_at"]
    list_filter = ["status", "program", "cohort"]
    list_select_related = ["leader", "cohort", "program"]
    search_fields = ["leader__full_name", "leader__email", "cohort__name"]
    readonly_fields = [
        "cohort",
        "program",
        "leader",
        "status",
        "enrolled_by",
        "created_at",
        "activated_at",
        "completed_at",
        "withdrawn_at",
    ]
    actions = [activate, complete, withdraw]
    inlines = [ModuleCompletionInline]
    audit_about = "leader"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history: withdraw instead

    def save_formset(self, request, form, formset, change):
        for row in formset.forms:
            if row.instance.recorded_by_id is None:
                row.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)  # saved and audited


@admin.register(ModuleCompletion)
class ModuleCompletionAdmin(ModelAdmin):
    list_display = ["enrollment", "module", "completed_on", "score", "recorded_by"]
    list_filter = ["module__program", "module__kind", "completed_on"]
    list_select_related = ["enrollment__leader", "enrollment__cohort", "module", "recorded_by"]
    search_fields = ["enrollment__leader__full_name", "enrollment__leader__email", "module__title"]
    raw_id_fields = ["enrollment"]
    readonly_fields = ["recorded_by", "recorded_at"]
    audit_about = "enrollment.leader"

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(SessionAttendance)
class SessionAttendanceAdmin(ModelAdmin):
    list_display = ["enrollment", "session", "recorded_by", "recorded_at"]
    list_filter = ["session__cohort"]
    list_select_related = ["enrollment__leader", "enrollment__cohort", "session", "recorded_by"]
    search_fields = ["enrollment__leader__full_name", "enrollment__leader__email", "session__title"]
    raw_id_fields = ["enrollment", "session"]
    readonly_fields = ["recorded_by", "recorded_at"]
    audit_about = "enrollment.leader"

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)

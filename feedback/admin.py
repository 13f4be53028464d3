"""HR's back office for feedback. No page lists or shows a response or its answers:
they are read only in aggregate, in the report (docs/privacy.md)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from common.admin import ModelAdmin
from feedback import emails, services
from feedback.models import (
    FROZEN_MESSAGE,
    Cycle,
    Nomination,
    Question,
    Questionnaire,
    RaterRequest,
)


class FrozenAwareFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.pk and self.instance.is_frozen and self.has_changed():
            raise ValidationError(FROZEN_MESSAGE)


class QuestionInline(admin.TabularInline):
    model = Question
    formset = FrozenAwareFormSet
    extra = 0
    fields = ["position", "kind", "text", "dimension", "side", "competency"]

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)


@admin.register(Questionnaire)
class QuestionnaireAdmin(ModelAdmin):
    list_display = ["name", "frozen_at", "created_at"]
    readonly_fields = ["frozen_at"]
    inlines = [QuestionInline]
    actions = ["copy"]

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_frozen) and super().has_delete_permission(request, obj)

    @admin.action(description="Copy (to change a frozen questionnaire)")
    def copy(self, request, queryset):
        for questionnaire in queryset:
            copy = services.questionnaire_copy(questionnaire=questionnaire, by=request.user)
            self.message_user(request, f"Created “{copy.name}”.", messages.SUCCESS)


class NominationInline(admin.TabularInline):
    """Read only: nominations are proposed, approved and withdrawn on the cycle page or
    through the API, where the rules (and the record of who decided) live."""

    model = Nomination
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "subject",
        "full_name",
        "email",
        "rater",
        "group",
        "status",
        "created_by",
        "decided_by",
        "decided_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cycle)
class CycleAdmin(ModelAdmin):
    list_display = ["name", "cohort", "status", "opens_at", "due_at", "released_at"]
    list_filter = ["status", "cohort"]
    readonly_fields = ["status", "opened_at", "closed_at", "released_at", "previous"]
    inlines = [NominationInline]
    list_select_related = ["cohort"]

    def get_readonly_fields(self, request, obj=None):
        # Once a cycle has opened its schedule and settings are history: change
        # them through the services (extend a request, release, cancel) instead.
        if obj is not None and obj.status not in services.CYCLE_EDITABLE_STATUSES:
            return [field.name for field in Cycle._meta.fields]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        if obj is not None and obj.status not in services.CYCLE_EDITABLE_STATUSES:
            return []
        return self.inlines


@admin.register(RaterRequest)
class RaterRequestAdmin(ModelAdmin):
    audit_about = "subject"
    list_display = ["subject", "rater", "group", "cycle", "status", "sent_at", "reminders_sent"]
    list_filter = ["status", "group", "cycle"]
    search_fields = ["subject__full_name", "rater__full_name", "rater__email"]
    list_select_related = ["subject", "rater", "cycle"]
    readonly_fields = [
        "cycle",
        "subject",
        "rater",
        "group",
        "status",
        "sent_at",
        "reminders_sent",
        "last_reminded_at",
        "closing_reminder_sent_at",
        "nudged_at",
        "attempts",
        "last_error",
        "email_history",
    ]

    def has_add_permission(self, request):
        return False  # requests are created when a cycle opens

    @admin.display(description="emails")
    def email_history(self, rater_request: RaterRequest) -> str:
        """What became of each email to this rater (the rows themselves, with a retry for
        failed ones, are under Outbox → Emails)."""
        rows = emails.request_emails([rater_request.pk]).order_by("created_at", "pk")
        return "; ".join(
            f"{row.kind.removeprefix('feedback.')}: {row.get_status_display().lower()}"
            + (f" {row.sent_at:%Y-%m-%d %H:%M} UTC" if row.sent_at else "")
            for row in rows
        )

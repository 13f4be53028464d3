"""The base of every Lodestar admin, and HR's view of the outbox."""

from django.contrib import admin, messages

from common import outbox
from common.models import Email
from common.privacy import PrivateFieldsAdminMixin


class ModelAdmin(PrivateFieldsAdminMixin, admin.ModelAdmin):
    """Use this instead of ``admin.ModelAdmin`` (tests/privacy walks every admin)."""


@admin.register(Email)
class EmailAdmin(ModelAdmin):
    """Every email Lodestar sends: sent, waiting, skipped, or failed with the error (and
    a retry). Bodies are not stored (they are built when sent), so no rater link or
    other token can show here; rows are history and cannot be edited or deleted."""

    list_display = [
        "created_at",
        "kind",
        "to",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["to"]
    readonly_fields = [
        "kind",
        "ref",
        "params",
        "to",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "enqueued_at",
        "claimed_at",
        "sent_at",
        "last_error",
    ]
    fields = readonly_fields
    actions = ["retry"]

    @admin.display(description="last error")
    def error(self, email: Email) -> str:
        return email.last_error if len(email.last_error) <= 80 else f"{email.last_error[:79]}…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry the selected failed emails", permissions=["change"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=Email.Status.FAILED))
        for email in failed:
            outbox.email_retry(email=email)
        if failed:
            self.message_user(
                request, f"{len(failed)} failed email(s) queued again.", messages.SUCCESS
            )
        others = queryset.count() - len(failed)
        if others:
            self.message_user(
                request, f"{others} selected email(s) had not failed; left alone.", messages.INFO
            )

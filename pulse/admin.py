"""HR's back office for the team pulse: pulse questionnaires (the statements of a template
no pulse uses yet). Pulses are scheduled in the pages; invites and responses have no
admin at all: no screen shows a single response or who answered what."""

from django.contrib import admin

from common.admin import ModelAdmin
from pulse.models import PulseStatement, PulseTemplate


class PulseStatementInline(admin.TabularInline):
    model = PulseStatement
    fields = ["position", "text", "kind"]
    extra = 0

    def _editable(self, obj) -> bool:
        # Answers mean what their statement said when they were given.
        return obj is None or not obj.pulses.exists()

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(PulseTemplate)
class PulseTemplateAdmin(ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    inlines = [PulseStatementInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.pulses.exists()

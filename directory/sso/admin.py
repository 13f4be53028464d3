"""HR's back office for just-in-time account domains (the page at /sso/domains/ is the
everyday way; both audit)."""

from django.contrib import admin

from common.admin import ModelAdmin
from directory.models import JitDomain


@admin.register(JitDomain)
class JitDomainAdmin(ModelAdmin):
    list_display = ["domain", "created_by", "created_at"]
    search_fields = ["domain"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

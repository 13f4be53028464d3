"""The directory's back office: SCIM tokens (made and revoked on HR's SCIM tokens page or
with ``manage.py scim_token_create``; here to read), the identity providers' ids, and
single sign-on's just-in-time domains (``directory.sso.admin``)."""

from django.contrib import admin

from common.admin import ModelAdmin
from directory.models import ScimIdentity, ScimToken
from directory.sso.admin import JitDomainAdmin

__all__ = ["JitDomainAdmin", "ScimIdentityAdmin", "ScimTokenAdmin"]


@admin.register(ScimToken)
class ScimTokenAdmin(ModelAdmin):
    list_display = ["name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False  # a token is shown once, when made: on HR's page or the command


@admin.register(ScimIdentity)
class ScimIdentityAdmin(ModelAdmin):
    list_display = ["user", "external_id"]
    search_fields = ["external_id", "user__email", "user__full_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "external_id"]

    def has_add_permission(self, request) -> bool:
        return False  # written by SCIM only

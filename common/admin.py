"""The base of every Lodestar admin: Django's, refusing filters on private fields."""

from django.contrib import admin

from common.privacy import PrivateFieldsAdminMixin


class ModelAdmin(PrivateFieldsAdminMixin, admin.ModelAdmin):
    """Use this instead of ``admin.ModelAdmin`` (tests/privacy walks every admin)."""

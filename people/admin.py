from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from common.privacy import PrivateFieldsAdminMixin
from people.models import User
from personal_data.admin import erase_personal_data


@admin.register(User)
class UserAdmin(PrivateFieldsAdminMixin, DjangoUserAdmin):
    ordering = ["full_name", "email"]
    list_display = ["full_name", "email", "job_title", "region", "manager", "roles", "is_active"]
    list_filter = ["groups", "is_active", "is_staff", "region"]
    search_fields = ["full_name", "email", "job_title", "region"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "job_title", "region", "manager")}),
        (_("Roles and access"), {"fields": ("groups", "is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "job_title", "manager", "groups"),
            },
        ),
    )
    filter_horizontal = ["groups"]
    actions = [erase_personal_data]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import audit
from common.admin import AuditedAdminMixin, ModelAdmin
from common.privacy import PrivateFieldsAdminMixin
from directory.services import person_leave
from people import services, tokens
from people.models import ApiToken, User
from people.roles import Role
from personal_data.admin import erase_personal_data


class PersonChangeForm(UserChangeForm):
    """A leaving date and *active* must agree: a leaver is inactive, and bringing one
    back means clearing the date (unticking *active* alone marks them as left today)."""

    def clean(self):
        cleaned = super().clean()
        stored = self.instance
        left_on, active = cleaned.get("left_on"), cleaned.get("is_active")
        if left_on and active and "is_active" in self.changed_data:
            raise ValidationError(
                {"left_on": "A leaver cannot be active: clear the leaving date to bring them back."}
            )
        if stored.left_on and not left_on and not active:
            raise ValidationError(
                {"is_active": "Clearing the leaving date brings them back: tick active too."}
            )
        leaving = stored.pk and stored.is_active and (left_on or not active)
        groups = cleaned.get("groups")
        losing_hr = (
            stored.pk
            and groups is not None
            and not cleaned.get("is_superuser")
            and not any(group.name == Role.HR for group in groups)
        )
        if leaving or losing_hr:
            try:
                services.hr_remains_check(person=stored)
            except services.LastHRError as refusal:
                raise ValidationError(
                    {"is_active" if leaving else "groups": refusal.message}
                ) from refusal
        return cleaned


@admin.register(User)
class UserAdmin(PrivateFieldsAdminMixin, AuditedAdminMixin, DjangoUserAdmin):
    """People, their roles (groups) and reporting line. Every edit is audited about the
    person (``user.create`` / ``user.update``, roles as ``groups``); passwords never.

    The manager and leaving go through people.services, which keep the reporting line's
    history and record ``user.manager_change`` / ``user.leave`` / ``user.return``: a
    leaving date deactivates the person and closes their line that day, and unticking
    *active* without a date counts as leaving today."""

    form = PersonChangeForm
    ordering = ["full_name", "email"]
    list_display = [
        "full_name",
        "email",
        "job_title",
        "region",
        "manager",
        "roles",
        "is_active",
        "left_on",
    ]
    list_filter = ["groups", "is_active", "is_staff", "region"]
    search_fields = ["full_name", "email", "job_title", "region"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "job_title", "region", "manager")}),
        (_("Roles and access"), {"fields": ("groups", "is_active", "is_staff", "is_superuser")}),
        (_("Leaving"), {"fields": ("left_on",)}),
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
    actions = [erase_personal_data, "mark_left_today"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            services.reporting_line_record(lines={obj: obj.manager}, on=timezone.localdate())
            return
        # Saved and audited as any edit without the manager and leaving, which the
        # services write once the rest is recorded (save_related).
        left_on = self._left_on(obj, form)
        request._people_line_change = (obj.manager, left_on)
        stored = User.objects.get(pk=obj.pk)
        obj.manager = stored.manager
        if left_on != stored.left_on:
            obj.left_on, obj.is_active = stored.left_on, stored.is_active
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pending = getattr(request, "_people_line_change", None)
        if pending is None:
            return
        del request._people_line_change
        manager, left_on = pending
        person = form.instance
        services.user_manager_set(user=person, manager=manager, by=request.user)
        if person.left_on is None and left_on is not None:
            # A new leaver: their open business ends with them (directory.services).
            person_leave(person=person, by=request.user, left_on=left_on, source="admin")
        elif left_on != person.left_on:
            services.user_left_on_set(user=person, left_on=left_on, by=request.user)

    @staticmethod
    def _left_on(obj: User, form):
        """The leaving date the form asks for: its own, or today when *active* was
        unticked without one."""
        unticked = "is_active" in form.changed_data and not form.cleaned_data.get("is_active")
        if obj.left_on is None and unticked:
            return timezone.localdate()
        return obj.left_on

    @admin.action(description="Mark the selected people as left today", permissions=["change"])
    def mark_left_today(self, request, queryset):
        today, count = timezone.localdate(), 0
        try:
            with transaction.atomic():
                for person in queryset.filter(left_on__isnull=True):
                    person_leave(person=person, by=request.user, left_on=today, source="admin")
                    count += 1
        except services.LastHRError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"{count} person(s) marked as left today.", messages.SUCCESS)

    def audit_subject(self, obj: User) -> User:
        return obj

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Every API token (HR's view): whose, issued, expires, last used. Revoking one ends
    it at once; a token is never shown after it was issued, and only its digest is kept.
    Tokens are issued by signing in (POST /api/v1/auth/token/), never here."""

    list_display = ["user", "created", "expiry", "last_used_at", "live"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name"]
    fields = ["user", "created", "expiry", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(boolean=True, description="live")
    def live(self, token: ApiToken) -> bool:
        return tokens.token_refusal(token, now=timezone.now()) is None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" says what deleting a token means
        return actions

    @admin.action(description="Revoke the selected API tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset:
            tokens.token_revoke(token=token, by=request.user)
            count += 1
        self.message_user(request, f"{count} API token(s) revoked.", messages.SUCCESS)


# django-axes keeps neither (AXES_DISABLE_ACCESS_LOG, no failure log): HR's place for
# locks is *Axes -> Access attempts*, where deleting a row unlocks that account there.
for unused in (AccessLog, AccessFailureLog, AccessAttempt):
    if admin.site.is_registered(unused):
        admin.site.unregister(unused)


@admin.register(AccessAttempt)
class SignInLockAdmin(AuditedAdminMixin, AccessAttemptAdmin):
    """axes' failed sign-ins per account and address. *Unlock* (or deleting a row) lets
    that account sign in from that address again, recorded as ``sign_in.unlock`` about
    the person."""

    actions = ["unlock", "cleanup_expired_attempts"]

    def audit_subject(self, obj: AccessAttempt) -> User | None:
        return User.objects.filter(email__iexact=obj.username or "").first()

    def delete_queryset(self, request, queryset):
        self.unlock(request, queryset)

    def delete_model(self, request, obj):
        self.unlock(request, type(obj).objects.filter(pk=obj.pk))

    @admin.action(description="Unlock the selected sign-ins", permissions=["delete"])
    def unlock(self, request, queryset):
        with transaction.atomic():
            attempts = list(queryset)
            audit.record_many(
                audit.event(
                    action="sign_in.unlock",
                    by=request.user,
                    obj=attempt,
                    changes={
                        "failures_since_start": [attempt.failures_since_start, 0],
                        "ip_address": [attempt.ip_address, None],
                    },
                    about=self.audit_subject(attempt),
                )
                for attempt in attempts
            )
            AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).delete()
        self.message_user(request, f"{len(attempts)} sign-in lock(s) lifted.", messages.SUCCESS)

"""The base of every Lodestar admin (private fields refused as filters, every edit
audited), and HR's view of the outbox."""

from functools import reduce

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from common import audit, outbox
from common.models import Email
from common.privacy import PrivateFieldsAdminMixin


class AuditedAdminMixin:
    """Admin edits are writes too: each save, inline change and delete records an audit
    event (``<entity>.create|update|delete`` with old → new, by the signed-in person) in
    the admin's own transaction, and the change page's **History** shows the object's
    audit trail. An admin whose ``save_model`` calls a service (which records) without
    calling ``super().save_model`` records nothing more here.

    ``audit_about`` names the person an object's events are about, as a path of
    attributes from the object (``"leader"``, ``"enrollment.leader"``).
    """

    object_history_template = "admin/audit_history.html"
    audit_about: str | None = None

    def audit_subject(self, obj):
        if not self.audit_about:
            return None
        return reduce(
            lambda value, name: getattr(value, name, None), self.audit_about.split("."), obj
        )

    # --- history ----------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        page = Paginator(audit.events_for(obj), 100).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "events": page,
            "object": obj,
            "object_type": audit.type_key_of(obj),
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    # --- saves and deletes --------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            before = audit.snapshot(stored, m2m=True)
        super().save_model(request, obj, form, change)
        # Recorded in save_related, once the many-to-many fields are saved too.
        request._audit_admin_save = (obj, before)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pending = getattr(request, "_audit_admin_save", None)
        if pending is None or pending[0] is not form.instance:
            return
        del request._audit_admin_save
        obj, before = pending
        if before is None:
            verb, changes = "create", audit.created(obj, m2m=True)
        else:
            verb, changes = "update", audit.changed(obj, before, audit.snapshot(obj, m2m=True))
            if not changes:
                return
        audit.record(
            action=f"{audit.entity(type(obj))}.{verb}",
            by=request.user,
            obj=obj,
            changes=changes,
            about=self.audit_subject(obj),
        )

    def save_formset(self, request, form, formset, change):
        model = formset.model
        changed = [f.instance.pk for f in formset.initial_forms if f.has_changed()]
        before = {
            pk: audit.snapshot(row) for pk, row in model._default_manager.in_bulk(changed).items()
        }
        # Inline rows are about the person their parent is about.
        about = self.audit_subject(form.instance)
        # A deleted row has no key once it is gone: describe it first.
        gone = [
            self._audit_event(request, f.instance, "delete", audit.deleted(f.instance), about)
            for f in formset.deleted_forms
            if f.instance.pk
        ]
        super().save_formset(request, form, formset, change)
        events = [
            self._audit_event(request, obj, "create", audit.created(obj), about)
            for obj in formset.new_objects
        ]
        events += [
            self._audit_event(request, obj, "update", audit.changed(obj, before[obj.pk]), about)
            for obj, _names in formset.changed_objects
            if obj.pk in before
        ]
        audit.record_many([*events, *gone])

    def delete_model(self, request, obj):
        gone = self._audit_event(
            request, obj, "delete", audit.deleted(obj), self.audit_subject(obj)
        )
        super().delete_model(request, obj)
        audit.record_many([gone])

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=queryset.db):
            gone = [
                self._audit_event(
                    request, obj, "delete", audit.deleted(obj), self.audit_subject(obj)
                )
                for obj in queryset
            ]
            super().delete_queryset(request, queryset)
            audit.record_many(gone)

    @staticmethod
    def _audit_event(request, obj, verb: str, changes: dict, about):
        return audit.event(
            action=f"{audit.entity(type(obj))}.{verb}",
            by=request.user,
            obj=obj,
            changes=changes,
            about=about,
        )


class ModelAdmin(PrivateFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Use this instead of ``admin.ModelAdmin`` (tests/privacy walks every admin; every
    edit through it is audited)."""


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
            outbox.email_retry(email=email, by=request.user)
        if failed:
            self.message_user(
                request, f"{len(failed)} failed email(s) queued again.", messages.SUCCESS
            )
        others = queryset.count() - len(failed)
        if others:
            self.message_user(
                request, f"{others} selected email(s) had not failed; left alone.", messages.INFO
            )

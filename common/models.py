"""common's two tables: the outbox's ``Email`` and the audit trail's ``AuditEvent``.

An email row holds what the email is about (``kind`` and ``ref``), never its body:
messages are built when they are sent, so no live rater link is stored or shown in the
admin. An audit event is written by a service (common/audit.py) in the transaction of
the change it records, and never holds a private field.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailQuerySet(models.QuerySet):
    def about(self, *, kinds, refs) -> "EmailQuerySet":
        """The emails of these kinds about these objects (ids, or a ``values("pk")`` query)."""
        return self.filter(kind__in=kinds, ref__in=refs)

    def addressed_to(self, address: str) -> "EmailQuerySet":
        """The emails with ``address`` among their recipients (in any case)."""
        return self.filter(recipients_include(address))


def recipients_include(address: str) -> Q:
    """``to`` holds ``address`` as one of its comma-separated recipients."""
    return (
        Q(to__iexact=address)
        | Q(to__istartswith=f"{address},")
        | Q(to__iendswith=f", {address}")
        | Q(to__icontains=f", {address},")
    )


class Email(models.Model):
    """One email owed to someone, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (no longer owed)"

    # What the email is, e.g. "feedback.reminder"; the app that owes it registers how
    # to build it (common.outbox.EmailKind).
    kind = models.CharField(max_length=60)
    # kind:ref[:variant]. The same email is never owed twice: owing a key again is a no-op.
    key = models.CharField(max_length=200, unique=True)
    # The id of what the email is about (its kind says of what: an enrollment, a request...).
    ref = models.PositiveBigIntegerField()
    # Anything else the builder needs (a calendar revision, a date, a list of ids). Ids and
    # dates only: never a body, a link or a token.
    params = models.JSONField(default=dict, blank=True)
    to = models.TextField(verbose_name="recipients")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A default rather than auto_now_add, so migrated history keeps its own time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="common_email_owed"),
            models.Index(fields=["kind", "ref"], name="common_email_about"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "skipped"]),
                name="common_email_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class AuditEvent(models.Model):
    """Who did what to which object, when, and the old → new values of what changed.

    Written only by ``common.audit.record`` (the services call it in the transaction of
    the change); never deleted by the application, and changed only by
    ``common.audit.events_redact`` when the rows' content itself must go (a person's
    erasure, who-rated-whom past retention).
    """

    class ActorKind(models.TextChoices):
        PERSON = "person", "Person"
        SCHEDULE = "schedule", "Schedule"
        SYSTEM = "system", "System"
        # SCIM or a directory file from the company's HR system (directory/).
        DIRECTORY = "directory", "Directory sync"

    at = models.DateTimeField(default=timezone.now, editable=False)
    # Null for the schedule and the system (and for a person whose account was removed).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # "<entity>.<verb>", e.g. "enrollment.withdraw".
    action = models.CharField(max_length=60)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    # The person the event is about, where there is one (the leader of an enrollment, the
    # mentee of a pairing, the subject of a nomination or report).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Field → [old, new], only the fields that changed; never a private field.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="common_audit_object"),
            models.Index(fields=["-at", "-id"], name="common_audit_at"),
            models.Index(fields=["subject", "-at"], name="common_audit_subject"),
            models.Index(fields=["actor", "-at"], name="common_audit_actor"),
            models.Index(fields=["action", "-at"], name="common_audit_action"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_kind__in=["person", "schedule", "system", "directory"]),
                name="common_audit_actor_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(actor_kind="person") | Q(actor__isnull=True),
                name="common_audit_only_people_have_an_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} by {self.actor_label}"

    @property
    def change_rows(self) -> list[dict]:
        """The changes as rows a page shows: field, old and new as text (None: no value)."""

        def part(value) -> str:
            # A value inside a recorded object (a departure's counts), read as words.
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, dict):
                return "; ".join(f"{key.replace('_', ' ')}: {part(v)}" for key, v in value.items())
            if isinstance(value, list):
                return ", ".join(map(part, value)) or "none"
            return "none" if value in (None, "") else str(value)

        def text(value):
            if isinstance(value, list):
                return ", ".join(map(str, value)) or None
            if isinstance(value, dict):
                return part(value) or None
            return None if value in (None, "") else str(value)

        return [
            {"field": field, "old": text(old), "new": text(new)}
            for field, (old, new) in sorted(self.changes.items())
        ]

    @property
    def actor_label(self) -> str:
        if self.actor_kind != self.ActorKind.PERSON:
            return self.get_actor_kind_display().lower()
        if self.actor is None:
            return "a removed account"
        return self.actor.get_full_name() or self.actor.get_username()

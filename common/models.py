"""The outbox's one table: every email Lodestar sends is a row here (sent by common/outbox.py).

A row holds what the email is about (``kind`` and ``ref``), never its body: messages
are built when they are sent, so no live rater link is stored or shown in the admin.
"""

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

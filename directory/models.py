"""The company's identity systems: who may sync the directory (SCIM bearer tokens), the
directory files HR or a schedule applied (or that wait for HR's approval), and the email
domains where single sign-on may create an account just in time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Lower


class ScimToken(models.Model):
    """A bearer token an identity provider or HR system uses on ``/scim/v2/``. Only its
    SHA-256 digest is stored; HR sees the token once, when it is made."""

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Okta'.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so HR can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # No admin filter may probe the digest (common/privacy.py); the audit trail never
    # records it.
    private_fields = ("digest",)

    class Meta:
        ordering = ["-created_at", "-id"]

    # Every secret starts so (a label, not a secret): scanners and people recognise it.
    START = "lodestar_scim_"

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_with}…)"

    @property
    def starts_with(self) -> str:
        """How the secret starts, as the identity provider shows it."""
        return self.START + self.prefix


class DirectorySync(models.Model):
    """One directory file: the people it lists, what applying it changes, and whether it
    was applied or waits for HR (the safety valve, ``directory.sync``)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded by HR"
        FOLDER = "folder", "Sync folder"
        # Deactivations from SCIM held by the safety valve, gathered as they arrive.
        SCIM = "scim", "SCIM deactivations"

    class Status(models.TextChoices):
        HELD = "held", "Waiting for HR's approval"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected by HR"
        # A file from the sync folder with row errors: nothing in it was applied.
        REFUSED = "refused", "Refused (row errors)"

    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=255)
    # SHA-256 of the file: the folder sync applies each file once.
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices)
    # The rows as read (canonical columns), so a held file is applied as it was checked.
    rows = models.JSONField(default=list)
    # What applying it changes (or changed): counts and the people who leave.
    report = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One file waits for HR at a time (a later one would be checked against a
            # directory the held one has not changed yet), and one batch of SCIM
            # deactivations gathers the ones held.
            models.UniqueConstraint(
                Case(When(source="scim", then=Value("scim")), default=Value("file")),
                condition=Q(status="held"),
                name="directory_one_held_sync",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display().lower()})"


class JitDomain(models.Model):
    """An email domain (one of ``OIDC_ALLOWED_DOMAINS``) where a single sign-on identity
    with no Lodestar account gets one, without any role, instead of being refused."""

    domain = models.CharField(max_length=253, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "just-in-time account domain"
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")),
                name="directory_jit_domain_lower",
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class ScimIdentity(models.Model):
    """The identity provider's own key for a person (SCIM ``externalId``): what it
    matches people by, kept beside the person rather than on ``User``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity"
    )
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = "SCIM identity"
        verbose_name_plural = "SCIM identities"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.external_id or '-'}"

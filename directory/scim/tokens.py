"""SCIM bearer tokens: made and revoked by HR (audited), found by the SHA-256 digest of
what a client presents. The token itself is never stored, only shown once when made."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from common import audit
from directory.models import ScimToken
from people.models import User

# Says what the secret is, if one turns up in a log or a repository.
TOKEN_START = ScimToken.START
# How often a token's ``last_used_at`` is written: not on every request of a bulk push.
LAST_USED_EVERY = datetime.timedelta(minutes=1)
TOKEN_AUDITED_FIELDS = ("name", "prefix", "created_by", "revoked_at")


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def scim_token_create(*, name: str, by) -> tuple[ScimToken, str]:
    """A new token named ``name``; returns it and the secret (shown once, never stored).
    ``by`` is HR (a person) or, from the command line, ``audit.SYSTEM``."""
    raw = TOKEN_START + secrets.token_urlsafe(32)
    token = ScimToken(
        name=name.strip(),
        digest=token_digest(raw),
        prefix=raw[len(TOKEN_START) : len(TOKEN_START) + 8],
        # ``by`` may be an actor of the audit trail (SYSTEM), which is nobody to point at.
        created_by=by if isinstance(by, User) else None,
    )
    token.full_clean(exclude=["created_by"])  # nobody, from the command line
    token.save()
    audit.record(
        action="scim_token.create",
        by=by,
        obj=token,
        changes=audit.created(token, TOKEN_AUDITED_FIELDS),
    )
    return token, raw


@transaction.atomic
def scim_token_revoke(*, token: ScimToken, by) -> bool:
    """Stop a token working from now on; False if it was revoked already."""
    token = ScimToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    before = audit.snapshot(token, ["revoked_at"])
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(action="scim_token.revoke", by=by, obj=token, changes=audit.changed(token, before))
    return True


def scim_token_authenticate(raw: str) -> ScimToken | None:
    """The live token whose digest matches ``raw`` (looked up by digest, so comparing
    takes no time that depends on the secret), its use noted; None for any other."""
    if not raw:
        return None
    token = ScimToken.objects.filter(digest=token_digest(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def scim_token_list():
    return ScimToken.objects.select_related("created_by")

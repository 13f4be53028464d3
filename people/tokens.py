"""API tokens: issued for an email and password, stored as a digest, refused once expired
or once their user's password changed, listed and revoked by their owner and by HR.

django-rest-knox makes and hashes the tokens; the rules of when one is still good live
here, in ``token_refusal``, which the authentication class asks on every request. A token
is good until ``API_TOKEN_TTL_HOURS`` after it was issued (its stored expiry and its age
are both checked, so lowering the setting shortens tokens already out) and while the
user's password is the one it was issued under.
"""

from __future__ import annotations

import datetime
from hmac import compare_digest

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from common import audit
from people.models import ApiToken, User
from people.roles import Role, has_role

# Recording when a token was last used costs a write; once a minute per token is enough.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def _password_hash_macs(user: User) -> list[str]:
    """The user's session auth hash now, and under each of ``SECRET_KEY_FALLBACKS`` (so a
    rotated secret key does not end every token at once, as Django does for sessions)."""
    return [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]


# --- reads -----------------------------------------------------------------------------


def tokens_live(*, now: datetime.datetime | None = None) -> QuerySet[ApiToken]:
    """Tokens neither expired nor older than the lifetime (revoked ones are deleted)."""
    now = now or timezone.now()
    return ApiToken.objects.filter(expiry__gt=now, created__gt=now - token_lifetime())


def tokens_visible_to(user: User, *, now: datetime.datetime | None = None) -> QuerySet[ApiToken]:
    """HR sees every live token; everyone else their own."""
    tokens = tokens_live(now=now).select_related("user")
    return tokens if has_role(user, Role.HR) else tokens.filter(user=user)


def token_refusal(token: ApiToken, *, now: datetime.datetime) -> str | None:
    """Why this token may not be used any more, or None if it may."""
    if token.expiry is None or token.expiry <= now or token.created <= now - token_lifetime():
        return "This token has expired. Sign in again for a new one."
    macs = _password_hash_macs(token.user)
    if not any(compare_digest(token.password_hash_mac, mac) for mac in macs):
        return "This token was issued before a password change. Sign in again for a new one."
    if not token.user.is_active:
        return "This account is inactive."
    return None


# --- writes ----------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, user: User, now: datetime.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (digest only) and the token, shown this once.
    The user's dead tokens are cleared away on the way."""
    now = now or timezone.now()
    ApiToken.objects.filter(user=user).exclude(
        pk__in=tokens_live(now=now).filter(user=user).values("pk")
    ).delete()
    return ApiToken.objects.create(
        user=user, expiry=token_lifetime(), password_hash_mac=user.get_session_auth_hash()
    )


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> None:
    """End one token (its owner, or HR), recorded as ``api_token.revoke`` about its owner."""
    audit.record(
        action="api_token.revoke",
        by=by,
        obj=token,
        changes=audit.deleted(token, ["created", "expiry"]),
        about=token.user_id,
    )
    token.delete()


@transaction.atomic
def tokens_revoke_all(*, user: User, by) -> int:
    """Sign ``user`` out of the API everywhere; returns how many tokens ended. Recorded
    as one ``api_token.revoke_all`` about them, with the count."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    audit.record(
        action="api_token.revoke_all",
        by=by,
        obj=user,
        changes={"api_tokens": [deleted, 0]},
        about=user,
    )
    return deleted


# --- authentication --------------------------------------------------------------------


class TokenAuthentication(KnoxTokenAuthentication):
    """``Authorization: Token <token>``: knox's header parsing and hashing, Lodestar's
    rules (``token_refusal``), and when the token was last used."""

    def authenticate_credentials(self, token: bytes):
        token = token.decode("utf-8", errors="replace")
        candidates = ApiToken.objects.filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user")
        try:
            digest = hash_token(token)
        except (TypeError, ValueError) as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        match = next((c for c in candidates if compare_digest(digest, c.digest)), None)
        if match is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        refusal = token_refusal(match, now=now)
        if refusal:
            raise exceptions.AuthenticationFailed(refusal)
        if match.last_used_at is None or match.last_used_at <= now - LAST_USED_EVERY:
            ApiToken.objects.filter(pk=match.pk).update(last_used_at=now)
            match.last_used_at = now
        return match.user, match

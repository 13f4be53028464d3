"""Signing in: who may use a password, single sign-on's switch, the lockout after
repeated failures (django-axes) and password resets.

Every sign-in path -- the login page, the admin's login and ``POST /api/v1/auth/token/``
-- calls Django's ``authenticate()``, where axes' backend refuses an account locked at
the caller's address before the password is even checked. Failures are counted per
account *and* address (``AXES_LOCKOUT_PARAMETERS``): ``AXES_FAILURE_LIMIT`` of them lock
that account from that address until HR unlocks it in the admin (*Axes → Access
attempts*: delete the row) or the cool-off, if one is set, ends. A successful sign-in
clears the count. The callables below are named in the AXES_* settings.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from common import outbox
from common.errors import ApplicationError
from people.emails import password_reset_email
from people.models import User


class PasswordSignInOffError(ApplicationError):
    """The API's answer to a password from an account that may not use one."""

    status_code = 403
    code = "password_sign_in_off"


class AccountLockedError(ApplicationError):
    """The API's answer to a locked sign-in (pages get ``lockout_response``)."""

    status_code = 403
    code = "account_locked"


def locked_message() -> str:
    hours = settings.AXES_COOLOFF_TIME
    later = f" or try again in {hours} hour{'s' if hours != 1 else ''}" if hours else ""
    return (
        f"Sign-in to this account from your address is locked after "
        f"{settings.AXES_FAILURE_LIMIT} failed attempts. Ask HR to unlock it{later}."
    )


def account_of(request, credentials: dict | None) -> str | None:
    """The account a sign-in attempt names, spelt as Lodestar stores it (logins are
    case-insensitive, so ``Ana@Example.com`` and ``ana@example.com`` count together).
    The login forms send ``username``, the token endpoint ``email``."""
    credentials = credentials or {}
    given = credentials.get("email") or credentials.get("username")
    if given is None and request is not None:
        data = getattr(request, "data", None) or request.POST
        given = data.get("email") or data.get("username")
    return User.objects.normalize_email(given) if isinstance(given, str) and given else None


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked sign-in answers (the login page and the admin's): why, and what
    to do -- never the login form again, where every try would be refused. The token
    endpoint answers ``AccountLockedError`` itself (people/api/serializers.py)."""
    return render(request, "registration/locked.html", {"message": locked_message()}, status=403)


# --- password reset --------------------------------------------------------------------

# One reset email per account in this window, however often it is asked for.
RESET_EMAIL_WINDOW = datetime.timedelta(minutes=5)


def password_reset_users(email: str):
    """The accounts a reset for ``email`` may reach: active, with a password to reset."""
    users = User.objects.filter(email__iexact=User.objects.normalize_email(email), is_active=True)
    return [user for user in users if user.has_usable_password()]


def password_reset_request(*, email: str, now: datetime.datetime | None = None) -> None:
    """Owe a reset email to the account that uses ``email``, if there is one; answer the
    same either way, so the caller cannot learn which addresses have accounts. The link
    is made when the email is sent (people/emails.py), never stored."""
    now = now or timezone.now()
    window = int(now.timestamp() // RESET_EMAIL_WINDOW.total_seconds())
    outbox.emails_owe(
        [password_reset_email(user, window=window) for user in password_reset_users(email)],
        now=now,
    )

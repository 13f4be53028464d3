"""Email addresses as mailboxes (which addresses reach the same person, and which belong
to the company), and the one email people owes: the password reset.

``mailbox_key`` folds the spellings that deliver to one inbox (case, ``+tag``
sub-addressing, and Gmail's ignored dots), so a leader cannot nominate
``me+sock@example.com`` as someone else or one colleague twice.

The reset email is owed by ``people.signin.password_reset_request`` and built by the
outbox when it is sent: the link (Django's reset token) is made then, so it is never
stored, and it expires ``PASSWORD_RESET_TIMEOUT`` seconds later or once used.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from common.models import Email
from common.outbox import EmailKind, Owed
from people.models import User
from people.passwords import password_sign_in_allowed
from people.roles import Role, has_role

PASSWORD_RESET = "people.password_reset"  # noqa: S105 — an email kind, not a secret
MANAGER_INVITATION = "people.manager_invitation"

DOTS_IGNORED = {"gmail.com", "googlemail.com"}


def mailbox_key(email: str) -> str:
    local, _, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def on_company_domain(email: str) -> bool:
    """Is the address on one of the company's email domains (``FEEDBACK_RATER_DOMAINS``)?"""
    domain = (email or "").strip().lower().rpartition("@")[2]
    return domain in {d.strip().lower() for d in settings.FEEDBACK_RATER_DOMAINS if d.strip()}


# --- the password reset email -----------------------------------------------------------


def password_reset_email(user: User, *, window: int) -> Owed:
    """A reset email for ``user``; owed once per ``window`` however often it is asked for."""
    return Owed(kind=PASSWORD_RESET, ref=user.pk, to=[user.email], variant=str(window))


def password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])


def _duration(seconds: int) -> str:
    hours, minutes = seconds // 3600, max(seconds // 60, 1)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _choose_password_context(user: User) -> dict:
    """What an email with a link to choose a password says: the link, made now, how long
    it works, and where to sign in (the reset and the manager's invitation). Someone who
    may not sign in with a password (``password_sign_in_allowed``) is sent to single
    sign-on instead: ``sso_name`` is set and there is no link."""
    context = {"user": user, "login_url": settings.SITE_URL + reverse("login")}
    if not password_sign_in_allowed(user.email):
        return {**context, "sso_name": settings.OIDC_PROVIDER_NAME}
    return {
        **context,
        "reset_url": password_reset_link(user),
        "valid_for": _duration(settings.PASSWORD_RESET_TIMEOUT),
    }


def password_reset_build(email: Email) -> EmailMessage | None:
    """The reset email with a fresh link, unless the account can no longer sign in with a
    password (deactivated, or its password was removed) -- then it is no longer owed."""
    user = User.objects.filter(pk=email.ref, is_active=True).first()
    if user is None or not user.has_usable_password():
        return None
    if not password_sign_in_allowed(user.email):
        return None  # password sign-in was turned off for them since it was asked for
    context = _choose_password_context(user)
    body = render_to_string("registration/password_reset_email.txt", context)
    return EmailMessage(subject="Reset your Lodestar password", body=body, to=[user.email])


# --- the manager's invitation ------------------------------------------------------------


def manager_invitation(user: User, *, day: datetime.date) -> Owed:
    """Once a day at most, however often HR grants and takes back the role that day."""
    return Owed(kind=MANAGER_INVITATION, ref=user.pk, to=[user.email], variant=day.isoformat())


def manager_invitation_build(email: Email) -> EmailMessage | None:
    """The invitation with a fresh link to choose a password, unless they left or the
    role was taken away meanwhile."""
    user = User.objects.filter(pk=email.ref, is_active=True).first()
    if user is None or not has_role(user, Role.MANAGER):
        return None
    context = _choose_password_context(user)
    body = render_to_string("registration/manager_invitation_email.txt", context)
    return EmailMessage(
        subject="You can now follow your leaders in Lodestar", body=body, to=[user.email]
    )


KINDS = [
    EmailKind(PASSWORD_RESET, build=password_reset_build),
    EmailKind(MANAGER_INVITATION, build=manager_invitation_build),
]

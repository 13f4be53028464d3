"""Single sign-on's rules: which Lodestar account an identity from the company's
provider signs in as, or why it is refused; and HR's switch for just-in-time accounts on
an allowed email domain. One place for each: the views only call these."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from common import audit
from directory.models import JitDomain
from people.models import User
from people.services import user_create


class SignInRefused(Exception):
    """Why an identity may not sign in: ``reason`` is a short code (logs, tests), the
    message is what the person reads."""

    MESSAGES = {
        "provider_error": "Your company's sign-in service did not complete the sign-in. "
        "Try again; if it keeps failing, tell HR.",
        "state": "This sign-in link was not started here, or it was already used. "
        "Start again from the login page.",
        "no_email": "Your company's sign-in service did not tell Lodestar your email address.",
        "unverified_email": "Your company's sign-in service has not verified your email "
        "address, so Lodestar cannot tell whose account it is.",
        "domain_not_allowed": "Accounts on this email domain may not sign in to Lodestar "
        "with single sign-on.",
        "no_account": "There is no Lodestar account for this email address. Lodestar does "
        "not create accounts on sign-in: ask HR to add you.",
        "inactive": "This Lodestar account is deactivated. If you think that is wrong, ask HR.",
        "unsupported_email": "Lodestar accounts have plain (ASCII) email addresses; this one "
        "has other characters, so Lodestar cannot tell whose account it is. Ask HR.",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        self.message = self.MESSAGES[reason]


def allowed_domains() -> list[str]:
    return list(settings.OIDC_ALLOWED_DOMAINS)


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def email_is_verified(claims: Mapping) -> bool:
    # A boolean by the spec; some providers send the string "true".
    verified = claims.get("email_verified")
    return verified is True or (isinstance(verified, str) and verified.lower() == "true")


def sso_account_for(*, claims: Mapping) -> User:
    """The account the identity signs in as: a verified email on an allowed domain that
    names an active account (case-insensitively), or a new account without any role
    when HR turned on just-in-time accounts for the domain. ``SignInRefused`` otherwise."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused("no_email")
    if not email.isascii():
        # Case-folding a lookalike (long s, the Kelvin sign) can land on someone else's
        # address; Lodestar's addresses are ASCII, so no such identity is anyone's.
        raise SignInRefused("unsupported_email")
    if not email_is_verified(claims):
        raise SignInRefused("unverified_email")
    domain = domain_of(email)
    if domain not in allowed_domains():
        raise SignInRefused("domain_not_allowed")
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        if not JitDomain.objects.filter(domain=domain).exists():
            raise SignInRefused("no_account")
        return jit_account_create(email=email, full_name=claims.get("name") or "", domain=domain)
    if not user.is_active:
        raise SignInRefused("inactive")
    return user


@transaction.atomic
def jit_account_create(*, email: str, full_name: str, domain: str) -> User:
    """An account for a first single sign-on on a just-in-time domain: no role, no
    password (HR grants roles); recorded as the system's doing."""
    name = full_name.strip() if isinstance(full_name, str) else ""
    try:
        with transaction.atomic():
            user = user_create(
                email=email, full_name=name or email.partition("@")[0], by=audit.SYSTEM
            )
    except (IntegrityError, ValidationError):
        # A first sign-in at the same moment made it between the caller's look and this.
        existing = User.objects.filter(email__iexact=email.strip()).first()
        if existing is None:
            raise
        return existing
    audit.record(
        action="user.sso_create",
        by=audit.SYSTEM,
        obj=user,
        changes={"just_in_time_domain": [None, domain]},
        about=user,
    )
    return user


@transaction.atomic
def jit_domain_set(*, domain: str, on: bool, by) -> bool:
    """Turn just-in-time accounts on or off for ``domain`` (one of the allowed domains
    to turn it on; any, to turn it off). True if that changed anything."""
    domain = domain.strip().lower()
    if not domain:
        raise ValidationError({"domain": "Name the email domain."})
    if on:
        if domain not in allowed_domains():
            raise ValidationError(
                {"domain": f"{domain or 'That'} is not one of the single sign-on domains."}
            )
        row, made = JitDomain.objects.get_or_create(domain=domain, defaults={"created_by": by})
        if made:
            audit.record(
                action="jit_domain.create",
                by=by,
                obj=row,
                changes=audit.created(row, ["domain"]),
            )
        return made
    row = JitDomain.objects.filter(domain=domain).first()
    if row is None:
        return False
    audit.record(action="jit_domain.delete", by=by, obj=row, changes=audit.deleted(row, ["domain"]))
    row.delete()
    return True

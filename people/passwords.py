"""Who may sign in with a password, and whether single sign-on is on: the one rule the
login pages, the admin's login, password resets, the API's token endpoint and the emails
that offer a password link all follow (``docs/sso.md``)."""

from django.conf import settings


def sso_enabled() -> bool:
    """Single sign-on is on when the deployment names an OpenID issuer and a client
    (directory/sso/ answers 404 otherwise, and the login page shows no button)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def password_sign_in_allowed(email: str) -> bool:
    """May ``email`` sign in with a password (the login page, the admin's, an API token)
    or ask for a reset? Everyone while ``PASSWORD_SIGN_IN`` is on; once it is off, only
    the break-glass accounts (``BREAK_GLASS_EMAILS``), case-insensitively."""
    if settings.PASSWORD_SIGN_IN:
        return True
    return (email or "").strip().lower() in settings.BREAK_GLASS_EMAILS


def password_sign_in_off_message() -> str:
    where = f"Sign in with {settings.OIDC_PROVIDER_NAME}" if sso_enabled() else "Ask HR"
    return f"Password sign-in is turned off for this account. {where} instead."

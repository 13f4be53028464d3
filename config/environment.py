"""What the deployment's environment variables may say, and what production must set.

Production settings call ``production_problems`` before they read anything, so a server
with a missing or wrong variable refuses to start and names every one of them at once,
instead of quietly falling back to development's defaults (SQLite under var/, Redis on
localhost, emails written to files, links to http://127.0.0.1:8000).
"""

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import environ
from django.http.request import validate_host

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# EMAIL_URL schemes that name an SMTP server: how each secures the connection, and its
# port when the URL names none. ``smtps`` is TLS from the first byte (port 465) as
# everywhere else, not STARTTLS as django-environ reads it; ``submission`` is STARTTLS on
# 587, which django-environ does not know at all.
SMTP_SCHEMES: dict[str, tuple[dict, int]] = {
    "smtp": ({}, 25),
    "submission": ({"EMAIL_USE_TLS": True}, 587),
    "smtp+tls": ({"EMAIL_USE_TLS": True}, 587),
    "smtps": ({"EMAIL_USE_SSL": True}, 465),
    "smtp+ssl": ({"EMAIL_USE_SSL": True}, 465),
}
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
# HSTS preload lists take a domain only with subdomains included and a max-age of a year.
HSTS_PRELOAD_MIN_SECONDS = 60 * 60 * 24 * 365


def email_config(url: str) -> dict:
    """Django's email settings for EMAIL_URL (django-environ's, with the SMTP schemes above)."""
    scheme = urlsplit(url).scheme
    if scheme not in SMTP_SCHEMES:
        return environ.Env.email_url_config(url)  # filemail://, consolemail:// (development)
    security, default_port = SMTP_SCHEMES[scheme]
    config = environ.Env.email_url_config(url, backend=SMTP_BACKEND)
    config.pop("EMAIL_FILE_PATH", None)
    config.update({"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, **security})
    config["EMAIL_PORT"] = config["EMAIL_PORT"] or default_port
    return config


# --- what production requires -----------------------------------------------------------

# Each required variable, with what a good value looks like (named when it is missing).
REQUIRED = {
    "SECRET_KEY": "50+ random characters: python3 -c 'import secrets; "
    "print(secrets.token_urlsafe(64))'",
    "DATABASE_URL": "postgres://user:password@host:5432/lodestar",
    "REDIS_URL": "redis://host:6379/0",
    "EMAIL_URL": "smtp://, submission:// (STARTTLS) or smtps:// (TLS) with user:password@host",
    "SITE_URL": "https://lodestar.example.com, the address people open",
    "ALLOWED_HOSTS": "the host names served, comma-separated: lodestar.example.com",
}


def _secret_key(value: str) -> str | None:
    # The rule of Django's own deployment check (security.W009).
    if value.startswith("django-insecure") or len(value) < 50 or len(set(value)) < 5:
        return "must be a real secret of 50+ random characters, not a development key"
    return None


def _database_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in POSTGRES_SCHEMES or not parts.path.strip("/"):
        return (
            f"must name a PostgreSQL database ({REQUIRED['DATABASE_URL']}), not "
            f"{parts.scheme or value!r}: SQLite is for development only"
        )
    return None


def _redis_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in REDIS_SCHEMES or not (parts.hostname or parts.path):
        return "must be a Redis URL: redis://host:6379/0 (rediss:// for TLS)"
    return None


def _email_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in SMTP_SCHEMES:
        return (
            f"must name an SMTP server ({REQUIRED['EMAIL_URL']}), not "
            f"{parts.scheme or value!r}: files and the console are read by nobody"
        )
    if not parts.hostname:
        return "must name the SMTP server's host"
    return None


def _site_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return (
            "must be the https:// address people open (emailed links carry rater "
            "credentials and must not travel in the clear)"
        )
    if parts.path.strip("/") or parts.query or parts.fragment:
        return "must be the site's address alone, without a path (https://lodestar.example.com)"
    return None


def _allowed_hosts(value: str) -> str | None:
    if "*" in _hosts(value):
        return "must name the hosts served, not '*' (any Host header would be believed)"
    return None


CHECKS: dict[str, Callable[[str], str | None]] = {
    "SECRET_KEY": _secret_key,
    "DATABASE_URL": _database_url,
    "REDIS_URL": _redis_url,
    "EMAIL_URL": _email_url,
    "SITE_URL": _site_url,
    "ALLOWED_HOSTS": _allowed_hosts,
}


def _hosts(value: str) -> list[str]:
    return [host.strip() for host in value.split(",") if host.strip()]


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in environ.Env.BOOLEAN_TRUE_STRINGS


def _between_variables(values: Mapping[str, str], fine: set[str]) -> list[str]:
    """Problems of variables that are each ``fine`` alone but not together, and switches
    that must be off (or set consistently) in production."""
    problems = []
    site_host = urlsplit(values.get("SITE_URL", "")).hostname
    hosts = _hosts(values.get("ALLOWED_HOSTS", ""))
    if {"SITE_URL", "ALLOWED_HOSTS"} <= fine and not validate_host(site_host, hosts):
        problems.append(
            f"ALLOWED_HOSTS must include SITE_URL's host {site_host} "
            "(every emailed link would be refused)"
        )
    if _true(values.get("DEBUG")):
        problems.append("DEBUG must be off in production (it shows settings and data on errors)")
    if _true(values.get("SECURE_HSTS_PRELOAD")):
        seconds = values.get("SECURE_HSTS_SECONDS", "").strip()
        long_enough = not seconds or (
            seconds.isdigit() and int(seconds) >= HSTS_PRELOAD_MIN_SECONDS
        )
        if not _true(values.get("SECURE_HSTS_INCLUDE_SUBDOMAINS")) or not long_enough:
            problems.append(
                "SECURE_HSTS_PRELOAD needs SECURE_HSTS_INCLUDE_SUBDOMAINS=true and "
                f"SECURE_HSTS_SECONDS of at least {HSTS_PRELOAD_MIN_SECONDS} (one year)"
            )
    return problems


def _single_sign_on(values: Mapping[str, str]) -> list[str]:
    """Single sign-on half configured, over plain HTTP, or passwords turned off with no
    other way in (docs/sso.md)."""
    problems = []
    issuer = (values.get("OIDC_ISSUER") or "").strip()
    client_id = (values.get("OIDC_CLIENT_ID") or "").strip()
    if issuer or client_id:
        if urlsplit(issuer).scheme != "https" or not urlsplit(issuer).hostname:
            problems.append("OIDC_ISSUER must be the provider's https:// issuer URL")
        missing = [
            name
            for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ALLOWED_DOMAINS")
            if not (values.get(name) or "").strip()
        ]
        if missing:
            problems.append(f"single sign-on (OIDC_ISSUER) also needs {', '.join(missing)}")
    if not _true(values.get("PASSWORD_SIGN_IN", "true")):
        if not (issuer and client_id):
            problems.append(
                "PASSWORD_SIGN_IN=false needs single sign-on (OIDC_ISSUER, OIDC_CLIENT_ID): "
                "nobody could sign in"
            )
        if not (values.get("BREAK_GLASS_EMAILS") or "").strip():
            problems.append(
                "PASSWORD_SIGN_IN=false needs BREAK_GLASS_EMAILS (an HR account for the day "
                "the identity provider is down)"
            )
    return problems


def production_problems(environ_: Mapping[str, str]) -> list[str]:
    """Every variable production needs that is missing or wrong, one line each."""
    problems, fine = [], set()
    for name, check in CHECKS.items():
        value = (environ_.get(name) or "").strip()
        if not value or (name == "ALLOWED_HOSTS" and not _hosts(value)):
            problems.append(f"{name} is not set ({REQUIRED[name]})")
        elif problem := check(value):
            problems.append(f"{name} {problem}")
        else:
            fine.add(name)
    return problems + _between_variables(environ_, fine) + _single_sign_on(environ_)


def production_refusal(problems: list[str]) -> str:
    """The one message a server that refuses to start prints."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"Lodestar's production settings refuse to start; set these in the environment "
        f"(README, Configuration):\n{lines}"
    )

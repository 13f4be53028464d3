"""Production settings: fail closed, HTTPS enforced, JSON logs, optional Sentry.

Before anything is read, every variable production needs is checked
(config/environment.py): a missing or wrong one stops the process with one message
naming all of them, instead of a fallback to SQLite, localhost Redis, emails written to
files or links to http://127.0.0.1:8000.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.environment import production_problems, production_refusal

if _problems := production_problems(os.environ):
    raise ImproperlyConfigured(production_refusal(_problems))

from config.logs import logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env

DEMO_DATA_ALLOWED = False
API_DOCS_PUBLIC = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HSTS: a year by default. Including subdomains binds every other site of the domain to
# HTTPS, and preloading binds every browser for months, so both are the domain owner's
# choice: off unless set (check --deploy's reminders of them are silenced while off).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    SILENCED_SYSTEM_CHECKS.append("security.W005")
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# One JSON object per line for the log collector (LOG_FORMAT=text to read them by eye).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT)

# Error reporting, if wanted: personal data scrubbed before anything leaves (config/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

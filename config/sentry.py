"""Optional error reporting to Sentry (SENTRY_DSN), with personal data scrubbed.

Sentry learns that something broke and where, never who said what: no request bodies,
cookies, headers or query strings, no local variables, no user beyond an id, and no live
rater-link token or email address in any string it is sent.
"""

from __future__ import annotations

import re
from typing import Any

from config.logs import scrub

EMAIL_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_PLACEHOLDER = "[email]"
# What Sentry's Django integration attaches to a request that could hold personal data.
DROPPED_REQUEST_KEYS = ("data", "cookies", "headers", "env", "query_string")


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL_ADDRESS.sub(EMAIL_PLACEHOLDER, scrub(value))
    if isinstance(value, dict):
        # A stack frame's local variables ("vars") can hold anything a function touched.
        return {key: _scrubbed(item) for key, item in value.items() if key != "vars"}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's ``before_send``: the event without personal data."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in DROPPED_REQUEST_KEYS:
            request.pop(key, None)
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return _scrubbed(event)


def sentry_init(*, dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
    )

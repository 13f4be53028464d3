"""Schemathesis hooks of the schema fuzzing (scripts/fuzz.sh): signs in as one role.

Every request carries ``Authorization: Token <t>`` for the account in ``FUZZ_EMAIL`` /
``FUZZ_PASSWORD``, fetched from ``POST {FUZZ_BASE_URL}/api/v1/auth/token/``. The fuzzer
may revoke that very token (``DELETE /api/v1/auth/tokens/{id}/``, ``revoke-all``): the
401 that follows makes Schemathesis sign in again and replay the request once.
"""

from __future__ import annotations

import json
import os
import urllib.request

import schemathesis


def _sign_in() -> str:
    body = json.dumps({"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]})
    request = urllib.request.Request(  # noqa: S310 — the app on loopback, over http
        os.environ["FUZZ_BASE_URL"] + "/api/v1/auth/token/",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — loopback
        return json.load(response)["token"]


@schemathesis.auth()
class LodestarToken:
    def get(self, case, context):
        return _sign_in()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {data}"

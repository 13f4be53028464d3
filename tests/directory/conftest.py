"""The directory's fixtures: SCIM requests as an identity provider sends them (a bearer
token HR made, bodies in ``application/scim+json``), and single sign-on's real OpenID
provider (tests/directory/oidc.py) for the test client's callback and one for the
browser's (the live server's)."""

import json

import pytest
from django.db import transaction
from django.test import Client

from common import audit
from directory.scim.tokens import scim_token_create
from tests.directory.oidc import TEST_CLIENT_CALLBACK, running_provider, sso_settings

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    """``scim.get("/Users")``, ``scim.post("/Users", body)``: paths under /scim/v2/."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body=None, *, raw: str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": SCIM} if data is not None else {}
        return getattr(self.client, method)(f"/scim/v2{path}", data, headers=self.headers, **kwargs)

    def get(self, path, **params):
        return self.client.get(f"/scim/v2{path}", params, headers=self.headers)

    def post(self, path, body=None, **kw):
        return self.request("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("patch", path, body, **kw)

    def delete(self, path):
        return self.request("delete", path)


@pytest.fixture
def scim_token(db):
    with transaction.atomic():
        token, raw = scim_token_create(name="Okta", by=audit.SYSTEM)
    return token, raw


@pytest.fixture
def scim(scim_token):
    return ScimClient(scim_token[1])


def okta_user(email="ana.lima@example.com", **overrides) -> dict:
    """A user as Okta's SCIM 2.0 app creates one."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "userName": email,
        "name": {"givenName": "Ana", "familyName": "Lima"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Ana Lima",
        "title": "Sales Team Lead",
        "externalId": "00u1abcd",
        "active": True,
        "groups": [],
        ENTERPRISE: {"division": "EMEA"},
    }
    body.update(overrides)
    return body


def patch(*operations) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory):
    """A provider whose client calls back to Django's test client."""
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with running_provider([TEST_CLIENT_CALLBACK], log) as issuer:
        yield issuer


@pytest.fixture
def sso(db, settings, oidc_issuer):
    """Single sign-on on, at the provider; example.com is the allowed domain."""
    sso_settings(settings, oidc_issuer)
    return settings


@pytest.fixture(scope="session")
def browser_oidc_issuer(live_server, tmp_path_factory):
    """A provider whose client calls back to the live server (the browser tests)."""
    log = tmp_path_factory.mktemp("oidc-browser") / "provider.log"
    with running_provider([f"{live_server.url}/sso/callback/"], log) as issuer:
        yield issuer


@pytest.fixture
def browser_sso(settings, browser_oidc_issuer):
    sso_settings(settings, browser_oidc_issuer)
    return settings

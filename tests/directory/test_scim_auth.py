"""Only a live SCIM bearer token opens /scim/v2/: no token, a wrong or revoked one, an HR
session or an HR API token all get a 401 SCIM error with the Bearer challenge."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from common.models import AuditEvent
from directory.models import ScimToken
from directory.scim.tokens import scim_token_create, scim_token_revoke, token_digest
from people import tokens as api_tokens
from tests.directory.conftest import ERROR, ScimClient

pytestmark = pytest.mark.django_db

ROUTES = ["/Users", "/Groups", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]


def _refused(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert (body["schemas"], body["status"]) == ([ERROR], "401")


@pytest.mark.parametrize("path", ROUTES)
def test_no_token_is_401(path):
    _refused(ScimClient(None).get(path))


def test_a_wrong_token_is_401():
    _refused(ScimClient("lodestar_scim_not-a-token").get("/Users"))


def test_a_revoked_token_is_401(scim_token, hr):
    token, raw = scim_token
    assert ScimClient(raw).get("/Users").status_code == 200
    with transaction.atomic():
        scim_token_revoke(token=token, by=hr)

    _refused(ScimClient(raw).get("/Users"))


def test_an_hr_session_is_not_a_scim_token(hr):
    client = Client()
    client.force_login(hr)

    _refused(client.get("/scim/v2/Users"))
    _refused(client.post("/scim/v2/Users", "{}", content_type="application/scim+json"))


def test_an_hr_api_token_is_not_a_scim_token(hr):
    with transaction.atomic():
        _, raw = api_tokens.token_issue(user=hr)
    assert (
        Client().get("/api/v1/programs/", headers={"Authorization": f"Token {raw}"}).status_code
        == 200
    )

    _refused(ScimClient(raw).get("/Users"))


def test_a_token_is_stored_as_its_digest_and_notes_its_use(scim_token, clock):
    token, raw = scim_token
    assert token.digest == token_digest(raw) and raw not in (token.digest, token.prefix)
    assert raw.startswith("lodestar_scim_")

    ScimClient(raw).get("/Users")

    token.refresh_from_db()
    assert token.last_used_at == clock.now


def test_making_and_revoking_a_token_is_audited(hr):
    with transaction.atomic():
        token, raw = scim_token_create(name="Entra", by=hr)
        assert scim_token_revoke(token=token, by=hr)
        assert not scim_token_revoke(token=token, by=hr)

    events = AuditEvent.objects.filter(object_id=str(token.pk)).order_by("at", "pk")
    assert [(e.action, e.actor) for e in events] == [
        ("scim_token.create", hr),
        ("scim_token.revoke", hr),
    ]
    assert raw not in str(events[0].changes) and token.digest not in str(events[0].changes)
    assert ScimToken.objects.get().created_by == hr
    assert ScimToken.objects.get().revoked_at <= timezone.now() + datetime.timedelta(seconds=1)

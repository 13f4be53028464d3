"""HR makes and revokes SCIM tokens on a page (the token shown once); the command makes
one too; nobody else reaches the page."""

import pytest
from django.core.management import call_command
from django.test import Client

from common.models import AuditEvent
from directory.models import ScimToken
from directory.scim.tokens import token_digest
from tests.directory.conftest import ScimClient

pytestmark = pytest.mark.django_db

PAGE = "/directory/scim/tokens/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hr_makes_a_token_shown_once_that_opens_scim(hr):
    client = _signed_in(hr)

    made = client.post(PAGE, {"name": "Okta"})

    assert made.status_code == 201
    secret = made.context["secret"]
    assert secret in made.content.decode()
    token = ScimToken.objects.get()
    assert (token.name, token.created_by, token.digest) == ("Okta", hr, token_digest(secret))
    assert secret not in client.get(PAGE).content.decode()
    assert ScimClient(secret).get("/Users").status_code == 200
    event = AuditEvent.objects.get(action="scim_token.create")
    assert event.actor == hr


def test_a_nameless_token_is_refused(hr):
    response = _signed_in(hr).post(PAGE, {"name": "  "})

    assert response.status_code == 400
    assert not ScimToken.objects.exists()


def test_hr_revokes_a_token(hr):
    client = _signed_in(hr)
    secret = client.post(PAGE, {"name": "Okta"}).context["secret"]
    token = ScimToken.objects.get()

    response = client.post(f"{PAGE}{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ScimClient(secret).get("/Users").status_code == 401
    assert AuditEvent.objects.get(action="scim_token.revoke").actor == hr


def test_only_hr_reaches_the_page(leader, mentor):
    assert Client().get(PAGE).status_code == 302
    assert _signed_in(leader).get(PAGE).status_code == 403
    assert _signed_in(mentor).post(PAGE, {"name": "Okta"}).status_code == 403
    assert not ScimToken.objects.exists()


def test_the_command_prints_a_working_token(capsys):
    call_command("scim_token_create", "Entra")

    secret = capsys.readouterr().out.strip()
    token = ScimToken.objects.get()
    assert token.name == "Entra" and token.created_by is None
    assert token.digest == token_digest(secret)
    assert AuditEvent.objects.get(action="scim_token.create").actor_kind == "system"


def test_the_list_shows_how_each_token_really_starts(hr):
    """The secret starts lodestar_scim_…; the list shows that start, not a middle part."""
    client = _signed_in(hr)
    secret = client.post(PAGE, {"name": "Okta"}).context["secret"]

    listed = client.get(PAGE).content.decode()

    assert f"<code>{secret[:22]}…</code>" in listed
    revoked = client.post(f"{PAGE}{ScimToken.objects.get().pk}/revoke/", follow=True)
    assert f"Okta ({secret[:22]}…) is revoked" in revoked.content.decode()

"""Attack 7: rater links live forever, and an incomplete form answered 400, so Django
logged ``Bad Request: /feedback/r/<live token>/`` where anyone reading the logs could
pick it up and answer or decline for that rater.

Defence: a link expires with its request (deadline or extension, plus a short grace);
a token minted before its request existed is refused; form errors re-render with 200;
no log line carries a live token; the rater pages send only their origin as Referer
and are not cached; the outbox builds each email when it sends it, so no token is
stored in it or shown in its admin."""

import datetime
import io
import logging
import re

import pytest
from django.core import signing

from common.models import Email
from feedback.links import TOKEN_SALT, request_token
from feedback.models import RaterRequest
from tests.feedback.factories import RaterRequestFactory
from tests.privacy.attack import DUE_AT, link_of, open_cycle, requests_of


@pytest.fixture
def live_request(world, clock):
    open_cycle(clock, world.cycle)
    return requests_of(world.cycle, world.leader, "direct_report")[0]


@pytest.fixture
def log_output():
    """What the configured log handlers write (not pytest's capture), as a string."""
    buffer = io.StringIO()
    handlers = [
        handler
        for name in ("", "django.server")
        for handler in logging.getLogger(name).handlers
        # The handlers settings.LOGGING configured, not pytest's capturing ones.
        if type(handler) is logging.StreamHandler
    ]
    assert handlers, "no stream handler configured"
    previous = [handler.stream for handler in handlers]
    for handler in handlers:
        handler.setStream(buffer)
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def test_an_incomplete_form_rerenders_with_200_and_logs_no_token(client, live_request, log_output):
    token = request_token(live_request)

    response = client.post(f"/feedback/r/{token}/", {})

    assert response.status_code == 200
    assert "Choose a rating" in response.content.decode()
    assert token not in log_output.getvalue()


def test_refused_links_are_logged_without_their_token(client, anon_api, live_request, log_output):
    token = request_token(live_request)
    assert anon_api.post(f"/api/v1/feedback/respond/{token}/", {"decline": True}).status_code == 201

    used_page = client.get(f"/feedback/r/{token}/")
    used_api = anon_api.get(f"/api/v1/feedback/respond/{token}/")
    logging.getLogger("django.server").info('"GET /feedback/r/%s/ HTTP/1.1" 410 12', token)

    assert used_page.status_code == used_api.status_code == 410
    written = log_output.getvalue()
    assert "/feedback/r/" in written
    assert token not in written


def test_a_link_expires_with_its_request(anon_api, client, live_request, clock):
    token = request_token(live_request)
    clock.set(DUE_AT + datetime.timedelta(days=30))

    response = anon_api.get(f"/api/v1/feedback/respond/{token}/")
    page = client.get(f"/feedback/r/{token}/")

    assert response.status_code == 410
    assert response.json()["reason"] == "expired"
    assert page.status_code == 410
    assert live_request.subject.full_name not in page.content.decode()


def test_an_extension_keeps_the_link_alive(api, anon_api, hr, live_request, clock):
    token = request_token(live_request)
    extended = api(hr).post(
        f"/api/v1/feedback/requests/{live_request.pk}/extend/",
        {"due_at": (DUE_AT + datetime.timedelta(days=20)).isoformat()},
    )
    assert extended.status_code == 200, extended.json()
    clock.set(DUE_AT + datetime.timedelta(days=10))

    assert anon_api.get(f"/api/v1/feedback/respond/{token}/").status_code == 200


def test_a_token_minted_before_its_request_existed_is_refused(anon_api, world, clock):
    """Ids can be reused (a restored database, an erased request): an old token that
    names the id must not open the new request."""
    open_cycle(clock, world.cycle)
    next_id = (RaterRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    old_token = signing.dumps({"request": next_id}, salt=TOKEN_SALT, compress=True)
    clock.set(world.cycle.opens_at + datetime.timedelta(hours=2))
    request = RaterRequestFactory(pk=next_id, cycle=world.cycle, subject=world.leader, group="peer")

    response = anon_api.get(f"/api/v1/feedback/respond/{old_token}/")

    assert response.status_code == 400
    assert response.json()["reason"] == "invalid"
    assert anon_api.get(f"/api/v1/feedback/respond/{request_token(request)}/").status_code == 200


def test_rater_pages_send_no_token_in_the_referer_and_are_not_cached(
    client, anon_api, live_request
):
    token = request_token(live_request)
    for response in (client.get(f"/feedback/r/{token}/"), anon_api.get(link_of(live_request))):
        assert response.status_code == 200
        # The origin only (the form still posts with a real Origin header for CSRF).
        assert response["Referrer-Policy"] == "strict-origin"
        assert "no-store" in response["Cache-Control"]


def test_the_outbox_neither_stores_nor_shows_a_rater_link(client, hr, live_request, mailoutbox):
    """Emails are built when they are sent: the outbox row of an invitation names its
    request, never the link, so neither HR's email admin nor the database holds a live
    token (and a failure's error names the exception, not the message)."""
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    invitation = next(m for m in mailoutbox if m.to == [live_request.rater.email])
    token = re.search(r"/feedback/r/([^/\s]+)/", invitation.body).group(1)
    row = Email.objects.get(kind="feedback.invitation", ref=live_request.pk)

    pages = [
        client.get("/admin/common/email/"),
        client.get(f"/admin/common/email/{row.pk}/change/"),
    ]
    stored = " ".join(str(value) for value in Email.objects.values_list().get(pk=row.pk))

    assert all(page.status_code == 200 for page in pages)
    assert token not in stored and "/feedback/r/" not in stored
    for page in pages:
        assert token not in page.content.decode()
        assert "/feedback/r/" not in page.content.decode()

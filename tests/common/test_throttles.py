"""Rate limits: per address on sign-in (the token endpoint, the login, admin login and
reset forms) and on rater links (page and API), per user on API writes; counted in Redis,
so every web process shares one count, and out of the way when Redis is down.

The test settings switch the limits off; each test here sets its own, and counts under
its own key prefix so no other test's requests are counted with its own."""

import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from common import throttles
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME, ELSEWHERE = "10.3.3.3", "10.4.4.4"
RATER_PAGE = "/feedback/r/not-a-real-link/"
RATER_API = "/api/v1/feedback/respond/not-a-real-link/"


@pytest.fixture(autouse=True)
def counts(monkeypatch, settings):
    """Every limit off until a test sets one, counted under a prefix of this test's own."""
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(throttles._Throttle, "cache_format", prefix + "_%(scope)s_%(ident)s")
    settings.THROTTLE_RATES = dict.fromkeys(django_settings.THROTTLE_RATES)
    return prefix


def limit(settings, **rates) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **rates}


def token_attempt(address: str = HOME):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"email": "someone@example.com", "password": "guess"}
    )


def test_the_token_endpoint_is_limited_per_address(settings, clock):
    limit(settings, sign_in="3/minute")

    answers = [token_attempt().status_code for _ in range(4)]

    assert answers == [400, 400, 400, 429]
    refused = token_attempt()
    assert "throttled" in refused.json()["detail"]
    assert int(refused["Retry-After"]) <= 60
    assert token_attempt(ELSEWHERE).status_code == 400
    clock.advance(minutes=1, seconds=1)
    assert token_attempt().status_code == 400


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/password/reset/"])
def test_the_sign_in_forms_are_limited_per_address_when_posted(settings, path):
    limit(settings, sign_in="2/minute")
    client = Client(REMOTE_ADDR=HOME)
    form = {"username": "someone@example.com", "password": "guess", "email": "x@example.com"}

    for _ in range(2):
        assert client.post(path, form).status_code != 429
    refused = client.post(path, form)

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert refused["Retry-After"]
    assert client.get(path).status_code == 200  # reading the form is not counted
    assert Client(REMOTE_ADDR=ELSEWHERE).post(path, form).status_code != 429


def test_rater_links_are_limited_per_address_on_the_page_and_the_api_together(settings):
    limit(settings, rater_link="3/minute")
    page, api = Client(REMOTE_ADDR=HOME), APIClient(REMOTE_ADDR=HOME)

    answers = [
        page.get(RATER_PAGE).status_code,
        api.get(RATER_API).status_code,
        page.post(RATER_PAGE).status_code,
    ]
    assert 429 not in answers
    refused_page, refused_api = page.get(RATER_PAGE), api.get(RATER_API)

    assert refused_page.status_code == refused_api.status_code == 429
    assert "Too many requests" in refused_page.content.decode()
    assert "no-cache" in refused_page["Cache-Control"]  # still a rater-link response
    assert Client(REMOTE_ADDR=ELSEWHERE).get(RATER_PAGE).status_code != 429


def test_api_writes_are_limited_per_user_and_reads_are_not(settings, api, leader, other_leader):
    limit(settings, writes="2/minute")
    mine = api(leader)

    writes = [mine.post("/api/v1/mentorship/goals/", {}).status_code for _ in range(3)]
    reads = [mine.get("/api/v1/mentorship/goals/").status_code for _ in range(5)]

    assert writes[:2] == [400, 400] and writes[2] == 429
    assert reads == [200] * 5
    assert api(other_leader).post("/api/v1/mentorship/goals/", {}).status_code == 400


def test_counts_live_in_redis_where_every_web_process_reads_them(settings, counts):
    limit(settings, sign_in="5/minute")

    token_attempt()

    shared = redis.Redis.from_url(django_settings.REDIS_URL)
    assert shared.keys(f"*{counts}_sign_in_{HOME}")


def test_with_redis_down_requests_go_through(settings, monkeypatch, caplog):
    limit(settings, sign_in="1/minute")

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(throttles._Throttle.cache, "get", unreachable)

    assert [token_attempt().status_code for _ in range(3)] == [400, 400, 400]
    assert "not counted: the cache is unreachable" in caplog.text


def test_the_sign_in_limit_slows_one_address_trying_many_accounts(settings):
    """The lockout counts per account; the address limit catches spraying one password
    over many accounts from one place."""
    limit(settings, sign_in="5/minute")
    people = [UserFactory() for _ in range(6)]
    client = APIClient(REMOTE_ADDR=HOME)

    answers = [
        client.post(
            "/api/v1/auth/token/", {"email": person.email, "password": "Summer2027!"}
        ).status_code
        for person in people
    ]

    assert answers == [400] * 5 + [429]

"""The sign-in lockout: ten wrong passwords for one account from one address lock that
account from that address on every sign-in path -- the login page, the token endpoint and
the admin's login -- until HR unlocks it in the admin; the right password is refused
meanwhile, with a message that says why and what to do."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from common.models import AuditEvent
from tests.browser import FACTORY_PASSWORD
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "leader.user@example.com"
HOME = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


def page(address: str = HOME) -> Client:
    return Client(REMOTE_ADDR=address)


def api(address: str = HOME) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def page_sign_in(client: Client, password: str, *, email: str = EMAIL, path: str = "/login/"):
    return client.post(path, {"username": email, "password": password})


def token_sign_in(client: APIClient, password: str, *, email: str = EMAIL):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password})


def is_locked_page(response) -> bool:
    text = response.content.decode()
    return response.status_code == 403 and "Sign-in locked" in text and "Ask HR" in text


def fail_nine_times(sign_in, client, **kwargs) -> None:
    for attempt in range(9):
        response = sign_in(client, f"wrong-{attempt}", **kwargs)
        assert response.status_code in (200, 400), f"attempt {attempt + 1} was {response}"


@pytest.fixture
def hr_admin(hr) -> Client:
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client = Client(REMOTE_ADDR="10.9.9.9")
    client.force_login(hr)
    return client


def test_ten_wrong_passwords_lock_the_login_page_even_for_the_right_one(leader):
    client = page()
    fail_nine_times(page_sign_in, client)

    tenth = page_sign_in(client, "wrong-10")
    eleventh = page_sign_in(client, FACTORY_PASSWORD)

    assert is_locked_page(tenth)
    assert is_locked_page(eleventh)
    assert "after 10 failed attempts" in eleventh.content.decode()
    assert "_auth_user_id" not in client.session


def test_ten_wrong_passwords_lock_the_token_endpoint_with_a_clear_detail(leader):
    client = api()
    fail_nine_times(token_sign_in, client)

    tenth = token_sign_in(client, "wrong-10")
    eleventh = token_sign_in(client, FACTORY_PASSWORD)

    for response in (tenth, eleventh):
        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "account_locked"
        assert "locked" in body["detail"] and "Ask HR to unlock it" in body["detail"]
        assert "token" not in body


def test_ten_wrong_passwords_lock_the_admin_login(hr):
    hr.is_staff = True
    hr.save()
    client = page()
    fail_nine_times(page_sign_in, client, email=hr.email, path="/admin/login/")
    page_sign_in(client, "wrong-10", email=hr.email, path="/admin/login/")

    eleventh = page_sign_in(client, FACTORY_PASSWORD, email=hr.email, path="/admin/login/")

    assert is_locked_page(eleventh)
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_failures_on_every_path_count_towards_one_lock(leader):
    for attempt in range(5):
        page_sign_in(page(), f"page-{attempt}")
        token_sign_in(api(), f"api-{attempt}")

    assert token_sign_in(api(), FACTORY_PASSWORD).status_code == 403
    assert is_locked_page(page_sign_in(page(), FACTORY_PASSWORD))


def test_the_account_is_counted_however_its_address_is_spelt(leader):
    for attempt in range(5):
        page_sign_in(page(), f"lower-{attempt}")
        page_sign_in(page(), f"upper-{attempt}", email="Leader.User@EXAMPLE.com")

    assert is_locked_page(page_sign_in(page(), FACTORY_PASSWORD))


def test_a_lock_holds_one_account_at_one_address_only(leader, other_leader):
    fail_nine_times(page_sign_in, page())
    assert is_locked_page(page_sign_in(page(), "wrong-10"))

    # The same account from another address, and another account from this one, sign in.
    elsewhere = page_sign_in(page(ELSEWHERE), FACTORY_PASSWORD)
    other = page_sign_in(page(), FACTORY_PASSWORD, email=other_leader.email)
    assert elsewhere.status_code == other.status_code == 302
    assert token_sign_in(api(ELSEWHERE), FACTORY_PASSWORD).status_code == 200
    assert token_sign_in(api(), FACTORY_PASSWORD, email=other_leader.email).status_code == 200


def test_signing_in_clears_the_count(leader):
    client = page()
    fail_nine_times(page_sign_in, client)
    assert page_sign_in(client, FACTORY_PASSWORD).status_code == 302
    client.logout()

    fail_nine_times(page_sign_in, client)

    assert page_sign_in(client, FACTORY_PASSWORD).status_code == 302


def test_a_wrong_password_below_the_limit_says_only_that_it_was_wrong(leader):
    response = page_sign_in(page(), "wrong")

    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert token_sign_in(api(), "wrong").json() == {
        "non_field_errors": ["Unable to log in with that email and password."]
    }


def test_an_unknown_account_is_locked_like_a_real_one():
    """Nothing tells an attacker which addresses have accounts, locked or not."""
    UserFactory(email="someone@example.com")
    fail_nine_times(token_sign_in, api(), email="nobody@example.com")

    assert token_sign_in(api(), "x", email="nobody@example.com").json()["code"] == "account_locked"


def test_hr_sees_the_lock_in_the_admin_and_unlocks_it(leader, hr, hr_admin):
    fail_nine_times(page_sign_in, page())
    page_sign_in(page(), "wrong-10")
    assert token_sign_in(api(), FACTORY_PASSWORD).status_code == 403

    listed = hr_admin.get("/admin/axes/accessattempt/", {"q": EMAIL})
    assert listed.status_code == 200
    assert EMAIL in listed.content.decode() and HOME in listed.content.decode()
    attempt = AccessAttempt.objects.get(username=EMAIL, ip_address=HOME)
    assert attempt.failures_since_start >= 10
    assert "wrong-" not in attempt.post_data  # passwords are never kept

    unlocked = hr_admin.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
    )

    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.filter(username=EMAIL).exists()
    event = AuditEvent.objects.get(action="sign_in.unlock")
    assert (event.actor, event.subject) == (hr, leader)
    assert event.changes["failures_since_start"] == [attempt.failures_since_start, 0]
    assert token_sign_in(api(), FACTORY_PASSWORD).status_code == 200
    assert page_sign_in(page(), FACTORY_PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_lock_is_per_client_address(leader, settings):
    """With one proxy in front, each client's own address counts; a forged
    X-Forwarded-For entry in front of the proxy's changes nothing."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="192.0.2.1")

    def via_proxy(password: str, client_address: str, forged: str = "203.0.113.7"):
        return proxy.post(
            "/login/",
            {"username": EMAIL, "password": password},
            HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}",
        )

    for attempt in range(10):
        via_proxy(f"wrong-{attempt}", HOME, forged=f"198.51.100.{attempt}")

    assert is_locked_page(via_proxy(FACTORY_PASSWORD, HOME))
    assert via_proxy(FACTORY_PASSWORD, ELSEWHERE).status_code == 302


def test_with_a_cool_off_a_lock_lifts_by_itself_and_says_when(leader, settings, clock):
    settings.AXES_COOLOFF_TIME = 1  # hours (AXES_COOLOFF_HOURS)
    client = api()
    fail_nine_times(token_sign_in, client)

    locked = token_sign_in(client, "wrong-10").json()["detail"]
    clock.advance(minutes=59)
    still = token_sign_in(client, FACTORY_PASSWORD)
    clock.advance(hours=1, minutes=1)
    lifted = token_sign_in(client, FACTORY_PASSWORD)

    assert "Ask HR to unlock it or try again in 1 hour." in locked
    assert still.status_code == 403
    assert lifted.status_code == 200

"""Single sign-on in Debian's Chromium: from Lodestar's login page to the company's
OpenID provider (a real one, scripts/oidc_demo/provider.mjs) and back, as a person would."""

import pytest

from directory.models import JitDomain
from people.models import User
from tests.browser import screenshot
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def expected_browser_errors(console_errors):
    """The provider's development login page asks for a web font (no network here), and
    a refused sign-in is a 403 page, which the browser logs as an error."""
    console_errors.allow(r"fonts\.googleapis\.com")
    console_errors.allow(r"status of 403 .*/sso/callback/")


def sign_in_with_sso(page, login: str) -> None:
    """Click the login page's button, sign in at the provider (any password), come back."""
    page.goto("/login/")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with Test SSO").click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("anything")
    with page.expect_navigation(url="**/*"):
        page.get_by_role("button", name="Sign-in").click()
    page.wait_for_load_state()


def test_mentor_signs_in_through_the_provider_and_lands_on_my_mentees(new_page, browser_sso):
    MentorFactory(email="mia.torres@example.com", full_name="Mia Torres")
    page = new_page()
    sign_in_with_sso(page, "mia.torres@example.com")
    page.wait_for_url("**/mentoring/**")
    assert page.get_by_role("heading", level=1).inner_text() == "My mentees"
    screenshot(page, "sso-mentor-my-mentees")


def test_unknown_identity_is_refused_with_a_page_that_says_why(new_page, browser_sso):
    page = new_page()
    sign_in_with_sso(page, "stranger@example.com")
    page.wait_for_url("**/sso/callback/**")
    assert page.get_by_role("heading", level=1).inner_text() == "You are not signed in"
    assert "There is no Lodestar account" in page.get_by_role("alert").inner_text()
    assert not User.objects.filter(email="stranger@example.com").exists()
    screenshot(page, "sso-refused-unknown")


def test_deactivated_user_is_refused(new_page, browser_sso):
    LeaderFactory(email="gone@example.com", is_active=False)
    page = new_page()
    sign_in_with_sso(page, "gone@example.com")
    page.wait_for_url("**/sso/callback/**")
    assert "deactivated" in page.get_by_role("alert").inner_text()
    page.goto("/")
    assert "/login/" in page.url


def test_just_in_time_domain_creates_an_account_without_a_role(new_page, browser_sso):
    JitDomain.objects.create(domain="example.com")
    page = new_page()
    sign_in_with_sso(page, "new.person@example.com")
    page.wait_for_url(lambda url: "/sso/" not in url and "127.0.0.1" not in url)
    user = User.objects.get(email="new.person@example.com")
    assert not user.groups.exists()
    assert "/login/" not in page.url


def test_hr_turns_just_in_time_accounts_on_for_a_domain(page_for, settings):
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    hr = HRFactory(email="hr.sso@example.com")
    page = page_for(hr)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Single sign-on").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on for example.com").click()
    assert (
        "Just-in-time accounts are on for example.com." in page.get_by_role("status").inner_text()
    )
    assert JitDomain.objects.get().created_by == hr
    screenshot(page, "sso-domains")

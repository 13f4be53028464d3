"""Single sign-on (OpenID Connect) against a real provider, through Django's test client:
who signs in, who is refused and why, where they land; password sign-in turned off but
for the break-glass HR account; HR's just-in-time domains."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from common.models import AuditEvent, Email
from directory.models import JitDomain
from directory.sso import services
from people.models import User
from tests.directory.oidc import query_of, sign_in_at_provider
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory

integration = pytest.mark.integration


def sso_sign_in(client, login: str, *, next_url: str | None = None, tamper=None):
    """Start at /sso/login/, sign in at the provider as ``login``, come back: the
    callback's response."""
    start = client.get("/sso/login/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start
    back = sign_in_at_provider(start["Location"], login)
    params = query_of(back)
    if tamper:
        params = tamper(params)
    return client.get("/sso/callback/", params)


def signed_in_as(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value else None


# --- through the provider ---------------------------------------------------------------


@integration
def test_mentor_signs_in_with_sso_and_lands_on_my_mentees(client, sso):
    mentor = MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(client, "Mia.Torres@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:my-mentees")
    assert signed_in_as(client) == mentor.pk


@integration
def test_sign_in_goes_on_to_a_page_of_this_site(client, sso):
    MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(client, "mia.torres@example.com", next_url="/mentoring/goals/")
    assert response["Location"] == "/mentoring/goals/"


@integration
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "http://testserver.evil.example/"]
)
def test_next_cannot_send_anyone_off_site(client, sso, next_url):
    MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(client, "mia.torres@example.com", next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:my-mentees")


@integration
def test_unknown_identity_is_refused_and_no_account_is_made(client, sso):
    response = sso_sign_in(client, "stranger@example.com")
    assert response.status_code == 403
    assert "There is no Lodestar account for this email address" in response.content.decode()
    assert not User.objects.filter(email="stranger@example.com").exists()
    assert signed_in_as(client) is None


@integration
def test_deactivated_user_is_refused(client, sso):
    LeaderFactory(email="gone@example.com", is_active=False)
    response = sso_sign_in(client, "gone@example.com")
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert signed_in_as(client) is None


@integration
def test_unverified_email_is_refused_even_for_an_account(client, sso):
    UserFactory(email="ana+unverified@example.com")
    response = sso_sign_in(client, "ana+unverified@example.com")
    assert response.status_code == 403
    assert "has not verified your email" in response.content.decode()
    assert signed_in_as(client) is None


@integration
def test_domain_not_allowed_is_refused(client, sso):
    sso.OIDC_ALLOWED_DOMAINS = ["lodestar.example"]
    MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(client, "mia.torres@example.com")
    assert response.status_code == 403
    assert "email domain may not sign in" in response.content.decode()
    assert signed_in_as(client) is None


@integration
def test_tampered_state_is_refused(client, sso):
    MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(
        client, "mia.torres@example.com", tamper=lambda p: {**p, "state": p["state"] + "x"}
    )
    assert response.status_code == 403
    assert "was not started here" in response.content.decode()
    assert signed_in_as(client) is None


@integration
def test_a_callback_is_used_once(client, sso):
    MentorFactory(email="mia.torres@example.com")
    start = client.get("/sso/login/")
    params = query_of(sign_in_at_provider(start["Location"], "mia.torres@example.com"))
    assert client.get("/sso/callback/", params).status_code == 302
    client.logout()
    assert client.get("/sso/callback/", params).status_code == 403


@integration
def test_a_forged_code_is_a_provider_error_not_a_500(client, sso):
    MentorFactory(email="mia.torres@example.com")
    response = sso_sign_in(client, "mia.torres@example.com", tamper=lambda p: {**p, "code": "x"})
    assert response.status_code == 403
    assert "did not complete the sign-in" in response.content.decode()


@integration
def test_provider_error_answer_is_refused(client, sso):
    start = client.get("/sso/login/")
    state = query_of(start["Location"])["state"]
    response = client.get("/sso/callback/", {"error": "access_denied", "state": state})
    assert response.status_code == 403
    assert "did not complete the sign-in" in response.content.decode()


@integration
def test_just_in_time_domain_creates_an_account_without_a_role(client, sso):
    JitDomain.objects.create(domain="example.com")
    response = sso_sign_in(client, "new.person@example.com")
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert signed_in_as(client) == user.pk
    assert not user.groups.exists()
    assert not user.has_usable_password()
    assert user.full_name == "New Person"
    assert AuditEvent.objects.filter(action="user.sso_create", subject_id=user.pk).exists()


@integration
def test_login_page_offers_the_provider(client, sso):
    page = client.get("/login/?next=/mentoring/goals/").content.decode()
    assert "Sign in with Test SSO" in page
    assert "/sso/login/?next=/mentoring/goals/" in page


# --- without a provider -------------------------------------------------------------------


@pytest.mark.django_db
def test_without_configuration_sso_is_404_and_no_button(client):
    assert client.get("/sso/login/").status_code == 404
    assert client.get("/sso/callback/").status_code == 404
    assert "Sign in with" not in client.get("/login/").content.decode()


@pytest.mark.django_db
def test_matching_is_case_insensitive_and_needs_a_boolean_true(settings):
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    mentor = MentorFactory(email="mia.torres@example.com")
    claims = {"sub": "1", "email": "MIA.Torres@EXAMPLE.com", "email_verified": True}
    assert services.sso_account_for(claims=claims) == mentor
    with pytest.raises(services.SignInRefused) as refused:
        services.sso_account_for(claims={**claims, "email_verified": "false"})
    assert refused.value.reason == "unverified_email"
    with pytest.raises(services.SignInRefused) as refused:
        services.sso_account_for(claims={"sub": "1", "email_verified": True})
    assert refused.value.reason == "no_email"


@pytest.mark.django_db
def test_a_just_in_time_domain_must_be_allowed_and_is_audited(settings, hr):
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    with pytest.raises(services.ValidationError):
        services.jit_domain_set(domain="elsewhere.example", on=True, by=hr)
    assert services.jit_domain_set(domain="Example.com", on=True, by=hr)
    assert not services.jit_domain_set(domain="example.com", on=True, by=hr)
    assert services.jit_domain_set(domain="example.com", on=False, by=hr)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "actor"))
    assert actions[-2:] == [("jit_domain.create", hr.pk), ("jit_domain.delete", hr.pk)]
    assert not JitDomain.objects.exists()


@pytest.mark.django_db
def test_hr_turns_just_in_time_accounts_on_and_off_on_the_page(client, settings, hr):
    settings.OIDC_ALLOWED_DOMAINS = ["example.com", "lodestar.example"]
    client.force_login(hr)
    page = client.get("/sso/domains/").content.decode()
    assert "example.com" in page and "lodestar.example" in page
    client.post("/sso/domains/", {"domain": "lodestar.example", "jit": "1"})
    assert list(JitDomain.objects.values_list("domain", "created_by")) == [
        ("lodestar.example", hr.pk)
    ]
    client.post("/sso/domains/", {"domain": "lodestar.example", "jit": "0"})
    assert not JitDomain.objects.exists()
    response = client.post("/sso/domains/", {"domain": "nope.example", "jit": "1"}, follow=True)
    assert "not one of the single sign-on domains" in response.content.decode()


@pytest.mark.django_db
def test_only_hr_sees_the_domains_page(client, mentor):
    client.force_login(mentor)
    assert client.get("/sso/domains/").status_code == 403


# --- password sign-in turned off ----------------------------------------------------------


@pytest.fixture
def passwords_off(settings):
    settings.PASSWORD_SIGN_IN = False
    settings.BREAK_GLASS_EMAILS = ["break.glass@example.com"]
    return settings


def post_login(client, email, path="/login/"):
    return client.post(path, {"username": email, "password": "pass-word-123"})


@pytest.mark.django_db
def test_password_sign_in_off_refuses_a_leader_but_lets_break_glass_hr_in(client, passwords_off):
    leader = LeaderFactory(email="leo@example.com")
    hr = HRFactory(email="Break.Glass@example.com")
    refused = post_login(client, leader.email)
    assert refused.status_code == 200
    assert "Password sign-in is turned off for this account" in refused.content.decode()
    assert signed_in_as(client) is None
    assert post_login(client, "BREAK.GLASS@example.com").status_code == 302
    assert signed_in_as(client) == hr.pk


@pytest.mark.django_db
def test_password_sign_in_off_on_the_admin_login(client, passwords_off):
    staff = HRFactory(email="staff@example.com", is_staff=True)
    response = post_login(client, staff.email, path="/admin/login/")
    assert "Password sign-in is turned off" in response.content.decode()
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_password_sign_in_off_refuses_resets_and_api_tokens(client, api, passwords_off):
    leader = LeaderFactory(email="leo@example.com")
    response = client.post("/password/reset/", {"email": leader.email})
    assert response.status_code == 200
    assert "Password sign-in is turned off" in response.content.decode()
    assert not Email.objects.exists()
    token = api(None).post(
        "/api/v1/auth/token/", {"email": leader.email, "password": "pass-word-123"}
    )
    assert token.status_code == 403
    assert token.json()["code"] == "password_sign_in_off"


@pytest.mark.django_db
def test_login_page_leads_with_sso_when_passwords_are_off(client, passwords_off):
    passwords_off.OIDC_ISSUER = "https://id.example.com"
    passwords_off.OIDC_CLIENT_ID = "lodestar"
    page = client.get("/login/").content.decode()
    assert page.index("Sign in with your company") < page.index('name="password"')
    assert "Break-glass sign-in" in page


@pytest.mark.django_db
def test_a_provider_that_does_not_answer_is_a_clear_refusal_not_a_500(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:1"  # nobody listens on port 1
    settings.OIDC_CLIENT_ID = "lodestar"
    response = client.get("/sso/login/")
    assert response.status_code == 403
    assert "did not complete the sign-in" in response.content.decode()


@pytest.mark.django_db
def test_hr_finds_the_domains_page_from_the_directory_page(client, hr):
    client.force_login(hr)
    assert 'href="/directory/"' in client.get("/programs/cohorts/").content.decode(), "in the menu"
    assert 'href="/sso/domains/"' in client.get("/directory/").content.decode()


@pytest.mark.django_db
def test_an_address_with_a_lookalike_letter_never_matches_an_account(settings):
    """A long s upper-cases to "S" and the Kelvin sign lower-cases to "k": an
    identity provider that verified such an address must not sign in as sam@ or kim@."""
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    JitDomain.objects.create(domain="example.com")
    UserFactory(email="sam@example.com")
    UserFactory(email="kim@example.com")
    for lookalike in ("\u017fam@example.com", "\u212aim@example.com"):
        with pytest.raises(services.SignInRefused) as refused:
            services.sso_account_for(
                claims={"sub": "1", "email": lookalike, "email_verified": True}
            )
        assert refused.value.reason == "unsupported_email"
    assert User.objects.count() == 2, "no account is made for it either"


@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ins_at_once_on_a_just_in_time_domain_make_one_account(settings):
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    JitDomain.objects.create(domain="example.com")
    claims = {"sub": "1", "email": "new.person@example.com", "email_verified": True}
    first = services.sso_account_for(claims=claims)
    # The second request looked before the first one's account existed.
    again = services.jit_account_create(
        email="New.Person@example.com", full_name="", domain="example.com"
    )
    assert again == first
    assert User.objects.filter(email__iexact="new.person@example.com").count() == 1

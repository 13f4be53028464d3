"""HR lets a leader's manager sign in: the Manager role and an email with a link to choose
a password; once they have one, nothing more is sent; HR can stop it again. Someone with
no leader reporting to them cannot be made a manager."""

import re

import pytest

from common.models import AuditEvent, Email
from people import emails
from people.models import User
from people.roles import Role, has_role
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/people/managers/"


def sign_in_url(person) -> str:
    return f"{PAGE}{person.pk}/sign-in/"


@pytest.fixture
def hr(client):
    hr = HRFactory()
    client.force_login(hr)
    return hr


def test_hr_invites_a_leaders_manager_who_then_chooses_a_password_and_signs_in(client, hr):
    leader = LeaderFactory()
    manager = leader.manager
    manager.set_unusable_password()
    manager.save()
    page = client.get(PAGE)
    assert manager.full_name in page.content.decode()
    assert leader.full_name not in page.content.decode(), "only people a leader reports to"

    response = client.post(sign_in_url(manager), {"allow": "1"})
    assert response.status_code == 302
    manager = User.objects.get(pk=manager.pk)
    assert has_role(manager, Role.MANAGER)
    assert AuditEvent.objects.filter(action="user.role_grant", object_id=str(manager.pk)).exists()
    email = Email.objects.get(kind=emails.MANAGER_INVITATION)
    message = emails.manager_invitation_build(email)
    assert message.to == [manager.email]
    link = re.search(r"http\S+/password/reset/\S+/", message.body).group(0)

    client.logout()
    form = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "A-long-pass-phrase-9", "new_password2": "A-long-pass-phrase-9"}
    )
    assert done.status_code == 302
    signed_in = client.post(
        "/login/", {"username": manager.email, "password": "A-long-pass-phrase-9"}
    )
    assert signed_in.status_code == 302
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/dashboards/manager/"
    assert leader.full_name in home.content.decode()


def test_inviting_again_sends_only_while_no_password_was_chosen(clock, client, hr):
    manager = LeaderFactory().manager
    manager.set_unusable_password()
    manager.save()
    client.post(sign_in_url(manager), {"allow": "1"})
    client.post(sign_in_url(manager), {"allow": "1"})
    assert Email.objects.filter(kind=emails.MANAGER_INVITATION).count() == 1, "once a day"
    clock.advance(days=1)
    client.post(sign_in_url(manager), {"allow": "1"})
    assert Email.objects.filter(kind=emails.MANAGER_INVITATION).count() == 2
    manager.set_password("Chosen-pass-phrase-1")
    manager.save()
    clock.advance(days=1)
    client.post(sign_in_url(manager), {"allow": "1"})
    assert Email.objects.filter(kind=emails.MANAGER_INVITATION).count() == 2


def test_hr_stops_a_managers_sign_in_and_a_pending_invitation_is_no_longer_sent(client, hr):
    manager = LeaderFactory().manager
    client.post(sign_in_url(manager), {"allow": "1"})
    client.post(sign_in_url(manager), {"allow": "0"})
    manager = User.objects.get(pk=manager.pk)
    assert not has_role(manager, Role.MANAGER)
    email = Email.objects.get(kind=emails.MANAGER_INVITATION)
    assert emails.manager_invitation_build(email) is None


def test_someone_no_leader_reports_to_cannot_be_made_a_manager(client, hr):
    person = UserFactory()
    UserFactory(manager=person)  # a team member, not a leader
    response = client.post(sign_in_url(person), {"allow": "1"}, follow=True)
    assert "Only someone with a leader reporting to them" in response.content.decode()
    assert not has_role(User.objects.get(pk=person.pk), Role.MANAGER)
    assert not Email.objects.exists()


@pytest.mark.parametrize("factory", [LeaderFactory, MentorFactory, UserFactory])
def test_only_hr_lets_managers_sign_in(client, factory):
    caller = factory()
    manager = LeaderFactory().manager
    client.force_login(caller)
    assert client.get(PAGE).status_code == 403
    assert client.post(sign_in_url(manager), {"allow": "1"}).status_code == 403
    assert not has_role(User.objects.get(pk=manager.pk), Role.MANAGER)


def test_with_password_sign_in_off_the_invitation_leads_to_single_sign_on(client, hr, settings):
    settings.PASSWORD_SIGN_IN = False
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = "https://id.example.com", "lodestar"
    settings.OIDC_PROVIDER_NAME = "Acme"
    manager = LeaderFactory().manager

    client.post(sign_in_url(manager), {"allow": "1"})

    message = emails.manager_invitation_build(Email.objects.get(kind=emails.MANAGER_INVITATION))
    assert "/password/reset/" not in message.body, "a password they could not use"
    assert "Sign in with Acme" in message.body
    assert "http://127.0.0.1:8000/login/" in message.body

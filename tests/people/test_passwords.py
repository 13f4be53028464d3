"""Password reset by email and password change: the reset email goes through the outbox
with a link made when it is sent, the link works once and expires, the form answers the
same whether or not an address has an account, and a new password ends every other
session and every API token of its person."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from common.models import Email
from people.emails import PASSWORD_RESET
from tests.browser import FACTORY_PASSWORD
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "brand-new-pass-4271"


@pytest.fixture
def ask_reset(django_capture_on_commit_callbacks):
    """Ask for a reset on the page; the outbox sends what is owed after commit (eagerly)."""

    def ask(email: str, client: Client | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post("/password/reset/", {"email": email})

    return ask


def reset_link(message) -> str:
    return re.search(r"http://\S+/password/reset/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def choose(client: Client, link: str, password: str = NEW_PASSWORD):
    """Open the emailed link and set a password, as a person would."""
    form = client.get(path_of(link), follow=True)
    return form, client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path_of(link),
        {"new_password1": password, "new_password2": password},
    )


def signs_in(email: str, password: str) -> bool:
    client = Client()
    response = client.post("/login/", {"username": email, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def api_token(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": user.email, "password": FACTORY_PASSWORD}
    )
    return response.json()["token"]


def api_me(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/").status_code


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/password/reset/"' in client.get("/login/").content.decode()


def test_a_reset_email_goes_through_the_outbox_and_its_link_works_once(
    leader, ask_reset, mailoutbox
):
    response = ask_reset("Leader.User@Example.com")

    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    row = Email.objects.get(kind=PASSWORD_RESET)
    assert (row.ref, row.to, row.status) == (leader.pk, leader.email, Email.Status.SENT)
    [message] = mailoutbox
    assert message.to == [leader.email]
    assert message.extra_headers["X-Lodestar-Outbox-Id"] == str(row.pk)
    link = reset_link(message)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in f"{row.key} {row.params} {row.to} {row.last_error}"  # never stored

    form, done = choose(Client(), link)
    assert "Choose a new password" in form.content.decode()
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    assert signs_in(leader.email, NEW_PASSWORD)
    assert not signs_in(leader.email, FACTORY_PASSWORD)

    again, _ = choose(Client(), link, "yet-another-pass-9182")
    assert "This link no longer works" in again.content.decode()
    assert signs_in(leader.email, NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(leader, ask_reset, mailoutbox):
    known = ask_reset(leader.email)
    unknown = ask_reset("nobody.here@example.com")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert Client().get(unknown["Location"]).content == Client().get(known["Location"]).content
    assert [m.to for m in mailoutbox] == [[leader.email]]
    assert Email.objects.filter(kind=PASSWORD_RESET).count() == 1


@pytest.mark.parametrize("who", ["inactive", "no password"])
def test_people_who_cannot_sign_in_get_no_reset_email(who, ask_reset, mailoutbox):
    if who == "inactive":
        UserFactory(email="gone@example.com", is_active=False)
    else:
        UserFactory(email="gone@example.com", password=None)

    assert ask_reset("gone@example.com")["Location"] == "/password/reset/sent/"

    assert mailoutbox == []
    assert not Email.objects.exists()


def test_asking_again_at_once_sends_one_email_and_later_another(
    leader, ask_reset, mailoutbox, clock
):
    ask_reset(leader.email)
    ask_reset(leader.email)
    assert len(mailoutbox) == 1

    clock.advance(minutes=5)
    ask_reset(leader.email)
    assert len(mailoutbox) == 2


def test_the_link_is_made_when_sent_and_not_sent_to_someone_deactivated_meanwhile(
    leader, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as owed:
        Client().post("/password/reset/", {"email": leader.email})
    leader.is_active = False
    leader.save()

    for send in owed:
        send()

    assert mailoutbox == []
    assert Email.objects.get(kind=PASSWORD_RESET).status == Email.Status.SKIPPED


def test_a_reset_link_expires(leader, ask_reset, mailoutbox, clock, settings):
    settings.PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
    ask_reset(leader.email)
    assert "works once, for 2 hours" in mailoutbox[0].body

    clock.advance(hours=2, minutes=1)
    form, _ = choose(Client(), reset_link(mailoutbox[0]))

    assert "This link no longer works" in form.content.decode()
    assert signs_in(leader.email, FACTORY_PASSWORD)


def test_a_reset_ends_every_session_and_api_token(leader, ask_reset, mailoutbox):
    elsewhere = Client()
    elsewhere.force_login(leader)
    token = api_token(leader)
    ask_reset(leader.email)

    choose(Client(), reset_link(mailoutbox[0]))

    assert elsewhere.get("/")["Location"].startswith("/login/")
    assert api_me(token) == 401


def test_the_user_menu_links_to_the_password_change(client, leader):
    client.force_login(leader)
    page = client.get("/", follow=True).content.decode()
    assert 'href="/password/change/"' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(leader):
    here, elsewhere = Client(), Client()
    here.force_login(leader)
    elsewhere.force_login(leader)
    token = api_token(leader)

    form = here.get("/password/change/")
    changed = here.post(
        "/password/change/",
        {
            "old_password": FACTORY_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert form.status_code == 200 and "Change your password" in form.content.decode()
    assert changed.status_code == 302 and changed["Location"] == "/password/change/done/"
    assert "Your password is changed" in here.get("/password/change/done/").content.decode()
    assert here.get("/").status_code == 302 and not here.get("/")["Location"].startswith("/login")
    assert elsewhere.get("/")["Location"].startswith("/login/")
    assert api_me(token) == 401
    assert signs_in(leader.email, NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(client, leader):
    client.force_login(leader)

    response = client.post(
        "/password/change/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert signs_in(leader.email, FACTORY_PASSWORD)


def test_the_password_change_page_needs_a_sign_in(client):
    assert client.get("/password/change/")["Location"].startswith("/login/")

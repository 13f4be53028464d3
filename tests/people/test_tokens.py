"""API tokens: the token endpoint's contract, tokens stored only as digests, refused once
older than their lifetime or issued before a password change, listed and revoked by their
owner ("sign out everywhere") and by HR, and never visible to anyone else."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient

from common.models import AuditEvent
from people.models import ApiToken, User
from tests.browser import FACTORY_PASSWORD
from tests.openapi import assert_matches_schema

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens/"


def sign_in(user, password: str = FACTORY_PASSWORD):
    return APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": password})


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def me(token: str):
    return with_token(token).get("/api/v1/me/")


def refused_because(response, words: str) -> bool:
    return response.status_code in (401, 403) and words in response.json()["detail"]


def test_the_token_endpoint_answers_a_token_and_when_it_expires(leader, clock, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    response = sign_in(leader)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert body["expiry"] == "2027-02-02T08:00:00Z"
    assert me(body["token"]).json()["email"] == leader.email
    assert_matches_schema(response, path="/api/v1/auth/token/", method="post")


def test_only_a_digest_of_the_token_is_stored(leader):
    token = sign_in(leader).json()["token"]

    stored = ApiToken.objects.get(user=leader)
    assert token not in (stored.digest, stored.token_key, stored.password_hash_mac)
    assert len(stored.digest) == 128
    listed = with_token(token).get(TOKENS).content.decode()
    assert token not in listed and stored.digest not in listed and stored.token_key not in listed


def test_signing_in_updates_last_login(leader, clock):
    sign_in(leader)
    leader.refresh_from_db()
    assert leader.last_login == clock.now


def test_a_token_past_its_lifetime_is_refused(leader, clock, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    token = sign_in(leader).json()["token"]

    clock.advance(hours=23, minutes=59)
    assert me(token).status_code == 200
    clock.advance(minutes=1)
    assert refused_because(me(token), "expired")


def test_a_backdated_token_is_refused_whatever_its_stored_expiry(leader, clock):
    token = sign_in(leader).json()["token"]
    ten_years_ago = clock.now - datetime.timedelta(days=3652)
    ApiToken.objects.filter(user=leader).update(created=ten_years_ago)

    assert refused_because(me(token), "expired")


def test_shortening_the_lifetime_shortens_tokens_already_issued(leader, clock, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    token = sign_in(leader).json()["token"]
    clock.advance(hours=3)

    settings.API_TOKEN_TTL_HOURS = 2

    assert refused_because(me(token), "expired")


def test_a_password_change_revokes_every_token(leader):
    first, second = sign_in(leader).json()["token"], sign_in(leader).json()["token"]

    leader.set_password("a-new-pass-word-456")
    leader.save()

    assert not ApiToken.objects.filter(user=leader).exists()
    assert me(first).status_code == me(second).status_code == 401
    assert me(sign_in(leader, "a-new-pass-word-456").json()["token"]).status_code == 200


def test_a_token_issued_before_a_password_change_is_refused_even_if_it_was_kept(leader):
    """However the password changed -- here behind the model's back -- the old token does
    not match the new password."""
    token = sign_in(leader).json()["token"]

    User.objects.filter(pk=leader.pk).update(password=make_password("changed-elsewhere-789"))

    assert ApiToken.objects.filter(user=leader).exists()
    assert refused_because(me(token), "issued before a password change")


def test_other_saves_of_the_user_keep_their_tokens(leader):
    token = sign_in(leader).json()["token"]

    leader.job_title = "Regional Sales Lead"
    leader.save()

    assert me(token).status_code == 200


def test_a_deactivated_account_cannot_use_its_tokens(leader):
    token = sign_in(leader).json()["token"]

    User.objects.filter(pk=leader.pk).update(is_active=False)

    assert me(token).status_code == 401


def test_an_unknown_or_mangled_token_is_refused(leader):
    token = sign_in(leader).json()["token"]

    assert refused_because(me(token[:-1] + ("0" if token[-1] != "0" else "1")), "Invalid")
    assert refused_because(me("not-a-token"), "Invalid")


def test_owners_list_their_tokens_with_when_they_were_used(leader, other_leader, clock):
    mine = sign_in(leader).json()["token"]
    clock.advance(minutes=5)
    sign_in(leader)
    sign_in(other_leader)
    clock.advance(minutes=5)

    response = with_token(mine).get(TOKENS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["user"]["email"] for row in rows] == [leader.email, leader.email]
    newest, oldest = rows
    assert oldest["current"] is True and newest["current"] is False
    assert oldest["last_used_at"] == "2027-02-01T08:10:00Z"
    assert newest["last_used_at"] is None
    assert set(oldest) == {"id", "user", "created", "expiry", "last_used_at", "current"}
    assert_matches_schema(response, path=TOKENS)


def test_an_owner_revokes_one_token(leader):
    kept, revoked = sign_in(leader).json()["token"], sign_in(leader).json()["token"]
    revoked_id = with_token(revoked).get(TOKENS).json()["results"][0]["id"]

    assert with_token(kept).delete(f"{TOKENS}{revoked_id}/").status_code == 204

    assert me(revoked).status_code == 401
    assert me(kept).status_code == 200


def test_signing_out_everywhere_ends_every_token_of_the_caller_only(leader, other_leader):
    phone, laptop = sign_in(leader).json()["token"], sign_in(leader).json()["token"]
    theirs = sign_in(other_leader).json()["token"]

    response = with_token(phone).post(f"{TOKENS}revoke-all/")

    assert response.json() == {"revoked": 2}
    assert me(phone).status_code == me(laptop).status_code == 401
    assert me(theirs).status_code == 200


def test_a_session_signs_its_person_out_of_the_api_everywhere(api, leader):
    token = sign_in(leader).json()["token"]

    assert api(leader).post(f"{TOKENS}revoke-all/").json() == {"revoked": 1}

    assert me(token).status_code == 401


def test_hr_lists_and_revokes_anyones_tokens(api, hr, leader, other_leader):
    first, second = sign_in(leader).json()["token"], sign_in(leader).json()["token"]
    theirs = sign_in(other_leader).json()["token"]

    everyone = api(hr).get(TOKENS).json()["results"]
    leaders = api(hr).get(TOKENS, {"user": leader.pk}).json()["results"]
    assert len(everyone) == 3
    assert len(leaders) == 2

    assert api(hr).delete(f"{TOKENS}{leaders[0]['id']}/").status_code == 204
    assert api(hr).post(f"{TOKENS}revoke-all/", {"user": leader.pk}).json() == {"revoked": 1}

    assert me(first).status_code == me(second).status_code == 401
    assert me(theirs).status_code == 200
    revocations = AuditEvent.objects.filter(action__startswith="api_token.").order_by("pk")
    assert [(e.action, e.actor, e.subject) for e in revocations] == [
        ("api_token.revoke", hr, leader),
        ("api_token.revoke_all", hr, leader),
    ]
    assert revocations[1].changes == {"api_tokens": [1, 0]}


def test_a_leader_cannot_see_or_revoke_anothers_tokens(api, leader, other_leader):
    theirs = sign_in(other_leader).json()["token"]
    their_id = ApiToken.objects.get(user=other_leader).pk
    caller = api(leader)

    assert caller.get(TOKENS).json()["results"] == []
    assert caller.get(TOKENS, {"user": other_leader.pk}).json()["results"] == []
    assert caller.get(f"{TOKENS}{their_id}/").status_code == 404
    assert caller.delete(f"{TOKENS}{their_id}/").status_code == 404
    assert caller.post(f"{TOKENS}revoke-all/", {"user": other_leader.pk}).status_code == 404

    assert me(theirs).status_code == 200


def test_expired_tokens_are_not_listed_and_are_cleared_at_the_next_sign_in(leader, clock):
    sign_in(leader)
    clock.advance(hours=25)
    token = sign_in(leader).json()["token"]

    assert len(with_token(token).get(TOKENS).json()["results"]) == 1
    assert ApiToken.objects.filter(user=leader).count() == 1


@pytest.fixture
def hr_admin(hr) -> Client:
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client = Client()
    client.force_login(hr)
    return client


def test_hr_sees_and_revokes_tokens_in_the_admin(hr_admin, leader, other_leader):
    token = sign_in(leader).json()["token"]
    theirs = sign_in(other_leader).json()["token"]
    stored = ApiToken.objects.get(user=leader)

    page = hr_admin.get("/admin/people/apitoken/", {"q": leader.email}).content.decode()
    assert leader.email in page and other_leader.email not in page
    assert stored.digest not in page and stored.token_key not in page
    assert hr_admin.get("/admin/people/apitoken/add/").status_code == 403

    hr_admin.post("/admin/people/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]})

    assert me(token).status_code == 401
    assert me(theirs).status_code == 200


def test_a_password_set_by_hr_in_the_admin_revokes_the_tokens(hr_admin, leader):
    token = sign_in(leader).json()["token"]

    response = hr_admin.post(
        f"/admin/people/user/{leader.pk}/password/",
        {"password1": "set-by-hr-3141", "password2": "set-by-hr-3141", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert me(token).status_code == 401


@pytest.fixture
def migrate(transactional_db):
    def to(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target])

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_drops_the_old_plain_text_tokens(migrate):
    migrate(("people", "0002_role_groups"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('plain-text-token')")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('authtoken', '0001_initial', CURRENT_TIMESTAMP)"
        )

    migrate(("people", "0003_api_tokens"))

    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone() == (0,)

import pytest
from django.contrib.auth.models import Group

from people.roles import Role, has_role
from tests.openapi import assert_matches_schema
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"HR", "Mentor", "Leader"}


def test_token_for_email_and_password(anon_api, hr):
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": "HR.User@Example.com", "password": "pass-word-123"}
    )
    assert response.status_code == 200
    token = response.json()["token"]

    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = anon_api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "hr.user@example.com"
    assert me.json()["roles"] == ["HR"]


def test_token_refused_for_wrong_password(anon_api, hr):
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": "hr.user@example.com", "password": "wrong"}
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_token_request_names_missing_fields(anon_api):
    response = anon_api.post("/api/v1/auth/token/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_user_without_password_cannot_get_a_token(anon_api):
    UserFactory(email="team.member@example.com", password=None)
    response = anon_api.post(
        "/api/v1/auth/token/", {"email": "team.member@example.com", "password": ""}
    )
    assert response.status_code == 400


def test_me_lists_every_role_and_the_manager(api, leader):
    leader.groups.add(Group.objects.get(name="Mentor"))
    body = api(leader).get("/api/v1/me/").json()
    assert body["roles"] == ["Leader", "Mentor"]
    assert body["manager"]["id"] == leader.manager_id


def test_me_without_a_manager_matches_the_documented_schema(api, hr):
    # Found by schemathesis: "manager": null was documented as always an object.
    assert hr.manager_id is None
    response = api(hr).get("/api/v1/me/")

    assert response.json()["manager"] is None
    assert_matches_schema(response, path="/api/v1/me/")


@pytest.mark.parametrize("path", ["/api/v1/me/"])
def test_anonymous_api_call_is_refused(anon_api, path):
    assert anon_api.get(path).status_code in (401, 403)


def test_email_is_unique_case_insensitively():
    from django.db import IntegrityError

    UserFactory(email="ana@example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ANA@EXAMPLE.COM")


def test_has_role_is_answered_by_group_membership(leader, hr):
    assert has_role(leader, Role.LEADER)
    assert not has_role(leader, Role.HR)
    assert has_role(hr, Role.HR)

"""SCIM Groups are Lodestar's fixed roles: listed with their members, and adding or
removing a member grants or takes the role (audited as the directory sync)."""

import pytest

from common.models import AuditEvent
from people.roles import Role, has_role
from tests.directory.conftest import ERROR, patch
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_groups_are_the_roles_with_stable_ids(scim):
    leader = LeaderFactory()

    body = scim.get("/Groups").json()

    groups = {group["id"]: group for group in body["Resources"]}
    assert set(groups) == {"HR", "Mentor", "Leader", "Manager"}
    assert groups["Leader"]["displayName"] == "Leader"
    assert {m["value"] for m in groups["Leader"]["members"]} == {str(leader.pk)}
    assert body["totalResults"] == 4


def test_groups_filter_by_display_name_and_leave_out_members(scim):
    body = scim.get(
        "/Groups", filter='displayName eq "Mentor"', excludedAttributes="members"
    ).json()

    assert [group["id"] for group in body["Resources"]] == ["Mentor"]
    assert "members" not in body["Resources"][0]


def test_get_one_group_and_an_unknown_one(scim):
    mentor = MentorFactory()

    body = scim.get("/Groups/Mentor").json()

    assert body["members"] == [
        {"value": str(mentor.pk), "display": mentor.full_name, "type": "User"}
    ]
    assert scim.get("/Groups/Admins").status_code == 404


def test_adding_a_member_as_okta_does_grants_the_role(scim):
    person = UserFactory()

    response = scim.patch(
        "/Groups/Mentor",
        patch({"op": "add", "path": "members", "value": [{"value": str(person.pk)}]}),
    )

    assert response.status_code == 200, response.content
    assert has_role(person, Role.MENTOR)
    event = AuditEvent.objects.get(action="user.role_grant", subject=person)
    assert event.actor_kind == "directory"


def test_removing_a_member_as_okta_and_as_entra_does_takes_the_role(scim):
    okta, entra, stays = LeaderFactory(), LeaderFactory(), LeaderFactory()

    by_filter = scim.patch(
        "/Groups/Leader", patch({"op": "remove", "path": f'members[value eq "{okta.pk}"]'})
    )
    by_value = scim.patch(
        "/Groups/Leader",
        patch({"op": "Remove", "path": "members", "value": [{"value": str(entra.pk)}]}),
    )

    assert (by_filter.status_code, by_value.status_code) == (200, 200)
    assert not has_role(okta, Role.LEADER) and not has_role(entra, Role.LEADER)
    assert has_role(stays, Role.LEADER)
    revokes = AuditEvent.objects.filter(action="user.role_revoke")
    assert {(e.subject_id, e.actor_kind) for e in revokes} == {
        (okta.pk, "directory"),
        (entra.pk, "directory"),
    }


def test_an_unknown_member_is_400_and_grants_nothing(scim):
    person = UserFactory()

    response = scim.patch(
        "/Groups/HR",
        patch(
            {
                "op": "add",
                "path": "members",
                "value": [{"value": str(person.pk)}, {"value": "999999"}],
            }
        ),
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert not has_role(person, Role.HR)


def test_renaming_creating_or_deleting_a_group_is_refused(scim):
    rename = scim.patch(
        "/Groups/Leader", patch({"op": "replace", "value": {"displayName": "Bosses"}})
    )
    create = scim.post("/Groups", {"displayName": "Admins", "members": []})
    delete = scim.delete("/Groups/Leader")

    assert (rename.status_code, rename.json()["scimType"]) == (400, "mutability")
    for response in (create, delete):
        assert response.status_code == 403
        assert response.json()["schemas"] == [ERROR]
        assert response.json()["scimType"] == "mutability"


def test_discovery_documents(scim):
    config = scim.get("/ServiceProviderConfig").json()
    types = scim.get("/ResourceTypes").json()
    schemas = scim.get("/Schemas").json()

    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    assert {s["id"] for s in schemas["Resources"]} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }

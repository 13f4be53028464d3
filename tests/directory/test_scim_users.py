"""SCIM Users as Okta and Entra call them: create, read, filter, replace, patch, and the
errors they must get back (never a 500, and a refused request changes nothing)."""

import datetime

import pytest
from django.db import transaction

from common import audit
from common.models import AuditEvent
from directory.models import ScimIdentity
from people.models import ReportingLine, User
from people.services import user_left_on_set
from tests.directory.conftest import ENTERPRISE, ERROR, SCIM, okta_user, patch
from tests.people.factories import LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type is not None:
        assert body["scimType"] == scim_type
    return body


def test_create_answers_201_with_location_and_meta(scim):
    manager = UserFactory(email="boss@example.com", full_name="Bo Ss")
    body = okta_user(**{ENTERPRISE: {"division": "EMEA", "manager": {"value": str(manager.pk)}}})

    response = scim.post("/Users", body)

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith(SCIM)
    created = response.json()
    user = User.objects.get(email="ana.lima@example.com")
    assert response["Location"] == f"http://testserver/scim/v2/Users/{user.pk}"
    assert created["id"] == str(user.pk)
    assert created["meta"]["resourceType"] == "User"
    assert created["meta"]["location"] == response["Location"]
    assert created["userName"] == "ana.lima@example.com"
    assert created["externalId"] == "00u1abcd"
    assert created[ENTERPRISE]["manager"]["value"] == str(manager.pk)
    assert (user.full_name, user.job_title, user.region) == ("Ana Lima", "Sales Team Lead", "EMEA")
    assert user.manager == manager and user.is_active and not user.has_usable_password()
    assert ReportingLine.objects.filter(person=user, manager=manager).exists()
    assert user.groups.count() == 0


def test_every_write_is_audited_as_the_directory(scim):
    response = scim.post("/Users", okta_user())

    user = User.objects.get(pk=response.json()["id"])
    events = AuditEvent.objects.filter(subject=user)
    assert {e.action for e in events} == {"user.create", "scim_identity.create"}
    assert {e.actor_kind for e in events} == {"directory"}
    assert all(e.actor_id is None for e in events)


def test_get_one_user(scim):
    user = LeaderFactory(email="leo@example.com", full_name="Leo Grant", region="North")

    body = scim.get(f"/Users/{user.pk}").json()

    assert body["userName"] == "leo@example.com"
    assert body["name"] == {"formatted": "Leo Grant", "givenName": "Leo", "familyName": "Grant"}
    assert body["groups"] == [{"value": "Leader", "display": "Leader"}]
    assert body[ENTERPRISE]["division"] == "North"
    assert body["active"] is True


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999", "١٢"])
def test_unknown_user_is_404(scim, pk):
    _error(scim.get(f"/Users/{pk}"), 404)
    _error(scim.patch(f"/Users/{pk}", patch({"op": "replace", "path": "title", "value": "x"})), 404)


def test_filter_by_username_is_case_insensitive(scim):
    user = UserFactory(email="ana.lima@example.com")
    UserFactory(email="someone.else@example.com")

    body = scim.get("/Users", filter='userName eq "Ana.Lima@Example.com"').json()

    assert body["totalResults"] == 1
    assert [found["id"] for found in body["Resources"]] == [str(user.pk)]
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]


def test_filter_for_nobody_answers_zero_results(scim):
    UserFactory(email="ana.lima@example.com")

    body = scim.get("/Users", filter='userName eq "nobody@example.com"').json()

    assert (body["totalResults"], body["Resources"]) == (0, [])


def test_filter_by_external_id_and_email(scim):
    scim.post("/Users", okta_user())
    UserFactory(email="other@example.com")

    by_id = scim.get("/Users", filter='externalId eq "00u1abcd"').json()
    both = scim.get(
        "/Users", filter='emails.value eq "ana.lima@example.com" and externalId eq "00u1abcd"'
    ).json()
    wrong = scim.get(
        "/Users", filter='emails.value eq "other@example.com" and externalId eq "00u1abcd"'
    ).json()

    assert [u["userName"] for u in by_id["Resources"]] == ["ana.lima@example.com"]
    assert both["totalResults"] == 1
    assert wrong["totalResults"] == 0


@pytest.mark.parametrize(
    "text",
    [
        'userName co "ana"',
        'userName eq "a" or userName eq "b"',
        '(userName eq "a")',
        'title eq "Sales"',
        "userName eq",
        "userName pr",
    ],
)
def test_unsupported_filter_is_400_invalid_filter(scim, text):
    _error(scim.get("/Users", filter=text), 400, "invalidFilter")


def test_list_pages_with_start_index_and_count(scim):
    people = [UserFactory() for _ in range(5)]

    body = scim.get("/Users", startIndex="2", count="2").json()

    assert body["totalResults"] == User.objects.count()
    assert (body["startIndex"], body["itemsPerPage"]) == (2, 2)
    ordered = sorted(User.objects.values_list("pk", flat=True))
    assert [r["id"] for r in body["Resources"]] == [str(pk) for pk in ordered[1:3]]
    assert people


def test_list_queries_do_not_grow_with_its_length(scim, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            manager = UserFactory()
            LeaderFactory(manager=manager)

    make(2)
    with django_assert_max_num_queries(6):
        small = scim.get("/Users")
    make(20)
    with django_assert_max_num_queries(6):
        large = scim.get("/Users")
    assert small.json()["totalResults"] < large.json()["totalResults"]


def test_duplicate_username_is_409_uniqueness_whatever_the_case(scim):
    UserFactory(email="ana.lima@example.com")

    _error(scim.post("/Users", okta_user(userName="ANA.LIMA@example.com")), 409, "uniqueness")

    assert User.objects.filter(email__iexact="ana.lima@example.com").count() == 1


def test_bad_manager_id_is_400_and_creates_nobody(scim):
    body = okta_user(**{ENTERPRISE: {"manager": {"value": "999999"}}})

    _error(scim.post("/Users", body), 400, "invalidValue")

    assert not User.objects.filter(email="ana.lima@example.com").exists()


def test_malformed_json_is_400_invalid_syntax(scim):
    _error(scim.post("/Users", raw='{"userName": '), 400, "invalidSyntax")
    _error(scim.post("/Users", raw="[1, 2]"), 400, "invalidSyntax")


def test_missing_username_is_400(scim):
    body = okta_user()
    del body["userName"]
    body["emails"] = []

    _error(scim.post("/Users", body), 400, "invalidValue")


def test_put_replaces_what_it_sends_and_keeps_what_it_leaves_out(scim):
    manager = UserFactory()
    user = LeaderFactory(email="leo@example.com", full_name="Leo Grant", manager=manager)

    response = scim.put(
        f"/Users/{user.pk}",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": str(user.pk),
            "userName": "leo.grant@example.com",
            "name": {"givenName": "Leonard", "familyName": "Grant"},
            "title": "Regional Sales Manager",
            "active": True,
        },
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.email, user.full_name, user.job_title) == (
        "leo.grant@example.com",
        "Leonard Grant",
        "Regional Sales Manager",
    )
    assert user.manager == manager
    assert response.json()["userName"] == "leo.grant@example.com"


def test_patch_title_and_name_as_okta_sends_them(scim):
    user = LeaderFactory(full_name="Leo Grant", job_title="Team Lead")

    response = scim.patch(
        f"/Users/{user.pk}",
        patch(
            {"op": "replace", "value": {"title": "Area Director"}},
            {"op": "replace", "path": "name.givenName", "value": "Leonard"},
        ),
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.full_name, user.job_title) == ("Leonard Grant", "Area Director")
    event = AuditEvent.objects.get(action="user.update", subject=user)
    assert event.actor_kind == "directory"
    assert event.changes["job_title"] == ["Team Lead", "Area Director"]


def test_patch_manager_as_entra_sends_it(scim):
    manager = UserFactory()
    user = LeaderFactory()

    response = scim.patch(
        f"/Users/{user.pk}",
        patch(
            {
                "op": "Add",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "value": str(manager.pk),
            }
        ),
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.manager == manager
    assert AuditEvent.objects.get(action="user.manager_change", subject=user).actor_kind == (
        "directory"
    )


def test_patch_manager_remove_clears_it(scim):
    manager = UserFactory()
    user = LeaderFactory(manager=manager)

    response = scim.patch(
        f"/Users/{user.pk}",
        patch({"op": "remove", "path": f"{ENTERPRISE}:manager"}),
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.manager is None


def test_patch_a_manager_below_the_person_is_400_and_changes_nothing(scim):
    boss = UserFactory(job_title="Boss")
    report = UserFactory(manager=boss)

    response = scim.patch(
        f"/Users/{boss.pk}",
        patch(
            {"op": "replace", "path": "title", "value": "Changed"},
            {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(report.pk)}},
        ),
    )

    _error(response, 400, "invalidValue")
    boss.refresh_from_db()
    assert (boss.manager, boss.job_title) == (None, "Boss")


def test_patch_work_email_by_filter_changes_the_email(scim):
    user = UserFactory(email="old@example.com")

    response = scim.patch(
        f"/Users/{user.pk}",
        patch({"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@x.com"}),
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.email == "new@x.com"


def test_patch_external_id_taken_by_another_is_409(scim):
    scim.post("/Users", okta_user())
    other = UserFactory()

    response = scim.patch(
        f"/Users/{other.pk}",
        patch({"op": "replace", "path": "externalId", "value": "00u1abcd"}),
    )

    _error(response, 409, "uniqueness")
    assert not ScimIdentity.objects.filter(user=other).exists()


@pytest.mark.parametrize(
    "body",
    [
        patch({"op": "replace", "path": "active", "value": "maybe"}),
        patch({"op": "move", "path": "title", "value": "x"}),
        patch({"op": "remove"}),
        {"Operations": "replace"},
        patch({"op": "replace", "path": "urn:example:Other:thing", "value": "x"}),
    ],
)
def test_bad_patch_is_400_and_changes_nothing(scim, body):
    user = UserFactory(job_title="Same")

    response = scim.patch(f"/Users/{user.pk}", body)

    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == [ERROR]
    user.refresh_from_db()
    assert user.job_title == "Same" and user.is_active


def test_patch_active_true_brings_a_leaver_back(scim):
    user = LeaderFactory()
    with transaction.atomic():
        user_left_on_set(user=user, left_on=datetime.date(2026, 11, 1), by=audit.SYSTEM)

    response = scim.patch(
        f"/Users/{user.pk}", patch({"op": "Replace", "path": "active", "value": "True"})
    )

    assert response.status_code == 200, response.content
    assert response.json()["active"] is True
    user.refresh_from_db()
    assert user.is_active and user.left_on is None
    event = AuditEvent.objects.get(action="user.return", subject=user)
    assert event.actor_kind == "directory"


def test_user_update_service_checks_the_email_and_records_only_changes(hr):
    from django.core.exceptions import ValidationError

    from people.services import user_update

    person = UserFactory(email="one@example.com", job_title="Same")
    UserFactory(email="two@example.com")

    with transaction.atomic():
        user_update(user=person, by=hr, job_title="Same")
    with pytest.raises(ValidationError), transaction.atomic():
        user_update(user=person, by=hr, email="TWO@example.com")

    assert not AuditEvent.objects.filter(action="user.update").exists()
    person.refresh_from_db()
    assert person.email == "one@example.com"


def test_a_leaver_cannot_become_a_manager(scim):
    gone = UserFactory(is_active=False)
    user = LeaderFactory()
    before = user.manager

    response = scim.patch(
        f"/Users/{user.pk}",
        patch(
            {
                "op": "replace",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "value": {"value": str(gone.pk)},
            }
        ),
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "left" in response.json()["detail"]
    user.refresh_from_db()
    assert user.manager == before

"""HR's directory files through the API (/api/v1/directory/syncs/): preview, apply, held
by the safety valve, row errors, approve and reject; only HR reaches any of it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import DirectorySync
from directory.services import person_leave
from people.models import User
from people.roles import Role
from tests.openapi import assert_matches_schema
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/directory/syncs/"
IMPORT = f"{BASE}import/"
GOOD = (
    b"email,full_name,manager_email\n"
    b"ana@example.com,Ana Lima,\n"
    b"ben@example.com,Ben Ode,ana@example.com\n"
)


def post_file(client, content: bytes, *, dry_run=None, name="people.csv"):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if dry_run is not None:
        data["dry_run"] = "true" if dry_run else "false"
    return client.post(IMPORT, data, format="multipart")


@pytest.fixture
def staff(clock, hr):
    """Twenty active people, Hana of HR among them."""
    return [hr, *(UserFactory(email=f"p{n:02}@example.com") for n in range(1, 20))]


def leavers(people, count: int) -> bytes:
    rows = "".join(f"{person.email},no\n" for person in people[-count:])
    return f"email,active\n{rows}".encode()


def held_file(api, hr, staff) -> dict:
    response = post_file(api(hr), leavers(staff, 3))
    assert response.status_code == 202, response.json()
    return response.json()


def test_a_dry_run_answers_the_report_and_writes_nothing(api, hr):
    response = post_file(api(hr), GOOD, dry_run=True)

    assert response.status_code == 200
    assert_matches_schema(response, path=IMPORT, method="post")
    body = response.json()
    assert (body["dry_run"], body["held"], body["rows"]) == (True, False, 2)
    assert body["created"] == ["ana@example.com", "ben@example.com"]
    assert body["counts"]["created"] == 2
    assert not User.objects.filter(email__in=body["created"]).exists()
    assert not DirectorySync.objects.exists()


def test_applying_answers_201_with_the_recorded_file(api, hr):
    response = post_file(api(hr), GOOD)

    assert response.status_code == 201, response.json()
    assert_matches_schema(response, path=IMPORT, method="post")
    body = response.json()
    assert (body["status"], body["source"], body["file_name"]) == (
        "applied",
        "upload",
        "people.csv",
    )
    assert (body["created_by"], body["created_by_name"]) == (hr.pk, hr.full_name)
    assert body["report"]["counts"]["created"] == 2
    ben = User.objects.get(email="ben@example.com")
    assert ben.manager.email == "ana@example.com"


def test_a_file_over_the_valve_answers_202_held(api, hr, staff):
    body = held_file(api, hr, staff)

    assert body["status"] == "held"
    assert body["report"]["held"] is True
    assert body["report"]["leaving"] == [person.email for person in staff[-3:]]
    assert User.objects.filter(is_active=True).count() == 20


def test_row_errors_answer_400_listing_each_and_write_nothing(api, hr):
    content = (
        b"email,full_name,active\n"
        b"ok@example.com,Ok Person,yes\n"
        b"nope,Nope,yes\n"
        b"new@example.com,New,maybe\n"
    )

    response = post_file(api(hr), content)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert [(error["row"], error["column"]) for error in body["errors"]] == [
        (3, "email"),
        (4, "active"),
    ]
    assert body["report"]["counts"]["errors"] == 2
    assert not User.objects.filter(email="ok@example.com").exists()
    assert not DirectorySync.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04\x14\x00\x06\x00", b"\x00\x01\x02binary", b"", b"name,title\nAna,Lead\n"],
    ids=["excel", "binary", "empty", "no email column"],
)
def test_a_file_that_is_not_a_people_csv_is_a_400_on_file(api, hr, content):
    response = post_file(api(hr), content)

    assert response.status_code == 400
    assert "file" in response.json()
    assert not DirectorySync.objects.exists()


def test_no_file_is_a_400_on_file(api, hr):
    response = api(hr).post(IMPORT, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_second_file_while_one_is_held_is_a_409(api, hr, staff):
    held_file(api, hr, staff)

    response = post_file(api(hr), GOOD)

    assert response.status_code == 409
    assert response.json()["code"] == "sync_held"
    assert not User.objects.filter(email="ana@example.com").exists()


def test_list_and_retrieve(api, hr, staff):
    held = held_file(api, hr, staff)
    client = api(hr)

    listed = client.get(BASE)
    one = client.get(f"{BASE}{held['id']}/")
    filtered = client.get(BASE, {"status": "applied"})

    assert listed.status_code == 200
    assert_matches_schema(listed, path=BASE)
    assert [row["id"] for row in listed.json()["results"]] == [held["id"]]
    assert one.json()["report"]["counts"]["leaving"] == 3
    assert filtered.json()["results"] == []
    assert client.get(f"{BASE}999999/").status_code == 404


def test_approve_applies_the_held_file(api, hr, staff):
    held = held_file(api, hr, staff)

    response = api(hr).post(f"{BASE}{held['id']}/approve/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["decided_by"]) == ("applied", hr.pk)
    assert User.objects.filter(is_active=True).count() == 17


def test_approving_a_file_gone_stale_is_a_400_listing_the_rows_and_it_stays_held(api, hr, staff):
    manager = staff[5]
    rows = "".join(f"{person.email},,,no\n" for person in staff[-3:])
    content = (
        f"email,full_name,manager_email,active\n{rows}new@example.com,Nia New,{manager.email},yes\n"
    )
    held = post_file(api(hr), content.encode()).json()
    person_leave(person=manager, by=hr)  # meanwhile, the new person's manager left

    response = api(hr).post(f"{BASE}{held['id']}/approve/")

    assert response.status_code == 400, response.json()
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(5, "manager_email")]
    assert DirectorySync.objects.get().status == DirectorySync.Status.HELD
    assert User.objects.filter(is_active=True).count() == 19
    assert not User.objects.filter(email="new@example.com").exists()


def test_reject_applies_nothing(api, hr, staff):
    held = held_file(api, hr, staff)

    response = api(hr).post(f"{BASE}{held['id']}/reject/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decided_by"]) == ("rejected", hr.pk)
    assert User.objects.filter(is_active=True).count() == 20


def test_approving_a_file_that_is_not_held_is_a_409(api, hr, staff):
    applied = post_file(api(hr), GOOD).json()
    held = held_file(api, hr, staff)
    api(hr).post(f"{BASE}{held['id']}/reject/")

    for sync_id in (applied["id"], held["id"]):
        for verb in ("approve", "reject"):
            response = api(hr).post(f"{BASE}{sync_id}/{verb}/")
            assert response.status_code == 409, (sync_id, verb)
            assert response.json()["code"] == "invalid_transition"
    assert User.objects.filter(is_active=True).count() == 22


@pytest.fixture
def manager(db):
    return UserFactory(email="manager.user@example.com", roles=[Role.MANAGER])


@pytest.mark.parametrize("role", ["leader", "mentor", "manager", "nobody"])
def test_only_hr_reaches_directory_files(api, hr, staff, request, role):
    held = held_file(api, hr, staff)
    client = api(request.getfixturevalue(role))

    answers = [
        client.get(BASE).status_code,
        client.get(f"{BASE}{held['id']}/").status_code,
        post_file(client, GOOD, dry_run=True).status_code,
        post_file(client, GOOD).status_code,
        client.post(f"{BASE}{held['id']}/approve/").status_code,
        client.post(f"{BASE}{held['id']}/reject/").status_code,
    ]

    assert answers == [403] * 6
    assert DirectorySync.objects.get().status == DirectorySync.Status.HELD
    assert not User.objects.filter(email="ana@example.com").exists()


def test_anonymous_callers_are_asked_to_sign_in(api, hr, staff):
    held = held_file(api, hr, staff)
    client = api(None)

    assert client.get(BASE).status_code == 401
    assert post_file(client, GOOD).status_code == 401
    assert client.post(f"{BASE}{held['id']}/approve/").status_code == 401
    assert DirectorySync.objects.get().status == DirectorySync.Status.HELD


def _files(count: int, by) -> None:
    for n in range(count):
        DirectorySync.objects.create(
            source=DirectorySync.Source.UPLOAD,
            file_name=f"people-{n}.csv",
            digest=f"{n:064}",
            status=DirectorySync.Status.REJECTED,
            rows=[{"email": f"x{n}@example.com"}] * 50,
            report={"counts": {"leaving": 1}},
            created_by=UserFactory(),
            decided_by=by,
        )


def test_the_list_costs_the_same_queries_for_2_files_as_for_30(
    api, hr, django_assert_max_num_queries
):
    client = api(hr)
    _files(2, hr)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(BASE).json()["results"]) == 2
    _files(28, hr)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(BASE).json()["results"]) == 30

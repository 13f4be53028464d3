"""The safety valve on SCIM: an identity provider that deactivates a wave of people (say,
Lodestar unassigned from a whole group) has the wave held for HR, like a people file that
would make too many leavers. Within 24 hours, more than a tenth of the people active before
the wave (and at least ``DIRECTORY_SYNC_VALVE_MIN``) is held; the deactivations that keep
arriving join the held batch; HR approves or rejects it on the Directory page."""

import pytest

from common.models import AuditEvent, Email
from directory.models import DirectorySync
from directory.services import (
    SyncHeldError,
    directory_sync,
    directory_sync_approve,
    directory_sync_reject,
)
from people.models import User
from tests.directory.conftest import patch
from tests.people.factories import HRFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAVE = patch({"op": "replace", "value": {"active": False}})


@pytest.fixture
def company(clock, hr):
    """Twenty active people: two in HR and eighteen others."""
    HRFactory(email="second.hr@example.com")
    people = [UserFactory(email=f"p{n:02}@example.com") for n in range(1, 19)]
    assert User.objects.filter(is_active=True).count() == 20
    return people


def active(people) -> list[bool]:
    return [User.objects.get(pk=person.pk).is_active for person in people]


def test_two_deactivations_in_a_day_are_applied_the_third_is_held(scim, company):
    first, second, third = company[:3]

    assert scim.patch(f"/Users/{first.pk}", LEAVE).status_code == 200
    assert scim.delete(f"/Users/{second.pk}").status_code == 204
    response = scim.patch(f"/Users/{third.pk}", LEAVE)

    assert response.status_code == 409
    assert "safety valve" in response.json()["detail"]
    assert active([first, second, third]) == [False, False, True]
    held = DirectorySync.objects.get(status=DirectorySync.Status.HELD)
    assert (held.source, [row["email"] for row in held.rows]) == ("scim", [third.email])
    assert held.report["leaving"] == [third.email]
    owed = Email.objects.filter(kind="directory.sync_held", ref=held.pk)
    assert owed.count() == 2, "one to each HR person"


def test_the_ones_that_keep_coming_join_the_held_batch_once_each(scim, company):
    for person in company[:2]:
        scim.delete(f"/Users/{person.pk}")
    for person in company[2:6]:
        assert scim.delete(f"/Users/{person.pk}").status_code == 409
    assert scim.delete(f"/Users/{company[2].pk}").status_code == 409, "the provider retries"

    held = DirectorySync.objects.get(status=DirectorySync.Status.HELD)
    assert [row["email"] for row in held.rows] == [p.email for p in company[2:6]]
    assert held.report["counts"]["leaving"] == 4
    assert Email.objects.filter(kind="directory.sync_held").count() == 2, "one per HR person"
    assert active(company[2:6]) == [True] * 4


def test_a_day_later_the_count_starts_again(scim, company, clock):
    for person in company[:2]:
        scim.delete(f"/Users/{person.pk}")
    clock.advance(hours=24, seconds=1)

    assert scim.delete(f"/Users/{company[2].pk}").status_code == 204
    assert not DirectorySync.objects.exists()


def test_hr_approves_the_held_deactivations_and_the_retry_is_a_no_op(scim, company, hr):
    for person in company[:2]:
        scim.delete(f"/Users/{person.pk}")
    for person in company[2:5]:
        scim.delete(f"/Users/{person.pk}")
    held = DirectorySync.objects.get(status=DirectorySync.Status.HELD)

    report = directory_sync_approve(sync=held, by=hr)

    assert sorted(report.leaving) == sorted(p.email for p in company[2:5])
    assert active(company[2:5]) == [False] * 3
    leaves = AuditEvent.objects.filter(action="person.leave", actor=hr)
    assert sorted(e.changes["departure"][1]["source"] for e in leaves) == ["scim"] * 3
    assert scim.delete(f"/Users/{company[2].pk}").status_code == 204, "already left"
    assert scim.get(f"/Users/{company[2].pk}").json()["active"] is False


def test_hr_rejects_and_nobody_leaves(scim, company, hr):
    for person in company[:2]:
        scim.delete(f"/Users/{person.pk}")
    scim.delete(f"/Users/{company[2].pk}")
    held = DirectorySync.objects.get(status=DirectorySync.Status.HELD)

    directory_sync_reject(sync=held, by=hr)

    assert active(company[2:3]) == [True]
    assert scim.get(f"/Users/{company[2].pk}").json()["active"] is True


def test_a_held_scim_batch_makes_people_files_wait(scim, company, hr):
    for person in company[:3]:
        scim.delete(f"/Users/{person.pk}")

    with pytest.raises(SyncHeldError):
        directory_sync(
            file=b"email,full_name\nnew@example.com,Nia New\n",
            file_name="people.csv",
            source=DirectorySync.Source.UPLOAD,
            dry_run=False,
            by=hr,
        )
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_patch_held_keeps_its_other_changes(scim, company):
    for person in company[:2]:
        scim.delete(f"/Users/{person.pk}")
    third = company[2]

    response = scim.patch(
        f"/Users/{third.pk}",
        patch(
            {"op": "replace", "path": "title", "value": "Account Executive"},
            {"op": "replace", "path": "active", "value": False},
        ),
    )

    assert response.status_code == 409
    third.refresh_from_db()
    assert (third.job_title, third.is_active) == ("Account Executive", True)

"""Review of issue 17: no path that makes a person a leaver or takes a role may leave
Lodestar without an active HR person (erasure refuses it: LastHRError). SCIM can
deactivate anyone and take the HR group from anyone, so it must be refused there too."""

import pytest
from django.test import Client

from common import audit
from directory.services import person_leave
from people.roles import Role, active_role_holders, has_role
from people.services import LastHRError
from tests.directory.conftest import ERROR, patch
from tests.people.factories import HRFactory
from tests.people.test_reporting_line import _change_form

pytestmark = pytest.mark.django_db


def test_scim_delete_of_the_last_active_hr_person_is_refused(scim):
    hr = HRFactory()

    response = scim.delete(f"/Users/{hr.pk}")

    assert response.status_code == 409, response.content
    assert response.json()["schemas"] == [ERROR]
    hr.refresh_from_db()
    assert hr.is_active and hr.left_on is None


def test_scim_patch_active_false_on_the_last_active_hr_person_is_refused(scim):
    hr = HRFactory()

    response = scim.patch(
        f"/Users/{hr.pk}", patch({"op": "Replace", "path": "active", "value": "False"})
    )

    assert response.status_code == 409, response.content
    hr.refresh_from_db()
    assert hr.is_active


def test_scim_group_removing_the_last_active_hr_person_is_refused(scim):
    hr = HRFactory()

    response = scim.patch(
        "/Groups/HR", patch({"op": "remove", "path": f'members[value eq "{hr.pk}"]'})
    )

    assert response.status_code == 409, response.content
    hr.refresh_from_db()
    assert has_role(hr, Role.HR)


def test_scim_group_put_emptying_hr_is_refused(scim):
    HRFactory()
    HRFactory()

    response = scim.put("/Groups/HR", {"displayName": "HR", "members": []})

    assert response.status_code == 409, response.content
    assert active_role_holders(Role.HR).count() == 2


def test_scim_may_deactivate_an_hr_person_while_another_stays(scim):
    leaving, staying = HRFactory(), HRFactory()

    response = scim.delete(f"/Users/{leaving.pk}")

    assert response.status_code == 204
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert list(active_role_holders(Role.HR)) == [staying]


def test_person_leave_refuses_the_last_active_hr_person():
    hr = HRFactory()

    with pytest.raises(LastHRError, match="last active HR user"):
        person_leave(person=hr, by=audit.SYSTEM, source="admin")
    hr.refresh_from_db()
    assert hr.is_active


def test_the_admin_form_refuses_the_last_active_hr_person_leaving_with_a_message():
    only = HRFactory(email="only.hr@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(only)

    unticked = client.post(
        f"/admin/people/user/{only.pk}/change/", _change_form(only, is_active=None)
    )
    dated = client.post(
        f"/admin/people/user/{only.pk}/change/", _change_form(only, left_on="2026-03-10")
    )

    for response in (unticked, dated):
        assert response.status_code == 200
        assert "last active HR user" in response.content.decode()
    only.refresh_from_db()
    assert (only.is_active, only.left_on) == (True, None)

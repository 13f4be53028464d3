"""Deactivating through SCIM runs the leaver's cascade (``directory.services.person_leave``).

These tests need ``person_leave`` (written in parallel, a stub until it is merged): they
assert only what the SCIM endpoint owns -- the person is inactive with a leaving date,
the response says ``active: false``, the departure is recorded as the directory sync's --
plus that the cascade ran (its ``person.leave``-style events or the ``user.leave`` one)."""

import pytest

from common.models import AuditEvent
from people.models import User
from tests.directory.conftest import okta_user, patch
from tests.people.factories import LeaderFactory

pytestmark = pytest.mark.django_db


def _left(user: User) -> None:
    user.refresh_from_db()
    assert not user.is_active
    assert user.left_on is not None
    events = AuditEvent.objects.filter(subject=user, actor_kind="directory")
    assert events.filter(action__endswith=".leave").exists()


def test_patch_active_false_as_okta_sends_it_deactivates(scim):
    user = LeaderFactory()

    response = scim.patch(f"/Users/{user.pk}", patch({"op": "replace", "value": {"active": False}}))

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    _left(user)


def test_patch_active_false_as_entra_sends_it_deactivates(scim):
    user = LeaderFactory()

    response = scim.patch(
        f"/Users/{user.pk}", patch({"op": "Replace", "path": "active", "value": "False"})
    )

    assert response.status_code == 200, response.content
    _left(user)


def test_delete_deactivates_and_keeps_the_person(scim):
    user = LeaderFactory()

    response = scim.delete(f"/Users/{user.pk}")

    assert response.status_code == 204
    assert User.objects.filter(pk=user.pk).exists()
    _left(user)
    assert scim.get(f"/Users/{user.pk}").json()["active"] is False


def test_deactivating_twice_changes_nothing_the_second_time(scim):
    user = LeaderFactory()
    scim.delete(f"/Users/{user.pk}")
    count = AuditEvent.objects.count()

    assert scim.delete(f"/Users/{user.pk}").status_code == 204
    assert AuditEvent.objects.count() == count


def test_created_inactive_is_a_leaver_from_the_start(scim):
    response = scim.post("/Users", okta_user(active=False))

    assert response.status_code == 201, response.content
    _left(User.objects.get(pk=response.json()["id"]))

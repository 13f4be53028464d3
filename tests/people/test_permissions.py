"""The one role permission (people.permissions.RolePermission) and its page twin
(people.decorators.role_required). Every route's answer to every caller is pinned by
the permission matrix, tests/permissions/matrix.py."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from people.decorators import role_required
from people.permissions import RolePermission
from people.roles import AUTHENTICATED, Role

pytestmark = pytest.mark.django_db


def _asks(permission_class, user, method: str = "get") -> tuple[bool, str | None]:
    request = Request(getattr(APIRequestFactory(), method)("/"))
    request.user = user or AnonymousUser()
    permission = permission_class()
    return permission.has_permission(request, view=None), permission.message


def test_signed_in_readers_and_hr_writers(leader, hr):
    gate = RolePermission.of(read=AUTHENTICATED, write=Role.HR)
    assert _asks(gate, leader) == (True, None)
    assert _asks(gate, leader, "post") == (False, "Only HR can change this.")
    assert _asks(gate, hr, "delete") == (True, None)
    assert _asks(gate, None)[0] is False


def test_roles_given_plainly_may_read_and_write(leader, mentor, nobody):
    gate = RolePermission.of(Role.HR, Role.LEADER)
    assert _asks(gate, leader, "post") == (True, None)
    assert _asks(gate, mentor) == (False, "Only HR and leaders can do this.")
    assert _asks(gate, nobody, "patch") == (False, "Only HR and leaders can do this.")


def test_a_declared_message_wins(mentor):
    gate = RolePermission.of(Role.LEADER, message="Only leaders nominate.")
    assert _asks(gate, mentor) == (False, "Only leaders nominate.")


def test_a_misspelt_role_fails_where_it_is_declared():
    with pytest.raises(ValueError, match="Unknown role"):
        RolePermission.of(read="hr")


def test_pages_accept_any_of_several_roles(rf, leader, mentor, nobody):
    page = role_required(Role.HR, Role.MENTOR)(lambda request: HttpResponse("ok"))
    request = rf.get("/")
    request.user = mentor
    assert page(request).status_code == 200
    for refused in (leader, nobody):
        request.user = refused
        with pytest.raises(PermissionDenied):
            page(request)

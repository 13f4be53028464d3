"""Roles are Django groups; this module is the one place that answers "is this user an X"."""

from django.contrib.auth.models import Group
from django.db import models


class Role(models.TextChoices):
    HR = "HR", "HR"
    MENTOR = "Mentor", "Mentor"
    LEADER = "Leader", "Leader"


def role_names(user) -> frozenset[str]:
    """The caller's role names, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_lodestar_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {Role.HR}
        user._lodestar_roles = cached
    return cached


def has_role(user, role: Role) -> bool:
    return role in role_names(user)


def grant_role(user, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_lodestar_roles"):
        del user._lodestar_roles

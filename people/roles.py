"""Roles are Django groups; this module is the one place that answers "is this user an X"."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from people.models import User


class Role(models.TextChoices):
    HR = "HR", "HR"
    MENTOR = "Mentor", "Mentor"
    LEADER = "Leader", "Leader"
    # Someone with leaders below them in the reporting line, whom HR let sign in.
    MANAGER = "Manager", "Manager"


def role_names(user) -> frozenset[str]:
    """The caller's role names, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_lodestar_roles", None)
    if cached is None:
        # Every role group with whether the user holds it: one query gives both the roles
        # and the groups' ids (``role_group_id``).
        groups = list(
            Group.objects.annotate(
                held=Exists(user.groups.through.objects.filter(user=user, group=OuterRef("pk")))
            ).values_list("name", "pk", "held")
        )
        cached = frozenset(name for name, _, held in groups if held)
        if user.is_superuser:
            cached |= {Role.HR}
        user._lodestar_roles = cached
        user._lodestar_role_groups = {name: pk for name, pk, _ in groups}
    return cached


def role_group_id(role: Role, *, reader) -> int | None:
    """The id of ``role``'s group, read with ``reader``'s roles (once per user object, that
    is once per request; ``reader`` must be signed in).

    Filtering by the id, a constant, lets PostgreSQL use its statistics of who holds which
    group; filtered by the group's name through a join, it guesses a third of all
    memberships for each role, and a list's later pages sort every row instead of
    walking an index (issue 14: page 100 of the observations at 10,000 leaders, 2.75 s
    → 31 ms)."""
    role_names(reader)
    return getattr(reader, "_lodestar_role_groups", {}).get(role)


# Not a group: every signed-in user holds it, so a gate can say "anyone signed in reads".
AUTHENTICATED = "authenticated"


def has_role(user, role: Role) -> bool:
    return role in role_names(user)


def has_any_role(user, roles: Iterable[str]) -> bool:
    """Does ``user`` hold one of ``roles``? ``AUTHENTICATED`` is held by any signed-in user."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = set(roles)
    return AUTHENTICATED in roles or not roles.isdisjoint(role_names(user))


def active_role_holders(role: Role) -> QuerySet[User]:
    """The active people who hold ``role``: ``has_role`` as a query (superusers are HR)."""
    holds = Q(groups__name=role) | (Q(is_superuser=True) if role == Role.HR else Q(pk__in=[]))
    return User.objects.filter(pk__in=User.objects.filter(holds).values("pk"), is_active=True)


def grant_role(user, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_lodestar_roles"):
        del user._lodestar_roles

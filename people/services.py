"""Writes about people: adding a person to the directory, granting a role, changing a
reporting line. Each records an audit event about the person (common/audit.py).

HR's admin edits people directly (people/admin.py); those edits are audited by the
admin itself (common.admin.AuditedAdminMixin).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from common import audit
from common.outbox import emails_owe
from people import emails
from people.models import User
from people.roles import Role, grant_role, has_role

# What a new person's event shows (never the password: it is a private field).
USER_AUDITED_FIELDS = ("email", "full_name", "job_title", "region", "manager", "is_active")


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    by,
    job_title: str = "",
    manager: User | None = None,
) -> User:
    """Add a person without a password (a leader from an import, a rater): they never
    sign in unless HR gives them a login."""
    user = User(
        email=User.objects.normalize_email(email),
        full_name=full_name.strip(),
        job_title=job_title,
        manager=manager,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit.record(
        action="user.create",
        by=by,
        obj=user,
        changes=audit.created(user, USER_AUDITED_FIELDS),
        about=user,
    )
    return user


@transaction.atomic
def user_role_grant(*, user: User, role: Role, by) -> bool:
    """Give a person a role they lack; False if they hold it already."""
    if has_role(user, role):
        return False
    before = audit.snapshot(user, ["groups"])
    grant_role(user, role)
    audit.record(
        action="user.role_grant",
        by=by,
        obj=user,
        changes=audit.changed(user, before),
        about=user,
    )
    return True


@transaction.atomic
def user_manager_set(*, user: User, manager: User | None, by) -> User:
    """Record who a person reports to."""
    before = audit.snapshot(user, ["manager"])
    user.manager = manager
    user.save(update_fields=["manager"])
    changes = audit.changed(user, before)
    if changes:
        audit.record(action="user.manager_change", by=by, obj=user, changes=changes, about=user)
    return user


# --- many at once (imports): the same writes and events, in a fixed number of queries ---


@transaction.atomic
def users_create_many(*, people: Sequence[dict], by) -> list[User]:
    """``user_create`` for many new people (``email``, ``full_name``, ``job_title``).
    The caller has checked that the addresses are valid and new; the unique constraint
    refuses one added by someone else meanwhile (IntegrityError: nothing is written)."""
    users = []
    for fields in people:
        user = User(
            email=User.objects.normalize_email(fields["email"]),
            full_name=fields["full_name"].strip(),
            job_title=fields.get("job_title", ""),
        )
        user.set_unusable_password()
        user.full_clean(validate_unique=False, validate_constraints=False)
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    audit.record_many(
        audit.event(action="user.create", by=by, obj=user, changes=changes, about=user)
        for user, changes in zip(users, audit.created_many(users, USER_AUDITED_FIELDS), strict=True)
    )
    return users


@transaction.atomic
def users_manager_set_many(*, managers: dict[User, User], by) -> None:
    """``user_manager_set`` for many people: person → their manager."""
    people = [user for user, manager in managers.items() if user.manager_id != manager.pk]
    changes = audit.readable_many(
        User, [{"manager": (user.manager_id, managers[user].pk)} for user in people]
    )
    for user in people:
        user.manager = managers[user]
    User.objects.bulk_update(people, ["manager"], batch_size=1000)
    audit.record_many(
        audit.event(action="user.manager_change", by=by, obj=user, changes=change, about=user)
        for user, change in zip(people, changes, strict=True)
    )


@transaction.atomic
def users_role_grant_many(*, users: Sequence[User], role: Role, by) -> int:
    """``user_role_grant`` for many people; returns how many lacked the role."""
    group = Group.objects.get(name=role)
    held: dict[int, list[int]] = {user.pk: [] for user in users}
    memberships = User.groups.through.objects.filter(user_id__in=held)
    for user_id, group_id in memberships.values_list("user_id", "group_id"):
        held[user_id].append(group_id)
    lacking = [user for user in users if group.pk not in held[user.pk]]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in lacking],
        batch_size=1000,
        ignore_conflicts=True,
    )
    changes = audit.readable_many(
        User,
        [{"groups": (sorted(held[u.pk]), sorted([*held[u.pk], group.pk]))} for u in lacking],
    )
    audit.record_many(
        audit.event(action="user.role_grant", by=by, obj=user, changes=change, about=user)
        for user, change in zip(lacking, changes, strict=True)
    )
    for user in lacking:
        user.__dict__.pop("_lodestar_roles", None)
    return len(lacking)


# --- managers: HR lets a leader's manager sign in ---------------------------------------


def managers_of_leaders() -> QuerySet[User]:
    """Active people with at least one direct report who is a leader: those HR may let
    sign in as managers (the role itself follows the whole line below them)."""
    leaders = User.objects.filter(groups__name=Role.LEADER, is_active=True)
    return User.objects.filter(
        is_active=True, pk__in=leaders.filter(manager__isnull=False).values("manager_id")
    )


@transaction.atomic
def manager_sign_in_grant(*, user: User, by) -> bool:
    """Let a leader's manager sign in: the Manager role, and an email inviting them to
    choose a password (the reset link, made when the email is sent). Asked again for a
    manager who has not chosen a password yet, it sends the invitation again (once a
    day at most). False when nothing was sent. A person with no leader reporting to them
    is a 400 naming ``user``."""
    if not managers_of_leaders().filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": "Only someone with a leader reporting to them can sign in as a manager."}
        )
    granted = user_role_grant(user=user, role=Role.MANAGER, by=by)
    if not granted and user.has_usable_password():
        return False
    return bool(emails_owe([emails.manager_invitation(user, day=timezone.localdate())]))


@transaction.atomic
def manager_sign_in_revoke(*, user: User, by) -> bool:
    """Take the Manager role away (their other roles stay); False if they had none."""
    if not has_role(user, Role.MANAGER):
        return False
    before = audit.snapshot(user, ["groups"])
    user.groups.remove(Group.objects.get(name=Role.MANAGER))
    user.__dict__.pop("_lodestar_roles", None)
    audit.record(
        action="user.role_revoke", by=by, obj=user, changes=audit.changed(user, before), about=user
    )
    return True

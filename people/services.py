"""Writes about people: adding a person to the directory, granting a role, changing a
reporting line. Each records an audit event about the person (common/audit.py).

HR's admin edits people directly (people/admin.py); those edits are audited by the
admin itself (common.admin.AuditedAdminMixin).
"""

from __future__ import annotations

from django.db import transaction

from common import audit
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

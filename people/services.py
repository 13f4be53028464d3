"""Writes about people: adding a person to the directory, granting a role, changing a
reporting line, marking a leaver. Each records an audit event about the person
(common/audit.py).

HR's admin edits people directly (people/admin.py); those edits are audited by the
admin itself (common.admin.AuditedAdminMixin), except the reporting line and leaving,
which it hands to the services here.

The reporting line's history (``ReportingLine``) is kept here, not in ``User.save()``:
``reporting_line_record`` is its one writer, called by every write of ``User.manager``
and ``User.left_on`` in this module (``user_create``, ``user_manager_set``,
``users_manager_set_many``, ``user_left_on_set``), which the admin, the enrollment
import, erasure, the demo and the test factories all go through. ``save()`` could not be
the one place: the imports and the scale seed write people in bulk, which never calls
it. Editing ``manager`` in a shell bypasses the history; use the services there too.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from common import audit
from common.errors import ApplicationError
from common.outbox import emails_owe
from people import emails
from people.models import ReportingLine, User
from people.roles import Role, active_role_holders, grant_role, has_role

# What a new person's event shows (never the password: it is a private field).
USER_AUDITED_FIELDS = ("email", "full_name", "job_title", "region", "manager", "is_active")


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    by,
    job_title: str = "",
    region: str = "",
    manager: User | None = None,
) -> User:
    """Add a person without a password (a leader from an import, a rater): they never
    sign in unless HR gives them a login."""
    user = User(
        email=User.objects.normalize_email(email),
        full_name=full_name.strip(),
        job_title=job_title,
        region=region,
        manager=manager,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    reporting_line_record(lines={user: manager}, on=timezone.localdate(user.date_joined))
    audit.record(
        action="user.create",
        by=by,
        obj=user,
        changes=audit.created(user, USER_AUDITED_FIELDS),
        about=user,
    )
    return user


class LastHRError(ApplicationError):
    code = "last_hr"


def hr_remains_check(*, person: User) -> None:
    """Refuse to let ``person`` stop being active HR (leave, lose the role, be erased) when
    nobody else is: nobody could then run Lodestar, approve a held directory file or give
    the role again. Every HR holder is locked first, so two such writes cannot each see
    the other as the one who stays."""
    holders = active_role_holders(Role.HR)
    list(holders.select_for_update())
    if (
        person.is_active
        and has_role(person, Role.HR)
        and not holders.exclude(pk=person.pk).exists()
    ):
        raise LastHRError(
            f"{person.full_name} is the last active HR user: give someone else the HR role first."
        )


# What ``user_update`` may change: who the person is in the directory.
USER_PROFILE_FIELDS = ("email", "full_name", "job_title", "region")


@transaction.atomic
def user_update(*, user: User, by, **changes: str) -> User:
    """Change a person's directory details (``USER_PROFILE_FIELDS``: email, name, title,
    region), validated; records ``user.update`` when anything changed. The manager and
    leaving have their own services (they keep the reporting line's history)."""
    unknown = set(changes) - set(USER_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}.")
    before = audit.snapshot(user, changes.keys())
    for name, value in changes.items():
        setattr(user, name, value.strip())
    if "email" in changes:
        user.email = User.objects.normalize_email(user.email)
    # Only what changed is checked (with the case-insensitive uniqueness of the email).
    user.full_clean(
        exclude=[field.name for field in User._meta.fields if field.name not in changes]
    )
    diff = audit.changed(user, before)
    if diff:
        user.save(update_fields=list(changes))
        audit.record(action="user.update", by=by, obj=user, changes=diff, about=user)
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
def user_role_revoke(*, user: User, role: Role, by) -> bool:
    """Take a role away (the person's other roles stay); False if they did not hold it.
    A superuser stays HR whatever their groups say (people.roles)."""
    group = Group.objects.get(name=role)
    if not user.groups.filter(pk=group.pk).exists():
        return False
    if role == Role.HR and not user.is_superuser:  # a superuser stays HR
        hr_remains_check(person=user)
    before = audit.snapshot(user, ["groups"])
    user.groups.remove(group)
    user.__dict__.pop("_lodestar_roles", None)
    audit.record(
        action="user.role_revoke", by=by, obj=user, changes=audit.changed(user, before), about=user
    )
    return True


@transaction.atomic
def user_manager_set(
    *, user: User, manager: User | None, by, on: datetime.date | None = None
) -> User:
    """Record who a person reports to from ``on`` (today unless given): ``User.manager``
    and the reporting line's history."""
    before = audit.snapshot(user, ["manager"])
    user.manager = manager
    user.save(update_fields=["manager"])
    changes = audit.changed(user, before)
    if changes:
        reporting_line_record(lines={user: manager}, on=on or timezone.localdate())
        audit.record(action="user.manager_change", by=by, obj=user, changes=changes, about=user)
    return user


# What marking a leaver changes (and what their event shows).
LEAVER_AUDITED_FIELDS = ("left_on", "is_active")


@transaction.atomic
def user_left_on_set(*, user: User, left_on: datetime.date | None, by) -> User:
    """Mark a person as a leaver who left the company on ``left_on``: deactivated (no
    sign-in, no API token), their reporting line closed that day. A changed date moves
    the end of that line. ``None`` brings a leaver back: active again, reporting to
    their manager from today. Records ``user.leave`` or ``user.return``."""
    if left_on is not None:
        hr_remains_check(person=user)
    before = audit.snapshot(user, LEAVER_AUDITED_FIELDS)
    earlier = user.left_on
    user.left_on = left_on
    user.is_active = left_on is None
    changes = audit.changed(user, before)
    if not changes:
        return user
    user.save(update_fields=["left_on", "is_active"])
    if left_on is None:
        reporting_line_record(lines={user: user.manager}, on=timezone.localdate())
    elif earlier is None:
        reporting_line_record(lines={user: None}, on=left_on)
    else:
        _line_end_move(user, was=earlier, to=left_on)
    verb = "return" if left_on is None else "leave"
    audit.record(action=f"user.{verb}", by=by, obj=user, changes=changes, about=user)
    return user


def _line_end_move(user: User, *, was: datetime.date, to: datetime.date) -> None:
    """A leaver's date corrected: the line that ended on the old date ends on the new one
    (never before it began)."""
    for line in ReportingLine.objects.filter(person=user, ended_on=was):
        line.ended_on = max(to, line.started_on)
        line.save(update_fields=["ended_on"])


# --- the reporting line's history ------------------------------------------------------


@transaction.atomic
def reporting_line_record(*, lines: Mapping[User, User | None], on: datetime.date) -> None:
    """The one writer of ``ReportingLine``: from the day ``on``, each person in ``lines``
    reports to their manager there (``None``: to nobody).

    A stretch covers ``started_on`` up to, not including, ``ended_on``: a person's open
    line closes on ``on`` (or the day it began, if later: a stretch of no days, kept as
    a record) and the new one starts on ``on``. No row is deleted. No line is opened to
    nobody, nor for a leaver (``left_on`` set). A person whose open line already names
    that manager is left alone, so recording again changes nothing. Writes no audit
    event: its callers record the change of ``User.manager`` or ``left_on`` it follows.
    A fixed number of queries however many people."""
    if not lines:
        return
    wanted = {
        person.pk: (manager.pk if manager is not None and person.left_on is None else None)
        for person, manager in lines.items()
    }
    current = {
        line.person_id: line
        for line in ReportingLine.objects.select_for_update().filter(
            person__in=wanted, ended_on__isnull=True
        )
    }
    ended, opened = [], []
    for person_id, manager_id in wanted.items():
        line = current.get(person_id)
        if line is not None and line.manager_id == manager_id:
            continue
        if line is not None:
            line.ended_on = max(on, line.started_on)
            ended.append(line)
        if manager_id is not None:
            opened.append(ReportingLine(person_id=person_id, manager_id=manager_id, started_on=on))
    ReportingLine.objects.bulk_update(ended, ["ended_on"], batch_size=1000)
    ReportingLine.objects.bulk_create(opened, batch_size=1000)


# --- many at once (imports): the same writes and events, in a fixed number of queries ---


@transaction.atomic
def users_create_many(*, people: Sequence[dict], by) -> list[User]:
    """``user_create`` for many new people (``email``, ``full_name``, ``job_title``,
    ``region``).
    The caller has checked that the addresses are valid and new; the unique constraint
    refuses one added by someone else meanwhile (IntegrityError: nothing is written)."""
    users = []
    for fields in people:
        user = User(
            email=User.objects.normalize_email(fields["email"]),
            full_name=fields["full_name"].strip(),
            job_title=fields.get("job_title", ""),
            region=fields.get("region", ""),
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
def users_manager_set_many(
    *, managers: dict[User, User], by, on: datetime.date | None = None
) -> None:
    """``user_manager_set`` for many people: person → their manager."""
    people = [user for user, manager in managers.items() if user.manager_id != manager.pk]
    reporting_line_record(
        lines={user: managers[user] for user in people}, on=on or timezone.localdate()
    )
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
    return user_role_revoke(user=user, role=Role.MANAGER, by=by)

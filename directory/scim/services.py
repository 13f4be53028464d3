"""What a SCIM request writes, each through the people services (and, for a leaver,
``directory.services.person_leave``) with ``by=audit.DIRECTORY``, so HR reads "Directory
sync" as the actor of every change. Each write is one transaction: a refused part
changes nothing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from common import audit
from directory import services as directory_services
from directory.models import ScimIdentity
from directory.scim.errors import ScimError, invalid_value
from directory.scim.resources import UserFields
from people import services as people_services
from people.models import User
from people.roles import Role

BY = audit.DIRECTORY
SOURCE = "scim"


def _taken(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


def _check_unique(fields: UserFields, user: User | None) -> None:
    others = User.objects.exclude(pk=user.pk) if user is not None else User.objects.all()
    if others.filter(email__iexact=fields.email).exists():
        raise _taken(f"Another person has the userName {fields.email!r}.")
    if fields.external_id is not None:
        identities = ScimIdentity.objects.filter(external_id=fields.external_id)
        if user is not None:
            identities = identities.exclude(user=user)
        if identities.exists():
            raise _taken(f"Another person has the externalId {fields.external_id!r}.")


def _check_new_manager(user: User | None, manager: User | None) -> None:
    """A new manager works here (as a people file's manager must): reporting to a leaver
    would put the person on no one's team."""
    if manager is None or (user is not None and user.manager_id == manager.pk):
        return
    if not manager.is_active:
        raise invalid_value(f"manager: {manager.email} has left; name a current manager.")


def _check_manager(user: User, manager: User | None) -> None:
    """A person reports neither to themselves nor, through others, to someone below them
    (the reporting line would loop)."""
    _check_new_manager(user, manager)
    seen: set[int] = set()
    current = manager.pk if manager is not None else None
    while current is not None and current not in seen:
        if current == user.pk:
            raise invalid_value("manager: that would make the person report to themselves.")
        seen.add(current)
        current = User.objects.filter(pk=current).values_list("manager_id", flat=True).first()


@transaction.atomic
def scim_user_create(*, fields: UserFields) -> User:
    """A new person (no password, no role: they sign in through single sign-on or once HR
    gives them a login); inactive at once if the identity provider says so."""
    _check_unique(fields, None)
    _check_new_manager(None, fields.manager)
    user = people_services.user_create(
        email=fields.email,
        full_name=fields.full_name,
        job_title=fields.job_title,
        region=fields.region,
        manager=fields.manager,
        by=BY,
    )
    _external_id_set(user, fields.external_id)
    if not fields.active:
        directory_services.person_leave(person=user, by=BY, source=SOURCE)
    return user


@transaction.atomic
def scim_user_update(*, user: User, fields: UserFields) -> bool:
    """Make ``user`` what ``fields`` says (a PUT or PATCH): details, manager, external id,
    and last whether they work here (leaving runs the leaver's cascade, through the
    safety valve; coming back makes them active again). False when the safety valve held
    their leaving for HR (everything else is written)."""
    _check_unique(fields, user)
    if fields.manager is not None:
        _check_manager(user, fields.manager)
    if fields.active and not user.is_active:
        people_services.user_left_on_set(user=user, left_on=None, by=BY)
    people_services.user_update(
        user=user,
        by=BY,
        email=fields.email,
        full_name=fields.full_name,
        job_title=fields.job_title,
        region=fields.region,
    )
    if fields.manager != user.manager:
        people_services.user_manager_set(user=user, manager=fields.manager, by=BY)
    _external_id_set(user, fields.external_id)
    if not fields.active and user.is_active:
        return scim_user_deactivate(user=user)
    return True


@transaction.atomic
def scim_user_deactivate(*, user: User) -> bool:
    """The identity provider says the person left (``active: false``, or DELETE: SCIM
    never deletes anyone here), through the safety valve
    (``directory.services.directory_deactivate``). Leaving twice changes nothing. False
    when held for HR's approval."""
    return directory_services.directory_deactivate(person=user, by=BY, source=SOURCE)


def _external_id_set(user: User, external_id: str | None) -> None:
    identity = ScimIdentity.objects.filter(user=user).first()
    if identity is None and external_id is None:
        return
    if identity is None:
        identity = ScimIdentity.objects.create(user=user, external_id=external_id)
        audit.record(
            action="scim_identity.create",
            by=BY,
            obj=identity,
            changes=audit.created(identity, ["external_id"]),
            about=user,
        )
        return
    before = audit.snapshot(identity, ["external_id"])
    identity.external_id = external_id
    changes = audit.changed(identity, before)
    if changes:
        identity.save(update_fields=["external_id"])
        audit.record(
            action="scim_identity.update", by=BY, obj=identity, changes=changes, about=user
        )


@transaction.atomic
def scim_group_members_set(
    *, role: Role, add: Iterable[User] = (), remove: Iterable[User] = ()
) -> None:
    """Grant ``role`` to the people in ``add`` and take it from those in ``remove``."""
    for user in add:
        people_services.user_role_grant(user=user, role=role, by=BY)
    for user in remove:
        people_services.user_role_revoke(user=user, role=role, by=BY)

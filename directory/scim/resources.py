"""Lodestar's people and roles as SCIM resources, and back: the one mapping between a
``User`` and a SCIM User (docs/scim.md has it as a table).

=============================================  =========================================
SCIM                                           Lodestar
=============================================  =========================================
``id``                                         the person's key
``userName`` (or the primary/work email)       ``email`` (case-insensitive, unique)
``name.formatted``, ``displayName``,           ``full_name``
``name.givenName`` + ``name.familyName``
``title``                                      ``job_title``
``active``                                     not a leaver (false: ``person_leave``)
``externalId``                                 ``ScimIdentity.external_id``
enterprise ``manager.value``                   ``manager`` (a SCIM id)
enterprise ``division``                        ``region``
=============================================  =========================================
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.models import Group
from django.urls import reverse

from directory.scim.errors import invalid_syntax, invalid_value
from directory.scim.schemas import CORE_GROUP, CORE_USER, ENTERPRISE_USER
from people.models import User
from people.roles import Role

ROLES = tuple(Role)


# The largest key a database holds (a bigger "id" would overflow the query, not miss).
_LARGEST_KEY = 2**63 - 1


def user_key(text: str) -> int | None:
    """A SCIM id as a person's key; None for what cannot be one."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or int(text) > _LARGEST_KEY:
        return None
    return int(text)


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def user_location(request, user: User) -> str:
    return request.build_absolute_uri(reverse("scim-user", args=[user.pk]))


def group_location(request, role: Role) -> str:
    return request.build_absolute_uri(reverse("scim-group", args=[role.value]))


def _name_parts(full_name: str) -> tuple[str, str]:
    given, _, family = full_name.strip().partition(" ")
    return given, family


def user_resource(request, user: User) -> dict:
    """A person as SCIM shows them (their manager, identity and groups read with them:
    ``users_for_scim``)."""
    given, family = _name_parts(user.full_name)
    identity = getattr(user, "scim_identity", None)
    manager = user.manager
    resource = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "id": str(user.pk),
        "userName": user.email,
        "name": {"formatted": user.full_name, "givenName": given, "familyName": family},
        "displayName": user.full_name,
        "title": user.job_title,
        "active": user.is_active,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "groups": [
            {"value": group.name, "display": group.name}
            for group in user.groups.all()
            if group.name in Role.values
        ],
        ENTERPRISE_USER: {
            "division": user.region,
            **(
                {"manager": {"value": str(manager.pk), "displayName": manager.full_name}}
                if manager is not None
                else {}
            ),
        },
        "meta": {
            "resourceType": "User",
            "created": _iso(user.date_joined),
            "location": user_location(request, user),
        },
    }
    if identity is not None and identity.external_id:
        resource["externalId"] = identity.external_id
    return resource


def group_resource(request, role: Role, group: Group | None, *, members: bool = True) -> dict:
    resource = {
        "schemas": [CORE_GROUP],
        "id": role.value,
        "displayName": role.label,
        "meta": {"resourceType": "Group", "location": group_location(request, role)},
    }
    if members:
        people = group.user_set.all() if group is not None else []
        resource["members"] = [
            {"value": str(person.pk), "display": person.full_name, "type": "User"}
            for person in people
        ]
    return resource


# --- from SCIM ---------------------------------------------------------------------------

UNSET: Any = object()


@dataclasses.dataclass
class UserFields:
    """What a SCIM User asks of a person, typed and checked: every field is set (from the
    request or, for a PUT or PATCH, as the person has it)."""

    email: str
    full_name: str
    job_title: str
    region: str
    active: bool
    manager: User | None
    external_id: str | None


def get_attribute(container: Any, name: str, default: Any = None) -> Any:
    if not isinstance(container, dict):
        return default
    for key, value in container.items():
        if key.lower() == name.lower():
            return value
    return default


def storable(text: str) -> bool:
    """Can a database keep ``text``? JSON may carry a lone UTF-16 surrogate (no UTF-8
    for it) or a NUL (PostgreSQL refuses it), which would fail the query: a 500."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def _text(value: Any, attribute: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid_value(f"{attribute} is a string.")
    if isinstance(value, str) and not storable(value):
        raise invalid_value(f"{attribute} holds a character that is not text.")
    return str(value).strip()


def boolean(value: Any, attribute: str) -> bool:
    """A SCIM boolean; Entra sends "True" and "False" as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{attribute} is true or false, not {value!r}.")


def _pick(candidates: list[str], was: list[str] | None) -> str:
    """The first non-empty candidate, or, for a change, the first that changed (a PATCH of
    ``name.givenName`` changes the name even though ``displayName`` still holds the old)."""
    if was is not None:
        for new, old in zip(candidates, was, strict=True):
            if new and new != old:
                return new
    return next((value for value in candidates if value), "")


def _names(resource: dict) -> list[str]:
    name = get_attribute(resource, "name") or {}
    given = _text(get_attribute(name, "givenName"), "name.givenName")
    family = _text(get_attribute(name, "familyName"), "name.familyName")
    return [
        _text(get_attribute(name, "formatted"), "name.formatted"),
        _text(get_attribute(resource, "displayName"), "displayName"),
        " ".join(part for part in (given, family) if part),
    ]


def _emails(resource: dict) -> list[str]:
    emails = get_attribute(resource, "emails") or []
    if not isinstance(emails, list) or not all(isinstance(item, dict) for item in emails):
        raise invalid_value('emails is a list of {"value": an address}.')
    chosen = next(
        (e for e in emails if boolean(get_attribute(e, "primary", False), "primary")), None
    )
    chosen = chosen or next((e for e in emails if get_attribute(e, "type") == "work"), None)
    chosen = chosen or (emails[0] if emails else None)
    return [
        _text(get_attribute(resource, "userName"), "userName"),
        _text(get_attribute(chosen, "value"), "emails.value"),
    ]


def _manager(extension: Any, current: User | None) -> User | None:
    value = get_attribute(extension, "manager")
    if isinstance(value, dict):
        value = get_attribute(value, "value")
    if value in (None, ""):
        return None
    key = _text(value, "manager.value")
    if current is not None and str(current.pk) == key:
        return current
    pk = user_key(key)
    manager = User.objects.filter(pk=pk).first() if pk is not None else None
    if manager is None:
        raise invalid_value(f"No user has the id {key!r}: manager.value is a user's SCIM id.")
    return manager


def user_fields(resource: Any, *, was: dict | None = None, user: User | None = None) -> UserFields:
    """What ``resource`` (a POST, or the whole resource after a PUT or PATCH) asks of a
    person. ``was`` is the resource as the person is now (a PUT's or PATCH's starting
    point), ``user`` the person."""
    if not isinstance(resource, dict):
        raise invalid_syntax("A SCIM User is a JSON object.")
    email = _pick(_emails(resource), _emails(was) if was is not None else None)
    if not email:
        raise invalid_value("userName (the person's email) is required.")
    extension = get_attribute(resource, ENTERPRISE_USER) or {}
    external_id = _text(get_attribute(resource, "externalId"), "externalId") or None
    return UserFields(
        email=User.objects.normalize_email(email),
        full_name=_pick(_names(resource), _names(was) if was is not None else None) or email,
        job_title=_text(get_attribute(resource, "title"), "title"),
        region=_text(get_attribute(extension, "division"), "division"),
        active=boolean(get_attribute(resource, "active", True), "active"),
        manager=_manager(extension, user.manager if user is not None else None),
        external_id=external_id,
    )

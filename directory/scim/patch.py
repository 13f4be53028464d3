"""A SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON, in the shapes Okta and
Microsoft Entra send:

- ``{"op": "replace", "value": {"active": false}}`` (no path: each key is a path),
- ``{"op": "Replace", "path": "active", "value": "False"}`` (Entra: capitalised ops,
  booleans as strings; the mapping types the values, ``resources.py``),
- ``name.givenName``, ``urn:...:enterprise:2.0:User:manager`` (a string or
  ``{"value": id}``), ``emails[type eq "work"].value``,
- ``members`` with a list to add or remove, ``members[value eq "12"]`` to remove one.

The result is the whole resource as it should become; the caller validates and writes it
(so a PATCH and a PUT are one write, and a bad operation changes nothing)."""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from directory.scim.errors import ScimError, invalid_syntax
from directory.scim.filters import Comparison, parse
from directory.scim.schemas import CORE_GROUP, CORE_USER, ENTERPRISE_USER, PATCH_OP

OPERATIONS = ("add", "replace", "remove")
_PATH = re.compile(
    r"^(?:(?P<urn>urn:[^\[]*):)?(?P<attribute>[A-Za-z$][\w$-]*)"
    r"(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
_CORE = {CORE_USER.lower(), CORE_GROUP.lower()}


@dataclasses.dataclass(frozen=True)
class Path:
    extension: str | None  # the extension's schema URN, None for a core attribute
    attribute: str
    filter: list[Comparison] | None = None
    sub: str | None = None


def parse_path(raw: str) -> Path:
    match = _PATH.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise ScimError(400, f"The path {raw!r} is not supported.", "invalidPath")
    urn = match["urn"]
    extension = None
    if urn is not None and urn.lower() not in _CORE:
        if urn.lower() != ENTERPRISE_USER.lower():
            raise ScimError(400, f"The schema {urn!r} is not supported.", "invalidPath")
        extension = ENTERPRISE_USER
    found = parse(match["filter"]) if match["filter"] is not None else None
    return Path(extension, match["attribute"], found, match["sub"])


def patch_apply(resource: dict, body: Any) -> dict:
    """``resource`` as the PATCH request ``body`` changes it (a new dict)."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        raise invalid_syntax("A PATCH body holds a list of 'Operations'.")
    schemas = body.get("schemas")
    if schemas is not None and PATCH_OP not in schemas:
        raise invalid_syntax(f"A PATCH body's schemas is [{PATCH_OP!r}].")
    result = copy.deepcopy(resource)
    for operation in body["Operations"]:
        _apply(result, operation)
    return result


def _apply(resource: dict, operation: Any) -> None:
    if not isinstance(operation, dict):
        raise invalid_syntax("Each operation is an object with 'op', 'path' and 'value'.")
    op = str(operation.get("op", "")).lower()
    if op not in OPERATIONS:
        raise invalid_syntax(f"The op {operation.get('op')!r} is not one of add, replace, remove.")
    path, value = operation.get("path"), operation.get("value")
    if path:
        _at(resource, parse_path(path), op, value)
    elif op == "remove":
        raise ScimError(400, "A remove names the path it removes.", "noTarget")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.lower() == ENTERPRISE_USER.lower() and isinstance(item, dict):
                for name, part in item.items():
                    _at(resource, Path(ENTERPRISE_USER, name), op, part)
            else:
                _at(resource, parse_path(key), op, item)
    else:
        raise invalid_syntax("An operation without a path sets the attributes its value holds.")


def _key(container: dict, name: str) -> str:
    """The key ``container`` holds for ``name`` (SCIM's names are case-insensitive)."""
    for key in container:
        if key.lower() == name.lower():
            return key
    return name


def _container(resource: dict, path: Path) -> dict:
    if path.extension is None:
        return resource
    key = _key(resource, path.extension)
    if not isinstance(resource.get(key), dict):
        resource[key] = {}
    return resource[key]


def _matches(item: Any, comparisons: list[Comparison]) -> bool:
    if not isinstance(item, dict):
        return False
    lowered = {key.lower(): value for key, value in item.items()}
    return all(_same(lowered.get(c.attribute), c.value) for c in comparisons)


def _same(held: Any, wanted: Any) -> bool:
    if isinstance(held, str) and isinstance(wanted, str):
        return held.lower() == wanted.lower()
    return str(held) == str(wanted) if isinstance(wanted, str) else held == wanted


def _at(resource: dict, path: Path, op: str, value: Any) -> None:
    container = _container(resource, path)
    key = _key(container, path.attribute)
    if path.filter is not None:
        _at_filtered(container, key, path, op, value)
    elif path.sub is not None:
        _at_sub(container, key, path.sub, op, value)
    elif op == "remove":
        if isinstance(value, list) and isinstance(container.get(key), list):
            # Entra removes members by value: {"path": "members", "value": [{"value": id}]}.
            gone = {str(item.get("value")) for item in value if isinstance(item, dict)}
            container[key] = [
                i
                for i in container[key]
                if not isinstance(i, dict) or str(i.get("value")) not in gone
            ]
        else:
            container.pop(key, None)
    elif op == "add" and isinstance(container.get(key), list):
        added = value if isinstance(value, list) else [value]
        held = {str(i.get("value")) for i in container[key] if isinstance(i, dict)}
        container[key] += [
            i for i in added if not isinstance(i, dict) or str(i.get("value")) not in held
        ]
    elif op == "add" and isinstance(container.get(key), dict) and isinstance(value, dict):
        container[key].update(value)
    else:
        container[key] = value


def _at_sub(container: dict, key: str, sub: str, op: str, value: Any) -> None:
    held = container.get(key)
    if isinstance(held, list):  # ``emails.value``: every item of the attribute
        items = held or ([{}] if op != "remove" else [])
        container[key] = items
    else:
        if not isinstance(held, dict):
            held = container[key] = {}
        items = [held]
    if not all(isinstance(item, dict) for item in items):
        raise invalid_syntax(f"{key}.{sub}: the items of {key} are objects.")
    for item in items:
        if op == "remove":
            item.pop(_key(item, sub), None)
        else:
            item[_key(item, sub)] = value


def _at_filtered(container: dict, key: str, path: Path, op: str, value: Any) -> None:
    items = container.get(key)
    if not isinstance(items, list):
        items = container[key] = []
    matched = [item for item in items if _matches(item, path.filter)]
    if op == "remove":
        if path.sub is None:
            container[key] = [item for item in items if item not in matched]
        for item in matched if path.sub is not None else []:
            item.pop(_key(item, path.sub), None)
        return
    if not matched:
        # ``emails[type eq "work"].value`` on a person with no work email: add one.
        new = {c.attribute: c.value for c in path.filter}
        items.append(new)
        matched = [new]
    for item in matched:
        if path.sub is not None:
            item[_key(item, path.sub)] = value
        elif isinstance(value, dict):
            item.update(value)

"""The filters identity providers send (RFC 7644 §3.4.2.2), and no others: ``attr eq
value`` comparisons joined by ``and`` (``userName eq "ana@example.com"``, ``externalId eq
"00u1"``, ``emails.value eq "..."``, ``displayName eq "Leader"``). Anything else -- ``or``,
``not``, parentheses, ``co``, ``sw``, ``pr``, an attribute a resource does not filter on --
is a 400 ``invalidFilter``, never a filter silently ignored (which would answer "every
user" to a lookup and make an identity provider link the wrong person)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any

from directory.scim.errors import ScimError
from directory.scim.resources import storable
from directory.scim.schemas import CORE_GROUP, CORE_USER

_TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[^\s"()\[\]]+)|(?P<other>\S))')
# A core attribute may be named with its schema (``urn:...:core:2.0:User:userName``).
_CORE_PREFIXES = tuple(f"{urn}:".lower() for urn in (CORE_USER, CORE_GROUP))


@dataclasses.dataclass(frozen=True)
class Comparison:
    attribute: str  # lower case, without the schema: "username", "emails.value"
    value: Any


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def attribute_name(raw: str) -> str:
    """An attribute path as compared: lower case (SCIM's names are case-insensitive),
    without a core schema's prefix."""
    name = raw.lower()
    for prefix in _CORE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing blanks are left, and rstrip took them
            break
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _value(kind: str, token: str):
    if kind == "string":
        value = json.loads(token)
        if not storable(value):
            raise _invalid(f"{token!r} holds a character that is not text.")
        return value
    literal = token.lower()
    if literal in ("true", "false"):
        return literal == "true"
    if literal == "null":
        return None
    try:
        return json.loads(token)
    except ValueError:
        raise _invalid(f"{token!r} is not a value: quote strings.") from None


def parse(text: str, *, attributes: Iterable[str] | None = None) -> list[Comparison]:
    """The comparisons of ``text``, all of which must hold. ``attributes`` (lower case)
    are those that may be compared; None allows any simple name (a value filter in a
    PATCH path, ``members[value eq "12"]``)."""
    allowed = None if attributes is None else set(attributes)
    tokens = _tokens(text)
    comparisons, position = [], 0
    while True:
        comparisons.append(_comparison(tokens[position : position + 3], allowed))
        position += 3
        if position == len(tokens):
            return comparisons
        joiner = tokens[position]
        if joiner[0] != "word" or joiner[1].lower() != "and" or position + 1 == len(tokens):
            raise _invalid("Only comparisons joined by 'and' are supported.")
        position += 1


def _comparison(part: list[tuple[str, str]], allowed: set[str] | None) -> Comparison:
    if len(part) != 3 or part[0][0] != "word" or part[1][0] != "word":
        raise _invalid("Each comparison reads: attribute eq value.")
    (_, raw_attribute), (_, operator), (kind, raw_value) = part
    if operator.lower() != "eq":
        raise _invalid(f"The operator {operator!r} is not supported: only 'eq' is.")
    if kind == "other":
        raise _invalid(f"{raw_value!r} is not a value.")
    attribute = attribute_name(raw_attribute)
    if allowed is not None and attribute not in allowed:
        raise _invalid(f"Filtering on {raw_attribute!r} is not supported.")
    return Comparison(attribute, _value(kind, raw_value))

"""The audit trail: every write a person or a schedule makes records who, what, which
object, when and old → new, in the same transaction as the change (``AuditEvent``).

A service takes a snapshot of what it is about to change, changes it, and records:

    before = audit.snapshot(enrollment)
    ...the change...
    audit.record(action="enrollment.withdraw", by=by, obj=enrollment,
                 changes=audit.changed(enrollment, before), about=enrollment.leader)

``by`` is the person (a user), ``audit.SCHEDULE`` for the periodic tick, or
``audit.SYSTEM`` (or None) for what no person asked for (the demo, migrations of data).
``record`` refuses to run outside a transaction: an event is written with its change or
not at all. Private fields (``private_fields`` on the model, common/privacy.py) are
never snapshotted nor recorded, whatever a caller passes; feedback answers and
responses are never recorded at all.

Like all of common/, this imports no Lodestar app.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from common.models import AuditEvent
from common.privacy import private_fields

REPR_LENGTH = 200


class Actor(enum.Enum):
    """Who acted when it was not a person."""

    SCHEDULE = AuditEvent.ActorKind.SCHEDULE
    SYSTEM = AuditEvent.ActorKind.SYSTEM
    DIRECTORY = AuditEvent.ActorKind.DIRECTORY


SCHEDULE = Actor.SCHEDULE
SYSTEM = Actor.SYSTEM
DIRECTORY = Actor.DIRECTORY


class AuditOutsideTransaction(RuntimeError):
    """An event must be written in the transaction of the change it records."""


# --- what changed -----------------------------------------------------------------------


def entity(model) -> str:
    """The entity part of an action for a model: ``CohortSession`` → ``cohort_session``."""
    name = model._meta.object_name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _fields(model, names: Iterable[str] | None, *, m2m: bool) -> list[models.Field]:
    private = private_fields(model)
    if names is not None:
        chosen = [model._meta.get_field(name) for name in names]
    else:
        chosen = [
            field
            for field in model._meta.concrete_fields
            if not field.primary_key
            and not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
        ]
        if m2m:
            chosen += list(model._meta.many_to_many)
    return [field for field in chosen if field.name not in private]


def snapshot(obj, fields: Iterable[str] | None = None, *, m2m: bool = False) -> dict[str, Any]:
    """The audited fields' current values: field name → value (a related object's id,
    a many-to-many's sorted ids). ``fields`` narrows it; without it every concrete field
    but the key and the automatic timestamps (and the many-to-many ones with ``m2m``).
    Private fields are left out."""
    values: dict[str, Any] = {}
    for field in _fields(type(obj), fields, m2m=m2m):
        if field.many_to_many:
            related = getattr(obj, field.name)
            values[field.name] = sorted(related.values_list("pk", flat=True)) if obj.pk else []
        else:
            values[field.name] = field.value_from_object(obj)
    return values


def changed(obj, before: Mapping[str, Any], after: Mapping[str, Any] | None = None) -> dict:
    """Field → [old, new] for each field of ``before`` whose value is now different
    (``after`` defaults to a fresh snapshot of ``obj`` over the same fields)."""
    if after is None:
        after = snapshot(obj, before.keys())
    changed = {
        name: (before.get(name), after.get(name))
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }
    return _readable(type(obj), changed)


def created(obj, fields: Iterable[str] | None = None, *, m2m: bool = False) -> dict:
    """Field → [None, value] for each audited field that holds a value."""
    values = snapshot(obj, fields, m2m=m2m)
    return _readable(
        type(obj), {name: (None, value) for name, value in values.items() if _holds(value)}
    )


def deleted(obj, fields: Iterable[str] | None = None) -> dict:
    """Field → [value, None] for each audited field that held a value."""
    values = snapshot(obj, fields)
    return _readable(
        type(obj), {name: (value, None) for name, value in values.items() if _holds(value)}
    )


def _holds(value) -> bool:
    return value not in (None, "", [], {})


def created_many(objs: Sequence, fields: Iterable[str]) -> list[dict]:
    """``created`` for many new objects of one model (an import), naming related objects
    in one query per related model for all of them."""
    return readable_many(
        type(objs[0]) if objs else None,
        [
            {name: (None, value) for name, value in snapshot(obj, fields).items() if _holds(value)}
            for obj in objs
        ],
    )


def _readable(model, pairs: Mapping[str, tuple[Any, Any]]) -> dict:
    return readable_many(model, [pairs])[0]


def readable_many(model, changes: Sequence[Mapping[str, tuple[Any, Any]]]) -> list[dict]:
    """Each [old, new] as JSON a person can read: related objects by their name (one
    query per related model, however many changes), dates as ISO 8601, decimals as text."""
    wanted: dict[type, set] = {}
    for pairs in changes:
        for name in pairs:
            field = model._meta.get_field(name)
            if field.is_relation and field.related_model is not None:
                for value in pairs[name]:
                    ids = value if isinstance(value, list) else [value]
                    wanted.setdefault(field.related_model, set()).update(i for i in ids if i)
    names = {
        related: {pk: str(row) for pk, row in related._default_manager.in_bulk(ids).items()}
        for related, ids in wanted.items()
    }
    every = []
    for pairs in changes:
        readable = {}
        for name in sorted(pairs):
            field = model._meta.get_field(name)
            labels = names.get(field.related_model, {}) if field.is_relation else None
            readable[name] = [_json(value, field, labels) for value in pairs[name]]
        every.append(readable)
    return every


def _json(value, field, labels: dict | None):
    if labels is not None:
        if isinstance(value, list):
            return sorted(labels.get(item, f"#{item}") for item in value)
        return None if value is None else labels.get(value, f"#{value}")
    if isinstance(value, datetime.datetime | datetime.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # As the column stores it, so "80" typed and "80.00" read back read alike.
        places = getattr(field, "decimal_places", None)
        return str(value.quantize(decimal.Decimal(1).scaleb(-places)) if places else value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- recording --------------------------------------------------------------------------


def event(
    *,
    action: str,
    by,
    obj,
    changes: Mapping[str, Any] | None = None,
    about=None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """An unsaved event (``record`` saves one, ``record_many`` many at once)."""
    actor, kind = _actor(by)
    private = private_fields(type(obj))
    return AuditEvent(
        at=at or timezone.now(),
        actor=actor,
        actor_kind=kind,
        action=action,
        object_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:REPR_LENGTH],
        subject_id=getattr(about, "pk", about),
        changes={name: value for name, value in (changes or {}).items() if name not in private},
    )


def record(
    *,
    action: str,
    by,
    obj,
    changes: Mapping[str, Any] | None = None,
    about=None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Record one event in the caller's transaction (``AuditOutsideTransaction`` if none)."""
    built = event(action=action, by=by, obj=obj, changes=changes, about=about, at=at)
    _require_transaction()
    built.save()
    return built


def record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Record many events at once (a bulk upsert, an import), in the caller's transaction."""
    events = list(events)
    if events:
        _require_transaction()
        AuditEvent.objects.bulk_create(events, batch_size=1000)
    return events


def person_of(by):
    """The user behind ``by``, for a "decided by" column: None for the schedule, the
    system and the directory sync (their events say which it was)."""
    return None if by is None or isinstance(by, Actor) else by


def _actor(by) -> tuple[Any, str]:
    if by is None:
        return None, AuditEvent.ActorKind.SYSTEM
    if isinstance(by, Actor):
        return None, by.value
    if not getattr(by, "is_authenticated", False) or by.pk is None:
        raise ValueError(
            f"Record a person (a saved user), SCHEDULE, SYSTEM or DIRECTORY, not {by!r}."
        )
    return by, AuditEvent.ActorKind.PERSON


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            "An audit event is written in the transaction of the change it records: "
            "call audit.record inside the service's transaction.atomic()."
        )


# --- reading ----------------------------------------------------------------------------


def type_key(content_type: ContentType) -> str:
    """``programs.enrollment``: how pages and the API name an object type."""
    return f"{content_type.app_label}.{content_type.model}"


def type_key_of(obj) -> str:
    return type_key(ContentType.objects.get_for_model(obj))


def content_type_for(key: str) -> ContentType | None:
    app_label, _, model = key.partition(".")
    if not app_label or not model:
        return None
    return ContentType.objects.filter(app_label=app_label, model=model).first()


def event_list() -> QuerySet[AuditEvent]:
    """Every event, newest first, with who and what joined (one query per page)."""
    return AuditEvent.objects.select_related("actor", "subject", "object_type")


def events_for(obj) -> QuerySet[AuditEvent]:
    """One object's history, newest first."""
    return event_list().filter(
        object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    )


def events_for_rows(model, pks: Iterable) -> QuerySet[AuditEvent]:
    """The history of many rows of one model at once."""
    return AuditEvent.objects.filter(
        object_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    )


def events_redact(
    model,
    pks: Iterable,
    *,
    fields: Iterable[str] = (),
    text: str = "[removed]",
    reprs: Mapping[Any, str] | None = None,
) -> int:
    """The only change the application makes to recorded events: when rows' content must
    go (a person erased, who-rated-whom past retention), their history loses it too.
    Each old and new value of ``fields`` that held something becomes ``text``, and each
    event names its row as ``reprs`` says (row key → text) where it says. Returns the
    events changed."""
    fields, reprs = set(fields), reprs or {}
    key = model._meta.pk.to_python
    changed = 0
    for found in events_for_rows(model, pks).only("pk", "object_id", "object_repr", "changes"):
        changes = {
            name: [text if _holds(value) else value for value in pair] if name in fields else pair
            for name, pair in found.changes.items()
        }
        shown = reprs.get(key(found.object_id), found.object_repr)[:REPR_LENGTH]
        if changes != found.changes or shown != found.object_repr:
            AuditEvent.objects.filter(pk=found.pk).update(changes=changes, object_repr=shown)
            changed += 1
    return changed


def events_about(person) -> QuerySet[AuditEvent]:
    """Every event about a person or done by them (for their personal-data export)."""
    return event_list().filter(Q(subject=person) | Q(actor=person))

"""Erasure: anonymise a person, keep every figure and everyone else's data.

The user row is never deleted (``PROTECT`` keys from enrollments, observations, answers
about them... hold the figures together); it becomes a placeholder that can no longer
log in. In one transaction, ``person_erase``:

1. lets the person leave through the owning apps' services: their pairings end (planned
   sessions are cancelled), their open rater requests, about them or by them, expire,
   nominations that still stand are withdrawn, their mentor profile closes;
2. follows ``personal_data.registry``: API tokens deleted, roles removed, the free text
   they wrote blanked (``REDACTIONS``), in the rows and in those rows' audit history;
3. anonymises the user row: name, email (a unique placeholder on a reserved domain the
   outbox never sends to), job title, region, manager, password, roles, staff flags;
4. redacts the outbox rows addressed to them (recipients, delivery errors) and skips
   the queued ones nobody else is owed;
5. replaces their full name and email wherever else they are written (a mentor's notes,
   an objective, a comment, the admin's log, the audit trail), in every text column of
   every model;
6. records ``person.erase`` in the audit trail: who erased whom (the placeholder), when,
   and how many rows each step changed.

Exporting records ``person.export`` (who looked at everything about whom) the same way.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from common import audit, outbox
from common.errors import NotAllowedError, TransitionError
from common.models import Email
from directory.services import person_leave
from people.models import User
from people.roles import Role, active_role_holders
from people.services import hr_remains_check
from personal_data.registry import (
    REDACTIONS,
    REFERENCES,
    Erase,
    Redaction,
    is_erased,
    placeholder_email,
    placeholder_name,
)
from personal_data.selectors import person_export

# Required text that is erased reads as this; optional text becomes empty.
ERASED_TEXT = "[erased]"
# Tables the name sweep leaves alone: the user table is anonymised field by field (a
# namesake keeps their name), and session data is signed, not text.
NOT_SWEPT = frozenset({"people.User", "sessions.Session"})
# A name shorter than this is not looked for in other people's text: it would match words.
MIN_NAME_LENGTH = 4


@dataclasses.dataclass
class Erasure:
    """What erasing one person changed."""

    person_id: int
    pairings_ended: int = 0
    requests_expired: int = 0
    nominations_withdrawn: int = 0
    rows_deleted: int = 0
    texts_redacted: int = 0
    emails_redacted: int = 0
    mentions_replaced: int = 0


def person_erase(
    *, person: User, by: User | None, confirm: str, now: datetime.datetime | None = None
) -> Erasure:
    """Anonymise ``person``. ``confirm`` is their email address typed again (erasure
    cannot be undone); ``by`` is who asked (None on the command line)."""
    now = now or timezone.now()
    if not erase_confirmed(person=person, confirm=confirm):
        raise ValidationError({"confirm": "Type the person's email address to confirm."})
    with transaction.atomic():
        # Every HR holder is locked, so two HR people cannot erase each other at once.
        list(active_role_holders(Role.HR).select_for_update())
        person = User.objects.select_for_update().get(pk=person.pk)
        ensure_erasable(person=person, by=by)
        erasure = Erasure(person_id=person.pk)
        address, mentions = person.email.lower(), _mentions_of(person)
        _leave(person, by=by, now=now, erasure=erasure)
        _redact(person, erasure=erasure)
        _anonymise(person)
        erasure.emails_redacted = _outbox_redact(address=address, placeholder=person.email)
        erasure.mentions_replaced = _mentions_replace(mentions)
        audit.record(
            action="person.erase",
            by=by,
            obj=person,
            changes={"erased": [None, dataclasses.asdict(erasure)]},
            about=person,
            at=now,
        )
    return erasure


@transaction.atomic
def person_export_record(*, person: User, by: User | None) -> dict:
    """Everything about ``person`` (``selectors.person_export``), with ``person.export``
    recorded in the audit trail: who took a copy of whose data, and when (``by`` is None
    on the command line)."""
    audit.record(action="person.export", by=by, obj=person, about=person)
    return person_export(person=person)


def erase_confirmed(*, person: User, confirm: str) -> bool:
    """Is ``confirm`` the person's email address (in any case)?"""
    return confirm.strip().lower() == person.email.lower()


def ensure_erasable(*, person: User, by: User | None) -> None:
    """Refuse what must not happen: erasing twice, erasing oneself, and erasing the
    last active HR user (nobody could then run Lodestar)."""
    if is_erased(person):
        raise TransitionError("This person's data has already been erased.")
    if by is not None and by.pk == person.pk:
        raise NotAllowedError("Someone else in HR erases your own data.")
    hr_remains_check(person=person)


def _leave(person: User, *, by: User | None, now, erasure: Erasure) -> None:
    """A leaver's open business ends through the services that own it
    (``directory.services.person_leave``); erased while still on a team, they leave
    today (their reporting line closes). Their enrollments stay as they were: erasure
    keeps every figure."""
    departure = person_leave(
        person=person,
        by=by,
        left_on=person.left_on or timezone.localdate(now),
        source="erasure",
        withdraw_enrollments=False,
    )
    erasure.pairings_ended = departure.pairings_ended
    erasure.requests_expired = departure.requests_cancelled
    erasure.nominations_withdrawn = departure.nominations_withdrawn


def _redact(person: User, *, erasure: Erasure) -> None:
    for reference in REFERENCES:
        if reference.erase == Erase.DELETE:
            erasure.rows_deleted += reference.rows(person).delete()[0]
        elif reference.erase == Erase.CLEAR:
            getattr(person, reference.field).clear()
    for redaction in REDACTIONS:
        model = apps.get_model(redaction.model)
        values = {
            name: redaction.value() if redaction.value else _blank(model._meta.get_field(name))
            for name in redaction.fields
        }
        pks = list(redaction.rows(person).values_list("pk", flat=True))
        erasure.texts_redacted += model.objects.filter(pk__in=pks).update(**values)
        _audit_redact(redaction, pks)


def _audit_redact(redaction: Redaction, pks: list) -> None:
    """The redacted rows' audit history loses the same text: each old or new value of a
    redacted field reads "[erased]", and each event names the row as it now reads."""
    model = apps.get_model(redaction.model)
    rows = model.objects.in_bulk(pks)
    audit.events_redact(
        model,
        pks,
        fields=redaction.fields,
        text=ERASED_TEXT,
        reprs={pk: str(row) for pk, row in rows.items()},
    )


def _blank(field: models.Field) -> str:
    return "" if field.blank else ERASED_TEXT


def _anonymise(person: User) -> None:
    person.full_name = placeholder_name(person)
    person.email = placeholder_email(person)
    person.job_title = person.region = ""
    person.manager = None
    person.is_active = person.is_staff = person.is_superuser = False
    person.last_login = None
    person.set_unusable_password()
    person.save()


def _outbox_redact(*, address: str, placeholder: str) -> int:
    """Emails to them keep their kind, status and times; their address becomes the
    placeholder and delivery errors go. Queued ones owed to nobody else are skipped."""
    redacted, only_theirs = 0, []
    for email in Email.objects.addressed_to(address):
        recipients = [part.strip() for part in email.to.split(",")]
        recipients = [placeholder if part.lower() == address else part for part in recipients]
        Email.objects.filter(pk=email.pk).update(to=", ".join(recipients), last_error="")
        if all(outbox.undeliverable(part) for part in recipients):
            only_theirs.append(email.pk)
        redacted += 1
    outbox.emails_skip(Email.objects.filter(pk__in=only_theirs))
    return redacted


@dataclasses.dataclass(frozen=True)
class Mention:
    """How a person is written in other people's text, and what replaces it."""

    text: str
    pattern: re.Pattern
    placeholder: str


def _mentions_of(person: User) -> list[Mention]:
    """Their address (not inside a longer one) and their full name (as whole words)."""
    address = person.email.strip()
    mentions = [
        Mention(
            address,
            re.compile(rf"(?<![\w.%+-]){re.escape(address)}(?![\w-]|\.[\w-])", re.IGNORECASE),
            placeholder_email(person),
        )
    ]
    name = person.full_name.strip()
    if len(name) >= MIN_NAME_LENGTH:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        mentions.append(Mention(name, pattern, placeholder_name(person)))
    return mentions


def _mentions_replace(mentions: list[Mention]) -> int:
    """Replace every mention in every text column of every model; returns the rows
    changed."""

    def replace(text: str) -> str:
        for mention in mentions:
            text = mention.pattern.sub(mention.placeholder, text)
        return text

    changed = 0
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label in NOT_SWEPT:
            continue
        fields = text_fields(model)
        if not fields:
            continue
        named = Q()
        for field in fields:
            for mention in mentions:
                named |= Q(**{f"{field.name}__icontains": mention.text})
        for row in model.objects.filter(named):
            changes = {}
            for field in fields:
                value = getattr(row, field.attname)
                new = _replaced(value, replace)
                if new != value:
                    changes[field.attname] = new
            if changes:
                model.objects.filter(pk=row.pk).update(**changes)
                changed += 1
    return changed


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The columns of ``model`` that hold text a person's name or address could be in."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.primary_key
        and field.name != "password"
    ]


def _replaced(value, replace: Callable[[str], str]):
    """``value`` with ``replace`` applied to every string in it (JSON included)."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_replaced(item, replace) for item in value]
    if isinstance(value, dict):
        return {replace(key): _replaced(item, replace) for key, item in value.items()}
    return value

"""Writes that keep Lodestar's people in step with the company's directory: a leaver's
open business ended (``person_leave``), and a directory file applied (``directory_sync``)
or held for HR's approval by the safety valve. Every change goes through the services of
the app that owns it, so each is audited where it happens; SCIM (``directory/scim/``)
uses the same ``person_leave``.

A directory file lists people (email, name, title, region, manager email, active). It is
applied the way the enrollment import is: every row checked first, a dry run stops there,
a real run with any row error writes nothing; applying the same file twice changes
nothing the second time. An empty cell leaves what Lodestar has; people missing from the
file are left alone (only ``active`` = no makes a leaver).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common import audit, outbox
from common.csv_import import CsvRow, RowError, RowErrorsFound, read_bytes, read_csv
from common.errors import ApplicationError, TransitionError
from common.models import AuditEvent
from common.validators import valid_email
from directory import emails
from directory.models import DirectorySync
from feedback.services import nominations_withdraw_for, rater_minimums_check, requests_expire_for
from mentorship.models import MentorProfile, Pairing
from mentorship.services import action_items_close_for, pairing_end
from people import services as people_services
from people.models import LEFT_THE_COMPANY, User
from people.roles import Role, active_role_holders
from programs.services import enrollments_withdraw_for

# --- a leaver ---------------------------------------------------------------------------


@dataclasses.dataclass
class Departure:
    """What one person leaving changed (recorded in their ``person.leave`` event)."""

    person_id: int
    left_on: str
    source: str = ""
    deactivated: bool = False
    pairings_ended: int = 0
    enrollments_withdrawn: int = 0
    requests_cancelled: int = 0
    nominations_withdrawn: int = 0
    action_items_closed: int = 0
    # Rater groups of open cycles that now fall short of their minimum
    # (``feedback.services.rater_minimums_check``): HR is emailed to nominate someone.
    shortfalls: list = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.deactivated or any(
            (
                self.pairings_ended,
                self.enrollments_withdrawn,
                self.requests_cancelled,
                self.nominations_withdrawn,
                self.action_items_closed,
            )
        )


@transaction.atomic
def person_leave(
    *,
    person: User,
    by,
    left_on: datetime.date | None = None,
    source: str = "",
    withdraw_enrollments: bool = True,
) -> Departure:
    """``person`` left the company on ``left_on`` (today unless given): deactivated, their
    reporting line closed that day (measured retention counts the departure), and their
    open business ended through the services that own it: active pairings end (the one
    who stays is emailed; a mentor's seat is freed), open enrollments are withdrawn
    ("left the company"), open rater requests about or addressed to them are cancelled
    (expired) and the open cycles' minimums checked again (HR is emailed of a shortfall),
    standing nominations are withdrawn, the action items they own are closed, their mentor
    profile stops taking mentees. ``by`` is who reported it (a person in HR,
    ``audit.DIRECTORY``, ``audit.SYSTEM``); ``source`` says how ("admin", "scim",
    "file"). Recorded as ``person.leave`` with what changed; leaving again changes
    nothing and records nothing. Erasure passes ``withdraw_enrollments=False``: it keeps
    every figure, and a cohort's figures count its enrollments."""
    now = timezone.now()
    User.objects.select_for_update().filter(pk=person.pk).first()
    person.refresh_from_db()
    left_on = left_on or person.left_on or timezone.localdate(now)
    departure = Departure(person_id=person.pk, left_on=left_on.isoformat(), source=source)
    if person.is_active or person.left_on is None:
        people_services.user_left_on_set(user=person, left_on=left_on, by=by)
        departure.deactivated = True
    for pairing in Pairing.objects.filter(
        Q(mentor=person) | Q(mentee=person), status=Pairing.Status.ACTIVE
    ).select_related("mentor", "mentee"):
        pairing_end(pairing=pairing, by=by, leaver=person)
        departure.pairings_ended += 1
    MentorProfile.objects.filter(user=person, is_active=True).update(is_active=False)
    if withdraw_enrollments:
        departure.enrollments_withdrawn = enrollments_withdraw_for(
            leader=person, by=by, reason=LEFT_THE_COMPANY
        )
    departure.requests_cancelled = requests_expire_for(person=person, by=by, now=now)
    if departure.requests_cancelled:
        # Only what this departure cancelled can leave a group short because of it.
        departure.shortfalls = rater_minimums_check(rater=person)
    departure.nominations_withdrawn = nominations_withdraw_for(person=person, by=by, now=now)
    departure.action_items_closed = action_items_close_for(
        person=person, by=by, reason=LEFT_THE_COMPANY
    )
    if not departure.changed:
        return departure
    audit.record(
        action="person.leave",
        by=by,
        obj=person,
        changes={"departure": [None, dataclasses.asdict(departure)]},
        about=person,
        at=now,
    )
    if departure.shortfalls:
        outbox.emails_owe(emails.shortfall_notices(person, departure.shortfalls))
    return departure


# --- a directory file -------------------------------------------------------------------

SYNC_REQUIRED_COLUMNS = ("email",)
SYNC_OPTIONAL_COLUMNS = ("full_name", "title", "region", "manager_email", "active")
SYNC_ALIASES = {
    "email": ["e-mail", "email address", "work email"],
    "full_name": ["name", "full name", "display name"],
    "title": ["job title", "job_title"],
    "region": ["location", "team", "division"],
    "manager_email": ["manager", "manager e-mail", "manager email address"],
    "active": ["status", "is active", "employed"],
}
# An address may be valid (up to 320 characters) yet longer than Lodestar stores.
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
YES = frozenset({"", "yes", "y", "true", "1", "active", "employed"})
NO = frozenset({"no", "n", "false", "0", "inactive", "terminated", "left"})


class SyncHeldError(ApplicationError):
    """Another directory file waits for HR: it is approved or rejected first."""

    status_code = 409
    code = "sync_held"


@dataclasses.dataclass
class SyncReport:
    """What a directory file changes (or, dry, would change)."""

    dry_run: bool
    rows: int = 0
    created: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    managers_changed: list[str] = dataclasses.field(default_factory=list)
    returned: list[str] = dataclasses.field(default_factory=list)
    leaving: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)
    active_people: int = 0
    # People the directory (files and SCIM) made leavers in the valve's window before it.
    recent_leavers: int = 0
    # Set when the safety valve held the file for HR.
    held: bool = False

    @property
    def leaving_share(self) -> float:
        return len(self.leaving) / self.active_people if self.active_people else 0.0

    def as_dict(self) -> dict:
        lists = ("created", "updated", "managers_changed", "returned", "leaving", "unchanged")
        return {
            "dry_run": self.dry_run,
            "held": self.held,
            "rows": self.rows,
            **{name: getattr(self, name) for name in lists},
            "counts": {
                **{name: len(getattr(self, name)) for name in lists},
                "errors": len(self.errors),
            },
            "active_people": self.active_people,
            "recent_leavers": self.recent_leavers,
            "leaving_share": round(self.leaving_share, 4),
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclasses.dataclass(frozen=True)
class _Row:
    number: int
    email: str
    full_name: str
    title: str
    region: str
    manager_email: str
    active: bool


# The safety valve counts the leavers the directory made over this window: a wave of SCIM
# deactivations (an identity provider unassigning Lodestar from a whole group), or a wrong
# export split into several files, is held like one file making them all would be.
VALVE_WINDOW = datetime.timedelta(hours=24)


def directory_leavers_recent(*, now: datetime.datetime) -> int:
    """The people the directory made leavers within ``VALVE_WINDOW`` without HR's
    approval: through SCIM (their ``person.leave`` events by the directory actor) and
    through people files applied then. What HR approved was looked at already."""
    since = now - VALVE_WINDOW
    scim = AuditEvent.objects.filter(
        action="person.leave", actor_kind=AuditEvent.ActorKind.DIRECTORY, at__gte=since
    ).count()
    files = DirectorySync.objects.filter(
        status=DirectorySync.Status.APPLIED, decided_at__isnull=True, created_at__gte=since
    ).values_list("report", flat=True)
    return scim + sum(report.get("counts", {}).get("leaving", 0) for report in files)


def valve_share() -> float:
    """The share of active people a file may make leavers before HR must approve it."""
    return settings.DIRECTORY_SYNC_MAX_LEAVER_SHARE


def valve_holds(*, leaving: int, active: int) -> bool:
    """The safety valve: a sync (a file, or SCIM's deactivations within a day) that would
    make more than ``valve_share()`` of the ``active`` people leavers waits for HR (a
    truncated export or an identity provider unassigning everyone must not empty the
    company). Fewer than ``DIRECTORY_SYNC_VALVE_MIN`` leavers are never held: one or two
    people leaving a small company are departures, not an accident."""
    if leaving < settings.DIRECTORY_SYNC_VALVE_MIN:
        return False
    return leaving > valve_share() * active


def _read_row(row: CsvRow, errors: list[RowError]) -> _Row | None:
    normalize = User.objects.normalize_email
    email, manager_email = normalize(row["email"]), normalize(row["manager_email"])
    problems = []
    if not email:
        problems.append(row.error("email", "The email is empty."))
    elif not valid_email(email):
        problems.append(row.error("email", f'"{row["email"]}" is not a valid email address.'))
    elif len(email) > EMAIL_MAX_LENGTH:
        problems.append(row.error("email", f"Longer than {EMAIL_MAX_LENGTH} characters."))
    if manager_email and not valid_email(manager_email):
        problems.append(
            row.error("manager_email", f'"{row["manager_email"]}" is not a valid email address.')
        )
    elif manager_email and manager_email == email:
        problems.append(row.error("manager_email", "A person cannot be their own manager."))
    active = row["active"].strip().lower()
    if active not in YES | NO:
        problems.append(row.error("active", f'"{row["active"]}" is not yes or no.'))
    for column, limit in (("full_name", 200), ("title", 200), ("region", 100)):
        if len(row[column]) > limit:
            problems.append(row.error(column, f"Longer than {limit} characters."))
    if problems:
        errors.extend(problems)
        return None
    return _Row(
        number=row.number,
        email=email,
        full_name=row["full_name"],
        title=row["title"],
        region=row["region"],
        manager_email=manager_email,
        active=active not in NO,
    )


def _plan(rows: list[_Row], report: SyncReport) -> None:
    """Check every row against the file and the directory; fill the report; write
    nothing. A fixed number of queries, however many rows."""
    emails_named = {row.email for row in rows} | {row.manager_email for row in rows} - {""}
    known = {user.email: user for user in User.objects.filter(email__in=emails_named)}
    report.active_people = User.objects.filter(is_active=True).count()
    first_row_of: dict[str, int] = {}
    for row in rows:
        if row.email in first_row_of:
            report.errors.append(
                RowError(
                    row.number,
                    "email",
                    f"{row.email} already appears in row {first_row_of[row.email]}.",
                )
            )
            continue
        first_row_of[row.email] = row.number
    in_file = {row.email: row for row in rows}
    for row in rows:
        if first_row_of.get(row.email) != row.number:
            continue
        user = known.get(row.email)
        manager = known.get(row.manager_email)
        if row.manager_email:
            manager_row = in_file.get(row.manager_email)
            if manager is None and manager_row is None:
                report.errors.append(
                    RowError(
                        row.number,
                        "manager_email",
                        f"{row.manager_email} is neither in Lodestar nor in this file.",
                    )
                )
                continue
            if (manager_row is not None and not manager_row.active) or (
                manager_row is None and manager is not None and not manager.is_active
            ):
                report.errors.append(
                    RowError(
                        row.number,
                        "manager_email",
                        f"{row.manager_email} has left: give {row.email} a current manager.",
                    )
                )
                continue
        if user is None:
            if not row.active:
                report.unchanged.append(row.email)
            elif not row.full_name:
                report.errors.append(
                    RowError(
                        row.number,
                        "full_name",
                        f"{row.email} is new to Lodestar, so a full name is needed.",
                    )
                )
            else:
                report.created.append(row.email)
            continue
        if not row.active:
            (report.leaving if user.is_active else report.unchanged).append(row.email)
            continue
        changed = False
        if not user.is_active:
            report.returned.append(row.email)
            changed = True
        if _details(row, user):
            report.updated.append(row.email)
            changed = True
        if row.manager_email and (manager is None or user.manager_id != manager.pk):
            report.managers_changed.append(row.email)
            changed = True
        if not changed:
            report.unchanged.append(row.email)
    _last_hr_check(rows, report)


def _last_hr_check(rows: list[_Row], report: SyncReport) -> None:
    """A file may not make every active HR person a leaver (erasure may not either:
    ``people.services.hr_remains_check``): nobody would be left to approve a held file,
    read its email or give the role again."""
    hr = set(active_role_holders(Role.HR).values_list("email", flat=True))
    if not hr or not hr <= set(report.leaving):
        return
    for email in report.leaving:
        if email in hr:
            report.errors.append(
                RowError(
                    next(row.number for row in rows if row.email == email),
                    "active",
                    f"{email} would leave with every other HR person: give someone who "
                    "stays the HR role first.",
                )
            )


def _details(row: _Row, user: User) -> dict:
    """The details the row changes (an empty cell changes nothing)."""
    wanted = {"full_name": row.full_name, "job_title": row.title, "region": row.region}
    return {
        name: value
        for name, value in wanted.items()
        if value and value.strip() != getattr(user, name)
    }


def _apply(
    rows: list[_Row], report: SyncReport, *, by, today: datetime.date, source: str = "file"
) -> None:
    in_file = {row.email: row for row in rows}
    users = {
        user.email: user
        for user in User.objects.filter(
            email__in={row.email for row in rows} | {row.manager_email for row in rows} - {""}
        ).select_related("manager")
    }
    for user in people_services.users_create_many(
        people=[
            {
                "email": email,
                "full_name": in_file[email].full_name,
                "job_title": in_file[email].title,
                "region": in_file[email].region,
            }
            for email in report.created
        ],
        by=by,
    ):
        users[user.email] = user
    for email in report.returned:
        people_services.user_left_on_set(user=users[email], left_on=None, by=by)
    for email in report.updated:
        people_services.user_update(
            user=users[email], by=by, **_details(in_file[email], users[email])
        )
    people_services.users_manager_set_many(
        managers={
            users[email]: users[in_file[email].manager_email]
            for email in [*report.managers_changed, *report.created]
            if in_file[email].manager_email
        },
        by=by,
        on=today,
    )
    for email in report.leaving:
        person_leave(person=users[email], by=by, left_on=today, source=source)


def _rows_of(raw: bytes, report: SyncReport) -> list[_Row]:
    table = read_csv(
        raw,
        required=SYNC_REQUIRED_COLUMNS,
        optional=SYNC_OPTIONAL_COLUMNS,
        aliases=SYNC_ALIASES,
    )
    report.rows = len(table.rows)
    rows = [_read_row(row, report.errors) for row in table.rows]
    return [row for row in rows if row is not None]


def directory_sync(
    *,
    file: IO[bytes] | bytes,
    file_name: str,
    source: str,
    dry_run: bool,
    by,
) -> tuple[SyncReport, DirectorySync | None]:
    """Check a directory file and, unless ``dry_run``, apply it, or hold it for HR when
    the safety valve says so (``valve_holds``; HR is emailed). Returns the report and the
    recorded file (None on a dry run). A real run with row errors raises
    ``RowErrorsFound`` and writes nothing."""
    raw = read_bytes(file)
    report = SyncReport(dry_run=dry_run)
    rows = _rows_of(raw, report)
    _plan(rows, report)
    report.errors.sort(key=lambda error: error.row)
    # Counted with the leavers of the last day's syncs: splitting a wrong export into
    # several files does not get it past the valve.
    report.recent_leavers = directory_leavers_recent(now=timezone.now())
    report.held = bool(report.leaving) and valve_holds(
        leaving=len(report.leaving) + report.recent_leavers,
        active=report.active_people + report.recent_leavers,
    )
    if dry_run:
        return report, None
    if report.errors:
        raise RowErrorsFound(report.errors, extra={"report": report.as_dict()})
    with transaction.atomic():
        if (
            DirectorySync.objects.select_for_update()
            .filter(status=DirectorySync.Status.HELD)
            .exists()
        ):
            raise SyncHeldError(
                "A directory file is waiting for HR's approval: approve or reject it first."
            )
        sync = DirectorySync.objects.create(
            source=source,
            file_name=file_name[:255],
            digest=hashlib.sha256(raw).hexdigest(),
            status=DirectorySync.Status.HELD if report.held else DirectorySync.Status.APPLIED,
            rows=[dataclasses.asdict(row) for row in rows],
            report=report.as_dict(),
            created_by=audit.person_of(by),
        )
        if report.held:
            audit.record(
                action="directory_sync.hold",
                by=by,
                obj=sync,
                changes={"report": [None, report.as_dict()["counts"]]},
            )
            outbox.emails_owe(emails.held_notices(sync))
        else:
            _apply(rows, report, by=by, today=timezone.localdate())
            audit.record(
                action="directory_sync.apply",
                by=by,
                obj=sync,
                changes={"report": [None, report.as_dict()["counts"]]},
            )
    return report, sync


def directory_sync_approve(*, sync: DirectorySync, by: User) -> SyncReport:
    """HR approves a held file: it is checked again against the directory as it is now
    and applied (past the safety valve). Row errors found now write nothing."""
    with transaction.atomic():
        sync = _decide(sync, by=by, to=DirectorySync.Status.APPLIED)
        rows = [_Row(**row) for row in sync.rows]
        report = SyncReport(dry_run=False, rows=len(rows))
        _plan(rows, report)
        if report.errors:
            raise RowErrorsFound(report.errors, extra={"report": report.as_dict()})
        source = "scim" if sync.source == DirectorySync.Source.SCIM else "file"
        _apply(rows, report, by=by, today=timezone.localdate(), source=source)
        sync.report = report.as_dict()
        sync.save(update_fields=["report"])
        audit.record(
            action="directory_sync.approve",
            by=by,
            obj=sync,
            changes={"status": [DirectorySync.Status.HELD, DirectorySync.Status.APPLIED]},
        )
    return report


@transaction.atomic
def directory_sync_reject(*, sync: DirectorySync, by: User) -> DirectorySync:
    """HR rejects a held file: nothing in it is applied."""
    sync = _decide(sync, by=by, to=DirectorySync.Status.REJECTED)
    audit.record(
        action="directory_sync.reject",
        by=by,
        obj=sync,
        changes={"status": [DirectorySync.Status.HELD, DirectorySync.Status.REJECTED]},
    )
    return sync


def _decide(sync: DirectorySync, *, by: User, to: str) -> DirectorySync:
    decided = DirectorySync.objects.filter(pk=sync.pk, status=DirectorySync.Status.HELD).update(
        status=to, decided_by=by, decided_at=timezone.now()
    )
    if not decided:
        raise TransitionError("This directory file is no longer waiting for approval.")
    return DirectorySync.objects.get(pk=sync.pk)


# --- SCIM deactivations through the safety valve ----------------------------------------

SCIM_HELD_NAME = "SCIM deactivations"


@transaction.atomic
def directory_deactivate(*, person: User, by, source: str) -> bool:
    """The identity provider says ``person`` left (SCIM). Applied (``person_leave``)
    unless the safety valve holds it (``valve_holds``, counting the people the directory
    made leavers in the last ``VALVE_WINDOW`` and this one, against the people active
    before them), or a batch already waits for HR. Held deactivations gather in one
    ``DirectorySync`` of source SCIM that HR approves or rejects like a held file (every
    HR person is emailed when it starts). True when applied, False when held."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return True
    held = (
        DirectorySync.objects.select_for_update()
        .filter(source=DirectorySync.Source.SCIM, status=DirectorySync.Status.HELD)
        .first()
    )
    if held is None:
        recent = directory_leavers_recent(now=timezone.now())
        before = User.objects.filter(is_active=True).count() + recent
        if not valve_holds(leaving=recent + 1, active=before):
            person_leave(person=person, by=by, source=source)
            return True
        held = DirectorySync.objects.create(
            source=DirectorySync.Source.SCIM,
            file_name=SCIM_HELD_NAME,
            digest="",
            status=DirectorySync.Status.HELD,
            rows=[],
        )
        audit.record(action="directory_sync.hold", by=by, obj=held)
        outbox.emails_owe(emails.held_notices(held))
    if person.email not in {row["email"] for row in held.rows}:
        held.rows = [
            *held.rows,
            dataclasses.asdict(
                _Row(
                    number=len(held.rows) + 1,
                    email=person.email,
                    full_name="",
                    title="",
                    region="",
                    manager_email="",
                    active=False,
                )
            ),
        ]
        report = SyncReport(dry_run=False, rows=len(held.rows), held=True)
        _plan([_Row(**row) for row in held.rows], report)
        held.report = report.as_dict()
        held.save(update_fields=["rows", "report"])
    return False


# --- the sync folder --------------------------------------------------------------------


@dataclasses.dataclass
class FolderRun:
    applied: list[str] = dataclasses.field(default_factory=list)
    held: list[str] = dataclasses.field(default_factory=list)
    refused: list[str] = dataclasses.field(default_factory=list)
    # Files left for a later run: a file waits for HR before them.
    waiting: list[str] = dataclasses.field(default_factory=list)
    # Symlinks and anything else that is not a plain file: never read, left in place.
    ignored: list[str] = dataclasses.field(default_factory=list)


def directory_sync_folder(*, folder: str | Path, by=audit.SCHEDULE) -> FolderRun:
    """Apply each people file in ``folder`` (``*.csv``, any case, in name order) once: moved to
    ``done/`` when applied or held for HR, to ``refused/`` with its errors beside it
    (``<name>.errors.json``) when it cannot be applied. While a file waits for HR the
    rest stay where they are for a later run (they would be checked against a directory
    the held file has not changed). A file already applied (same bytes) is moved away
    without being applied again."""
    folder = Path(folder)
    run = FolderRun()
    if not folder.is_dir():
        return run
    dropped = (path for path in folder.iterdir() if path.suffix.lower() == ".csv")
    for path in sorted(dropped, key=lambda path: path.name):
        # Only what was dropped here: a symlink would have the worker read any file it
        # can, and a refused file's errors (written back here) quote its cells.
        if path.is_symlink() or not path.is_file():
            run.ignored.append(path.name)
            continue
        raw = _read_plain_file(path)
        seen = DirectorySync.objects.filter(
            source=DirectorySync.Source.FOLDER, digest=hashlib.sha256(raw).hexdigest()
        ).exclude(status=DirectorySync.Status.REFUSED)
        if seen.exists():
            _move(path, folder / "done")
            continue
        try:
            report, _ = directory_sync(
                file=raw,
                file_name=path.name,
                source=DirectorySync.Source.FOLDER,
                dry_run=False,
                by=by,
            )
        except SyncHeldError:
            run.waiting.append(path.name)
            continue
        except (RowErrorsFound, ValidationError) as error:
            _refuse(path, raw, error, folder=folder, by=by)
            run.refused.append(path.name)
            continue
        (run.held if report.held else run.applied).append(path.name)
        _move(path, folder / "done")
    return run


def _read_plain_file(path: Path) -> bytes:
    """The file's bytes, refusing to follow a symlink swapped in since it was listed."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def _refuse(path: Path, raw: bytes, error: Exception, *, folder: Path, by) -> None:
    if isinstance(error, RowErrorsFound):
        errors = [row_error.as_dict() for row_error in error.errors]
    else:
        errors = [
            {"row": None, "column": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    with transaction.atomic():
        sync = DirectorySync.objects.create(
            source=DirectorySync.Source.FOLDER,
            file_name=path.name[:255],
            digest=hashlib.sha256(raw).hexdigest(),
            status=DirectorySync.Status.REFUSED,
            report={"errors": errors, "counts": {"errors": len(errors)}},
        )
        audit.record(
            action="directory_sync.refuse",
            by=by,
            obj=sync,
            changes={"errors": [None, len(errors)]},
        )
    target = _move(path, folder / "refused")
    target.with_name(f"{target.name}.errors.json").write_text(json.dumps(errors, indent=2))


def _move(path: Path, to: Path) -> Path:
    to.mkdir(exist_ok=True)
    target = to / path.name
    if target.exists():
        target = to / f"{path.stem}-{timezone.now():%Y%m%d%H%M%S}{path.suffix}"
    path.rename(target)
    return target

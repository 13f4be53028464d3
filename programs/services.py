"""Writes with business rules for programs, cohorts, enrollments and progress.

Seats: ``Cohort.seats_taken`` counts enrollments holding a seat (invited,
active, completed). Taking a seat is one conditional UPDATE
(``seats_taken < capacity``), so two HR users racing for the last seat cannot
both win: the database serializes the two UPDATEs and the second matches no
row. Withdrawing gives the seat back; completing keeps it (the leader took
part in that run).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from common import audit, outbox
from common.csv_import import CsvRow, RowError, RowErrorsFound, read_csv
from common.errors import ApplicationError, CapacityError, TransitionError
from common.validators import valid_email
from people import services as people_services
from people.models import User
from people.roles import Role, has_role
from programs.emails import welcome_email
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Dimension,
    Enrollment,
    Module,
    ModuleCompletion,
    ModuleDimension,
    Program,
    SessionAttendance,
)

Status = Enrollment.Status


def _seat_take(*, cohort: Cohort, count: int = 1) -> None:
    taken = Cohort.objects.filter(pk=cohort.pk, seats_taken__lte=F("capacity") - count).update(
        seats_taken=F("seats_taken") + count
    )
    if not taken:
        raise CapacityError(
            f"{cohort.name} is full ({cohort.capacity} seats); no seat is left."
            if count == 1
            else f"{cohort.name} has fewer than {count} seats left ({cohort.capacity} seats).",
            extra={"cohort": cohort.pk},
        )


def _seat_release(*, cohort_id: int) -> None:
    Cohort.objects.filter(pk=cohort_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def leader_role_ensure(*, user: User, by) -> None:
    """Enrolling someone makes them a leader in Lodestar."""
    people_services.user_role_grant(user=user, role=Role.LEADER, by=by)


def _open_enrollment_elsewhere(*, cohort: Cohort, leader: User) -> Enrollment | None:
    return (
        Enrollment.objects.filter(
            program_id=cohort.program_id, leader=leader, status__in=Enrollment.OPEN_STATUSES
        )
        .select_related("cohort")
        .first()
    )


def enrollment_create(
    *, cohort: Cohort, leader: User, by: User | None, send_welcome: bool = True
) -> Enrollment:
    """Enroll a leader (status invited), take a seat and owe the welcome email (sent on commit)."""
    # Friendly checks first, outside the transaction: they only give a better message;
    # the unique constraints and the seat UPDATE below are what hold under races.
    # (Starting the transaction with the write also lets SQLite queue writers
    # instead of failing one of them with "database is locked".)
    name = leader.full_name or leader.email
    existing = Enrollment.objects.filter(cohort=cohort, leader=leader).first()
    if existing is not None:
        if existing.status == Status.WITHDRAWN:
            raise ApplicationError(
                f"{name} withdrew from {cohort.name} and cannot rejoin the same cohort; "
                "enroll them in another cohort of the program.",
                field="leader",
            )
        raise ApplicationError(f"{name} is already enrolled in {cohort.name}.", field="leader")
    other = _open_enrollment_elsewhere(cohort=cohort, leader=leader)
    if other is not None:
        raise ApplicationError(
            f"{name} already has an open enrollment in this program "
            f"({other.cohort.name}); withdraw or complete it first.",
            field="leader",
        )
    with transaction.atomic():
        _seat_take(cohort=cohort)
        leader_role_ensure(user=leader, by=by)
        try:
            # A savepoint so a lost race on the unique constraints becomes a clear 409
            # (the outer transaction then rolls the seat back with everything else).
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    cohort=cohort, program_id=cohort.program_id, leader=leader, enrolled_by=by
                )
        except IntegrityError as exc:
            raise ApplicationError(
                f"{name} was enrolled in this program by someone else a moment ago.",
                field="leader",
            ) from exc
        audit.record(
            action="enrollment.create",
            by=by,
            obj=enrollment,
            changes=audit.created(enrollment, ENROLLMENT_CREATED_FIELDS),
            about=leader,
        )
        if send_welcome:
            outbox.email_owe(welcome_email(enrollment))
    return enrollment


ENROLLMENT_CREATED_FIELDS = ("cohort", "leader", "status")


def _transition(
    *, enrollment: Enrollment, allowed_from: Iterable[str], to: str, by, verb: str, **changes
) -> Enrollment:
    """Move status with a conditional UPDATE, so a concurrent change cannot be overwritten,
    and record it. One UPDATE per status it may move from, so the event knows which."""
    allowed = list(allowed_from)
    before = audit.snapshot(enrollment, ["status", *changes])
    for status in allowed:
        if Enrollment.objects.filter(pk=enrollment.pk, status=status).update(status=to, **changes):
            before["status"] = status
            break
    else:
        enrollment.refresh_from_db(fields=["status"])
        raise TransitionError(
            f"A {enrollment.get_status_display().lower()} enrollment cannot become "
            f"{Status(to).label.lower()}; only from {' or '.join(allowed)}.",
            extra={"status": enrollment.status},
        )
    enrollment.refresh_from_db()
    audit.record(
        action=f"enrollment.{verb}",
        by=by,
        obj=enrollment,
        changes=audit.changed(enrollment, before),
        about=enrollment.leader_id,
    )
    return enrollment


@transaction.atomic
def enrollment_activate(*, enrollment: Enrollment, by) -> Enrollment:
    return _transition(
        enrollment=enrollment,
        allowed_from=[Status.INVITED],
        to=Status.ACTIVE,
        by=by,
        verb="activate",
        activated_at=timezone.now(),
    )


def enrollment_missing_required_modules(*, enrollment: Enrollment) -> list[Module]:
    return list(
        Module.objects.filter(program_id=enrollment.program_id, is_required=True)
        .exclude(completions__enrollment=enrollment)
        .order_by("position", "id")
    )


@transaction.atomic
def enrollment_complete(*, enrollment: Enrollment, by) -> Enrollment:
    """Complete an active enrollment; every required module must be complete."""
    # Lock the enrollment: a concurrent complete or withdraw waits until this one is decided.
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
    missing = enrollment_missing_required_modules(enrollment=enrollment)
    if missing:
        titles = ", ".join(module.title for module in missing)
        raise ApplicationError(
            f"{len(missing)} required module{'s are' if len(missing) > 1 else ' is'} "
            f"not complete: {titles}.",
            extra={"missing_modules": [{"id": m.pk, "title": m.title} for m in missing]},
        )
    return _transition(
        enrollment=enrollment,
        allowed_from=[Status.ACTIVE],
        to=Status.COMPLETED,
        by=by,
        verb="complete",
        completed_at=timezone.now(),
    )


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, by, reason: str = "") -> Enrollment:
    """Withdraw an invited or active enrollment and give its seat back; ``reason`` says
    why when it was not HR's own decision (recorded with it).

    Completions and attendance stay (history). Other apps that must react to a
    withdrawal (mentorship, feedback) should be called from here, explicitly.
    """
    enrollment = _transition(
        enrollment=enrollment,
        allowed_from=Enrollment.OPEN_STATUSES,
        to=Status.WITHDRAWN,
        by=by,
        verb="withdraw",
        withdrawn_at=timezone.now(),
        withdrawal_reason=reason,
    )
    _seat_release(cohort_id=enrollment.cohort_id)
    return enrollment


@transaction.atomic
def enrollments_withdraw_for(*, leader: User, by, reason: str) -> int:
    """A leaver's open enrollments are withdrawn with ``reason`` (their seats freed)."""
    open_enrollments = Enrollment.objects.filter(
        leader=leader, status__in=Enrollment.OPEN_STATUSES
    ).select_for_update()
    withdrawn = 0
    for enrollment in open_enrollments:
        enrollment_withdraw(enrollment=enrollment, by=by, reason=reason)
        withdrawn += 1
    return withdrawn


def _require_open(enrollment: Enrollment, what: str, done: str = "recorded") -> None:
    if enrollment.status not in Enrollment.OPEN_STATUSES:
        raise TransitionError(
            f"This enrollment is {enrollment.get_status_display().lower()}; "
            f"{what} can no longer be {done}.",
            extra={"status": enrollment.status},
        )


@transaction.atomic
def module_completion_record(
    *,
    enrollment: Enrollment,
    module: Module,
    completed_on: datetime.date | None = None,
    score: int | None = None,
    by: User | None,
) -> ModuleCompletion:
    """Record that the enrollment's leader completed a module of the same program.

    Scores are HR's to give (a leader recording their own e-learning gives none), and a
    completion lies within the cohort's dates and not in the future, so nobody can feed
    program impact with invented results."""
    if module.program_id != enrollment.program_id:
        raise ValidationError({"module": f'"{module.title}" is not a module of this program.'})
    _require_open(enrollment, "module completions")
    if score is not None and not has_role(by, Role.HR):
        raise ValidationError({"score": "Scores are recorded by HR."})
    completed_on = completed_on or timezone.localdate()
    _check_completion_date(completed_on, cohort=enrollment.cohort)
    completion = ModuleCompletion(
        enrollment=enrollment,
        module=module,
        completed_on=completed_on,
        score=score,
        recorded_by=by,
    )
    completion.full_clean(exclude=["enrollment", "module"], validate_unique=False)
    try:
        with transaction.atomic():
            completion.save()
    except IntegrityError as exc:
        raise ApplicationError(
            f'"{module.title}" is already recorded as complete for this enrollment.',
            field="module",
        ) from exc
    audit.record(
        action="module_completion.create",
        by=by,
        obj=completion,
        changes=audit.created(completion, ["module", "completed_on", "score"]),
        about=enrollment.leader_id,
    )
    return completion


@transaction.atomic
def module_completion_delete(*, completion: ModuleCompletion, by) -> None:
    """HR takes back a completion recorded by mistake. Only while the enrollment is open:
    a completed enrollment keeps the completions it was completed with."""
    _require_open(completion.enrollment, "module completions", done="taken back")
    gone = audit.event(
        action="module_completion.delete",
        by=by,
        obj=completion,
        changes=audit.deleted(completion, ["module", "completed_on", "score"]),
        about=completion.enrollment.leader_id,
    )
    completion.delete()
    audit.record_many([gone])


def _check_completion_date(day: datetime.date, *, cohort: Cohort) -> None:
    latest = min(timezone.localdate(), cohort.ends_on)
    if not cohort.starts_on <= day <= latest:
        raise ValidationError(
            {
                "completed_on": f"Give a date from {cohort.starts_on:%-d %b %Y} to "
                f"{latest:%-d %b %Y}: within the cohort's dates and not in the future."
            }
        )


@transaction.atomic
def session_attendance_record(
    *, enrollment: Enrollment, session: CohortSession, by: User | None
) -> SessionAttendance:
    if session.cohort_id != enrollment.cohort_id:
        raise ValidationError({"session": "This session belongs to another cohort."})
    _require_open(enrollment, "attendance")
    attendance, created = SessionAttendance.objects.get_or_create(
        enrollment=enrollment, session=session, defaults={"recorded_by": by}
    )
    if created:
        audit.record(
            action="session_attendance.create",
            by=by,
            obj=attendance,
            changes=audit.created(attendance, ["session"]),
            about=enrollment.leader_id,
        )
    return attendance


@transaction.atomic
def session_attendance_delete(*, attendance: SessionAttendance, by) -> None:
    """HR corrects attendance recorded by mistake."""
    gone = audit.event(
        action="session_attendance.delete",
        by=by,
        obj=attendance,
        changes=audit.deleted(attendance, ["session"]),
        about=attendance.enrollment.leader_id,
    )
    attendance.delete()
    audit.record_many([gone])


# --- CSV import ---------------------------------------------------------------------

IMPORT_REQUIRED_COLUMNS = ("email", "full_name")
IMPORT_OPTIONAL_COLUMNS = ("title", "manager_email")
IMPORT_ALIASES = {
    "email": ["e-mail", "email address", "work email"],
    "full_name": ["name", "full name"],
    "title": ["job title", "job_title"],
    "manager_email": ["manager", "manager e-mail", "manager email address"],
}


@dataclass
class EnrollmentImportReport:
    dry_run: bool
    rows: int = 0
    created_users: list[str] = field(default_factory=list)
    created_managers: list[str] = field(default_factory=list)
    enrolled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "applied": not self.dry_run and not self.errors,
            "rows": self.rows,
            "created_users": self.created_users,
            "created_managers": self.created_managers,
            "enrolled": self.enrolled,
            "unchanged": self.unchanged,
            "counts": {
                "created_users": len(self.created_users),
                "created_managers": len(self.created_managers),
                "enrolled": len(self.enrolled),
                "unchanged": len(self.unchanged),
                "errors": len(self.errors),
            },
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass(frozen=True)
class _PlannedRow:
    row: CsvRow
    email: str
    full_name: str
    title: str
    manager_email: str


def _row_problems(
    planned: _PlannedRow, *, existing: dict[str, User], first_row_of: dict[str, int]
) -> list[RowError]:
    """What is wrong with the row itself (and its place in the file)."""
    row, email, manager_email = planned.row, planned.email, planned.manager_email
    problems = []
    if not email:
        problems.append(row.error("email", "The email is empty."))
    elif not valid_email(email):
        problems.append(row.error("email", f'"{row["email"]}" is not a valid email address.'))
    elif email in first_row_of:
        problems.append(
            row.error("email", f"{email} already appears in row {first_row_of[email]}.")
        )
    else:
        first_row_of[email] = row.number
    if manager_email and not valid_email(manager_email):
        problems.append(
            row.error("manager_email", f'"{row["manager_email"]}" is not a valid email address.')
        )
    elif manager_email and manager_email == email:
        problems.append(row.error("manager_email", "A person cannot be their own manager."))
    if email and email not in existing and not planned.full_name:
        problems.append(
            row.error("full_name", f"{email} is new to Lodestar, so a full name is needed.")
        )
    for column, value in (("full_name", planned.full_name), ("title", planned.title)):
        if len(value) > 200:
            problems.append(row.error(column, "Longer than 200 characters."))
    return problems


def _enrollment_problem(
    planned: _PlannedRow, *, cohort: Cohort, enrollment: Enrollment
) -> RowError | None:
    """None if the person is already in this cohort (unchanged), else why they cannot join."""
    email = planned.email
    if enrollment.cohort_id != cohort.pk:
        return planned.row.error(
            "email",
            f"{email} is already enrolled in {enrollment.cohort.name} of this program; "
            "withdraw or complete that enrollment first.",
        )
    if enrollment.status == Status.WITHDRAWN:
        return planned.row.error(
            "email",
            f"{email} withdrew from this cohort and cannot be enrolled in it again; "
            "remove the row.",
        )
    return None


def _import_plan(
    *, cohort: Cohort, rows: list[CsvRow], report: EnrollmentImportReport
) -> list[_PlannedRow]:
    """Check every row against the file and the database; fill the report; write nothing."""
    normalize = User.objects.normalize_email
    emails = {normalize(row["email"]) for row in rows} | {
        normalize(row["manager_email"]) for row in rows
    }
    existing = {user.email: user for user in User.objects.filter(email__in=emails - {""})}
    enrollments = {
        e.leader.email: e
        for e in Enrollment.objects.filter(program_id=cohort.program_id, leader__email__in=emails)
        .filter(Q(cohort=cohort) | Q(status__in=Enrollment.OPEN_STATUSES))
        .select_related("leader", "cohort")
        # this cohort's row wins over another cohort's open row for the same person
        .order_by(Case(When(cohort=cohort, then=1), default=0))
    }
    first_row_of: dict[str, int] = {}
    new_enrollments: list[_PlannedRow] = []
    seats_left = cohort.seats_left

    for row in rows:
        planned = _PlannedRow(
            row=row,
            email=normalize(row["email"]),
            full_name=row["full_name"],
            title=row["title"],
            manager_email=normalize(row["manager_email"]),
        )
        problems = _row_problems(planned, existing=existing, first_row_of=first_row_of)
        enrollment = enrollments.get(planned.email)
        if not problems and enrollment is not None:
            problem = _enrollment_problem(planned, cohort=cohort, enrollment=enrollment)
            if problem is None:
                report.unchanged.append(planned.email)
                continue
            problems.append(problem)
        if not problems and len(new_enrollments) >= seats_left:
            problems.append(
                row.error(
                    "email",
                    f"{cohort.name} would exceed its capacity of {cohort.capacity}: "
                    f"only {seats_left} seat{'s' if seats_left != 1 else ''} left.",
                )
            )
        if problems:
            report.errors.extend(problems)
            continue
        new_enrollments.append(planned)
        report.enrolled.append(planned.email)
        if planned.email not in existing:
            report.created_users.append(planned.email)

    in_file = {planned.email for planned in new_enrollments}
    for manager in dict.fromkeys(p.manager_email for p in new_enrollments if p.manager_email):
        if manager not in existing and manager not in in_file:
            report.created_managers.append(manager)
    return new_enrollments


def _name_from_email(email: str) -> str:
    """'jane.doe@x.com' → 'Jane Doe': a readable placeholder until HR knows the name."""
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[._\-+]+", local) if part) or email


def _import_apply(*, cohort: Cohort, plan: list[_PlannedRow], by: User | None) -> None:
    """Write the plan in a fixed number of queries however long it is (what
    ``enrollment_create`` and people's services do for one, with the same events): the
    new people, the reporting lines where none is recorded, the Leader role, the seats,
    the enrollments and their welcome emails."""
    emails = {p.email for p in plan} | {p.manager_email for p in plan if p.manager_email}
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    new_people = [
        {"email": p.email, "full_name": p.full_name, "job_title": p.title}
        for p in plan
        if p.email not in users
    ]
    new_leaders = {person["email"] for person in new_people}
    new_people += [
        {"email": email, "full_name": _name_from_email(email)}
        for email in dict.fromkeys(p.manager_email for p in plan if p.manager_email)
        if email not in users and email not in new_leaders
    ]
    for user in people_services.users_create_many(people=new_people, by=by):
        users[user.email] = user
    leaders = [users[p.email] for p in plan]
    people_services.users_manager_set_many(
        managers={
            users[p.email]: users[p.manager_email]
            for p in plan
            if p.manager_email and users[p.email].manager_id is None
        },
        by=by,
    )
    people_services.users_role_grant_many(users=leaders, role=Role.LEADER, by=by)
    _seat_take(cohort=cohort, count=len(plan))
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(cohort=cohort, program_id=cohort.program_id, leader=leader, enrolled_by=by)
            for leader in leaders
        ],
        batch_size=1000,
    )
    audit.record_many(
        audit.event(
            action="enrollment.create", by=by, obj=enrollment, changes=changes, about=leader
        )
        for enrollment, leader, changes in zip(
            enrollments,
            leaders,
            audit.created_many(enrollments, ENROLLMENT_CREATED_FIELDS),
            strict=True,
        )
    )
    outbox.emails_owe(welcome_email(enrollment) for enrollment in enrollments)


def enrollment_import(
    *, cohort: Cohort, file: IO[bytes] | bytes, dry_run: bool, by: User | None
) -> EnrollmentImportReport:
    """Enroll leaders from a CSV export (email, full_name, title, manager_email).

    Every row is checked first; a dry run stops there and reports. A real run
    with any row error raises ``RowErrorsFound`` (400) and writes nothing;
    otherwise everything is written in one transaction. Rows already enrolled
    in the cohort count as unchanged, so importing a file twice is harmless.
    Existing users keep their name and title; a manager is only set where none
    is recorded (the HR system is not the only source of reporting lines).
    """
    table = read_csv(
        file,
        required=IMPORT_REQUIRED_COLUMNS,
        optional=IMPORT_OPTIONAL_COLUMNS,
        aliases=IMPORT_ALIASES,
    )
    report = EnrollmentImportReport(dry_run=dry_run, rows=len(table.rows))
    plan = _import_plan(cohort=cohort, rows=table.rows, report=report)
    if dry_run:
        return report
    if report.errors:
        raise RowErrorsFound(report.errors, extra={"report": report.as_dict()})
    try:
        with transaction.atomic():
            _import_apply(cohort=cohort, plan=plan, by=by)
            counts = report.as_dict()["counts"]
            audit.record(
                action="enrollment.import",
                by=by,
                obj=cohort,
                changes={
                    name: [None, counts[name]]
                    for name in ("enrolled", "created_users", "created_managers", "unchanged")
                },
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "Someone added or enrolled some of these people at the same moment; nothing was "
            "imported. Import the file again."
        ) from exc
    return report


# --- cohorts and catalogue ------------------------------------------------------------


def _clean_and_save(instance, *, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ApplicationError(
            f"This {instance._meta.verbose_name} conflicts with existing data."
        ) from exc


@transaction.atomic
def _create(model, *, by, m2m: dict | None = None, **fields):
    """Create a row of the catalogue (validated), set its many-to-many fields, record it."""
    instance = model(**fields)
    _clean_and_save(instance)
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    audit.record(
        action=f"{audit.entity(model)}.create",
        by=by,
        obj=instance,
        changes=audit.created(instance, m2m=True),
    )
    return instance


@transaction.atomic
def _update(instance, *, by, m2m: dict | None = None, **fields):
    """Change a row of the catalogue (validated) and record old → new."""
    m2m = m2m or {}
    before = audit.snapshot(instance) | audit.snapshot(instance, m2m.keys())
    for name, value in fields.items():
        setattr(instance, name, value)
    _clean_and_save(instance)
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    changes = audit.changed(instance, before)
    if changes:
        audit.record(
            action=f"{audit.entity(type(instance))}.update", by=by, obj=instance, changes=changes
        )
    return instance


@transaction.atomic
def catalogue_delete(*, instance, by) -> None:
    """Delete a competency, program, module, cohort or cohort session nobody refers to
    (``ProtectedError`` otherwise: history needs it) and record what it was."""
    gone = audit.event(
        action=f"{audit.entity(type(instance))}.delete",
        by=by,
        obj=instance,
        changes=audit.deleted(instance),
    )
    instance.delete()
    audit.record_many([gone])


def competency_create(*, by, **fields) -> Competency:
    return _create(Competency, by=by, **fields)


def competency_update(*, competency: Competency, by, **fields) -> Competency:
    return _update(competency, by=by, **fields)


def program_create(*, by, competencies=None, **fields) -> Program:
    m2m = {"competencies": competencies} if competencies is not None else None
    return _create(Program, by=by, m2m=m2m, **fields)


def program_update(*, program: Program, by, competencies=None, **fields) -> Program:
    m2m = {"competencies": competencies} if competencies is not None else None
    return _update(program, by=by, m2m=m2m, **fields)


@transaction.atomic
def module_create(*, by, dimensions: Iterable[str] = (), **fields) -> Module:
    """A module, tagged with the balance dimensions it develops."""
    module = _create(Module, by=by, **fields)
    _module_dimensions_set(module, dimensions, by=by)
    return module


@transaction.atomic
def module_update(
    *, module: Module, by, dimensions: Iterable[str] | None = None, **fields
) -> Module:
    module = _update(module, by=by, **fields)
    if dimensions is not None:
        _module_dimensions_set(module, dimensions, by=by)
    return module


def _module_dimensions_set(module: Module, dimensions: Iterable[str], *, by) -> None:
    wanted = set(dimensions)
    unknown = wanted - set(Dimension.values)
    if unknown:
        raise ValidationError(
            {"dimensions": f"Not one of the nine dimensions: {', '.join(sorted(unknown))}."}
        )
    current = set(module.dimension_tags.values_list("dimension", flat=True))
    if wanted == current:
        return
    module.dimension_tags.exclude(dimension__in=wanted).delete()
    ModuleDimension.objects.bulk_create(
        ModuleDimension(module=module, dimension=dimension) for dimension in wanted - current
    )
    audit.record(
        action="module.update",
        by=by,
        obj=module,
        changes={"dimensions": [sorted(current), sorted(wanted)]},
    )


@transaction.atomic
def cohort_create(*, by, **fields) -> Cohort:
    cohort = Cohort(**fields)
    _clean_and_save(cohort)
    audit.record(action="cohort.create", by=by, obj=cohort, changes=audit.created(cohort))
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, by, **fields) -> Cohort:
    """Change a cohort; capacity never below the seats taken, program fixed once enrolled."""
    # Lock the row (PostgreSQL) so no enrollment takes a seat between check and save.
    current = Cohort.objects.select_for_update().get(pk=cohort.pk)
    before = audit.snapshot(current)
    if (
        "program" in fields
        and fields["program"].pk != current.program_id
        and current.enrollments.exists()
    ):
        raise ValidationError(
            {"program": "Leaders are enrolled in this cohort; its program cannot change."}
        )
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()  # Cohort.clean compares capacity with the fresh seats_taken
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:  # SQLite has no row lock; the check constraint decides
        raise ValidationError(
            {"capacity": "More seats were taken meanwhile; capacity cannot be that low."}
        ) from exc
    changes = audit.changed(current, before)
    if changes:
        audit.record(action="cohort.update", by=by, obj=current, changes=changes)
    return current


def cohort_session_create(*, by, **fields) -> CohortSession:
    return _create(CohortSession, by=by, **fields)


def cohort_session_update(*, session: CohortSession, by, **fields) -> CohortSession:
    return _update(session, by=by, **fields)

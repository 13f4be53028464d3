"""Writes for feedback: questionnaires, cycles, nominations, requests, answers, the tick.

Every state change that could race (opening, closing, answering, nudging) is a
conditional UPDATE on a status column: whoever changes the row does the follow-up
work, everyone else finds nothing to do. Emails to raters are owed to the outbox
(common/outbox.py, built in feedback/emails.py) in the same transaction, under a
key per request, kind and sequence, so a doubled tick owes nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from common import audit, outbox
from common.errors import ApplicationError, NotAllowedError, TransitionError
from common.models import Email
from feedback import emails
from feedback.links import ANSWERABLE_STATUSES, link_error, request_check_answerable
from feedback.models import (
    FROZEN_MESSAGE,
    Answer,
    Cycle,
    Nomination,
    Question,
    Questionnaire,
    RaterGroup,
    RaterRequest,
    ReportShare,
    Response,
)
from feedback.permissions import adds_raters_directly
from feedback.scheduling import LONGEST_DAY, closing_reminder_at, reminder_points, shift_local
from feedback.selectors import cycle_planned_raters, cycle_subjects, nomination_colleagues
from mentorship.models import Pairing
from people import services as people_services
from people.emails import mailbox_key, on_company_domain
from people.models import User

logger = logging.getLogger(__name__)

NUDGE_INTERVAL = datetime.timedelta(hours=24)
# A reminder is not sent to someone invited less than this before it.
REMINDER_MIN_GAP = datetime.timedelta(hours=12)
# Groups HR may nominate (self, manager and mentors come from the org chart).
NOMINATION_GROUPS_HR = (RaterGroup.PEER, RaterGroup.DIRECT_REPORT, RaterGroup.MENTOR)


# --- questionnaires ---------------------------------------------------------


def questionnaire_ensure_editable(*, questionnaire: Questionnaire) -> None:
    if Questionnaire.objects.filter(pk=questionnaire.pk, frozen_at__isnull=False).exists():
        raise ApplicationError(FROZEN_MESSAGE, field="questionnaire")


@transaction.atomic
def questionnaire_copy(*, questionnaire: Questionnaire, by, name: str = "") -> Questionnaire:
    """A new, editable questionnaire with the same questions (the way to change a frozen one)."""
    name = name or _free_copy_name(questionnaire.name)
    copy = Questionnaire(name=name, description=questionnaire.description)
    copy.full_clean()
    copy.save()
    audit.record(
        action="questionnaire.copy",
        by=by,
        obj=copy,
        changes={"copied_from": [None, str(questionnaire)], **audit.created(copy, ["name"])},
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=copy,
            position=question.position,
            kind=question.kind,
            text=question.text,
            dimension=question.dimension,
            side=question.side,
            competency_id=question.competency_id,
        )
        for question in questionnaire.questions.all()
    )
    return copy


def _free_copy_name(name: str) -> str:
    candidate, number = f"{name} (copy)", 2
    while Questionnaire.objects.filter(name=candidate).exists():
        candidate, number = f"{name} (copy {number})", number + 1
    return candidate


# What HR may change on a question; its position stays (answers and reports follow it).
QUESTION_EDITABLE_FIELDS = ("kind", "text", "dimension", "side", "competency")


def _questionnaire_lock_editable(questionnaire: Questionnaire) -> Questionnaire:
    """Lock the questionnaire's row and refuse if it is frozen. ``cycle_open`` freezes it
    with an UPDATE of the same row, so an edit and an opening never interleave: the edit
    either lands before the first answer can be given, or sees the questionnaire frozen."""
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    questionnaire_ensure_editable(questionnaire=locked)
    return locked


@transaction.atomic
def question_create(
    *,
    questionnaire: Questionnaire,
    kind: str,
    text: str,
    by,
    dimension: str = "",
    side: str = "",
    competency=None,
) -> Question:
    """Add a question at the end of a questionnaire that is not frozen."""
    questionnaire = _questionnaire_lock_editable(questionnaire)
    last = questionnaire.questions.order_by("-position").values_list("position", flat=True)
    question = Question(
        questionnaire=questionnaire,
        position=(last.first() or 0) + 1,
        kind=kind,
        text=text,
        dimension=dimension,
        side=side,
        competency=competency,
    )
    question.full_clean()
    question.save()
    audit.record(
        action="question.create",
        by=by,
        obj=question,
        changes=audit.created(question, ["questionnaire", "position", *QUESTION_EDITABLE_FIELDS]),
    )
    return question


@transaction.atomic
def question_update(*, question: Question, by, **changes) -> Question:
    """Change a question of a questionnaire that is not frozen (copy a frozen one first)."""
    unknown = set(changes) - set(QUESTION_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    questionnaire = _questionnaire_lock_editable(question.questionnaire)
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.questionnaire = questionnaire
    before = audit.snapshot(question, QUESTION_EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(question, field, value)
    question.full_clean()
    question.save()
    changed = audit.changed(question, before)
    if changed:
        audit.record(action="question.update", by=by, obj=question, changes=changed)
    return question


# --- cycles -----------------------------------------------------------------

# A cycle's settings change only until it opens (then they are the history of what was sent).
CYCLE_EDITABLE_STATUSES = (Cycle.Status.DRAFT, Cycle.Status.SCHEDULED)
CYCLE_EDITABLE_FIELDS = (
    "name",
    "cohort",
    "questionnaire",
    "opens_at",
    "due_at",
    "reminder_every_days",
    "min_raters",
    "anonymity_threshold",
    "recurrence_days",
)


@transaction.atomic
def cycle_create(
    *,
    cohort,
    questionnaire: Questionnaire,
    name: str,
    opens_at: datetime.datetime,
    due_at: datetime.datetime,
    by: User | None,
    reminder_every_days: int = 3,
    min_raters: dict | None = None,
    anonymity_threshold: int = 3,
    recurrence_days: int | None = None,
    schedule: bool = False,
) -> Cycle:
    cycle = Cycle(
        cohort=cohort,
        questionnaire=questionnaire,
        name=name,
        opens_at=opens_at,
        due_at=due_at,
        reminder_every_days=reminder_every_days,
        min_raters=min_raters or {},
        anonymity_threshold=anonymity_threshold,
        recurrence_days=recurrence_days,
        created_by=by,
        status=Cycle.Status.SCHEDULED if schedule else Cycle.Status.DRAFT,
    )
    cycle.full_clean()
    cycle.save()
    audit.record(
        action="cycle.create",
        by=by,
        obj=cycle,
        changes=audit.created(cycle, CYCLE_AUDITED_FIELDS),
    )
    return cycle


# What a cycle's events show: its settings and where it stands.
CYCLE_AUDITED_FIELDS = (
    *CYCLE_EDITABLE_FIELDS,
    "status",
    "opened_at",
    "closed_at",
    "released_at",
    "previous",
)


@transaction.atomic
def cycle_update(*, cycle: Cycle, by, **changes) -> Cycle:
    """Change a cycle's settings while it has not opened."""
    unknown = set(changes) - set(CYCLE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status not in CYCLE_EDITABLE_STATUSES:
        raise TransitionError(f"A {cycle.get_status_display().lower()} cycle cannot be edited.")
    before = audit.snapshot(cycle, CYCLE_EDITABLE_FIELDS)
    for field, value in changes.items():
        setattr(cycle, field, value)
    cycle.full_clean()
    cycle.save()
    _cycle_record(cycle, "update", audit.changed(cycle, before), by=by)
    return cycle


def _cycle_record(cycle: Cycle, verb: str, changes: dict, *, by, at=None) -> None:
    audit.record(action=f"cycle.{verb}", by=by, obj=cycle, changes=changes, at=at)


def _transition(cycle: Cycle, *, allowed: tuple, to: str, by, verb: str, **fields) -> None:
    """Move status with a conditional UPDATE (one per status it may move from, so the
    event knows which) and record it."""
    before = audit.snapshot(cycle, ["status", *fields])
    for status in allowed:
        if Cycle.objects.filter(pk=cycle.pk, status=status).update(status=to, **fields):
            before["status"] = status
            break
    else:
        cycle.refresh_from_db(fields=["status"])
        raise TransitionError(f"A {cycle.get_status_display().lower()} cycle cannot become {to}.")
    cycle.refresh_from_db()
    _cycle_record(cycle, verb, audit.changed(cycle, before), by=by)


@transaction.atomic
def cycle_schedule(*, cycle: Cycle, by) -> Cycle:
    """Draft → scheduled: the tick opens it at opens_at."""
    _transition(
        cycle, allowed=(Cycle.Status.DRAFT,), to=Cycle.Status.SCHEDULED, by=by, verb="schedule"
    )
    return cycle


@transaction.atomic
def cycle_cancel(*, cycle: Cycle, by) -> Cycle:
    """Stop a cycle: open requests expire and nothing more is sent; links say "cancelled"."""
    _transition(
        cycle,
        allowed=(Cycle.Status.DRAFT, Cycle.Status.SCHEDULED, Cycle.Status.OPEN),
        to=Cycle.Status.CANCELLED,
        by=by,
        verb="cancel",
        closed_at=timezone.now(),
    )
    _expire_requests(RaterRequest.objects.filter(cycle=cycle))
    return cycle


def cycle_open(*, cycle_id: int, now: datetime.datetime | None = None) -> bool:
    """Scheduled → open once opens_at has passed: create the requests and their invitations.

    The conditional UPDATE makes this safe to run from two ticks at once: only
    the one that flips the status creates anything.
    """
    now = now or timezone.now()
    with transaction.atomic():
        opened = Cycle.objects.filter(
            pk=cycle_id, status=Cycle.Status.SCHEDULED, opens_at__lte=now
        ).update(status=Cycle.Status.OPEN, opened_at=now)
        if not opened:
            return False
        cycle = Cycle.objects.select_related("cohort").get(pk=cycle_id)
        _cycle_record(
            cycle,
            "open",
            audit.changed(cycle, {"status": Cycle.Status.SCHEDULED, "opened_at": None}),
            by=audit.SCHEDULE,
            at=now,
        )
        Questionnaire.objects.filter(pk=cycle.questionnaire_id, frozen_at__isnull=True).update(
            frozen_at=now
        )
        RaterRequest.objects.bulk_create(
            [
                RaterRequest(cycle=cycle, subject=p.subject, rater=p.rater, group=p.group)
                for p in cycle_planned_raters(cycle=cycle)
            ],
            ignore_conflicts=True,
        )
        _emails_owe(
            RaterRequest.objects.filter(cycle=cycle, status=RaterRequest.Status.PENDING),
            kind=emails.INVITATION,
            sequence=0,
            now=now,
        )
    return True


def _emails_owe(requests, *, kind: str, sequence: int, now: datetime.datetime) -> int:
    """Owe one email of this kind and sequence to each request's rater (owing it again
    is a no-op); returns how many were newly owed."""
    return len(
        outbox.emails_owe(
            (
                emails.request_email(
                    kind=kind, request_id=request_id, rater_email=address, sequence=sequence
                )
                for request_id, address in requests.values_list("pk", "rater__email")
            ),
            now=now,
        )
    )


def _expire_requests(requests) -> int:
    with transaction.atomic():
        expired = requests.filter(status__in=RaterRequest.OPEN_STATUSES).update(
            status=RaterRequest.Status.EXPIRED
        )
        outbox.emails_skip(
            emails.request_emails(requests.filter(status=RaterRequest.Status.EXPIRED))
        )
    return expired


def cycle_close(*, cycle_id: int, now: datetime.datetime | None = None) -> bool:
    """Open → closed once every request's deadline has passed; results are released
    and a recurring cycle gets its next occurrence."""
    now = now or timezone.now()
    with transaction.atomic():
        # Write first: the transaction takes the write lock before it reads.
        _expire_requests(
            RaterRequest.objects.filter(
                cycle_id=cycle_id, cycle__status=Cycle.Status.OPEN, cycle__due_at__lte=now
            )
            .annotate(deadline=Coalesce("due_at_override", F("cycle__due_at")))
            .filter(deadline__lte=now)
        )
        if not Cycle.objects.filter(
            pk=cycle_id, status=Cycle.Status.OPEN, due_at__lte=now
        ).exists():
            return False
        if RaterRequest.objects.filter(
            cycle_id=cycle_id, status__in=RaterRequest.OPEN_STATUSES
        ).exists():
            return False  # an extended request is still open; close when it ends
        before = audit.snapshot(Cycle.objects.get(pk=cycle_id), CLOSING_FIELDS)
        closed = Cycle.objects.filter(pk=cycle_id, status=Cycle.Status.OPEN).update(
            status=Cycle.Status.CLOSED,
            closed_at=now,
            released_at=Coalesce(F("released_at"), Value(now, output_field=DateTimeField())),
        )
        if not closed:
            return False
        cycle = Cycle.objects.select_related("cohort").get(pk=cycle_id)
        _cycle_record(cycle, "close", audit.changed(cycle, before), by=audit.SCHEDULE, at=now)
        cycle_schedule_next(cycle=cycle, by=audit.SCHEDULE, now=now)
    return True


CLOSING_FIELDS = ("status", "closed_at", "released_at")


def cycle_schedule_next(*, cycle: Cycle, by, now=None) -> Cycle | None:
    """The next occurrence of a recurring cycle, same local times, until the cohort ends."""
    if not cycle.recurrence_days:
        return None
    opens_at = shift_local(cycle.opens_at, days=cycle.recurrence_days, tz=cycle.tz)
    if opens_at.astimezone(cycle.tz).date() > cycle.cohort.ends_on:
        return None
    due_at = shift_local(cycle.due_at, days=cycle.recurrence_days, tz=cycle.tz)
    try:
        with transaction.atomic():
            following = Cycle.objects.create(
                cohort=cycle.cohort,
                questionnaire=cycle.questionnaire,
                name=_next_name(cycle),
                opens_at=opens_at,
                due_at=due_at,
                reminder_every_days=cycle.reminder_every_days,
                min_raters=cycle.min_raters,
                anonymity_threshold=cycle.anonymity_threshold,
                recurrence_days=cycle.recurrence_days,
                previous=cycle,
                status=Cycle.Status.SCHEDULED,
                created_by=cycle.created_by,
            )
            # Approved nominations carry over; HR and leaders can adjust them.
            Nomination.objects.bulk_create(
                Nomination(
                    cycle=following,
                    subject_id=n.subject_id,
                    rater_id=n.rater_id,
                    email=n.email,
                    full_name=n.full_name,
                    group=n.group,
                    status=Nomination.Status.APPROVED,
                    created_by_id=n.created_by_id,
                    decided_by_id=n.decided_by_id,
                    decided_at=n.decided_at,
                )
                for n in cycle.nominations.filter(status=Nomination.Status.APPROVED)
            )
            # One event for the new cycle; the nominations it carried over are in it.
            _cycle_record(
                following,
                "create",
                audit.created(following, CYCLE_AUDITED_FIELDS),
                by=by,
                at=now,
            )
    except IntegrityError:
        return None  # someone else created it (previous is one-to-one)
    return following


def _next_name(cycle: Cycle) -> str:
    base = cycle.name.split(" · ")[0]
    number = 2
    walker = cycle
    while walker.previous_id:
        number += 1
        walker = walker.previous
    return f"{base} · round {number}"


@transaction.atomic
def cycle_release(*, cycle: Cycle, by, now=None) -> Cycle:
    """Release results early: only once no answer can change any more (every request
    answered, declined or failed), which also closes the cycle."""
    now = now or timezone.now()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    before = audit.snapshot(cycle, CLOSING_FIELDS)
    if cycle.status == Cycle.Status.CLOSED:
        if cycle.released_at is None:
            Cycle.objects.filter(pk=cycle.pk).update(released_at=now)
            cycle.refresh_from_db()
            _cycle_record(cycle, "release", audit.changed(cycle, before), by=by, at=now)
        return cycle
    if cycle.status != Cycle.Status.OPEN:
        raise TransitionError("Only an open or closed cycle has results to release.")
    still_open = cycle.requests.filter(status__in=RaterRequest.OPEN_STATUSES).count()
    if still_open:
        raise TransitionError(
            f"{still_open} request(s) can still be answered; results are released when "
            "the cycle closes or when every rater has answered or declined.",
            extra={"open_requests": still_open},
        )
    Cycle.objects.filter(pk=cycle.pk).update(
        status=Cycle.Status.CLOSED, closed_at=now, released_at=now
    )
    outbox.emails_skip(emails.request_emails(RaterRequest.objects.filter(cycle=cycle)))
    cycle.refresh_from_db()
    _cycle_record(cycle, "release", audit.changed(cycle, before), by=by, at=now)
    cycle_schedule_next(cycle=cycle, by=by, now=now)
    return cycle


# --- nominations --------------------------------------------------------------


def _ensure_nominations_open(cycle: Cycle, now: datetime.datetime) -> None:
    if cycle.status not in (Cycle.Status.DRAFT, Cycle.Status.SCHEDULED) or cycle.opens_at <= now:
        raise TransitionError("Nominations are closed: the cycle has opened.")


def _ensure_subject_in_cycle(cycle: Cycle, subject: User) -> None:
    if not cycle_subjects(cycle=cycle).filter(pk=subject.pk).exists():
        raise ValidationError({"subject": "This leader is not in the cycle's cohort."})


def _ensure_not_subject(subject: User, address: str, field: str) -> None:
    """The subject's own view is asked for automatically; no other address of theirs
    (another spelling, a ``+tag``) may rate them as someone else."""
    if mailbox_key(address) == mailbox_key(subject.email):
        raise ValidationError(
            {field: "That is your own address: your own view is asked for automatically."}
        )


def _ensure_not_nominated(cycle: Cycle, subject: User, address: str, field: str) -> None:
    """One nomination per mailbox and subject, however the address is spelled."""
    standing = Nomination.objects.filter(
        cycle=cycle, subject=subject, status__in=Nomination.ACTIVE_STATUSES
    ).select_related("rater")
    if mailbox_key(address) in {mailbox_key(n.address) for n in standing}:
        raise ValidationError({field: "This person is already nominated."})


NOMINATION_AUDITED_FIELDS = (
    "cycle",
    "rater",
    "email",
    "full_name",
    "group",
    "status",
    "decided_by",
    "decided_at",
)


def _nomination_save(
    nomination: Nomination, field: str, *, verb: str, by, before: dict | None = None, at=None
) -> Nomination:
    """Save a nomination and record it (``before``: its snapshot, for a change)."""
    try:
        with transaction.atomic():
            nomination.save()
    except IntegrityError as error:  # the same nomination, concurrently
        raise ValidationError({field: "This person is already nominated."}) from error
    if before is None:
        changes = audit.created(nomination, NOMINATION_AUDITED_FIELDS)
    else:
        changes = audit.changed(nomination, before)
    audit.record(
        action=f"nomination.{verb}",
        by=by,
        obj=nomination,
        changes=changes,
        about=nomination.subject_id,
        at=at,
    )
    return nomination


@transaction.atomic
def nomination_propose(
    *,
    cycle: Cycle,
    subject: User,
    by: User,
    group: str = RaterGroup.PEER,
    rater: User | None = None,
    email: str = "",
    full_name: str = "",
    now: datetime.datetime | None = None,
) -> Nomination:
    """A leader proposes a peer to rate them: a colleague picked from
    ``nomination_colleagues`` (``rater``), or anyone by address (``email`` and
    ``full_name``) who is in the directory or on the company's email domains.

    Nobody is created and nobody is asked until HR approves. The leader learns nothing
    from the answer but what they typed: an address of a departed person is refused
    exactly like an address nobody has.
    """
    now = now or timezone.now()
    _ensure_nominations_open(cycle, now)
    if group != RaterGroup.PEER:
        raise ValidationError(
            {"group": "Propose peers; your manager, mentor and team are asked automatically."}
        )
    _ensure_subject_in_cycle(cycle, subject)
    if rater is not None:
        field, email, full_name = "rater", "", rater.full_name
        if not nomination_colleagues(cycle=cycle, subject=subject).filter(pk=rater.pk).exists():
            raise ValidationError({"rater": "Choose one of your colleagues."})
        address = rater.email
    else:
        field, email, full_name = "email", User.objects.normalize_email(email), full_name.strip()
        _require_name_and_email(email, full_name)
        rater = User.objects.filter(email__iexact=email, is_active=True).first()
        if rater is None and not on_company_domain(email):
            raise ValidationError(
                {"email": "Propose a colleague from the directory, or an address at your company."}
            )
        address = email
    _ensure_not_subject(subject, address, field)
    _ensure_not_nominated(cycle, subject, address, field)
    nomination = Nomination(
        cycle=cycle,
        subject=subject,
        rater=rater,
        email=email,
        full_name=full_name,
        group=RaterGroup.PEER,
        status=Nomination.Status.PROPOSED,
        created_by=by,
    )
    return _nomination_save(nomination, field, verb="propose", by=by, at=now)


@transaction.atomic
def nomination_create(
    *,
    cycle: Cycle,
    subject: User,
    by: User,
    group: str = RaterGroup.PEER,
    rater: User | None = None,
    email: str = "",
    full_name: str = "",
    now: datetime.datetime | None = None,
) -> Nomination:
    """HR adds a rater for a subject before the cycle opens, approved at once.

    A rater is a known user or an outside person (email and name), who becomes a
    user without a password: raters answer through the emailed link. HR keeps the
    directory, so HR may create people; leaders only propose (``nomination_propose``).
    """
    now = now or timezone.now()
    if not adds_raters_directly(by, subject):
        raise NotAllowedError("Only HR adds raters directly; leaders propose them for approval.")
    _ensure_nominations_open(cycle, now)
    if group not in NOMINATION_GROUPS_HR:
        raise ValidationError({"group": f"Choose one of: {', '.join(NOMINATION_GROUPS_HR)}."})
    _ensure_subject_in_cycle(cycle, subject)
    field = "rater" if rater is not None else "email"
    if rater is None:
        rater = _rater_for_email(email=email, full_name=full_name, by=by)
    _ensure_not_subject(subject, rater.email, field)
    _ensure_not_nominated(cycle, subject, rater.email, field)
    nomination = Nomination(
        cycle=cycle,
        subject=subject,
        rater=rater,
        full_name=rater.full_name,
        group=group,
        status=Nomination.Status.APPROVED,
        created_by=by,
        decided_by=by,
        decided_at=now,
    )
    return _nomination_save(nomination, field, verb="create", by=by, at=now)


def _require_name_and_email(email: str, full_name: str) -> None:
    errors = {}
    if not email:
        errors["email"] = "Give the rater's email address (or choose a person)."
    if not full_name:
        errors["full_name"] = "Give the rater's name."
    if errors:
        raise ValidationError(errors)


def _rater_for_email(*, email: str, full_name: str, by) -> User:
    """The directory's person at this address, or a new one without a password (HR only:
    through HR's own nominations and HR's approval of proposals)."""
    email = User.objects.normalize_email(email)
    _require_name_and_email(email, full_name.strip())
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if not existing.is_active:
            raise ValidationError({"email": f"{email} belongs to someone no longer active."})
        return existing
    return people_services.user_create(email=email, full_name=full_name, by=by)


@transaction.atomic
def nominations_decide(
    *, nominations: list[Nomination], by: User, approve: bool, now=None
) -> list[Nomination]:
    """HR approves (or rejects) proposals, all or none. Approving a proposed address
    creates that person in the directory (without a password). Nobody decides about
    raters of their own feedback."""
    now = now or timezone.now()
    ids = [nomination.pk for nomination in nominations]
    locked = list(
        Nomination.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("cycle", "subject", "rater")
        .order_by("pk")
    )
    refused = [n.pk for n in locked if n.status != Nomination.Status.PROPOSED]
    if refused or len(locked) != len(set(ids)):
        raise ValidationError({"ids": f"Not awaiting approval: {', '.join(map(str, refused))}."})
    if any(n.subject_id == by.pk for n in locked):
        raise ValidationError({"ids": "Someone else decides who rates you."})
    for nomination in locked:
        _ensure_nominations_open(nomination.cycle, now)
        before = audit.snapshot(nomination, NOMINATION_AUDITED_FIELDS)
        if approve:
            nomination.rater = nomination.rater or _rater_for_email(
                email=nomination.email, full_name=nomination.full_name, by=by
            )
            _ensure_not_subject(nomination.subject, nomination.rater.email, "ids")
        nomination.status = Nomination.Status.APPROVED if approve else Nomination.Status.REJECTED
        nomination.decided_by, nomination.decided_at = by, now
        verb = "approve" if approve else "reject"
        _nomination_save(nomination, "ids", verb=verb, by=by, before=before, at=now)
    return locked


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, by: User, now=None) -> Nomination:
    """Take a nomination back before the cycle opens; the row stays, with who and when."""
    now = now or timezone.now()
    _ensure_nominations_open(nomination.cycle, now)
    before = audit.snapshot(
        Nomination.objects.get(pk=nomination.pk), ["status", "decided_by", "decided_at"]
    )
    withdrawn = Nomination.objects.filter(
        pk=nomination.pk, status__in=Nomination.ACTIVE_STATUSES
    ).update(status=Nomination.Status.WITHDRAWN, decided_by=by, decided_at=now)
    if not withdrawn:
        raise TransitionError("This nomination no longer stands.")
    nomination.refresh_from_db()
    audit.record(
        action="nomination.withdraw",
        by=by,
        obj=nomination,
        changes=audit.changed(nomination, before),
        about=nomination.subject_id,
        at=now,
    )
    return nomination


# --- requests: HR actions -------------------------------------------------------


def _request_record(request: RaterRequest, verb: str, changes: dict, *, by, at) -> None:
    audit.record(
        action=f"rater_request.{verb}",
        by=by,
        obj=request,
        changes=changes,
        about=request.subject_id,
        at=at,
    )


@transaction.atomic
def request_nudge(*, request: RaterRequest, by, now=None) -> RaterRequest:
    """A manual reminder from HR, at most once per 24 hours per request."""
    now = now or timezone.now()
    before = audit.snapshot(request, ["nudged_at"])
    nudged = (
        RaterRequest.objects.filter(
            pk=request.pk,
            status=RaterRequest.Status.SENT,
            cycle__status=Cycle.Status.OPEN,
        )
        .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lte=now - NUDGE_INTERVAL))
        .update(nudged_at=now)
    )
    if not nudged:
        request.refresh_from_db()
        if request.status != RaterRequest.Status.SENT or request.cycle.status != Cycle.Status.OPEN:
            raise TransitionError("Only a sent, unanswered request of an open cycle can be nudged.")
        raise ApplicationError(
            "This rater was nudged less than 24 hours ago.", extra={"nudged_at": request.nudged_at}
        )
    _emails_owe(
        RaterRequest.objects.filter(pk=request.pk),
        kind=emails.NUDGE,
        sequence=emails.request_emails([request.pk]).filter(kind=emails.NUDGE).count() + 1,
        now=now,
    )
    request.refresh_from_db()
    _request_record(request, "nudge", audit.changed(request, before), by=by, at=now)
    return request


@transaction.atomic
def request_retry(*, request: RaterRequest, by, now=None) -> RaterRequest:
    """Send a failed invitation again (HR), with a fresh set of attempts."""
    now = now or timezone.now()
    retried = RaterRequest.objects.filter(
        pk=request.pk, status=RaterRequest.Status.FAILED, cycle__status=Cycle.Status.OPEN
    ).update(status=RaterRequest.Status.PENDING, last_error="")
    if not retried:
        raise TransitionError("Only a failed request of an open cycle can be retried.")
    for email in emails.request_emails([request.pk]).filter(status=Email.Status.FAILED):
        outbox.email_retry(email=email, by=by, now=now)
    request.refresh_from_db()
    changes = {"status": [RaterRequest.Status.FAILED, request.status]}
    _request_record(request, "retry", changes, by=by, at=now)
    return request


@transaction.atomic
def request_extend(
    *, request: RaterRequest, due_at: datetime.datetime, by, now=None
) -> RaterRequest:
    """Give one rater more time; their link stays valid until the new date."""
    now = now or timezone.now()
    request = RaterRequest.objects.select_related("cycle").select_for_update().get(pk=request.pk)
    if (
        request.cycle.status != Cycle.Status.OPEN
        or request.status not in RaterRequest.OPEN_STATUSES
    ):
        raise TransitionError("Only an unanswered request of an open cycle can be extended.")
    if due_at <= max(now, request.cycle.due_at, request.due_at_override or request.cycle.due_at):
        raise ValidationError({"due_at": "The new deadline must be later than the current one."})
    before = audit.snapshot(request, ["due_at_override"])
    request.due_at_override = due_at
    request.save(update_fields=["due_at_override"])
    _request_record(request, "extend", audit.changed(request, before), by=by, at=now)
    return request


# --- answering ------------------------------------------------------------------


def _claim_answerable(request: RaterRequest, now, *, to: str) -> None:
    """Move an answerable request to its final status, or explain why it cannot."""
    claimed = (
        RaterRequest.objects.filter(
            pk=request.pk,
            status__in=ANSWERABLE_STATUSES,
            cycle__status=Cycle.Status.OPEN,
        )
        .annotate(deadline=Coalesce("due_at_override", F("cycle__due_at")))
        .filter(deadline__gt=now)
        .update(status=to)
    )
    if not claimed:
        request.refresh_from_db()
        request.cycle.refresh_from_db()
        request_check_answerable(request, now)
        raise link_error("closed")
    outbox.emails_skip(emails.request_emails([request.pk]))


def clean_answers(*, questionnaire: Questionnaire, data: dict) -> list[Answer]:
    """Validate submitted answers: ``{question_id: {"rating": 1-5 | None, "cant_say": bool,
    "text": str}}``. Every rating question needs a rating or "can't say"."""
    answers, errors = [], {}
    questions = {q.pk: q for q in questionnaire.questions.all()}
    unknown = [key for key in data if _as_int(key) not in questions]
    if unknown:
        errors["answers"] = f"Unknown question(s): {', '.join(map(str, unknown))}."
    for pk, question in questions.items():
        given = data.get(pk, data.get(str(pk))) or {}
        field = f"question_{pk}"
        if question.kind == Question.Kind.COMMENT:
            text = str(given.get("text") or "").strip()
            if len(text) > 4000:
                errors[field] = "Please keep a comment under 4000 characters."
            elif text:
                answers.append(Answer(question=question, text=text))
            continue
        cant_say = bool(given.get("cant_say"))
        rating = _as_int(given.get("rating"))
        if cant_say:
            answers.append(Answer(question=question, cant_say=True))
        elif rating is None or not 1 <= rating <= 5:
            errors[field] = "Choose a rating from 1 to 5, or “can't say”."
        else:
            answers.append(Answer(question=question, rating=rating))
    if errors:
        raise ValidationError(errors)
    return answers


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def response_submit(*, request: RaterRequest, answers: dict, now=None) -> Response:
    """Record a rater's answers once. The response keeps the group, not the rater."""
    now = now or timezone.now()
    request_check_answerable(request, now)
    cleaned = clean_answers(questionnaire=request.cycle.questionnaire, data=answers)
    with transaction.atomic():
        _claim_answerable(request, now, to=RaterRequest.Status.COMPLETED)
        response = Response.objects.create(
            cycle_id=request.cycle_id, subject_id=request.subject_id, group=request.group
        )
        for answer in cleaned:
            answer.response = response
        Answer.objects.bulk_create(cleaned)
    return response


@transaction.atomic
def request_decline(*, request: RaterRequest, now=None) -> RaterRequest:
    now = now or timezone.now()
    request_check_answerable(request, now)
    _claim_answerable(request, now, to=RaterRequest.Status.DECLINED)
    request.refresh_from_db()
    return request


# --- sharing ----------------------------------------------------------------------


SHARE_AUDIENCES = ("mentor", "manager")


@transaction.atomic
def report_share_set(
    *, cycle: Cycle, subject: User, shared: bool, audience: str = "mentor"
) -> bool:
    """The subject shares their report with their current mentor(s), one share per
    active pairing (a later mentor does not inherit it), or with their manager (the
    person they report to now; a later manager does not inherit it), or stops sharing
    it with that audience. The two switches are independent. Recorded as
    ``report.share`` / ``report.unshare`` by the subject, on the cycle."""
    if audience not in SHARE_AUDIENCES:
        raise ValidationError({"audience": f"Share with one of: {', '.join(SHARE_AUDIENCES)}."})
    shares = ReportShare.objects.filter(cycle=cycle, subject=subject)
    shares = (
        shares.filter(pairing__isnull=False)
        if audience == "mentor"
        else shares.filter(manager__isnull=False)
    )
    before = sorted(
        str(share.pairing.mentor if share.pairing_id else share.manager)
        for share in shares.select_related("pairing__mentor", "manager")
    )
    if not shared:
        shares.delete()
        _report_share_record(cycle, subject, "unshare", before, [], audience)
        return False
    if audience == "manager":
        if subject.manager_id is None:
            raise ValidationError({"shared": "You have no manager to share your report with."})
        ReportShare.objects.get_or_create(cycle=cycle, subject=subject, manager=subject.manager)
        after = sorted({*before, str(subject.manager)})
        _report_share_record(cycle, subject, "share", before, after, audience)
        return True
    pairings = list(
        Pairing.objects.filter(mentee=subject, status=Pairing.Status.ACTIVE).select_related(
            "mentor"
        )
    )
    if not pairings:
        raise ValidationError({"shared": "You have no mentor to share your report with."})
    for pairing in pairings:
        ReportShare.objects.get_or_create(cycle=cycle, subject=subject, pairing=pairing)
    after = sorted({*before, *(str(pairing.mentor) for pairing in pairings)})
    _report_share_record(cycle, subject, "share", before, after, audience)
    return True


def _report_share_record(
    cycle: Cycle, subject: User, verb: str, before, after, audience: str
) -> None:
    if before != after:
        audit.record(
            action=f"report.{verb}",
            by=subject,
            obj=cycle,
            changes={
                "shared_with" if audience == "mentor" else "shared_with_manager": [
                    before,
                    after,
                ]
            },
            about=subject,
        )


@transaction.atomic
def report_view_record(*, report: dict, subject: User, viewer: User) -> None:
    """Who was shown whose 360 report (``report``: what ``selectors.report_build`` built
    for them), and when: the event names the viewer, the subject and the cycle, never a
    figure. Called by every page and endpoint that shows a report."""
    shown = report["cycle"]
    # The cycle as the report names it: no query to say which one it was.
    cycle = Cycle(pk=shown["id"], name=shown["name"])
    audit.record(action="report.view", by=viewer, obj=cycle, about=subject)


# --- leavers ----------------------------------------------------------------------


@transaction.atomic
def requests_expire_for(*, person: User, by, now=None) -> int:
    """A leaver is asked nothing more, and nobody more is asked about them: their open
    requests, as subject or as rater, expire and their emails are skipped. Answers
    already given stay (they belong to no one). Each expiry is audited."""
    now = now or timezone.now()
    theirs = RaterRequest.objects.filter(
        Q(subject=person) | Q(rater=person), status__in=RaterRequest.OPEN_STATUSES
    ).select_for_update()
    requests = list(theirs.select_related("cycle", "subject"))
    expired = _expire_requests(RaterRequest.objects.filter(pk__in=[r.pk for r in requests]))
    _record_status_changes(requests, "rater_request.expire", RaterRequest.Status.EXPIRED, by, now)
    return expired


def rater_minimums_check(*, rater: User) -> list[dict]:
    """After ``rater`` left (their open requests expired): the rater groups of open
    cycles they were asked in that now fall short of the cycle's minimum, counting the
    requests still open or answered. One dict per (cycle, subject, group): who and what
    is missing, for HR to nominate someone else."""
    asked = (
        RaterRequest.objects.filter(rater=rater, cycle__status=Cycle.Status.OPEN)
        .values_list("cycle_id", "subject_id", "group")
        .distinct()
    )
    wanted = set(asked)
    if not wanted:
        return []
    live = (
        RaterRequest.objects.filter(
            cycle_id__in={cycle for cycle, _, _ in wanted},
            subject_id__in={subject for _, subject, _ in wanted},
            status__in=(*RaterRequest.OPEN_STATUSES, RaterRequest.Status.COMPLETED),
        )
        .values_list("cycle_id", "subject_id", "group")
        .annotate(count=Count("pk"))
    )
    counts = {(cycle, subject, group): count for cycle, subject, group, count in live}
    cycles = Cycle.objects.in_bulk({cycle for cycle, _, _ in wanted})
    names = dict(
        User.objects.filter(pk__in={subject for _, subject, _ in wanted}).values_list(
            "pk", "full_name"
        )
    )
    shortfalls = []
    for cycle_id, subject_id, group in sorted(wanted):
        minimum = (cycles[cycle_id].min_raters or {}).get(group, 0)
        left = counts.get((cycle_id, subject_id, group), 0)
        if left < minimum:
            shortfalls.append(
                {
                    "cycle": cycle_id,
                    "cycle_name": cycles[cycle_id].name,
                    "subject": subject_id,
                    "subject_name": names[subject_id],
                    "group": group,
                    "group_label": RaterGroup(group).label,
                    "wanted": minimum,
                    "left": left,
                }
            )
    return shortfalls


@transaction.atomic
def nominations_withdraw_for(*, person: User, by: User | None, now=None) -> int:
    """The nominations that still stand about or of a leaver, in cycles that have not
    opened, are withdrawn (the rows stay, with who and when), so no cycle asks them.
    Each withdrawal is audited."""
    now = now or timezone.now()
    standing = list(
        Nomination.objects.filter(
            Q(subject=person) | Q(rater=person),
            status__in=Nomination.ACTIVE_STATUSES,
            cycle__status__in=(Cycle.Status.DRAFT, Cycle.Status.SCHEDULED),
        )
        .select_for_update()
        .select_related("cycle", "subject")
    )
    withdrawn = Nomination.objects.filter(pk__in=[n.pk for n in standing]).update(
        status=Nomination.Status.WITHDRAWN, decided_by=audit.person_of(by), decided_at=now
    )
    _record_status_changes(standing, "nomination.withdraw", Nomination.Status.WITHDRAWN, by, now)
    return withdrawn


def _record_status_changes(rows, action: str, status: str, by, at) -> None:
    """One audit event per row (a request or nomination, as it was) moved to ``status``."""
    audit.record_many(
        audit.event(
            action=action,
            by=by,
            obj=row,
            changes={"status": [row.status, status]},
            about=row.subject_id,
            at=at,
        )
        for row in rows
    )


# --- the tick -----------------------------------------------------------------------


@dataclasses.dataclass
class TickResult:
    opened: int = 0
    reminders: int = 0
    closing_reminders: int = 0
    closed: int = 0


def feedback_tick(*, now: datetime.datetime | None = None) -> TickResult:
    """Everything time-driven, idempotent and safe to run concurrently: open due cycles,
    owe reminders, close what is due. (The outbox's own sweep sends what is owed.)"""
    now = now or timezone.now()
    result = TickResult()
    for cycle_id in Cycle.objects.filter(
        status=Cycle.Status.SCHEDULED, opens_at__lte=now
    ).values_list("pk", flat=True):
        result.opened += cycle_open(cycle_id=cycle_id, now=now)
    for cycle in Cycle.objects.filter(status=Cycle.Status.OPEN).select_related("cohort"):
        reminders, closing = reminders_create(cycle=cycle, now=now)
        result.reminders += reminders
        result.closing_reminders += closing
        if cycle.due_at <= now:
            result.closed += cycle_close(cycle_id=cycle.pk, now=now)
    return result


def reminders_create(*, cycle: Cycle, now: datetime.datetime) -> tuple[int, int]:
    """Owe the latest cadence reminder and the "closing tomorrow" reminder where due.

    Each is keyed by request, kind and sequence: owing it twice is a no-op, so a
    doubled tick owes nothing twice. Only the latest missed cadence point is owed —
    a tick that was down for days does not spam. Returns (reminders, closing) newly owed.
    """
    reminding = RaterRequest.objects.filter(cycle=cycle, status=RaterRequest.Status.SENT)
    points = [
        point
        for point in reminder_points(
            opens_at=cycle.opens_at,
            due_at=cycle.due_at,
            every_days=cycle.reminder_every_days,
            tz=cycle.tz,
        )
        if point <= now
    ]
    reminders = 0
    if points:
        reminders = _emails_owe(
            reminding.filter(sent_at__lte=points[-1] - REMINDER_MIN_GAP),
            kind=emails.REMINDER,
            sequence=len(points),
            now=now,
        )
    closing = _emails_owe(
        _closing_due(reminding, tz=cycle.tz, now=now), kind=emails.CLOSING, sequence=0, now=now
    )
    return reminders, closing


def _closing_due(reminding, *, tz, now: datetime.datetime):
    """The requests whose "closing tomorrow" time has come: the deadline is ahead, and
    it is at least the same local time on the day before (``closing_reminder_at``).
    A request's deadline is the cycle's or its own extension: a few distinct values."""
    with_deadline = reminding.annotate(deadline=Coalesce("due_at_override", F("cycle__due_at")))
    deadlines = with_deadline.filter(deadline__gt=now, deadline__lte=now + LONGEST_DAY)
    due = [
        deadline
        for deadline in deadlines.order_by().values_list("deadline", flat=True).distinct()
        if closing_reminder_at(deadline, tz) <= now
    ]
    return with_deadline.filter(deadline__in=due)

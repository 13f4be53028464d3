"""Every mentorship write that has a business rule.

Capacity is counted on ``MentorProfile.active_mentees`` with conditional
UPDATEs, so the database refuses a pairing beyond capacity even when two HR
users pair the same mentor at the same moment. Calendar invitations and nudges
are owed to the outbox (common/outbox.py) in the same transaction as the change,
under a key that is never owed twice, and sent by it after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from common import audit, outbox
from common.errors import ApplicationError, CapacityError, TransitionError
from mentorship import emails
from mentorship.models import (
    ActionItem,
    Goal,
    MentorDimension,
    MentoringSession,
    MentorProfile,
    Pairing,
)
from mentorship.selectors import quiet_since, reporting_line, with_quiet
from people.models import User
from people.roles import Role, has_role
from programs.models import Competency, Dimension, Enrollment


def _reject_unknown_fields(changes: dict, allowed: frozenset[str] | set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))


# ---------------------------------------------------------------- reporting line


def is_in_reporting_line(*, person: User, of: User) -> bool:
    return any(manager.pk == person.pk for manager in reporting_line(of))


# ---------------------------------------------------------------- mentor profiles


def mentor_profile_for(user: User, *, by) -> MentorProfile:
    """The mentor's profile, created with defaults the first time they are paired.

    HR grants the Mentor role in the people admin; requiring a second step before
    the first pairing would only surprise them. The defaults (capacity 3, active)
    are the issue's; HR adjusts them in the admin.
    """
    profile = MentorProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    try:
        # The transaction starts with its write, so on SQLite a concurrent one waits.
        with transaction.atomic():
            profile = MentorProfile.objects.create(user=user)
            audit.record(
                action="mentor_profile.create",
                by=by,
                obj=profile,
                changes=audit.created(profile, ["capacity", "is_active"]),
                about=user,
            )
    except IntegrityError:  # another request created it a moment ago
        return MentorProfile.objects.get(user=user)
    return profile


MENTOR_PROFILE_AUDITED_FIELDS = ("capacity", "is_active", "bio", "expertise")


def mentor_profile_update(
    *,
    profile: MentorProfile,
    by: User,
    capacity: int | None = None,
    is_active: bool | None = None,
    bio: str | None = None,
    expertise: Iterable[Competency] | None = None,
    dimensions: Iterable[str] | None = None,
) -> MentorProfile:
    """HR sets how many mentees a mentor takes at once, whether they take new ones, and
    what they develop well (competencies, balance dimensions); what is None stays.

    Capacity never drops below the mentor's active mentees: the check constraint refuses
    it, also when a pairing takes a seat between our read and our write.
    """
    wanted = None if dimensions is None else set(dimensions)
    if wanted is not None and not wanted <= set(Dimension.values):
        unknown = ", ".join(sorted(wanted - set(Dimension.values)))
        raise ValidationError({"dimensions": f"Not one of the nine dimensions: {unknown}."})
    with transaction.atomic():
        profile = MentorProfile.objects.select_related("user").get(pk=profile.pk)
        before = audit.snapshot(profile, MENTOR_PROFILE_AUDITED_FIELDS)
        for name, value in (("capacity", capacity), ("is_active", is_active), ("bio", bio)):
            if value is not None:
                setattr(profile, name, value)
        profile.full_clean(exclude=["user", "expertise"], validate_constraints=False)
        try:
            with transaction.atomic():  # a savepoint: the refusal leaves ours usable
                # Never active_mentees: the pairing services count it.
                profile.save(update_fields=["capacity", "is_active", "bio"])
        except IntegrityError as error:
            raise _below_active_mentees(profile) from error
        if expertise is not None:
            profile.expertise.set(expertise)
        changes = audit.changed(profile, before)
        if wanted is not None:
            changes.update(_mentor_dimensions_set(profile, wanted))
        if changes:
            audit.record(
                action="mentor_profile.update",
                by=by,
                obj=profile,
                changes=changes,
                about=profile.user,
            )
    return profile


def _below_active_mentees(profile: MentorProfile) -> ValidationError:
    active = MentorProfile.objects.filter(pk=profile.pk).values_list("active_mentees", flat=True)
    count = active.get()
    return ValidationError(
        {
            "capacity": f"{profile.user.full_name} has {count} active mentee"
            f"{'s' if count != 1 else ''}: the capacity cannot be lower. End a pairing first."
        }
    )


def _mentor_dimensions_set(profile: MentorProfile, wanted: set[str]) -> dict:
    """Keep exactly ``wanted`` as the mentor's strong dimensions; the change, if any."""
    current = set(profile.dimension_expertise.values_list("dimension", flat=True))
    if wanted == current:
        return {}
    profile.dimension_expertise.exclude(dimension__in=wanted).delete()
    MentorDimension.objects.bulk_create(
        MentorDimension(profile=profile, dimension=dimension) for dimension in wanted - current
    )
    return {"dimensions": [sorted(current), sorted(wanted)]}


# ---------------------------------------------------------------- pairings


def pairing_create(
    *,
    mentor: User,
    mentee: User,
    enrollment: Enrollment | None = None,
    started_on: datetime.date,
    objectives: str = "",
    by: User | None,
) -> Pairing:
    if not has_role(mentor, Role.MENTOR):
        raise ValidationError({"mentor": "This person is not a mentor."})
    if not has_role(mentee, Role.LEADER):
        raise ValidationError({"mentee": "Only leaders can be mentored."})
    if mentor.pk == mentee.pk:
        raise ValidationError({"mentor": "A mentor cannot mentor themselves."})
    if is_in_reporting_line(person=mentor, of=mentee):
        raise ValidationError(
            {"mentor": f"{mentor.full_name} is in {mentee.full_name}'s reporting line."}
        )
    if enrollment is not None and enrollment.leader_id != mentee.pk:
        raise ValidationError({"enrollment": "This enrollment belongs to another leader."})
    if started_on > timezone.localdate() + datetime.timedelta(days=365):
        raise ValidationError({"started_on": "A pairing cannot start more than a year ahead."})

    profile = mentor_profile_for(mentor, by=by)
    if not profile.is_active:
        raise ApplicationError(
            f"{mentor.full_name} is not taking mentees at the moment.", field="mentor"
        )
    if Pairing.objects.filter(mentor=mentor, mentee=mentee, status=Pairing.Status.ACTIVE).exists():
        raise _already_paired(mentor, mentee)
    pairing = Pairing(
        mentor=mentor,
        mentee=mentee,
        enrollment=enrollment,
        started_on=started_on,
        objectives=objectives,
        created_by=by,
    )
    pairing.full_clean(validate_constraints=False)

    # The transaction starts with its write (the seat), so on SQLite it takes the write
    # lock at once and a concurrent request waits instead of failing with "locked".
    with transaction.atomic():
        _take_seat(profile)
        try:
            # A savepoint, so the error below leaves an outer transaction usable for
            # the caller; raising it still rolls back the seat taken above.
            with transaction.atomic():
                pairing.save()
        except IntegrityError as error:
            # Another request paired the same two people between our check and insert.
            raise _already_paired(mentor, mentee) from error
        audit.record(
            action="pairing.create",
            by=by,
            obj=pairing,
            changes=audit.created(
                pairing, ["mentor", "mentee", "enrollment", "started_on", "status", "objectives"]
            ),
            about=mentee,
        )
    return pairing


def _already_paired(mentor: User, mentee: User) -> ApplicationError:
    return ApplicationError(
        f"{mentor.full_name} is already mentoring {mentee.full_name}.", field="mentee"
    )


def _take_seat(profile: MentorProfile) -> None:
    taken = MentorProfile.objects.filter(
        pk=profile.pk, is_active=True, active_mentees__lt=F("capacity")
    ).update(active_mentees=F("active_mentees") + 1)
    if not taken:
        raise CapacityError(
            f"{profile.user.full_name} already has {profile.capacity} active mentees "
            "(their capacity).",
            field="mentor",
        )


def pairing_end(
    *,
    pairing: Pairing,
    by,
    ended_on: datetime.date | None = None,
    leaver: User | None = None,
) -> Pairing:
    """End an active pairing: frees the mentor's seat, keeps every session and goal.
    A pairing that has not started yet is called off on the day it would have started.
    ``leaver``: the mentor or mentee whose leaving the company ends it; the other one is
    told by email."""
    today = timezone.localdate()
    ended_on = ended_on or max(today, pairing.started_on)
    if ended_on > max(today, pairing.started_on):
        raise ValidationError({"ended_on": "A pairing cannot end in the future."})
    if ended_on < pairing.started_on:
        raise ValidationError({"ended_on": "A pairing cannot end before it started."})
    with transaction.atomic():
        ended = Pairing.objects.filter(pk=pairing.pk, status=Pairing.Status.ACTIVE).update(
            status=Pairing.Status.ENDED, ended_on=ended_on
        )
        if not ended:
            raise TransitionError("This pairing has already ended.")
        MentorProfile.objects.filter(user_id=pairing.mentor_id, active_mentees__gt=0).update(
            active_mentees=F("active_mentees") - 1
        )
        # Planned sessions after the end will not happen: cancel them (and tell both).
        for session in pairing.sessions.filter(status=MentoringSession.Status.PLANNED):
            _cancel(session, by=by)
        before = {"status": Pairing.Status.ACTIVE, "ended_on": None}
        pairing.refresh_from_db()
        audit.record(
            action="pairing.end",
            by=by,
            obj=pairing,
            changes=audit.changed(pairing, before),
            about=pairing.mentee_id,
        )
        if leaver is not None:
            outbox.email_owe(emails.partner_left(pairing, leaver=leaver))
    return pairing


# ---------------------------------------------------------------- sessions


@dataclass(frozen=True)
class ActionItemInput:
    description: str
    owner: str = ActionItem.Owner.MENTEE
    due_on: datetime.date | None = None
    dimension: str = ""  # blank: the session's


def session_create(
    *,
    pairing: Pairing,
    by: User,
    starts_at: datetime.datetime,
    status: str = MentoringSession.Status.HELD,
    duration_minutes: int = 45,
    format: str = MentoringSession.Format.VIDEO,
    topics: Iterable[Competency] = (),
    shared_notes: str = "",
    private_notes: str = "",
    dimension: str = "",
    action_items: Sequence[ActionItemInput] = (),
) -> MentoringSession:
    """Log a held session or plan one; planned sessions email both a calendar invitation."""
    if status == MentoringSession.Status.CANCELLED:
        raise ValidationError({"status": "A new session is either planned or held."})
    if status == MentoringSession.Status.PLANNED and starts_at < timezone.now():
        raise ValidationError({"starts_at": "A planned session cannot be in the past."})
    session = MentoringSession(
        pairing=pairing,
        status=status,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        format=format,
        shared_notes=shared_notes,
        private_notes=private_notes,
        dimension=dimension,
        logged_by=by,
    )
    _validate_session(session)
    with transaction.atomic():
        session.save()
        session.topics.set(topics)
        audit.record(
            action="mentoring_session.create",
            by=by,
            obj=session,
            changes=audit.created(session, SESSION_AUDITED_FIELDS),
            about=pairing.mentee_id,
        )
        for item in action_items:
            action_item_create(
                session=session,
                description=item.description,
                owner=item.owner,
                due_on=item.due_on,
                dimension=item.dimension or session.dimension,
                by=by,
            )
        if session.status == MentoringSession.Status.PLANNED:
            _invitation_owe(session)
    return session


SESSION_EDITABLE_FIELDS = frozenset(
    {
        "status",
        "starts_at",
        "duration_minutes",
        "format",
        "shared_notes",
        "private_notes",
        "dimension",
    }
)
# What a session's events show: never its private notes (a private field, left out by
# common.audit whatever is asked).
SESSION_AUDITED_FIELDS = (
    "status",
    "starts_at",
    "duration_minutes",
    "format",
    "shared_notes",
    "dimension",
    "topics",
)

# planned → held | cancelled; a held session stays held; a cancelled one stays cancelled.
ALLOWED_TRANSITIONS = {
    MentoringSession.Status.PLANNED: {
        MentoringSession.Status.HELD,
        MentoringSession.Status.CANCELLED,
    },
    MentoringSession.Status.HELD: set(),
    MentoringSession.Status.CANCELLED: set(),
}


def session_update(
    *,
    session: MentoringSession,
    by,
    topics: Iterable[Competency] | None = None,
    **changes,
) -> MentoringSession:
    """Edit a session. Moving a planned session sends an updated invitation;
    cancelling it sends a cancellation."""
    _reject_unknown_fields(changes, SESSION_EDITABLE_FIELDS)
    with transaction.atomic():
        session = MentoringSession.objects.select_for_update().get(pk=session.pk)
        before = audit.snapshot(session, SESSION_AUDITED_FIELDS)
        old_status, old_start, old_duration = (
            session.status,
            session.starts_at,
            session.duration_minutes,
        )
        new_status = changes.get("status", old_status)
        if new_status != old_status and new_status not in ALLOWED_TRANSITIONS[old_status]:
            raise TransitionError(
                f"A {old_status} session cannot become {new_status}.", field="status"
            )
        if new_status == MentoringSession.Status.CANCELLED:
            # Cancelling is its own verb: other edits in the same request are ignored.
            return _cancel(session, by=by)
        for name, value in changes.items():
            setattr(session, name, value)
        moved = (session.starts_at, session.duration_minutes) != (old_start, old_duration)
        if (
            moved
            and session.status == MentoringSession.Status.PLANNED
            and session.starts_at < timezone.now()
        ):
            raise ValidationError({"starts_at": "A planned session cannot move into the past."})
        _validate_session(session)
        if moved and session.status == MentoringSession.Status.PLANNED:
            session.sequence = F("sequence") + 1
        session.save()
        session.refresh_from_db()
        if topics is not None:
            session.topics.set(topics)
        if moved and session.status == MentoringSession.Status.PLANNED:
            _invitation_owe(session)
        # Recorded even when only the private notes changed: that someone edited the
        # session is history; what the notes say is not.
        audit.record(
            action="mentoring_session.update",
            by=by,
            obj=session,
            changes=audit.changed(session, before),
            about=session.pairing.mentee_id,
        )
    return session


def session_cancel(*, session: MentoringSession, by: User) -> MentoringSession:
    return session_update(session=session, by=by, status=MentoringSession.Status.CANCELLED)


def _cancel(session: MentoringSession, *, by) -> MentoringSession:
    if session.status != MentoringSession.Status.PLANNED:
        raise TransitionError(f"A {session.status} session cannot be cancelled.", field="status")
    MentoringSession.objects.filter(pk=session.pk).update(
        status=MentoringSession.Status.CANCELLED, sequence=F("sequence") + 1
    )
    session.refresh_from_db()
    _invitation_owe(session)
    audit.record(
        action="mentoring_session.cancel",
        by=by,
        obj=session,
        changes={"status": [MentoringSession.Status.PLANNED, session.status]},
        about=session.pairing.mentee_id,
    )
    return session


def _validate_session(session: MentoringSession) -> None:
    """Field rules plus the date rules that need the pairing and the clock."""
    session.full_clean(exclude=["pairing", "logged_by"], validate_constraints=False)
    if session.status == MentoringSession.Status.HELD and session.starts_at > timezone.now():
        raise ValidationError({"starts_at": "A held session cannot be in the future."})
    pairing = session.pairing
    day = timezone.localdate(session.starts_at)
    if day < pairing.started_on:
        raise ValidationError(
            {"starts_at": f"The pairing started on {pairing.started_on:%d %b %Y}."}
        )
    if pairing.ended_on and day > pairing.ended_on:
        raise ValidationError({"starts_at": f"The pairing ended on {pairing.ended_on:%d %b %Y}."})


def _invitation_owe(session: MentoringSession) -> None:
    """Owe both people the invitation (or cancellation) of the session's current revision."""
    outbox.email_owe(emails.session_invitation(session))


# ---------------------------------------------------------------- action items


ACTION_ITEM_AUDITED_FIELDS = ("description", "owner", "due_on", "dimension", "done_at")


@transaction.atomic
def action_item_create(
    *,
    session: MentoringSession,
    description: str,
    owner: str = ActionItem.Owner.MENTEE,
    due_on: datetime.date | None = None,
    dimension: str = "",
    by: User,
) -> ActionItem:
    item = ActionItem(
        session=session,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        dimension=dimension,
        created_by=by,
    )
    item.full_clean(exclude=["session", "created_by"], validate_constraints=False)
    item.save()
    _action_item_record(item, "create", audit.created(item, ACTION_ITEM_AUDITED_FIELDS), by)
    return item


@transaction.atomic
def action_item_update(*, item: ActionItem, by, **changes) -> ActionItem:
    editable = {"description", "owner", "due_on", "dimension"}
    _reject_unknown_fields(changes, editable)
    before = audit.snapshot(item, ACTION_ITEM_AUDITED_FIELDS)
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean(exclude=["session", "created_by"], validate_constraints=False)
    item.save()
    _action_item_record(item, "update", audit.changed(item, before), by)
    return item


@transaction.atomic
def action_item_set_done(*, item: ActionItem, done: bool, by) -> ActionItem:
    before = audit.snapshot(item, ["done_at", "closed_reason"])
    item.done_at = (item.done_at or timezone.now()) if done else None
    # Done or reopened by a person: no longer closed for a reason of its own.
    item.closed_reason = ""
    item.save(update_fields=["done_at", "closed_reason"])
    changes = audit.changed(item, before)
    if changes:
        _action_item_record(item, "done" if done else "reopen", changes, by)
    return item


@transaction.atomic
def action_items_close_for(*, person: User, by, reason: str) -> int:
    """The open action items ``person`` owns (as mentor or mentee of the item's pairing)
    are closed with ``reason``: no longer open, nudged or counted as overdue. Each close
    is audited; the items stay in the sessions' history."""
    owned = ActionItem.objects.filter(
        Q(owner=ActionItem.Owner.MENTOR, session__pairing__mentor=person)
        | Q(owner=ActionItem.Owner.MENTEE, session__pairing__mentee=person),
        done_at__isnull=True,
    ).select_for_update()
    items = list(owned.select_related("session__pairing"))
    now = timezone.now()
    for item in items:
        before = audit.snapshot(item, ["done_at", "closed_reason"])
        item.done_at, item.closed_reason = now, reason
        item.save(update_fields=["done_at", "closed_reason"])
        _action_item_record(item, "close", audit.changed(item, before), by)
    return len(items)


def _action_item_record(item: ActionItem, verb: str, changes: dict, by) -> None:
    audit.record(
        action=f"action_item.{verb}",
        by=by,
        obj=item,
        changes=changes,
        about=item.session.pairing.mentee_id,
    )


# ---------------------------------------------------------------- goals

GOAL_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "competency",
        "dimension",
        "measure",
        "target_date",
        "status",
        "progress",
        "notes",
        "pairing",
    }
)


@transaction.atomic
def goal_create(
    *,
    mentee: User,
    title: str,
    by: User,
    pairing: Pairing | None = None,
    competency: Competency | None = None,
    dimension: str = "",
    measure: str = "",
    target_date: datetime.date | None = None,
    status: str = Goal.Status.NOT_STARTED,
    progress: int = 0,
    notes: str = "",
) -> Goal:
    if not has_role(mentee, Role.LEADER):
        raise ValidationError({"mentee": "Goals belong to leaders."})
    goal = Goal(
        mentee=mentee,
        pairing=pairing,
        title=title.strip(),
        competency=competency,
        dimension=dimension,
        measure=measure.strip(),
        target_date=target_date,
        status=status,
        progress=progress,
        notes=notes,
        created_by=by,
    )
    _validate_goal(goal)
    goal.save()
    audit.record(
        action="goal.create",
        by=by,
        obj=goal,
        changes=audit.created(goal, GOAL_EDITABLE_FIELDS),
        about=mentee,
    )
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by, **changes) -> Goal:
    _reject_unknown_fields(changes, GOAL_EDITABLE_FIELDS)
    before = audit.snapshot(goal, GOAL_EDITABLE_FIELDS)
    for name, value in changes.items():
        setattr(goal, name, value)
    if "progress" in changes and "status" not in changes:
        # Progress reported on a goal that had not started means it is under way.
        if goal.status == Goal.Status.NOT_STARTED and goal.progress > 0:
            goal.status = Goal.Status.IN_PROGRESS
        if goal.progress == 100 and goal.status in Goal.OPEN_STATUSES:
            goal.status = Goal.Status.ACHIEVED
    _validate_goal(goal)
    goal.save()
    audit.record(
        action="goal.update",
        by=by,
        obj=goal,
        changes=audit.changed(goal, before),
        about=goal.mentee_id,
    )
    return goal


def _validate_goal(goal: Goal) -> None:
    goal.full_clean(exclude=["mentee", "created_by"], validate_constraints=False)
    if goal.pairing_id and goal.pairing.mentee_id != goal.mentee_id:
        raise ValidationError({"pairing": "This pairing is for another leader."})


# ---------------------------------------------------------------- nudges


def action_item_nudges_owe(*, today: datetime.date | None = None) -> int:
    """Owe the owners of open items due tomorrow or overdue one email per item, state and
    due date (a new due date is a new promise); returns how many were newly owed."""
    today = today or timezone.localdate()
    open_items = ActionItem.objects.filter(
        done_at__isnull=True, session__pairing__status=Pairing.Status.ACTIVE
    ).select_related("session__pairing__mentor", "session__pairing__mentee")
    due_soon = open_items.filter(due_on=today + datetime.timedelta(days=1))
    overdue = open_items.filter(due_on__lt=today)
    owed = [emails.action_item_nudge(item, overdue=False) for item in due_soon]
    owed += [emails.action_item_nudge(item, overdue=True) for item in overdue]
    return len(outbox.emails_owe(owed))


@transaction.atomic
def quiet_pairing_nudges_owe(*, today: datetime.date | None = None) -> list[Pairing]:
    """Owe the mentors of active pairings that have gone quiet (``with_quiet``) one nudge
    per quiet spell, and every HR person one digest of the pairings newly nudged, in one
    transaction: the digest is owed with its nudges or not at all."""
    today = today or timezone.localdate()
    candidates = with_quiet(Pairing.objects.filter(status=Pairing.Status.ACTIVE), day=today).filter(
        is_quiet=True
    )
    pairing_of, nudges = {}, []
    for pairing in candidates.select_related("mentor", "mentee"):
        since = quiet_since(last_contact=pairing.last_contact, started_on=pairing.started_on)
        nudge = emails.quiet_pairing_nudge(pairing, since=since)
        pairing_of[nudge.key] = pairing
        nudges.append(nudge)
    nudged = [pairing_of[nudge.key] for nudge in outbox.emails_owe(nudges)]
    if nudged:
        hr_people = User.objects.filter(groups__name=Role.HR, is_active=True).distinct()
        outbox.emails_owe(emails.quiet_digest(person, nudged, day=today) for person in hr_people)
    return nudged

"""Writes of the team pulse: HR schedules a pulse; the tick opens each round (one invite
per active direct report of each leader in scope, invitations owed through the outbox),
owes the one reminder, and closes rounds (open invites expire, results become the
leaders' ``team_engagement`` values); a team member answers once through their link.

Exactly once: a round opens and closes by a conditional UPDATE of its status, and every
email is an outbox row under a key per invite and kind, sent only while its invite is
still in the status it was owed in; a doubled tick owes nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common import audit, outbox
from metrics.models import MetricDefinition, Observation
from metrics.periods import period_floor
from metrics.services import ObservationInput, observations_bulk_upsert
from people.models import User
from people.roles import Role, active_role_holders
from programs.models import Enrollment
from pulse import emails
from pulse.links import invite_check_answerable, link_error
from pulse.models import (
    COMMENT_MAX_LENGTH,
    ENPS_MAX,
    ENPS_MIN,
    MAX_STATEMENTS,
    MIN_STATEMENTS,
    PULSE_FIELDS,
    SCALE_MAX,
    SCALE_MIN,
    Pulse,
    PulseAnswer,
    PulseInvite,
    PulseResponse,
    PulseRound,
    PulseShare,
    PulseStatement,
)
from pulse.selectors import statements_of, team_results

ENGAGEMENT_METRIC = "team_engagement"
# A round opens at this local hour of its first day.
OPENING_HOUR = 9


# --- HR: scheduling ----------------------------------------------------------------------


def _validate(pulse: Pulse) -> None:
    """Every problem at once, by field: the model's rules, then the pulse's own."""
    errors: dict[str, list[str]] = {}
    try:
        # The constraints are checked field by field below (their own error is unspecific).
        pulse.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    remind, window = pulse.remind_after_days, pulse.answer_days
    if remind is not None and window and "answer_days" not in errors and remind >= window:
        errors.setdefault("remind_after_days", []).append(
            f"Remind before the pulse closes: fewer than {window} days."
        )
    if pulse.template_id and "template" not in errors:
        count = pulse.template.statements.count()
        if not MIN_STATEMENTS <= count <= MAX_STATEMENTS:
            errors["template"] = [
                f"A pulse asks {MIN_STATEMENTS} to {MAX_STATEMENTS} questions; this has {count}."
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pulse_create(
    *,
    name: str,
    template,
    starts_on: datetime.date,
    by: User,
    cadence: str = "quarter",
    cohort=None,
    answer_days: int = 14,
    remind_after_days: int | None = 7,
    is_active: bool = True,
) -> Pulse:
    """HR schedules a pulse; the tick opens its rounds (the first on ``starts_on``)."""
    pulse = Pulse(
        name=(name or "").strip(),
        template=template,
        cohort=cohort,
        cadence=cadence,
        starts_on=starts_on,
        answer_days=answer_days,
        remind_after_days=remind_after_days,
        is_active=is_active,
        created_by=by,
    )
    _validate(pulse)
    pulse.save()
    audit.record(
        action="pulse.create", by=by, obj=pulse, changes=audit.created(pulse, PULSE_FIELDS)
    )
    return pulse


@transaction.atomic
def pulse_update(*, pulse: Pulse, by: User, **changes) -> Pulse:
    """Change a pulse's schedule; rounds already open keep their window."""
    unknown = set(changes) - set(PULSE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This cannot be changed."))
    if (
        "template" in changes
        and getattr(changes["template"], "pk", None) != pulse.template_id
        and pulse.rounds.exclude(status=PulseRound.Status.SCHEDULED).exists()
    ):
        # A round's questions are its pulse's template's: a new template mid-round would
        # ask the rest of the team other statements, each answered by too few to show.
        raise ValidationError(
            {
                "template": "A pulse keeps its questionnaire once a round has opened; "
                "schedule a new pulse for another one."
            }
        )
    before = audit.snapshot(pulse, PULSE_FIELDS)
    for name, value in changes.items():
        setattr(pulse, name, value.strip() if name == "name" and value else value)
    _validate(pulse)
    pulse.save()
    audit.record(action="pulse.update", by=by, obj=pulse, changes=audit.changed(pulse, before))
    return pulse


# --- the tick ----------------------------------------------------------------------------


@dataclasses.dataclass
class TickResult:
    created: int = 0
    opened: int = 0
    reminders: int = 0
    closed: int = 0


def pulse_tick(*, now: datetime.datetime | None = None) -> TickResult:
    """Everything time-driven, idempotent and safe to run concurrently: schedule and open
    each active pulse's current round, owe reminders, close what is due. (The outbox's own
    sweep sends what is owed.)"""
    now = now or timezone.now()
    result = TickResult(created=rounds_schedule(now=now))
    due = PulseRound.objects.filter(status=PulseRound.Status.SCHEDULED, opens_at__lte=now)
    for round_id in due.values_list("pk", flat=True):
        result.opened += round_open(round_id=round_id, now=now)
    for pulse_round in PulseRound.objects.filter(status=PulseRound.Status.OPEN).select_related(
        "pulse"
    ):
        if pulse_round.closes_at <= now:
            result.closed += round_close(round_id=pulse_round.pk, now=now)
        else:
            result.reminders += reminders_owe(pulse_round=pulse_round, now=now)
    return result


def round_window(pulse: Pulse, period_start: datetime.date) -> tuple[datetime.datetime, ...]:
    """When a period's round opens (its first day, or the pulse's start, at 09:00 local
    time) and closes (``answer_days`` later)."""
    day = max(period_start, pulse.starts_on)
    opens_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(OPENING_HOUR)))
    return opens_at, opens_at + datetime.timedelta(days=pulse.answer_days)


def rounds_schedule(*, now: datetime.datetime) -> int:
    """The current period's round of every active pulse that has started, unless its
    answer window has passed already (a pulse scheduled late skips that period). Unique
    per pulse and period: a doubled tick creates nothing twice."""
    today = timezone.localdate(now)
    new = []
    for pulse in Pulse.objects.filter(is_active=True, starts_on__lte=today):
        period_start = period_floor(today, pulse.cadence)
        opens_at, closes_at = round_window(pulse, period_start)
        if opens_at <= now < closes_at:
            new.append(
                PulseRound(
                    pulse=pulse, period_start=period_start, opens_at=opens_at, closes_at=closes_at
                )
            )
    if not new:
        return 0
    known = set(
        PulseRound.objects.filter(
            pulse__in=[item.pulse for item in new], period_start__in={r.period_start for r in new}
        ).values_list("pulse", "period_start")
    )
    fresh = [item for item in new if (item.pulse_id, item.period_start) not in known]
    PulseRound.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def leaders_in_scope(pulse: Pulse):
    """The leaders a pulse asks about: every active leader, or those taking part in its
    cohort (completed too: engagement after the program is what shows its impact)."""
    leaders = active_role_holders(Role.LEADER)
    if pulse.cohort_id is None:
        return leaders
    return leaders.filter(
        enrollments__cohort_id=pulse.cohort_id,
        enrollments__status__in=Enrollment.TAKING_PART_STATUSES,
    )


def team_members(leaders, *, today: datetime.date):
    """The active direct reports of these leaders (who have not left by ``today``)."""
    return User.objects.filter(manager__in=leaders, is_active=True).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=today)
    )


def round_open(*, round_id: int, now: datetime.datetime | None = None) -> bool:
    """Scheduled → open: one invite per active direct report of each leader in scope, and
    its invitation owed. Only the tick that flips the status creates anything."""
    now = now or timezone.now()
    with transaction.atomic():
        opened = PulseRound.objects.filter(
            pk=round_id, status=PulseRound.Status.SCHEDULED, opens_at__lte=now
        ).update(status=PulseRound.Status.OPEN)
        if not opened:
            return False
        pulse_round = PulseRound.objects.select_related("pulse").get(pk=round_id)
        members = team_members(leaders_in_scope(pulse_round.pulse), today=timezone.localdate(now))
        PulseInvite.objects.bulk_create(
            [
                PulseInvite(round=pulse_round, leader_id=leader_id, member_id=member_id)
                for member_id, leader_id in members.values_list("pk", "manager_id")
            ],
            ignore_conflicts=True,
        )
        audit.record(
            action="pulse.round_open",
            by=audit.SCHEDULE,
            obj=pulse_round,
            changes={"status": [PulseRound.Status.SCHEDULED, PulseRound.Status.OPEN]},
            at=now,
        )
        _emails_owe(
            PulseInvite.objects.filter(round=pulse_round, status=PulseInvite.Status.PENDING),
            kind=emails.INVITATION,
            now=now,
        )
    return True


def _emails_owe(invites, *, kind: str, now: datetime.datetime) -> int:
    owed = (
        emails.invite_email(invite_id, address, kind=kind)
        for invite_id, address in invites.values_list("pk", "member__email")
    )
    return len(outbox.emails_owe(owed, now=now))


def reminders_owe(*, pulse_round: PulseRound, now: datetime.datetime) -> int:
    """One reminder to each member invited ``remind_after_days`` ago or more who has not
    answered. Keyed per invite: owed once, whatever the number of ticks."""
    days = pulse_round.pulse.remind_after_days
    if days is None or pulse_round.status != PulseRound.Status.OPEN:
        return 0
    due = PulseInvite.objects.filter(
        round=pulse_round,
        status=PulseInvite.Status.SENT,
        sent_at__lte=now - datetime.timedelta(days=days),
    )
    return _emails_owe(due, kind=emails.REMINDER, now=now)


def round_close(*, round_id: int, now: datetime.datetime | None = None) -> bool:
    """Open → closed at ``closes_at``: open invites expire (their emails are no longer
    owed) and each team at or above the threshold gets its ``team_engagement`` value."""
    now = now or timezone.now()
    with transaction.atomic():
        closed = PulseRound.objects.filter(
            pk=round_id, status=PulseRound.Status.OPEN, closes_at__lte=now
        ).update(status=PulseRound.Status.CLOSED, closed_at=now)
        if not closed:
            return False
        pulse_round = PulseRound.objects.select_related("pulse").get(pk=round_id)
        open_invites = PulseInvite.objects.filter(
            round=pulse_round, status__in=PulseInvite.OPEN_STATUSES
        )
        outbox.emails_skip(emails.invite_emails(open_invites))
        open_invites.update(status=PulseInvite.Status.EXPIRED)
        audit.record(
            action="pulse.round_close",
            by=audit.SCHEDULE,
            obj=pulse_round,
            changes={
                "status": [PulseRound.Status.OPEN, PulseRound.Status.CLOSED],
                "closed_at": [None, now.isoformat()],
            },
            at=now,
        )
        engagement_record(pulse_round=pulse_round)
    return True


def engagement_record(*, pulse_round: PulseRound) -> int:
    """Each shown team's engagement score as its leader's ``team_engagement`` value for
    the metric's period holding the round (a monthly pulse: the quarter's latest month),
    source "pulse". A team below the threshold gets nothing written."""
    metric = MetricDefinition.objects.filter(code=ENGAGEMENT_METRIC, is_active=True).first()
    if metric is None:
        return 0
    shown = [
        result
        for result in team_results(rounds=[pulse_round]).values()
        if result.shown and result.engagement is not None
    ]
    leaders = User.objects.in_bulk([result.leader_id for result in shown])
    period_start = period_floor(pulse_round.period_start, metric.period)
    rows = [
        ObservationInput(
            leader=leaders[result.leader_id],
            metric=metric,
            period_start=period_start,
            value=result.engagement,
            note=f"team pulse, {result.answers} answers",
        )
        for result in shown
    ]
    if rows:
        observations_bulk_upsert(rows=rows, source=Observation.Source.PULSE, by=None)
    return len(rows)


# --- answering ---------------------------------------------------------------------------


def answers_clean(
    *, statements: list[PulseStatement], values: Mapping[str, object], comment: str
) -> list[PulseAnswer]:
    """The answers, or a ``ValidationError`` keyed ``statement_<id>`` / ``comment``."""
    errors: dict[str, list[str]] = {}
    answers = []
    for statement in statements:
        low, high = (ENPS_MIN, ENPS_MAX) if statement.is_enps else (SCALE_MIN, SCALE_MAX)
        raw = values.get(str(statement.pk))
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            value = None
        if raw in (None, ""):
            errors[f"statement_{statement.pk}"] = ["Choose an answer."]
        elif value is None or not low <= value <= high:
            errors[f"statement_{statement.pk}"] = [f"Choose a whole number from {low} to {high}."]
        else:
            answers.append(PulseAnswer(statement=statement, kind=statement.kind, value=value))
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [f"At most {COMMENT_MAX_LENGTH:,} characters."]
    elif "\x00" in comment:
        # PostgreSQL refuses a NUL in text: a 500 on the answer page (logging its live link).
        errors["comment"] = ["Null characters are not allowed."]
    if errors:
        raise ValidationError(errors)
    return answers


def response_submit(
    *,
    invite: PulseInvite,
    values: Mapping[str, object],
    comment: str = "",
    now: datetime.datetime | None = None,
) -> None:
    """A team member's answers, once. The invite is marked answered by a conditional
    update; the response keeps the round and the leader only (nothing ties it to the
    invite, so no audit event either: its time would). Returns nothing, on purpose."""
    now = now or timezone.now()
    invite_check_answerable(invite, now)
    comment = (comment or "").strip()
    answers = answers_clean(
        statements=statements_of(invite.round.pulse), values=values, comment=comment
    )
    with transaction.atomic():
        claimed = PulseInvite.objects.filter(
            pk=invite.pk,
            status__in=PulseInvite.OPEN_STATUSES,
            round__status=PulseRound.Status.OPEN,
            round__closes_at__gt=now,
        ).update(status=PulseInvite.Status.ANSWERED)
        if not claimed:
            invite.refresh_from_db()
            invite.round.refresh_from_db()
            invite_check_answerable(invite, now)
            raise link_error("closed")
        response = PulseResponse.objects.create(
            round_id=invite.round_id, leader_id=invite.leader_id, comment=comment
        )
        for answer in answers:
            answer.response = response
        PulseAnswer.objects.bulk_create(answers)
        outbox.emails_skip(emails.invite_emails(PulseInvite.objects.filter(pk=invite.pk)))
    invite.status = PulseInvite.Status.ANSWERED


# --- sharing ------------------------------------------------------------------------------


@transaction.atomic
def pulse_share_set(*, leader: User, audience: str, shared: bool) -> bool:
    """The leader shows their team pulse to their mentor(s) or manager(s), or stops.
    Recorded as ``pulse.share`` / ``pulse.unshare`` about the leader."""
    if audience not in PulseShare.Audience.values:
        raise ValidationError(
            {"audience": f"Share with one of: {', '.join(PulseShare.Audience.values)}."}
        )
    if shared:
        _, changed = PulseShare.objects.get_or_create(leader=leader, audience=audience)
    else:
        changed = bool(PulseShare.objects.filter(leader=leader, audience=audience).delete()[0])
    if changed:
        audit.record(
            action=f"pulse.{'share' if shared else 'unshare'}",
            by=leader,
            obj=leader,
            changes={f"pulse_shared_with_{audience}": [not shared, shared]},
            about=leader,
        )
    return shared

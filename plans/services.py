"""Writes of development plans: building a plan from a released report, changing a focus,
comments, check-ins and their schedule. Each is one transaction with its audit event;
emails are owed through the outbox in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from common import audit
from common.errors import ApplicationError
from common.outbox import emails_owe
from feedback.models import Cycle, RaterRequest
from feedback.selectors import report_build
from mentorship.models import Pairing
from mentorship.services import goal_create as mentorship_goal_create
from mentorship.services import goal_update
from metrics.models import MetricDefinition
from people.models import User
from people.roles import Role, has_role
from plans import emails
from plans.models import (
    MAX_FOCUSES,
    MIN_FOCUSES,
    CheckIn,
    CheckInProgress,
    Comment,
    Focus,
    Plan,
    PlanBalance,
)
from plans.selectors import leader_modules, next_released_cycle
from programs.models import Dimension, Enrollment, Module

PLAN_AUDITED_FIELDS = ("leader", "cycle")
FOCUS_AUDITED_FIELDS = ("dimension", "topics", "metric")


@dataclass(frozen=True)
class FocusInput:
    """One focus dimension as the leader wrote it."""

    dimension: str
    goal: str  # what they will do differently
    measure: str  # how they will know
    target_date: datetime.date | None
    modules: Sequence[Module] = field(default_factory=tuple)
    topics: str = ""
    metric: MetricDefinition | None = None


def _validate_focuses(focuses: Sequence[FocusInput], *, leader: User, today: datetime.date) -> None:
    """Every problem at once, keyed ``focuses`` or ``focuses.<n>.<field>``."""
    errors: dict[str, list[str]] = {}
    if not MIN_FOCUSES <= len(focuses) <= MAX_FOCUSES:
        errors["focuses"] = [f"Choose {MIN_FOCUSES} to {MAX_FOCUSES} focus dimensions."]
    seen: set[str] = set()
    allowed_modules = set(leader_modules(leader=leader).values_list("pk", flat=True))
    for index, focus in enumerate(focuses):
        prefix = f"focuses.{index}"
        if focus.dimension not in Dimension.values:
            errors[f"{prefix}.dimension"] = [f'"{focus.dimension}" is not one of the nine.']
        elif focus.dimension in seen:
            errors[f"{prefix}.dimension"] = ["Each dimension can be a focus once."]
        seen.add(focus.dimension)
        if not focus.goal.strip():
            errors[f"{prefix}.goal"] = ["Say what you will do differently."]
        elif len(focus.goal.strip()) > 200:
            errors[f"{prefix}.goal"] = ["At most 200 characters."]
        if not focus.measure.strip():
            errors[f"{prefix}.measure"] = ["Say how you will know: a measurable target."]
        elif len(focus.measure.strip()) > 300:
            errors[f"{prefix}.measure"] = ["At most 300 characters."]
        if focus.target_date is None:
            errors[f"{prefix}.target_date"] = ["Give a date."]
        elif focus.target_date < today:
            errors[f"{prefix}.target_date"] = ["The date is in the past."]
        if len(focus.topics) > 300:
            errors[f"{prefix}.topics"] = ["At most 300 characters."]
        if any(module.pk not in allowed_modules for module in focus.modules):
            errors[f"{prefix}.modules"] = ["Only modules of your own programs."]
        if focus.metric is not None and not focus.metric.is_active:
            errors[f"{prefix}.metric"] = ["This metric is no longer measured."]
    if errors:
        raise ValidationError(errors)


def _validate_report(*, leader: User, cycle: Cycle) -> None:
    if not has_role(leader, Role.LEADER):
        raise ValidationError({"leader": "Development plans belong to leaders."})
    if not RaterRequest.objects.filter(cycle=cycle, subject=leader).exists():
        raise ValidationError({"cycle": "This cycle has no report about this leader."})
    if cycle.released_at is None:
        raise ValidationError({"cycle": "The report is not released yet."})


def _active_pairing(leader: User) -> Pairing | None:
    return (
        Pairing.objects.filter(mentee=leader, status=Pairing.Status.ACTIVE)
        .order_by("-started_on")
        .first()
    )


@transaction.atomic
def plan_create(
    *,
    leader: User,
    cycle: Cycle,
    focuses: Sequence[FocusInput],
    by: User,
    now: datetime.datetime | None = None,
) -> Plan:
    """Build the leader's plan from one released report: a goal per focus dimension
    (followed by the mentor like any goal), the modules, topics and metric that go with
    it. The mentor is told by email. One plan per report (409 for a second).
    ``now`` dates a plan in the past (the demo's history)."""
    now = now or timezone.now()
    _validate_report(leader=leader, cycle=cycle)
    _validate_focuses(focuses, leader=leader, today=timezone.localdate(now))
    try:
        with transaction.atomic():
            plan = Plan.objects.create(leader=leader, cycle=cycle, created_by=by)
            Plan.objects.filter(pk=plan.pk).update(created_at=now, updated_at=now)
            plan.created_at = plan.updated_at = now
    except IntegrityError as exc:
        raise ApplicationError(
            "A plan for this report exists already: open it to change it."
        ) from exc
    pairing = _active_pairing(leader)
    for position, item in enumerate(focuses):
        _focus_add(plan, item, position=position, pairing=pairing, by=by)
    _balances_record(plan, {item.dimension for item in focuses})
    audit.record(
        action="plan.create",
        by=by,
        obj=plan,
        changes={
            **audit.created(plan, PLAN_AUDITED_FIELDS),
            "focuses": [None, [item.dimension for item in focuses]],
        },
        about=leader.pk,
        at=now,
    )
    if pairing is not None:
        emails_owe([emails.plan_built(plan, pairing)], now=now)
    return plan


def _focus_add(plan: Plan, item: FocusInput, *, position: int, pairing, by) -> Focus:
    goal = mentorship_goal_create(
        mentee=plan.leader,
        title=item.goal.strip(),
        measure=item.measure,
        dimension=item.dimension,
        target_date=item.target_date,
        pairing=pairing,
        by=by,
    )
    focus = Focus.objects.create(
        plan=plan,
        dimension=item.dimension,
        position=position,
        goal=goal,
        topics=item.topics.strip(),
        metric=item.metric,
    )
    focus.modules.set(item.modules)
    return focus


def _overall_balances(cycle: Cycle, leader: User) -> dict[str, object]:
    """The report's balance per dimension as anyone may see it (every rater but self)."""
    report = report_build(cycle=cycle, subject=leader, viewer=None, with_previous=False)
    return {row["dimension"]: row["balance"] for row in report["overall"]}


def _balances_record(plan: Plan, focus: set[str]) -> None:
    before = _overall_balances(plan.cycle, plan.leader)
    PlanBalance.objects.bulk_create(
        PlanBalance(plan=plan, dimension=d, in_focus=d in focus, before=before.get(d))
        for d in Dimension.values
    )


def plan_outcomes_record() -> int:
    """For each plan whose leader's next report has been released since, record that
    report's balances beside the plan's (``PlanBalance.after``). Released reports never
    change, so each plan is done once; safe to run twice (a plan is claimed by a
    conditional update)."""
    later = Cycle.objects.filter(
        released_at__isnull=False,
        opens_at__gt=OuterRef("cycle__opens_at"),
        requests__subject=OuterRef("leader"),
    )
    done = 0
    for plan in Plan.objects.filter(outcome_cycle__isnull=True).filter(Exists(later)):
        after = next_released_cycle(plan=plan)
        with transaction.atomic():
            if not Plan.objects.filter(pk=plan.pk, outcome_cycle__isnull=True).update(
                outcome_cycle=after
            ):
                continue
            balances = _overall_balances(after, plan.leader)
            rows = list(plan.balances.all())
            for row in rows:
                row.after = balances.get(row.dimension)
            PlanBalance.objects.bulk_update(rows, ["after"])
            done += 1
    return done


@transaction.atomic
def focus_update(
    *,
    focus: Focus,
    by: User,
    topics: str | None = None,
    metric: MetricDefinition | None = None,
    modules: Sequence[Module] | None = None,
    clear_metric: bool = False,
) -> Focus:
    """Change what helps with a focus (its goal changes through the goal itself)."""
    before = audit.snapshot(focus, FOCUS_AUDITED_FIELDS)
    errors = {}
    if topics is not None:
        if len(topics) > 300:
            errors["topics"] = ["At most 300 characters."]
        focus.topics = topics.strip()
    if metric is not None:
        if not metric.is_active:
            errors["metric"] = ["This metric is no longer measured."]
        focus.metric = metric
    elif clear_metric:
        focus.metric = None
    if modules is not None:
        allowed = set(leader_modules(leader=focus.plan.leader).values_list("pk", flat=True))
        if any(module.pk not in allowed for module in modules):
            errors["modules"] = ["Only modules of the leader's own programs."]
    if errors:
        raise ValidationError(errors)
    focus.save()
    if modules is not None:
        focus.modules.set(modules)
    audit.record(
        action="plan.focus_update",
        by=by,
        obj=focus,
        changes=audit.changed(focus, before),
        about=focus.plan.leader_id,
    )
    return focus


@transaction.atomic
def comment_add(*, plan: Plan, body: str, by: User, check_in: CheckIn | None = None) -> Comment:
    """A comment on the plan, or on one of its check-ins; the leader, their mentors and
    their manager are told (never the author). The audit trail records that a comment
    was made, never what it says."""
    body = body.strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = ["Write a comment."]
    elif len(body) > 2000:
        errors["body"] = ["At most 2,000 characters."]
    if check_in is not None and check_in.plan_id != plan.pk:
        errors["check_in"] = ["That is not a check-in of this plan."]
    elif check_in is not None and check_in.submitted_at is None:
        # The page offers only submitted check-ins; the API meets the same rule here.
        errors["check_in"] = ["That check-in has not been submitted yet."]
    if errors:
        raise ValidationError(errors)
    comment = Comment.objects.create(plan=plan, author=by, body=body, check_in=check_in)
    audit.record(action="plan.comment", by=by, obj=comment, about=plan.leader_id)
    recipients = _others_following(plan, author=by)
    if recipients:
        emails_owe([emails.comment_added(comment, recipients)])
    return comment


def _others_following(plan: Plan, *, author: User) -> list[str]:
    """Who hears of a comment: the leader, their active mentors and their manager (when
    HR let the manager sign in); never the author."""
    leader = plan.leader
    people = [leader] + [
        pairing.mentor
        for pairing in Pairing.objects.filter(
            mentee=leader, status=Pairing.Status.ACTIVE
        ).select_related("mentor")
    ]
    if leader.manager is not None and has_role(leader.manager, Role.MANAGER):
        people.append(leader.manager)
    return sorted({p.email for p in people if p.pk != author.pk and p.is_active})


# --- check-ins ----------------------------------------------------------------------------


@transaction.atomic
def check_in_submit(
    *, check_in: CheckIn, progress: Mapping[int, int], note: str, by: User
) -> CheckIn:
    """The leader's answer to a due check-in: progress per focus goal (0 to 100) and one
    sentence. Answered once; each goal's progress follows."""
    focuses = {focus.pk: focus for focus in check_in.plan.focuses.select_related("goal")}
    errors: dict[str, list[str]] = {}
    if set(progress) != set(focuses):
        errors["progress"] = ["Give the progress of every goal of the plan."]
    for focus_id, value in progress.items():
        if not isinstance(value, int) or not 0 <= value <= 100:
            errors[f"progress.{focus_id}"] = ["A whole percentage from 0 to 100."]
    if len(note.strip()) > 300:
        errors["note"] = ["One sentence: at most 300 characters."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    claimed = CheckIn.objects.filter(pk=check_in.pk, submitted_at__isnull=True).update(
        submitted_at=now, note=note.strip()
    )
    if not claimed:
        raise ApplicationError("This check-in was answered already.")
    check_in.refresh_from_db()
    CheckInProgress.objects.bulk_create(
        CheckInProgress(check_in=check_in, focus=focuses[focus_id], progress=value)
        for focus_id, value in progress.items()
    )
    for focus_id, value in progress.items():
        goal = focuses[focus_id].goal
        if goal.progress != value:
            goal_update(goal=goal, by=by, progress=value)
    audit.record(
        action="plan.check_in",
        by=by,
        obj=check_in,
        changes={"progress": [None, {str(k): v for k, v in sorted(progress.items())}]},
        about=check_in.plan.leader_id,
    )
    return check_in


def check_ins_due(*, today: datetime.date | None = None) -> int:
    """Create each plan's next check-in when it falls due (every ``checkin_weeks`` of the
    leader's cohort, counted from the plan or the last check-in) and owe its email.
    After a pause (the schedule stopped, the cadence changed) only the latest due date is
    opened, never one per missed period. Safe to run twice: a check-in is unique per plan
    and day, and its email per key."""
    today = today or timezone.localdate()
    created = 0
    for plan, weeks in _plans_with_cadence():
        last = plan.check_ins.order_by("-due_on").values_list("due_on", flat=True).first()
        start = last or timezone.localtime(plan.created_at).date()
        step = datetime.timedelta(weeks=weeks)
        if start + step > today:
            continue
        due_on = start + (today - start) // step * step
        with transaction.atomic():
            check_in, new = CheckIn.objects.get_or_create(plan=plan, due_on=due_on)
            if new:
                created += 1
                audit.record(
                    action="plan.check_in_due", by=None, obj=check_in, about=plan.leader_id
                )
                emails_owe([emails.check_in_due(check_in)])
    return created


def _plans_with_cadence():
    """Each leader's latest plan, with the check-in cadence of the cohort its report was
    for, where that cohort asks for check-ins and the leader still takes part."""
    plans = (
        Plan.objects.filter(
            cycle__cohort__checkin_weeks__isnull=False,
            leader__is_active=True,
            leader__enrollments__cohort=F("cycle__cohort"),
            leader__enrollments__status__in=Enrollment.OPEN_STATUSES,
        )
        .select_related("leader", "cycle__cohort")
        .order_by("leader_id", "-cycle__opens_at")
        .distinct()
    )
    seen: set[int] = set()
    for plan in plans:
        if plan.leader_id in seen:
            continue
        seen.add(plan.leader_id)
        yield plan, plan.cycle.cohort.checkin_weeks


# --- plan reminders -------------------------------------------------------------------------


def plan_reminders_owe(*, today: datetime.date | None = None) -> int:
    """Remind each leader of a released report their cohort expects a plan for
    (``plan_due_days``) and who has none yet: once a week after release, and on the due
    day; never after it. Keys carry the day, so a doubled tick sends nothing twice."""
    today = today or timezone.localdate()
    owed = []
    cycles = Cycle.objects.filter(
        released_at__isnull=False, cohort__plan_due_days__isnull=False
    ).select_related("cohort")
    for cycle in cycles:
        released = timezone.localtime(cycle.released_at).date()
        due = released + datetime.timedelta(days=cycle.cohort.plan_due_days)
        elapsed = (today - released).days
        if not (elapsed > 0 and today <= due) or not (elapsed % 7 == 0 or today == due):
            continue
        leaders = User.objects.filter(
            is_active=True,
            pk__in=RaterRequest.objects.filter(cycle=cycle).values("subject_id"),
        ).exclude(development_plans__cycle=cycle)
        owed += [emails.plan_reminder(cycle, leader, due=due, day=today) for leader in leaders]
    return len(emails_owe(owed))

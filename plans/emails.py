"""The emails development plans owe: to the mentor when a plan is built, to the people
following a plan when someone comments, to the leader when a check-in is due or their
cohort expects a plan. Each is built when sent, and skipped if no longer owed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from common.models import Email
from common.outbox import EmailKind, Owed
from feedback.models import Cycle
from people.models import User
from plans.models import CheckIn, Comment, Plan

PLAN_BUILT = "plans.plan_built"
COMMENT_ADDED = "plans.comment_added"
CHECK_IN_DUE = "plans.check_in_due"
PLAN_REMINDER = "plans.plan_reminder"


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def plan_built(plan, pairing) -> Owed:
    return Owed(kind=PLAN_BUILT, ref=plan.pk, to=[pairing.mentor.email])


def plan_built_build(email: Email) -> EmailMessage | None:
    plan = Plan.objects.select_related("leader").filter(pk=email.ref).first()
    if plan is None:
        return None
    body = render_to_string(
        "plans/email/plan_built.txt",
        {
            "plan": plan,
            "focuses": list(plan.focuses.select_related("goal")),
            "url": _url("plans:detail", pk=plan.pk),
        },
    )
    return EmailMessage(
        subject=f"{plan.leader.full_name} built a development plan",
        body=body,
        to=email.to.split(", "),
    )


def comment_added(comment, recipients: list[str]) -> Owed:
    return Owed(kind=COMMENT_ADDED, ref=comment.pk, to=recipients)


def comment_added_build(email: Email) -> EmailMessage | None:
    """Says who commented and links to the plan; the comment itself stays in Lodestar."""
    comment = Comment.objects.select_related("plan__leader", "author").filter(pk=email.ref).first()
    if comment is None:
        return None
    author = comment.author.full_name if comment.author else "Someone"
    whose = (
        "their"
        if comment.author_id == comment.plan.leader_id
        else f"{comment.plan.leader.full_name}'s"
    )
    body = render_to_string(
        "plans/email/comment_added.txt",
        {
            "author": author,
            "whose": whose,
            "url": _url("plans:detail", pk=comment.plan_id),
        },
    )
    return EmailMessage(
        subject=f"{author} commented on {whose} development plan",
        body=body,
        to=email.to.split(", "),
    )


def check_in_due(check_in) -> Owed:
    return Owed(kind=CHECK_IN_DUE, ref=check_in.pk, to=[check_in.plan.leader.email])


def check_in_due_build(email: Email) -> EmailMessage | None:
    """The invitation, unless the check-in was answered meanwhile."""
    check_in = (
        CheckIn.objects.select_related("plan__leader")
        .filter(pk=email.ref, submitted_at__isnull=True)
        .first()
    )
    if check_in is None or not check_in.plan.leader.is_active:
        return None
    body = render_to_string(
        "plans/email/check_in_due.txt",
        {
            "check_in": check_in,
            "focuses": list(check_in.plan.focuses.select_related("goal")),
            "url": _url("plans:check-in", pk=check_in.plan_id),
        },
    )
    return EmailMessage(
        subject="Your development plan: a two-minute check-in",
        body=body,
        to=[check_in.plan.leader.email],
    )


def plan_reminder(cycle, leader, *, due: datetime.date, day: datetime.date) -> Owed:
    return Owed(
        kind=PLAN_REMINDER,
        ref=cycle.pk,
        to=[leader.email],
        variant=f"{leader.pk}:{day.isoformat()}",
        params={"leader": leader.pk, "due": due.isoformat()},
    )


def plan_reminder_build(email: Email) -> EmailMessage | None:
    """The reminder, unless the leader built the plan meanwhile or left."""
    cycle = Cycle.objects.filter(pk=email.ref).first()
    leader = User.objects.filter(pk=email.params["leader"], is_active=True).first()
    if cycle is None or leader is None or leader.development_plans.filter(cycle=cycle).exists():
        return None
    due = datetime.date.fromisoformat(email.params["due"])
    body = render_to_string(
        "plans/email/plan_reminder.txt",
        {
            "cycle": cycle,
            "leader": leader,
            "due": due,
            "url": _url("plans:build", cycle_pk=cycle.pk),
        },
    )
    return EmailMessage(
        subject=f"Your development plan is due by {due:%d %B}",
        body=body,
        to=[leader.email],
    )


KINDS = [
    EmailKind(PLAN_BUILT, build=plan_built_build),
    EmailKind(COMMENT_ADDED, build=comment_added_build),
    EmailKind(CHECK_IN_DUE, build=check_in_due_build),
    EmailKind(PLAN_REMINDER, build=plan_reminder_build),
]

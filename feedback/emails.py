"""Rater emails: built here, each sent at most once by ``delivery_send``.

The send protocol: claim the Delivery row with a conditional UPDATE
(queued → sending, or a stale sending), talk to SMTP outside any transaction,
then record the outcome. Only a worker killed between SMTP acceptance and the
record can cause a repeat, and only of that one email.
"""

from __future__ import annotations

import datetime
import enum
import logging
import random

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from feedback.links import local_due, rater_link
from feedback.models import Cycle, Delivery, RaterRequest

logger = logging.getLogger(__name__)

SUBJECT_LINES = {
    Delivery.Kind.INVITATION: "Your feedback for {name} is requested",
    Delivery.Kind.REMINDER: "Reminder: your feedback for {name}",
    Delivery.Kind.CLOSING: "Closing tomorrow: your feedback for {name}",
    Delivery.Kind.NUDGE: "A quick reminder from HR: your feedback for {name}",
}


def delivery_message(delivery: Delivery) -> EmailMultiAlternatives:
    request = delivery.request
    context = {
        "kind": delivery.kind,
        "rater": request.rater,
        "subject": request.subject,
        "is_self": request.group == "self",
        "is_manager": request.group == "manager",
        "cycle": request.cycle,
        "due": local_due(request),
        "link": rater_link(request),
        "question_count": request.cycle.questionnaire.questions.count(),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT_LINES[delivery.kind].format(name=request.subject.full_name),
        body=render_to_string("feedback/email/request.txt", context),
        to=[request.rater.email],
    )
    message.attach_alternative(
        render_to_string("feedback/email/request.html", context), "text/html"
    )
    return message


class Outcome(enum.StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not_claimed"  # someone else has it, it is done, or it is not due yet
    SKIPPED = "skipped"  # no longer owed (answered, declined, closed, past due)
    RETRY = "retry"
    FAILED = "failed"


def delivery_send(
    *, delivery_id: int, now: datetime.datetime | None = None
) -> tuple[Outcome, datetime.datetime | None]:
    """Send one owed email at most once; returns the outcome and, for a retry, when."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.FEEDBACK_SEND_CLAIM_TIMEOUT)
    claimed = (
        Delivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now)
        .filter(
            Q(status=Delivery.Status.QUEUED)
            | Q(status=Delivery.Status.SENDING, claimed_at__lte=stale_before)
        )
        .update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return Outcome.NOT_CLAIMED, None
    delivery = Delivery.objects.select_related(
        "request__cycle__cohort",
        "request__cycle__questionnaire",
        "request__subject",
        "request__rater",
    ).get(pk=delivery_id)
    if not _still_owed(delivery, now):
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SKIPPED)
        return Outcome.SKIPPED, None
    try:
        delivery_message(delivery).send()
    except Exception as error:  # SMTP, socket and TLS errors all mean "not sent"
        return _record_failure(delivery, error, now)
    _record_sent(delivery, now)
    return Outcome.SENT, None


def _still_owed(delivery: Delivery, now: datetime.datetime) -> bool:
    request = delivery.request
    if request.cycle.status != Cycle.Status.OPEN or request.effective_due_at <= now:
        return False
    if delivery.kind == Delivery.Kind.INVITATION:
        return request.status == RaterRequest.Status.PENDING
    return request.status == RaterRequest.Status.SENT


@transaction.atomic
def _record_sent(delivery: Delivery, now: datetime.datetime) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=now, last_error=""
    )
    requests = RaterRequest.objects.filter(pk=delivery.request_id)
    if delivery.kind == Delivery.Kind.INVITATION:
        requests.filter(status=RaterRequest.Status.PENDING).update(
            status=RaterRequest.Status.SENT, sent_at=now, attempts=delivery.attempts, last_error=""
        )
    elif delivery.kind == Delivery.Kind.REMINDER:
        requests.update(reminders_sent=F("reminders_sent") + 1, last_reminded_at=now)
    elif delivery.kind == Delivery.Kind.CLOSING:
        requests.update(closing_reminder_sent_at=now)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Exponential backoff with jitter: base * 2^(attempt - 1), plus up to 30% at random
    so many failed sends do not all hit a recovering server at once."""
    base = settings.FEEDBACK_SEND_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return datetime.timedelta(seconds=base * (1 + random.uniform(0, 0.3)))  # noqa: S311 — jitter, not security


@transaction.atomic
def _record_failure(delivery: Delivery, error: Exception, now: datetime.datetime):
    message = f"{type(error).__name__}: {error}"[:1000]
    logger.warning(
        "Feedback email %s failed (attempt %s): %s", delivery.pk, delivery.attempts, message
    )
    RaterRequest.objects.filter(pk=delivery.request_id).update(
        last_error=message, attempts=F("attempts") + 1
    )
    if delivery.attempts >= settings.FEEDBACK_SEND_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, last_error=message
        )
        if delivery.kind == Delivery.Kind.INVITATION:
            RaterRequest.objects.filter(
                pk=delivery.request_id, status=RaterRequest.Status.PENDING
            ).update(status=RaterRequest.Status.FAILED)
        return Outcome.FAILED, None
    retry_at = now + retry_delay(delivery.attempts)
    # Back to the queue; the retry message (or, if it is lost, the tick) picks it up then.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED,
        claimed_at=None,
        next_attempt_at=retry_at,
        enqueued_at=retry_at,
        last_error=message,
    )
    return Outcome.RETRY, retry_at


def seconds_until(moment: datetime.datetime) -> float:
    return max((moment - timezone.now()).total_seconds(), 1.0)

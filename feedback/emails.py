"""Rater emails: invitations, cadence reminders, "closing tomorrow" and HR's nudges.

Each is an outbox row about one rater request (``ref``), keyed by kind, request and
sequence, so a doubled tick owes nothing twice. The outbox builds the message when it
sends it (the live rater link is never stored) and reports back here: sending an
invitation marks the request sent, reminders are counted on the request, every failure
is kept on the request, and an invitation that fails for good marks it failed.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from common.models import Email
from common.outbox import EmailKind, Owed
from feedback.links import local_due, rater_link
from feedback.models import Cycle, Question, RaterRequest

INVITATION = "feedback.invitation"
REMINDER = "feedback.reminder"
CLOSING = "feedback.closing"
NUDGE = "feedback.nudge"
KIND_NAMES = (INVITATION, REMINDER, CLOSING, NUDGE)

SUBJECT_LINES = {
    INVITATION: "Your feedback for {name} is requested",
    REMINDER: "Reminder: your feedback for {name}",
    CLOSING: "Closing tomorrow: your feedback for {name}",
    NUDGE: "A quick reminder from HR: your feedback for {name}",
}


def request_email(*, kind: str, request_id: int, rater_email: str, sequence: int = 0) -> Owed:
    """One email of a kind to a request's rater; ``sequence`` numbers reminders and nudges."""
    return Owed(kind=kind, ref=request_id, to=[rater_email], variant=str(sequence))


def request_emails(requests: QuerySet[RaterRequest] | list[int]) -> QuerySet[Email]:
    """The outbox rows about these requests (a queryset of requests, or their ids)."""
    refs = requests.values("pk") if isinstance(requests, QuerySet) else requests
    return Email.objects.about(kinds=KIND_NAMES, refs=refs)


def request_message(
    kind: str, request: RaterRequest, *, question_count: int | None = None
) -> EmailMultiAlternatives:
    if question_count is None:
        question_count = request.cycle.questionnaire.questions.count()
    context = {
        "kind": kind.removeprefix("feedback."),
        "rater": request.rater,
        "subject": request.subject,
        "is_self": request.group == "self",
        "is_manager": request.group == "manager",
        "cycle": request.cycle,
        "due": local_due(request),
        "link": rater_link(request),
        "question_count": question_count,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT_LINES[kind].format(name=request.subject.full_name),
        body=render_to_string("feedback/email/request.txt", context),
        to=[request.rater.email],
    )
    message.attach_alternative(
        render_to_string("feedback/email/request.html", context), "text/html"
    )
    return message


def _requests_to_build():
    return RaterRequest.objects.select_related(
        "cycle__cohort", "cycle__questionnaire", "subject", "rater"
    ).order_by()


def request_email_build(email: Email) -> EmailMultiAlternatives | None:
    request = _requests_to_build().filter(pk=email.ref).first()
    if request is None or request.rater_id is None or not _still_owed(email.kind, request):
        return None
    return request_message(email.kind, request)


def request_emails_build(emails: list[Email]) -> dict[int, EmailMultiAlternatives | None]:
    """``request_email_build`` for a batch of the outbox, in two queries: the requests
    with what their messages show, and the question count of each questionnaire."""
    requests = _requests_to_build().in_bulk([email.ref for email in emails])
    questionnaires = {request.cycle.questionnaire_id for request in requests.values()}
    question_counts = dict(
        Question.objects.filter(questionnaire__in=questionnaires)
        .order_by()
        .values("questionnaire")
        .annotate(n=Count("pk"))
        .values_list("questionnaire", "n")
    )
    built: dict[int, EmailMultiAlternatives | None] = {}
    for email in emails:
        request = requests.get(email.ref)
        if request is None or request.rater_id is None or not _still_owed(email.kind, request):
            built[email.pk] = None
            continue
        count = question_counts.get(request.cycle.questionnaire_id, 0)
        built[email.pk] = request_message(email.kind, request, question_count=count)
    return built


def _still_owed(kind: str, request: RaterRequest) -> bool:
    """Nothing after the deadline or for a closed cycle; an invitation while the rater has
    not been reached (failed: HR retried it); anything else while they have not answered."""
    if request.cycle.status != Cycle.Status.OPEN or request.effective_due_at <= timezone.now():
        return False
    if kind == INVITATION:
        return request.status in (RaterRequest.Status.PENDING, RaterRequest.Status.FAILED)
    return request.status == RaterRequest.Status.SENT


def request_email_sent(email: Email) -> None:
    requests = RaterRequest.objects.filter(pk=email.ref)
    if email.kind == INVITATION:
        requests.filter(
            status__in=(RaterRequest.Status.PENDING, RaterRequest.Status.FAILED)
        ).update(
            status=RaterRequest.Status.SENT,
            sent_at=email.sent_at,
            attempts=email.attempts,
            last_error="",
        )
    elif email.kind == REMINDER:
        requests.update(reminders_sent=F("reminders_sent") + 1, last_reminded_at=email.sent_at)
    elif email.kind == CLOSING:
        requests.update(closing_reminder_sent_at=email.sent_at)


def request_email_failed(email: Email, *, final: bool) -> None:
    requests = RaterRequest.objects.filter(pk=email.ref)
    requests.update(last_error=email.last_error, attempts=F("attempts") + 1)
    if final and email.kind == INVITATION:
        requests.filter(status=RaterRequest.Status.PENDING).update(
            status=RaterRequest.Status.FAILED
        )


KINDS = [
    EmailKind(
        name,
        build=request_email_build,
        on_sent=request_email_sent,
        on_failed=request_email_failed,
        build_many=request_emails_build,
    )
    for name in KIND_NAMES
]

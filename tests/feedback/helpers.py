"""Shared test helpers: a cohort of leaders with raters, answering, ticking."""

import dataclasses

from django.test import TestCase

from common.models import Email
from common.outbox import emails_enqueue_owed
from feedback.emails import request_emails
from feedback.models import Cycle, RaterRequest
from feedback.services import feedback_tick, response_submit
from mentorship.models import Pairing
from tests.mentorship.factories import PairingFactory
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import EnrollmentFactory


@dataclasses.dataclass
class Team:
    leader: object
    manager: object
    mentor: object
    reports: list
    enrollment: object


def team_in(cohort, *, reports: int = 3, leader=None, mentor=None) -> Team:
    """A leader enrolled in the cohort, with a manager, an active mentor and direct reports."""
    leader = leader or LeaderFactory()
    if leader.manager is None:
        leader.manager = UserFactory(job_title="Regional Sales Director")
        leader.save()
    mentor = mentor or MentorFactory()
    PairingFactory(mentor=mentor, mentee=leader, status=Pairing.Status.ACTIVE)
    team = [UserFactory(manager=leader) for _ in range(reports)]
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    return Team(leader, leader.manager, mentor, team, enrollment)


def answer_all(cycle: Cycle, *, subject=None, groups=None, rating: int = 4, **overrides) -> int:
    """Every open request of the cycle (optionally one subject / some groups) answers."""
    requests = RaterRequest.objects.filter(cycle=cycle, status__in=RaterRequest.OPEN_STATUSES)
    if subject is not None:
        requests = requests.filter(subject=subject)
    if groups is not None:
        requests = requests.filter(group__in=groups)
    count = 0
    for request in requests.select_related("cycle__questionnaire"):
        response_submit(request=request, answers=answers_for(cycle, rating=rating, **overrides))
        count += 1
    return count


def answers_for(cycle: Cycle, *, rating: int = 4, comment: str = "", by_side=None) -> dict:
    answers = {}
    for question in cycle.questionnaire.questions.all():
        if question.kind == "comment":
            answers[question.pk] = {"text": comment}
        else:
            value = (by_side or {}).get(question.side, rating)
            answers[question.pk] = {"rating": value}
    return answers


def committed(function, *args, **kwargs):
    """Run a service as if its transaction committed: on-commit enqueues happen.

    The ``db`` fixture wraps each test in a transaction that never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def tick(**kwargs):
    """What beat runs every minute: the feedback tick, then the outbox sweep."""
    result = committed(feedback_tick, **kwargs)
    emails_enqueue_owed(**kwargs)
    return result


def feedback_emails(cycle: Cycle | None = None):
    """The outbox rows of rater emails (of one cycle)."""
    requests = RaterRequest.objects.filter(cycle=cycle) if cycle else RaterRequest.objects.all()
    return request_emails(requests)


def sent_count(kind: str | None = None) -> int:
    """Rater emails sent (of one kind: "invitation", "reminder", "closing", "nudge")."""
    sent = feedback_emails().filter(status=Email.Status.SENT)
    return sent.filter(kind=f"feedback.{kind}").count() if kind else sent.count()


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)

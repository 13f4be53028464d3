"""What the attackers do, as they do it: open a cycle, answer through the emailed link's
API, release. Used by the attack modules; the world they act in is in conftest.py."""

import datetime

from django.test import TestCase

from feedback.links import request_token
from feedback.models import Cycle, RaterRequest
from feedback.services import cycle_release, feedback_tick

OPENS_AT = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)
DUE_AT = datetime.datetime(2027, 3, 11, 8, 0, tzinfo=datetime.UTC)


def committed(function, *args, **kwargs):
    """Run a service as if its transaction committed, so on-commit emails are sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def open_cycle(clock, cycle: Cycle) -> None:
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    committed(feedback_tick)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN


def release(cycle: Cycle) -> None:
    committed(cycle_release, cycle=cycle, by=None)
    cycle.refresh_from_db()


def link_of(request: RaterRequest) -> str:
    """The rater-link API path from the emailed token."""
    return f"/api/v1/feedback/respond/{request_token(request)}/"


def answer(anon_api, request: RaterRequest, ratings: dict | int, comment: str = ""):
    """Answer through the emailed link as the rater does. ``ratings`` is one value for
    every statement, or {question_id: value} with None meaning "can't say"."""
    form = anon_api.get(link_of(request)).json()
    answers = []
    for question in form["questions"]:
        if question["kind"] == "comment":
            answers.append({"question": question["id"], "text": comment})
            continue
        value = ratings.get(question["id"], 4) if isinstance(ratings, dict) else ratings
        if value is None:
            answers.append({"question": question["id"], "cant_say": True})
        else:
            answers.append({"question": question["id"], "rating": value})
    response = anon_api.post(link_of(request), {"answers": answers}, format="json")
    assert response.status_code == 201, response.content
    return response


def requests_of(cycle: Cycle, subject, group: str) -> list[RaterRequest]:
    return list(
        RaterRequest.objects.filter(cycle=cycle, subject=subject, group=group).order_by("pk")
    )

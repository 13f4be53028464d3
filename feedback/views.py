"""Feedback pages: the rater's answer page (no login), HR's cycles, the leader's feedback.

Same scope and rules as the API: what a caller may not see is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

from feedback import clock, services
from feedback.emails import local_due, request_from_token
from feedback.models import Question
from feedback.services import LinkError, link_error


def _rater_form_data(post, questions) -> dict:
    """The answer page's fields → the service's answers mapping."""
    answers = {}
    for question in questions:
        if question.kind == Question.Kind.COMMENT:
            answers[question.pk] = {"text": post.get(f"q{question.pk}", "")}
            continue
        value = post.get(f"q{question.pk}", "")
        answers[question.pk] = {"cant_say": value == "cant_say", "rating": value or None}
    return answers


def _link_problem(request, error: LinkError):
    return render(
        request,
        "feedback/respond_unavailable.html",
        {"reason": error.reason, "message": error.message},
        status=error.status_code,
    )


@csrf_protect
def respond(request, token: str):
    """The emailed rater link: answer, or decline. Works without an account."""
    rater_request = request_from_token(token)
    try:
        if rater_request is None:
            raise link_error("invalid")
        services.request_check_answerable(rater_request, clock.now())
    except LinkError as error:
        return _link_problem(request, error)
    questions = list(rater_request.cycle.questionnaire.questions.all())
    errors: dict = {}
    typed = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                services.request_decline(request=rater_request)
                return render(request, "feedback/respond_done.html", {"declined": True})
            services.response_submit(
                request=rater_request, answers=_rater_form_data(request.POST, questions)
            )
            return render(request, "feedback/respond_done.html", {"declined": False})
        except LinkError as error:
            return _link_problem(request, error)
        except ValidationError as error:
            errors = error.message_dict
            typed = {key: value for key, value in request.POST.items() if key.startswith("q")}
    items = [
        {
            "question": question,
            "name": f"q{question.pk}",
            "value": typed.get(f"q{question.pk}", ""),
            "errors": errors.get(f"question_{question.pk}", []),
        }
        for question in questions
    ]
    return render(
        request,
        "feedback/respond.html",
        {
            "rater_request": rater_request,
            "subject": rater_request.subject,
            "is_self": rater_request.group == "self",
            "items": items,
            "due": local_due(rater_request),
            "errors": errors,
            "scale": [1, 2, 3, 4, 5],
        },
        status=400 if errors else 200,
    )

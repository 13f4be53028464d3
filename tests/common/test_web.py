"""The page helpers every app's views share: a service's refusal on a form or as a message."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError

from common.errors import ApplicationError
from common.web import error_messages, form_errors, run_service


class EnrollForm(forms.Form):
    leader = forms.CharField()


def _bound_form() -> EnrollForm:
    form = EnrollForm({"leader": "ana@example.com"})
    assert form.is_valid()
    return form


def _post(rf):
    request = rf.post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (ApplicationError("The cohort is full."), ["The cohort is full."]),
        (ValidationError("Not a date."), ["Not a date."]),
        (ValidationError(["One.", "Two."]), ["One.", "Two."]),
        (ValidationError({"file": ["Empty."], "cohort": ["Closed."]}), ["Empty.", "Closed."]),
    ],
)
def test_every_kind_of_refusal_reads_as_its_messages(error, says):
    assert error_messages(error) == says


def test_a_refusal_lands_on_the_field_at_fault_or_on_top():
    form = _bound_form()
    form_errors(form, ValidationError({"leader": ["Already enrolled."], "cohort": ["Full."]}))
    assert form.errors == {"leader": ["Already enrolled."], "__all__": ["Full."]}

    form = _bound_form()
    form_errors(form, ApplicationError("No seats left.", field="leader"))
    assert form.errors == {"leader": ["No seats left."]}

    form = _bound_form()
    form_errors(form, ApplicationError("Not now.", field="status"))
    assert form.errors == {"__all__": ["Not now."]}


def test_run_service_says_success_or_the_refusal(rf):
    request = _post(rf)
    assert run_service(request, lambda: None, "Saved.") is True

    def refuse():
        raise ApplicationError("The cycle is closed.")

    assert run_service(request, refuse, "Saved.") is False
    said = [(m.level_tag, m.message) for m in get_messages(request)]
    assert said == [("success", "Saved."), ("error", "The cycle is closed.")]

"""Page helpers shared by every app's views: a form that only reads input for a service,
a service's refusal shown on a form or as a message, a form page that saves through one
service, and the CSV import page's upload → dry-run preview → confirm.

Like all of common/, this imports no Lodestar app; the views hand it their services.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from common.csv_import import RowErrorsFound
from common.errors import ApplicationError

# What a service raises when it refuses: bad input, or a state that does not allow it.
REFUSALS = (ValidationError, ApplicationError)


class ServiceInputForm(forms.ModelForm):
    """A model's fields as a form that only reads and types the input (required, choices,
    numbers, dates). It does not validate the model nor change ``instance``: the service
    does both (``full_clean`` and the audit trail, whose "before" is the instance as read
    from the database), and ``form_errors`` puts its refusal on the field at fault."""

    def _post_clean(self) -> None:
        pass

    def changes(self) -> dict[str, Any]:
        """What the person changed, for an update service: a field left as it was is not
        passed, so the service's own rules for it still apply (say, a goal's status that
        follows its progress)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}

    def save(self, commit: bool = True):
        raise NotImplementedError("Call the service with form.cleaned_data.")


def posted(request: HttpRequest):
    """What to bind a form to: the POST data, or None for a GET. An empty POST is bound
    too, and refused field by field (``request.POST or None`` would show it a blank form)."""
    return request.POST if request.method == "POST" else None


def error_messages(error: ValidationError | ApplicationError) -> list[str]:
    """Every message of a service's refusal, for a person to read."""
    if isinstance(error, ApplicationError):
        return [error.message]
    return list(error.messages)


def error_text(error: ValidationError | ApplicationError) -> str:
    return " ".join(error_messages(error))


def form_errors(form: forms.BaseForm, error: ValidationError | ApplicationError) -> None:
    """Put a service's refusal on the form field at fault (or on top of the form)."""
    if isinstance(error, ApplicationError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def run_service(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Call a service from a POST; its refusal becomes an error message, not a 500.
    True if it went through (and ``success`` was said)."""
    try:
        action()
    except REFUSALS as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


def form_saved(
    request: HttpRequest,
    form: forms.BaseForm,
    write: Callable[[], Any],
    success: Callable[[Any], str],
) -> Any:
    """On a POST whose form is valid, call ``write`` (one service) and say ``success(what
    it wrote)``; a refusal goes onto the form's fields. What it wrote, else None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        written = write()
    except REFUSALS as error:
        form_errors(form, error)
        return None
    messages.success(request, success(written))
    return written


def form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A form page; 400 when it shows errors, so a refused POST never looks like success."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


@dataclass
class CsvImport:
    """One CSV import page: upload → dry-run preview → confirm.

    ``run(file, dry_run)`` calls the import service: a dry run answers a report (with
    ``as_dict()``, shown as the preview) or raises ``ValidationError`` about the file; a
    real run raises ``RowErrorsFound`` if any row is wrong and writes nothing. Between the
    preview and the confirm the upload waits in the session under ``session_key``, tied
    to ``scope`` (say, the cohort), so a preview never confirms into something else.
    The template gets ``form``, ``report``, ``file_name`` and ``context``.
    """

    request: HttpRequest
    form_class: type[forms.Form]
    template: str
    session_key: str
    run: Callable[[Any, bool], Any]
    done_message: Callable[[Any, str], str]  # (report, file name) → what to say after it
    done_url: str
    scope: Any = None
    # (report) → the message's level, when not every outcome is a success (a held file).
    done_level: Callable[[Any], int] | None = None
    context: dict = field(default_factory=dict)

    def response(self) -> HttpResponse:
        if self.request.method != "POST":
            return self._page(self.form_class())
        if "confirm" in self.request.POST:
            return self._confirm()
        return self._preview()

    def _page(self, form: forms.Form, **extra) -> HttpResponse:
        return render(self.request, self.template, {**self.context, "form": form, **extra})

    def _preview(self) -> HttpResponse:
        form = self.form_class(self.request.POST, self.request.FILES)
        if not form.is_valid():
            return self._page(form)
        upload = form.cleaned_data["file"]
        try:
            report = self.run(upload, True)
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
            return self._page(form)
        upload.seek(0)
        self.request.session[self.session_key] = {
            "scope": self.scope,
            "name": upload.name,
            "content": base64.b64encode(upload.read()).decode(),
        }
        return self._page(form, report=report.as_dict(), file_name=upload.name)

    def _confirm(self) -> HttpResponse:
        stored = self.request.session.get(self.session_key)
        if not stored or stored.get("scope") != self.scope:
            messages.error(self.request, "Upload the file again: the preview has expired.")
            return redirect(self.request.path)
        try:
            report = self.run(base64.b64decode(stored["content"]), False)
        except RowErrorsFound as refused:
            # The service's own report when it attaches one, else the row errors alone.
            shown = refused.extra.get("report") or {
                "dry_run": False,
                "errors": refused.extra["errors"],
            }
            return self._page(self.form_class(), report=shown)
        except REFUSALS as error:
            messages.error(self.request, error_text(error))
            return self._page(self.form_class())
        del self.request.session[self.session_key]
        level = self.done_level(report) if self.done_level else messages.SUCCESS
        messages.add_message(self.request, level, self.done_message(report, stored["name"]))
        return redirect(self.done_url)

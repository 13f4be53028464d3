"""One mapping from domain errors to HTTP answers.

Services raise Django's ``ValidationError`` for bad input (400, with the field
at fault) and an ``ApplicationError`` for a valid request the current state
refuses (409 by default: capacity full, transition not allowed, ...).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A request that is well-formed but conflicts with the current state."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class CapacityError(ApplicationError):
    code = "capacity_full"


class TransitionError(ApplicationError):
    code = "invalid_transition"


class NotAllowedError(ApplicationError):
    """The caller's role may not do this (a service's own guard behind the views')."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "not_allowed"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code, **exc.extra}
        if exc.field:
            body["field"] = exc.field
        response = Response(body, status=exc.status_code)
    else:
        response = drf_exception_handler(exc, context)
    if response is not None:
        _answer_in_json(context["request"])
    return response


def _answer_in_json(request) -> None:
    """An error is JSON, whatever the download asked for (``?format=csv``, ``.ics``): a
    client reads why in the one error format the schema documents."""
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = JSONRenderer.media_type


def not_found(request, exception=None):
    """Django's 404 for a URL no route matches (``handler404``): JSON under ``/api/``,
    like every other API error, the page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)

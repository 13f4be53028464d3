"""SCIM's error bodies (RFC 7644 §3.12): every refusal on ``/scim/v2/`` answers
``{"schemas": [Error], "status": "400", "scimType": ..., "detail": ...}``, whatever raised
it (a SCIM rule, a service's ValidationError, DRF's parser, authentication or throttle)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.errors import ApplicationError
from directory.scim.schemas import ERROR


class ScimError(Exception):
    """A refusal with SCIM's status and ``scimType`` (invalidFilter, invalidValue,
    invalidSyntax, uniqueness, mutability, noTarget, ...)."""

    def __init__(self, status_code: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.scim_type = scim_type


def invalid_value(detail: str) -> ScimError:
    return ScimError(status.HTTP_400_BAD_REQUEST, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(status.HTTP_400_BAD_REQUEST, detail, "invalidSyntax")


def not_found(detail: str = "No such resource.") -> ScimError:
    return ScimError(status.HTTP_404_NOT_FOUND, detail)


def error_body(status_code: int, detail: str, scim_type: str | None = None) -> dict:
    body = {"schemas": [ERROR], "status": str(status_code), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def _as_scim(exc) -> ScimError | None:
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, ValidationError):
        return invalid_value(" ".join(exc.messages))
    if isinstance(exc, IntegrityError):
        # A race with another request that wrote the same key first.
        return ScimError(status.HTTP_409_CONFLICT, "The value is already taken.", "uniqueness")
    if isinstance(exc, ApplicationError):
        # A service's refusal of what the state does not allow (the last HR person).
        return ScimError(exc.status_code, exc.message)
    if isinstance(exc, Http404):
        return not_found()
    if isinstance(exc, exceptions.ParseError):
        return ScimError(status.HTTP_400_BAD_REQUEST, str(exc.detail), "invalidSyntax")
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return ScimError(exc.status_code, detail)
    return None


def exception_handler(exc, context) -> Response | None:
    """The views' exception handler: anything else (a bug) is left to Django's 500."""
    scim = _as_scim(exc)
    if scim is None:
        return None
    response = Response(
        error_body(scim.status_code, scim.detail, scim.scim_type), status=scim.status_code
    )
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response["Retry-After"] = str(int(wait))
    return response

"""OpenAPI pieces shared by every app's API, and the error answers of every operation.

``ErrorsAutoSchema`` (``DEFAULT_SCHEMA_CLASS``) declares, in one place, the 4xx answers
each operation really gives, so clients know them and the schema fuzzing
(scripts/fuzz.sh) checks them: 400 with the fields at fault (a request body, or query
parameters that are validated), 401 (no token, or an unknown, expired or revoked one),
403 (the role's gate, a service's ``NotAllowedError``, a session write without its CSRF
token), 404 (an object in the path outside the caller's scope, a page past the last),
409 (a write the current state refuses: ``common.errors.ApplicationError``) and 429 (the
rate limits of ``common.throttles``). An answer a view declares itself (``extend_schema``)
is kept; only a missing body is filled in.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from common.serializers import Serializer
from common.throttles import WriteThrottle


class FieldErrorsSerializer(Serializer):
    """DRF's 400 body for bad input: each field at fault maps to its messages."""


class FieldErrorsSerializerExtension(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema, direction):
        # A field's messages are a list of strings, or nested errors (an object, or a list
        # of objects for a list of rows); never a plain string, so a body with a string
        # "detail" is told apart.
        return {
            "type": "object",
            "description": self.target.__doc__,
            "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}]},
        }


class DetailErrorSerializer(Serializer):
    """DRF's body for a request it cannot read at all (e.g. malformed JSON)."""


class DetailErrorSerializerExtension(OpenApiSerializerExtension):
    target_class = DetailErrorSerializer

    def map_serializer(self, auto_schema, direction):
        # Closed, so a richer body that also has a "detail" (row errors) is told apart.
        return {
            "type": "object",
            "description": self.target.__doc__,
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": False,
        }


class ErrorSerializer(Serializer):
    """The body of every refusal but bad input: DRF's ``detail``; a refusal by the current
    state (409, ``common.errors``) adds its ``code``, the ``field`` at fault and extras."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    field = serializers.CharField(required=False)


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Query parameters that are read without being refused: an unknown ordering is ignored,
# an unknown or empty format is a 404 (a page that is no page number is a 400, common/
# pagination.py; a page past the last a 404).
UNREFUSED_QUERY = frozenset({"ordering", "format"})
DESCRIPTIONS = {
    "400": "Bad input: each field at fault and what is wrong with it.",
    "401": "Not signed in, or the token is unknown, expired or revoked.",
    "403": "Signed in without the role this needs.",
    "404": "No such object, or it is outside what you may see.",
    "409": "A valid request the current state refuses (`code` says why).",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


def error_statuses(*, method: str, parameters: list[dict], has_body: bool, view) -> list[str]:
    """The error statuses an operation (``method`` on ``view``) answers."""
    permissions = getattr(view, "permission_classes", [])
    throttles = getattr(view, "throttle_classes", [])
    public = all(issubclass(p, AllowAny) for p in permissions)
    write = method in WRITE_METHODS
    path = any(p["in"] == "path" for p in parameters)
    query = {p["name"] for p in parameters if p["in"] == "query"}
    statuses = []
    if has_body or write or query - UNREFUSED_QUERY:
        statuses.append("400")
    if not public:
        # 403: a role's gate, a rule about the object in a view or service (NotAllowedError).
        statuses += ["401", "403"]
    if path or query:
        # An object named in the path or a parameter, a page past the last, an unknown format.
        statuses.append("404")
    if write and not public:
        statuses.append("409")
    by_address = any(not issubclass(t, WriteThrottle) for t in throttles)
    if by_address or (write and not public and WriteThrottle in throttles):
        statuses.append("429")
    return statuses


class ErrorsAutoSchema(AutoSchema):
    """drf-spectacular's operation, plus the error answers of ``error_statuses``."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        statuses = error_statuses(
            method=method,
            parameters=operation.get("parameters", []),
            has_body="requestBody" in operation,
            view=self.view,
        )
        for status in statuses:
            responses.setdefault(status, {"description": DESCRIPTIONS[status]})
        for status, response in responses.items():
            if status.startswith("4") and "content" not in response:
                response["content"] = {"application/json": {"schema": self._error_body(status)}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_body(self, status: str) -> dict:
        if status != "400":
            return self.resolve_serializer(ErrorSerializer, "response").ref
        component = ResolvedComponent(
            name="BadInput",
            type=ResolvedComponent.SCHEMA,
            object="BadInput",
            # Field errors, or a refusal's detail (an unreadable body, a rater link's reason).
            schema={
                "anyOf": [
                    self.resolve_serializer(FieldErrorsSerializer, "response").ref,
                    self.resolve_serializer(ErrorSerializer, "response").ref,
                ]
            },
        )
        self.registry.register_on_missing(component)
        return component.ref

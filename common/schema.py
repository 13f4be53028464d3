"""OpenAPI pieces shared by every app's API."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers


class FieldErrorsSerializer(serializers.Serializer):
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


class DetailErrorSerializer(serializers.Serializer):
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

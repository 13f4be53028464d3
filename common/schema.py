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

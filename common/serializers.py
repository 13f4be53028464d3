"""Serializer bases shared by every app's API.

Every serializer of the API derives from ``Serializer`` or ``ModelSerializer`` here
(tests/common/test_strict_json.py walks them all). They read a JSON body as strictly as
the OpenAPI schema describes it: a value must already have the JSON type its field's
schema gives, where DRF alone would coerce (``0`` into the text ``"0"``, ``"5"`` into the
id 5, ``1`` into true, ``94.5`` into a decimal the schema says is a string). A query
string, form or multipart body, which can only carry text, is read as DRF reads it,
except that a field given twice is an error (DRF would take the last value).
"""

from collections.abc import Mapping

from rest_framework import relations, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.utils import html

NOT_TEXT = "Not a valid string."
NOT_BOOLEAN = "Must be true or false."
NOT_INTEGER = "A valid integer is required."
DECIMAL_AS_TEXT = 'Send the number as a string, e.g. "94.50".'
NOT_ID = "Give the id as a number."
GIVE_ONCE = "Give this parameter once."


MANY_VALUED = (
    serializers.ListField,
    serializers.ListSerializer,
    serializers.ManyRelatedField,
    serializers.MultipleChoiceField,
)


def _is_integer(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _json_type_error(field, value) -> str | None:
    """What is wrong with ``value``'s JSON type for ``field``, or None."""
    if value is None:
        return None  # the field's own allow_null decides
    if (types := getattr(field, "json_types", None)) is not None:
        ok = isinstance(value, types) and not isinstance(value, bool)
        return None if ok else f"Give {field.json_types_text}."
    if isinstance(field, MANY_VALUED):
        if not isinstance(value, list):  # DRF would take any iterable, such as {}
            return f'Expected a list of items but got type "{type(value).__name__}".'
        if isinstance(field, serializers.ManyRelatedField):
            child = field.child_relation
            return next((e for item in value if (e := _json_type_error(child, item))), None)
        return None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return None if _is_integer(value) else NOT_ID
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else NOT_BOOLEAN
    if isinstance(field, serializers.IntegerField):
        return None if _is_integer(value) else NOT_INTEGER
    if isinstance(field, serializers.DecimalField):
        as_text = getattr(field, "coerce_to_string", None)
        if as_text is None:
            as_text = api_settings.COERCE_DECIMAL_TO_STRING
        return None if not as_text or isinstance(value, str) else DECIMAL_AS_TEXT
    if isinstance(field, serializers.CharField):
        return None if isinstance(value, str) else NOT_TEXT
    return None


class StrictInputMixin:
    def to_internal_value(self, data):
        errors = {}
        if html.is_html_input(data):
            # A query string or form: one value per field, where DRF takes the last.
            for field in self._writable_fields:
                if not isinstance(field, MANY_VALUED) and len(data.getlist(field.field_name)) > 1:
                    errors[field.field_name] = [GIVE_ONCE]
        elif isinstance(data, Mapping):
            for field in self._writable_fields:
                value = field.get_value(data)
                if value is not empty and (error := _json_type_error(field, value)):
                    errors[field.field_name] = [error]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class Serializer(StrictInputMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    pass


class RowErrorSerializer(Serializer):
    """One error of a bulk import (common.csv_import.RowError), as the API reports it."""

    row = serializers.IntegerField(
        help_text="CSV: the spreadsheet row (header = 1). JSON: the position in the list (from 0)."
    )
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()

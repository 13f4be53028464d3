"""Serializer fields shared by every app's API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from common.validators import validate_year_in_range


class GivenEmptyIsInvalidMixin:
    """A query parameter given empty (``?cohort=``) is a 400 like any other value of the
    wrong type: DRF would read it as "not given" (or null), and act on everything."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class AsOfDateField(GivenEmptyIsInvalidMixin, serializers.DateField):
    """The day a report or dashboard is computed as of (years 1900-2999). Left out, the
    default; given empty (``?as_of=``), a 400 like any other value that is no date."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_year_in_range)


class QueryIntegerField(GivenEmptyIsInvalidMixin, serializers.IntegerField):
    """A whole number in a query string: left out, not given; given empty, a 400."""


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}]})
class NumberOrTextField(serializers.CharField):
    """A raw value an import checks itself: text, or a JSON number read as its text."""

    json_types = (str, int, float)
    json_types_text = "a number or a string"


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code, or null where the field allows it. DRF reads "" as
    null for every related field; the schema says a code is never empty, so "" is a 400
    here, not a silent clearing."""

    default_error_messages = {"blank": "Send a code, or null to leave it empty."}

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("blank")
        return super().run_validation(data)

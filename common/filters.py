"""Filters shared by every app's API."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# Ids are BigAutoField: anything outside 1..2**63-1 cannot name a row, and a
# larger value overflows the database driver (SQLite raises OverflowError).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter on a row id: a whole number in the id range, else 400 naming the parameter."""

    field_class = IdField

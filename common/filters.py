"""Filters shared by every app's API."""

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework
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


class FilterSet(rest_framework.FilterSet):
    """The base of every FilterSet: a filter on a related row takes its id (``IdFilter``)
    and matches it in the caller's scoped queryset, instead of django-filter's default
    choice among *all* rows. A row the caller may not see and a row that does not exist
    then answer alike (an empty list, never "Select a valid choice"): no filter tells a
    caller that someone else's enrollment, pairing or cycle exists."""

    FILTER_DEFAULTS = {
        **rest_framework.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(rest_framework.DjangoFilterBackend):
    """django-filter's backend, building a view's ``filterset_fields`` on ``FilterSet``."""

    filterset_base = FilterSet

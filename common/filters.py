"""Filters shared by every app's API."""

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

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


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, as the schema's boolean says; anything else is an error
    (django-filter's own reads ``null`` or ``yes`` as "no filter" and ``1`` as true)."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Use true or false."}
    VALUES = {"true": True, "false": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[value]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that takes exactly ``true`` or ``false``, else 400 naming it."""

    field_class = StrictBooleanField


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
        models.BooleanField: {"filter_class": BooleanFilter},
    }


def _many_valued(field: forms.Field) -> bool:
    return getattr(field.widget, "allow_multiple_selected", False)


class FilterBackend(rest_framework.DjangoFilterBackend):
    """django-filter's backend, building a view's ``filterset_fields`` on ``FilterSet``.

    A filter given with no value (``?until=``) is a 400 naming it, not "no filter": the
    schema gives every filter a type, and an empty string is none of them (a page's
    search form, which sends its empty fields, builds its FilterSet without this). So is
    a single-valued filter given twice, of which django-filter would take the last."""

    filterset_base = FilterSet
    BLANK = "Give a value, or leave the parameter out."
    ONCE = "Give this parameter once."

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            params, errors = request.query_params, {}
            for name, field in filterset.form.fields.items():
                values = params.getlist(name)
                if values and not any(values):
                    errors[name] = [self.BLANK]
                elif len(values) > 1 and not getattr(
                    field.widget, "allow_multiple_selected", False
                ):
                    errors[name] = [self.ONCE]
            if errors:
                raise ValidationError(errors)
        return filterset

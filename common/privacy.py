"""Private fields: data that only its author (or nobody, for raters' answers) may read.

A model declares its private fields where the data lives, as a class attribute
``private_fields = ("private_notes",)``. Every admin refuses a filter that reaches one
(``PrivateFieldsAdminMixin``), so a changelist cannot be used to read them one
character at a time; ``tests/privacy`` walks every registered admin to prove it.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP


def private_fields(model) -> frozenset[str]:
    return frozenset(getattr(model, "private_fields", ()))


def lookup_reaches_private_field(model, lookup: str) -> bool:
    """Does ``lookup`` (``sessions__private_notes__startswith``) touch a private field of
    ``model`` or of any model it crosses on the way?"""
    for part in lookup.split(LOOKUP_SEP):
        if part in private_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup name (``startswith``): the path ended
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class PrivateFieldsAdminMixin:
    """Refuse changelist filters that reach a private field (Django answers 400)."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup_reaches_private_field(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

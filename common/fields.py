"""Serializer fields shared by every app's API."""

from rest_framework import serializers

from common.validators import validate_year_in_range


class AsOfDateField(serializers.DateField):
    """The day a report or dashboard is computed as of (years 1900-2999)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_year_in_range)

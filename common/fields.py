"""Serializer fields shared by every app's API."""

from rest_framework import serializers


class AsOfDateField(serializers.DateField):
    """The day a report or dashboard is computed as of.

    Only years 1900-2999: the date arithmetic around the day (period starts, windows
    before and after it) overflows ``datetime.date`` near years 1 and 9999.
    """

    default_error_messages = {"out_of_range": "Use a date between the years 1900 and 2999."}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not 1900 <= day.year <= 2999:
            self.fail("out_of_range")
        return day

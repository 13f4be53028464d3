"""Validation rules shared by every app."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Dates people schedule or report on. Beyond these, the arithmetic around a day
# (reminders, recurrences, periods) overflows ``datetime`` near years 1 and 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2999
YEAR_RANGE_MESSAGE = f"Use a date between the years {FIRST_YEAR} and {LAST_YEAR}."


def year_in_range(value: datetime.date | datetime.datetime) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def validate_year_in_range(value: datetime.date | datetime.datetime) -> None:
    if not year_in_range(value):
        raise ValidationError(YEAR_RANGE_MESSAGE, code="year_out_of_range")


def valid_email(value: str) -> bool:
    """Is ``value`` an email address (Django's rule)? For checks that collect every
    problem of a row instead of raising at the first."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True

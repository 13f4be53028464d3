"""Reporting periods: a metric is reported per calendar month or per calendar quarter.

A period is identified by its first day (``period_start``): 2026-10-01 is
October 2026 for a monthly metric and Q4 2026 for a quarterly one. People
write periods as ``YYYY-MM`` or ``YYYY-Qn``.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models

from common.validators import YEAR_RANGE_MESSAGE, year_in_range

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_PATTERN = re.compile(r"^(\d{4})-[Qq]([1-4])$")


class Period(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


QUARTER_START_MONTHS = (1, 4, 7, 10)


def period_floor(day: datetime.date, period: str) -> datetime.date:
    """The first day of the period that contains ``day``."""
    if period == Period.QUARTER:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def is_period_start(day: datetime.date, period: str) -> bool:
    return day == period_floor(day, period)


def period_shift(start: datetime.date, period: str, steps: int) -> datetime.date:
    """The start of the period ``steps`` periods after (negative: before) ``start``."""
    months = 3 if period == Period.QUARTER else 1
    index = start.year * 12 + start.month - 1 + steps * months
    return datetime.date(index // 12, index % 12 + 1, 1)


def last_complete_period(today: datetime.date, period: str) -> datetime.date:
    """The start of the latest period that has fully ended by ``today``."""
    return period_shift(period_floor(today, period), period, -1)


def period_label(start: datetime.date, period: str) -> str:
    if period == Period.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def parse_period(text: str, period: str) -> datetime.date:
    """'2026-10' or '2026-Q4' → the period's first day, for a metric reported per ``period``.

    Raises ValidationError with a message a person can act on.
    """
    text = (text or "").strip()
    try:
        start = _parse_period(text, period)
    except ValueError as exc:  # e.g. year 0000
        raise ValidationError(f'"{text}" is not a valid period.') from exc
    if not year_in_range(start):
        raise ValidationError(f'"{text}": {YEAR_RANGE_MESSAGE}')
    return start


def _parse_period(text: str, period: str) -> datetime.date:
    month = MONTH_PATTERN.match(text)
    quarter = QUARTER_PATTERN.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12:
            raise ValidationError(f'"{text}" is not a month; use YYYY-MM, e.g. 2026-10.')
        start = datetime.date(year, number, 1)
        if period == Period.QUARTER:
            if number not in QUARTER_START_MONTHS:
                example = period_label(period_floor(start, period), period)
                raise ValidationError(
                    f'This metric is reported per quarter; "{text}" is not the start of a '
                    f"quarter. Use YYYY-Qn, e.g. {example}."
                )
            return start
        return start
    if quarter:
        if period == Period.MONTH:
            raise ValidationError(
                f'This metric is reported per month; "{text}" is a quarter. Use YYYY-MM, e.g. '
                f"{quarter.group(1)}-{3 * (int(quarter.group(2)) - 1) + 1:02d}."
            )
        return datetime.date(int(quarter.group(1)), 3 * (int(quarter.group(2)) - 1) + 1, 1)
    raise ValidationError(f'"{text}" is not a period; use YYYY-MM (month) or YYYY-Qn (quarter).')

"""Days and instants for views "as of" a day: what counts as done on a day, and the
present moment of a view of a past day (every app reads today from timezone.now())."""

import datetime

from django.utils import timezone


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant of ``day`` (in the site's time zone)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day``: things that happened on ``day`` count as of it."""
    return start_of_day(day) + datetime.timedelta(days=1)


def moment_of(day: datetime.date) -> datetime.datetime:
    """The present of a view as of ``day``: now for today, the end of a past day."""
    if day >= timezone.localdate():
        return timezone.now()
    return end_of_day(day)

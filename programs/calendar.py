"""iCalendar (.ics) files: one builder for any list of events, and the cohort's calendar.

Times are written in UTC (``...Z``): every calendar client converts them to the
reader's zone, and no VTIMEZONE block can go stale. The cohort's own zone is
named in ``X-WR-TIMEZONE`` as a display hint. Other apps (mentoring sessions)
build their own ``CalendarEvent`` list and call ``calendar_build``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across exports, so a re-import updates instead of duplicating
    summary: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    description: str = ""
    location: str = ""
    url: str = ""


def calendar_uid(kind: str, pk: int) -> str:
    """A globally unique, stable event id such as ``cohort-session-7@lodestar.example.com``."""
    host = urlsplit(settings.SITE_URL).hostname or "lodestar"
    return f"{kind}-{pk}@{host}"


def calendar_build(events: Iterable[CalendarEvent], *, name: str, time_zone: str = "UTC") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Lodestar//Leadership development//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", time_zone)
    stamp = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        event.add("dtstart", item.starts_at.astimezone(datetime.UTC))
        event.add("dtend", item.ends_at.astimezone(datetime.UTC))
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    return calendar.to_ical()


def cohort_calendar(cohort) -> bytes:
    """The cohort's live sessions as an .ics file."""
    events = [
        CalendarEvent(
            uid=calendar_uid("cohort-session", session.pk),
            summary=f"{cohort.program.name}: {session.title}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            description=f"{cohort.name}"
            + (f"\nJoin: {session.meeting_url}" if session.meeting_url else ""),
            location=session.location or session.meeting_url,
            url=session.meeting_url,
        )
        for session in cohort.sessions.all()
    ]
    return calendar_build(
        events, name=f"{cohort.program.name} — {cohort.name}", time_zone=cohort.time_zone
    )


def cohort_calendar_filename(cohort) -> str:
    return f"cohort-{cohort.pk}.ics"

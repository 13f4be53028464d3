"""iCalendar for mentoring sessions: emailed invitations and the personal feed.

Private notes never appear here: a calendar is shared with both people and,
often, with their assistants.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from mentorship.models import MentoringSession

PRODID = "-//Lodestar//Mentoring sessions//EN"


def session_uid(session: MentoringSession) -> str:
    """Stable for the life of the session, so every update replaces the same event."""
    host = urlparse(settings.SITE_URL).hostname or "lodestar"
    return f"mentoring-session-{session.pk}@{host}"


def _address(user, role: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.full_name or user.email)
    address.params["role"] = vText(role)
    return address


def session_event(session: MentoringSession) -> Event:
    pairing = session.pairing
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", f"Mentoring: {pairing.mentor.full_name} & {pairing.mentee.full_name}")
    topics = ", ".join(topic.name for topic in session.topics.all())
    lines = [f"Format: {session.get_format_display()}"]
    if topics:
        lines.append(f"Topics: {topics}")
    event.add("description", "\n".join(lines))
    event.add(
        "status",
        "CANCELLED" if session.status == MentoringSession.Status.CANCELLED else "CONFIRMED",
    )
    event.add("organizer", _address(pairing.mentor, "CHAIR"))
    for person in (pairing.mentee, pairing.mentor):
        event.add("attendee", _address(person, "REQ-PARTICIPANT"), encode=0)
    return event


def _calendar(method: str | None, sessions: Iterable[MentoringSession]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    for session in sessions:
        calendar.add_component(session_event(session))
    return calendar.to_ical()


def invitation_method(session: MentoringSession) -> str:
    return "CANCEL" if session.status == MentoringSession.Status.CANCELLED else "REQUEST"


def invitation_ics(session: MentoringSession) -> bytes:
    """METHOD:REQUEST for a planned (or moved) session, METHOD:CANCEL once cancelled."""
    return _calendar(invitation_method(session), [session])


def feed_ics(sessions: Iterable[MentoringSession]) -> bytes:
    return _calendar("PUBLISH", sessions)

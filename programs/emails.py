"""The welcome email: owed by ``enrollment_create``, built and sent by the outbox."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.models import Email
from common.outbox import EmailKind, Owed
from programs.calendar import ICS_CONTENT_TYPE, cohort_calendar, cohort_calendar_filename
from programs.models import Enrollment

WELCOME = "programs.welcome"


def welcome_email(enrollment: Enrollment) -> Owed:
    """The welcome an enrollment owes its leader, once."""
    return Owed(kind=WELCOME, ref=enrollment.pk, to=[enrollment.leader.email])


def cohort_local_sessions(cohort) -> list[dict]:
    """The cohort's sessions with start and end in the cohort's own time zone."""
    zone = zoneinfo.ZoneInfo(cohort.time_zone)
    return [
        {
            "title": session.title,
            "starts_at": session.starts_at.astimezone(zone),
            "ends_at": session.ends_at.astimezone(zone),
            "location": session.location,
            "meeting_url": session.meeting_url,
        }
        for session in cohort.sessions.all()
    ]


def welcome_message(enrollment: Enrollment) -> EmailMultiAlternatives:
    cohort = enrollment.cohort
    context = {
        "leader": enrollment.leader,
        "cohort": cohort,
        "program": cohort.program,
        "sessions": cohort_local_sessions(cohort),
        "my_program_url": settings.SITE_URL + reverse("programs:my-program"),
    }
    subject = f"Welcome to {cohort.program.name} ({cohort.name})"
    # Template date filters convert to the active zone: make it the cohort's.
    with timezone.override(zoneinfo.ZoneInfo(cohort.time_zone)):
        text = render_to_string("programs/email/welcome.txt", context)
        html = render_to_string("programs/email/welcome.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[enrollment.leader.email])
    message.attach_alternative(html, "text/html")
    message.attach(cohort_calendar_filename(cohort), cohort_calendar(cohort), ICS_CONTENT_TYPE)
    return message


def welcome_build(email: Email) -> EmailMultiAlternatives | None:
    """The welcome, unless the enrollment was withdrawn or completed before it went out."""
    enrollment = (
        Enrollment.objects.select_related("cohort__program", "leader")
        .filter(pk=email.ref, status__in=Enrollment.OPEN_STATUSES)
        .first()
    )
    return welcome_message(enrollment) if enrollment is not None else None


KINDS = [EmailKind(WELCOME, build=welcome_build)]

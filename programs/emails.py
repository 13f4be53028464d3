"""The welcome email: built here, sent once by programs.tasks."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.broker import enqueue
from programs.calendar import ICS_CONTENT_TYPE, cohort_calendar, cohort_calendar_filename
from programs.models import Enrollment
from programs.services import enrollment_welcome_claim, enrollment_welcome_release

# Enrollments older than this are not swept: a missed welcome a week late helps nobody.
SWEEP_WINDOW = datetime.timedelta(days=2)
# Give the on-commit enqueue time to work before the sweep doubts it.
SWEEP_GRACE = datetime.timedelta(minutes=10)


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


def enrollment_welcome_send(*, enrollment_id: int) -> bool:
    """Send the welcome email unless it was sent already or the enrollment is gone/withdrawn."""
    enrollment = (
        Enrollment.objects.select_related("cohort__program", "leader")
        .filter(pk=enrollment_id, status__in=Enrollment.OPEN_STATUSES)
        .first()
    )
    if enrollment is None or not enrollment_welcome_claim(enrollment_id=enrollment_id):
        return False
    try:
        welcome_message(enrollment).send()
    except Exception:
        enrollment_welcome_release(enrollment_id=enrollment_id)
        raise
    return True


def enrollment_welcome_sweep() -> int:
    from programs.tasks import send_enrollment_welcome

    now = timezone.now()
    owed = Enrollment.objects.filter(
        welcome_sent_at__isnull=True,
        status__in=Enrollment.OPEN_STATUSES,
        created_at__gte=now - SWEEP_WINDOW,
        created_at__lte=now - SWEEP_GRACE,
    ).values_list("pk", flat=True)
    return sum(enqueue(send_enrollment_welcome, pk) for pk in owed)

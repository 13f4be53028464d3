"""Thin Celery wrappers over the mentorship services (each send claimed in the database)."""

import smtplib

from celery import shared_task

from common.broker import enqueue
from mentorship import services

# A failed send releases its claim, so retrying the whole task re-sends only what failed.
RETRY = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 60,
    "retry_backoff_max": 3600,
    "max_retries": 5,
}


@shared_task(name="mentorship.send_session_invitation", **RETRY)
def send_session_invitation(session_id: int, sequence: int) -> bool:
    return services.session_invitation_send(session_id=session_id, sequence=sequence)


@shared_task(name="mentorship.send_action_item_nudges", **RETRY)
def send_action_item_nudges() -> int:
    """Daily: due-tomorrow and overdue action items; also re-sends invitations whose
    enqueue was lost while the broker was down."""
    for session_id, sequence in services.session_invitations_owed():
        enqueue(send_session_invitation, session_id, sequence)
    return services.action_item_nudges_send()


@shared_task(name="mentorship.send_quiet_pairing_nudges", **RETRY)
def send_quiet_pairing_nudges() -> int:
    """Weekly: mentors of pairings with no session for 30 days, and HR's digest."""
    return len(services.quiet_pairing_nudges_send())

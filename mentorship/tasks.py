"""Thin Celery wrappers over the mentorship services (each send claimed in the database)."""

from celery import shared_task

from common.tasks import enqueue
from mentorship import services


@shared_task(name="mentorship.send_session_invitation")
def send_session_invitation(session_id: int, sequence: int) -> bool:
    return services.session_invitation_send(session_id=session_id, sequence=sequence)


@shared_task(name="mentorship.send_action_item_nudges")
def send_action_item_nudges() -> int:
    """Daily: due-tomorrow and overdue action items; also re-sends invitations whose
    enqueue was lost while the broker was down."""
    for session_id, sequence in services.session_invitations_owed():
        enqueue(send_session_invitation, session_id, sequence)
    return services.action_item_nudges_send()


@shared_task(name="mentorship.send_quiet_pairing_nudges")
def send_quiet_pairing_nudges() -> int:
    """Weekly: mentors of pairings with no session for 30 days, and HR's digest."""
    return len(services.quiet_pairing_nudges_send())

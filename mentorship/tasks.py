"""Thin Celery wrappers over the mentorship services: they owe the nudges, the outbox sends them."""

from celery import shared_task

from mentorship import services


@shared_task(name="mentorship.send_action_item_nudges")
def send_action_item_nudges() -> int:
    """Daily: nudge the owners of action items due tomorrow or overdue."""
    return services.action_item_nudges_owe()


@shared_task(name="mentorship.send_quiet_pairing_nudges")
def send_quiet_pairing_nudges() -> int:
    """Weekly: mentors of pairings with no session for 30 days, and HR's digest."""
    return len(services.quiet_pairing_nudges_owe())

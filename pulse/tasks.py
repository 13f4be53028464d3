"""Thin Celery wrapper over the pulse tick: it owes the emails, the outbox sends them."""

from celery import shared_task

from pulse import services


@shared_task(name="pulse.tick")
def tick() -> dict:
    """Hourly: open due rounds, owe reminders, close rounds and record their results."""
    result = services.pulse_tick()
    return {
        "created": result.created,
        "opened": result.opened,
        "reminders": result.reminders,
        "closed": result.closed,
    }

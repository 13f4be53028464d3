"""Thin Celery wrappers: take ids, call the service. The tick owes emails; the outbox
(common/tasks.py) sends them."""

from celery import shared_task

from feedback import services


@shared_task(name="feedback.tick")
def tick() -> dict:
    """Open, remind, close and recur (beat: every minute)."""
    return vars(services.feedback_tick())

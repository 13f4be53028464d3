"""Thin Celery wrappers: take ids, call the service. Safe to run twice (the send
claims its Delivery row first), so redelivery after a crash is harmless."""

from celery import shared_task
from django.conf import settings

from feedback import emails, services


@shared_task(name="feedback.tick")
def tick() -> dict:
    """Open, remind, close, recur and re-enqueue owed emails (beat: every minute)."""
    return vars(services.feedback_tick())


@shared_task(
    bind=True,
    name="feedback.send_delivery",
    acks_late=True,
    max_retries=settings.FEEDBACK_SEND_MAX_ATTEMPTS,
)
def send_delivery(self, delivery_id: int) -> str:
    """Send one owed email; on an SMTP error, retry at the backed-off time the service chose."""
    outcome, retry_at = emails.delivery_send(delivery_id=delivery_id)
    # Eager runs (tests, scripts) leave the retry to the tick, which finds it in the database.
    eager = self.request.is_eager
    if outcome == emails.Outcome.RETRY and not eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=emails.seconds_until(retry_at))
    return outcome

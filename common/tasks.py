"""The outbox's Celery tasks: thin wrappers over common.outbox (which publishes them by name)."""

from celery import shared_task
from django.conf import settings

from common import outbox


@shared_task(
    bind=True,
    name=outbox.SEND_TASK,
    acks_late=True,
    max_retries=settings.OUTBOX_MAX_ATTEMPTS,
)
def send_email(self, email_id: int) -> str:
    """Send one owed email; on an SMTP error, retry at the backed-off time the outbox chose."""
    outcome, retry_at = outbox.email_send(email_id=email_id)
    # Eager runs (tests, scripts) leave the retry to the sweep, which finds it in the database.
    eager = self.request.is_eager
    if outcome == outbox.Outcome.RETRY and not eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=outbox.seconds_until(retry_at))
    return outcome


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Enqueue every email owed and not being worked on (beat: every minute)."""
    return outbox.emails_enqueue_owed()

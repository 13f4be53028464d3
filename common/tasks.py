"""The outbox's Celery tasks: thin wrappers over common.outbox (which publishes them by name)."""

from collections import Counter

from celery import shared_task
from django.conf import settings

from common import outbox
from common.broker import enqueue_later


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


@shared_task(bind=True, name=outbox.SEND_BATCH_TASK, acks_late=True)
def send_emails(self, email_ids: list[int]) -> dict[str, int]:
    """Send a batch of owed emails over one connection; each one that failed for now is
    retried by a task of its own at the backed-off time the outbox chose for it."""
    results = outbox.emails_send(email_ids=email_ids)
    for email_id, (outcome, retry_at) in results.items():
        if outcome == outbox.Outcome.RETRY and not self.request.is_eager:
            enqueue_later(send_email, outbox.seconds_until(retry_at), email_id)
    return Counter(outcome for outcome, _ in results.values())


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Enqueue every email owed and not being worked on (beat: every minute)."""
    return outbox.emails_enqueue_owed()

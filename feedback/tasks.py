"""Thin Celery wrappers: take ids, call the service. The tick owes emails; the outbox
(common/tasks.py) sends them."""

from celery import shared_task

from feedback import retention, services


@shared_task(name="feedback.tick")
def tick() -> dict:
    """Open, remind, close and recur (beat: every minute)."""
    return vars(services.feedback_tick())


@shared_task(name="feedback.purge_links")
def purge_links() -> dict:
    """Purge who-rated-whom links and delivery errors past retention (beat: daily)."""
    return vars(retention.feedback_links_purge())

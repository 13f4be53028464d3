"""Thin Celery wrapper: the monthly manager digest is owed here; the outbox sends it."""

from celery import shared_task

from dashboards import digest


@shared_task(name="dashboards.manager_digests")
def manager_digests() -> int:
    """Daily: owe each manager this month's digest of their leaders, once a month."""
    return digest.manager_digests_owe()

"""Thin Celery wrapper: the monthly manager digest is owed here; the outbox sends it."""

from celery import shared_task

from dashboards import digest


@shared_task(name="dashboards.manager_digests")
def manager_digests() -> int:
    """Monthly: owe each manager the digest of their leaders."""
    return digest.manager_digests_owe()

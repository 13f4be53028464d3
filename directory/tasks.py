"""Thin Celery wrapper over the directory's sync folder (``directory.services``)."""

from celery import shared_task
from django.conf import settings

from directory import services


@shared_task(name="directory.sync_folder")
def sync_folder() -> dict:
    """Every 15 minutes: apply the new people files in ``DIRECTORY_SYNC_DIR`` (if set)."""
    if not settings.DIRECTORY_SYNC_DIR:
        return {"folder": None}
    run = services.directory_sync_folder(folder=settings.DIRECTORY_SYNC_DIR)
    return {
        "applied": run.applied,
        "held": run.held,
        "refused": run.refused,
        "waiting": run.waiting,
    }

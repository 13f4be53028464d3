"""Enqueueing that survives a broker outage.

The database is the record of what is owed; the broker only carries a hint to
do it now. So publishing happens after the transaction commits, and a failure
to publish (Redis down) is logged, never raised into the caller's request: a
periodic sweep finds the owed work in the database and enqueues it again.

A task may be named instead of passed: the outbox publishes its own send task by
name, because the task module imports the outbox (tasks call services, never the
other way round).
"""

import logging

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task | str, *args, **kwargs) -> bool:
    """Publish a task now; return False (and log) if the broker is unreachable."""
    return _publish(task, args, kwargs)


def enqueue_later(task: Task | str, seconds: float, *args) -> bool:
    """Publish a task to run in ``seconds``; return False (and log) as ``enqueue`` does."""
    return _publish(task, args, {}, countdown=seconds)


def _publish(task: Task | str, args: tuple, kwargs: dict, countdown: float | None = None) -> bool:
    if isinstance(task, str):
        task = current_app.tasks[task]  # an unknown name is a bug: raise, don't swallow it
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
    except Exception:
        # Broker errors come from several libraries (kombu, redis, socket); any
        # of them means "not enqueued now", which the sweep repairs.
        logger.warning("Could not enqueue %s%r; a later sweep will retry.", task.name, args)
        return False
    return True


def enqueue_on_commit(task: Task | str, *args, **kwargs) -> None:
    """Publish a task once the current transaction commits (never for rolled-back work)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))

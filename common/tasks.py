"""Enqueueing that survives a broker outage.

The database is the record of what is owed; the broker only carries a hint to
do it now. So publishing happens after the transaction commits, and a failure
to publish (Redis down) is logged, never raised into the caller's request: a
periodic sweep finds the owed work in the database and enqueues it again.
"""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **kwargs) -> bool:
    """Publish a task now; return False (and log) if the broker is unreachable."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:
        # Broker errors come from several libraries (kombu, redis, socket); any
        # of them means "not enqueued now", which the sweep repairs.
        logger.warning("Could not enqueue %s%r; a later sweep will retry.", task.name, args)
        return False
    return True


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Publish a task once the current transaction commits (never for rolled-back work)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))

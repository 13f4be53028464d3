"""The feedback app's notion of "now", settable so tests can walk a cycle through time.

Services default to ``clock.now()``; tests freeze it (``clock.freeze(at)``) so an
eager task run inside a service sees the same time as the service that queued it.
"""

import datetime

from django.utils import timezone

_frozen_at: datetime.datetime | None = None


def now() -> datetime.datetime:
    return _frozen_at or timezone.now()


def freeze(at: datetime.datetime | None) -> None:
    """Pin the clock at an aware datetime; ``None`` lets it run again."""
    global _frozen_at
    if at is not None and timezone.is_naive(at):
        raise ValueError("Freeze the clock at an aware datetime.")
    _frozen_at = at

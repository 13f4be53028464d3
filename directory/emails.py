"""The directory's emails (registered with the outbox in ``apps.py``)."""

from __future__ import annotations

from common.outbox import EmailKind

KINDS: list[EmailKind] = []

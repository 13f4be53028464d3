"""Shared test helpers for mentorship: the private-notes sentinel and relative times."""

import datetime

from django.utils import timezone

# The factories' private notes start with this; no response a non-mentor gets may hold it.
PRIVATE = "PRIVATE-NOTE-SENTINEL"


def soon(days: int = 7) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def ago(days: int = 1) -> str:
    return (timezone.now() - datetime.timedelta(days=days)).isoformat()

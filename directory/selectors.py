"""Reads for HR's directory pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from directory.models import DirectorySync


def sync_list() -> QuerySet[DirectorySync]:
    """Every directory file, newest first, with who sent and who decided it."""
    return DirectorySync.objects.select_related("created_by", "decided_by").defer("rows")


def sync_held() -> DirectorySync | None:
    """The file waiting for HR's approval, if any (there is at most one)."""
    return sync_list().filter(status=DirectorySync.Status.HELD).first()

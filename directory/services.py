"""Writes that keep Lodestar's people in step with the company's directory: a person
added or changed by SCIM or a directory file, and a leaver's open business ended
(``person_leave``), each through the services of the app that owns it."""

from __future__ import annotations

import dataclasses
import datetime

from django.db import transaction
from django.utils import timezone

from people.models import User


@dataclasses.dataclass
class Departure:
    """What one person leaving changed (recorded in their ``person.leave`` event)."""

    person_id: int
    left_on: str
    pairings_ended: int = 0
    enrollments_withdrawn: int = 0
    requests_cancelled: int = 0
    nominations_withdrawn: int = 0
    action_items_closed: int = 0
    # Cycles' rater groups that now fall short of their minimum: {cycle, subject, group,
    # wanted, left}.
    shortfalls: list = dataclasses.field(default_factory=list)


@transaction.atomic
def person_leave(
    *, person: User, by: User | None, left_on: datetime.date | None = None, source: str = ""
) -> Departure:
    """``person`` left the company on ``left_on`` (today unless given): deactivated, their
    reporting line closed (measured retention counts the departure), and their open
    business ended: active pairings end (mentors told, seats freed), open enrollments are
    withdrawn ("left the company"), open rater requests about or addressed to them are
    cancelled and the cycles' minimums checked again, standing nominations withdrawn,
    open action items closed. ``source`` says what reported it (admin, SCIM, a file).
    Leaving twice changes nothing the second time."""
    raise NotImplementedError  # filled in next (issue 17)


def _today() -> datetime.date:
    return timezone.localdate()

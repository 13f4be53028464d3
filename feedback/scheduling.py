"""Wall-clock arithmetic in a cohort's time zone.

Cycles are scheduled by people in local time ("opens Monday 09:00 Berlin"), so
every recurrence and reminder point is computed on the local wall clock and
converted to UTC afterwards: across a daylight-saving change, 09:00 stays 09:00
local and therefore moves by an hour in UTC.
"""

import datetime
import zoneinfo


def shift_local(
    moment: datetime.datetime, *, days: int, tz: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """``moment`` plus ``days`` calendar days at the same local time, returned in UTC."""
    local = moment.astimezone(tz).replace(tzinfo=None) + datetime.timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(datetime.UTC)


def local_to_utc(naive_local: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A wall-clock time in ``tz`` (as typed in a form) as an aware UTC datetime."""
    return naive_local.replace(tzinfo=tz).astimezone(datetime.UTC)


def closing_reminder_at(deadline: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """When "closing tomorrow" is sent: the same local time on the day before the deadline
    (23 or 25 hours before it when the clocks change in between, not always 24)."""
    return shift_local(deadline, days=-1, tz=tz)


# The longest a local day can be (a fall-back day): "the day before" is never further back.
LONGEST_DAY = datetime.timedelta(hours=25)


def reminder_points(
    *, opens_at: datetime.datetime, due_at: datetime.datetime, every_days: int, tz
) -> list[datetime.datetime]:
    """When cadence reminders fall: every ``every_days`` after opening, local time,
    stopping before the last local day (the "closing tomorrow" reminder owns it)."""
    if not every_days:
        return []
    cutoff = closing_reminder_at(due_at, tz)
    points = []
    step = 1
    while True:
        point = shift_local(opens_at, days=every_days * step, tz=tz)
        if point >= cutoff:
            return points
        points.append(point)
        step += 1

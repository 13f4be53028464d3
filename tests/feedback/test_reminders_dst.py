"""Daily reminders across daylight-saving changes, in two time zones: every rater who has
not answered gets one email per local day (invitation, reminders, "closing tomorrow"),
each at the local time the cycle opens, whether the day has 23, 24 or 25 hours."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from common.models import Email
from feedback.emails import CLOSING, INVITATION, REMINDER
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import team_in, tick

# (zone, the local day its clocks change in 2027)
CHANGES = [
    pytest.param("Europe/Berlin", datetime.date(2027, 3, 28), id="berlin-spring-forward"),
    pytest.param("Europe/Berlin", datetime.date(2027, 10, 31), id="berlin-fall-back"),
    pytest.param("America/New_York", datetime.date(2027, 3, 14), id="new-york-spring-forward"),
    pytest.param("America/New_York", datetime.date(2027, 11, 7), id="new-york-fall-back"),
]
NINE = datetime.time(9, 0)


def local(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, NINE, tzinfo=zone).astimezone(datetime.UTC)


def run_hourly(clock, start: datetime.datetime, end: datetime.datetime) -> None:
    """Tick every hour on the hour (09:00 local is on a UTC hour in both zones)."""
    moment = start
    while moment <= end:
        clock.set(moment)
        tick()
        moment += datetime.timedelta(hours=1)


def mails_by_local_day(zone: ZoneInfo) -> dict[str, list[tuple[datetime.date, str, str]]]:
    """Each recipient's sent rater emails: (local day, local time, kind), in order."""
    received: dict[str, list] = {}
    for email in Email.objects.filter(status=Email.Status.SENT).order_by("sent_at", "pk"):
        at = email.sent_at.astimezone(zone)
        received.setdefault(email.to, []).append((at.date(), at.strftime("%H:%M"), email.kind))
    return received


@pytest.mark.parametrize(("zone_name", "change_day"), CHANGES)
@pytest.mark.parametrize("due_after_change", [0, 2], ids=["due-on-change-day", "due-after"])
def test_daily_reminders_go_once_a_day_at_nine_local_across_the_clock_change(
    db, clock, zone_name, change_day, due_after_change
):
    zone = ZoneInfo(zone_name)
    day = datetime.timedelta(days=1)
    opens_on, due_on = change_day - 3 * day, change_day + due_after_change * day
    cycle = CycleFactory(
        cohort__time_zone=zone_name,
        opens_at=local(opens_on, zone),
        due_at=local(due_on, zone),
        reminder_every_days=1,
    )
    team = team_in(cycle.cohort, reports=0)  # self, manager and mentor are asked

    run_hourly(clock, cycle.opens_at - datetime.timedelta(hours=2), cycle.due_at)

    expected = [(opens_on, "09:00", INVITATION)]
    expected += [
        (opens_on + n * day, "09:00", REMINDER) for n in range(1, (due_on - opens_on).days - 1)
    ]
    expected += [(due_on - day, "09:00", CLOSING)]
    received = mails_by_local_day(zone)
    assert sorted(received) == sorted([team.leader.email, team.manager.email, team.mentor.email])
    for address, mails in received.items():
        assert mails == expected, address
        assert max(Counter(mail_day for mail_day, _, _ in mails).values()) == 1

"""Drill 6: the clock crosses the daylight-saving changes of 2027 in Europe/Berlin and
America/New_York (spring forward and fall back, both) while feedback cycles with daily
reminders run. Every rater who has not answered gets one email per local day of the
cycle (invitation, reminders, "closing tomorrow"), each sent once, at 09:00 local: the
local time the cycle opens, in the cohort's time zone.

A child process under Django moves the clock with time-machine hour by hour through
every day a cycle is open and, at each step, runs what beat and the worker run: the feedback tick,
then ``outbox.send`` for every email owed (``common.outbox.email_send``, the worker's own
service), through SMTP to a real server on loopback. The drill reads what the server
received: the Date header (written from the moved clock), the recipient and the outbox id.

    .venv/bin/python scripts/drills/drill_6_dst_reminders.py
"""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import json
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script or imported by the drill runner: the shared helpers sit beside this file.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _db_faults as faults
from _db_faults import DrillFailed, check

# 09:00 local is on a UTC hour in both zones, so hourly steps land on it (and on every
# wrong hour a reminder could be sent at).
STEP = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
NINE = datetime.time(9, 0)
LEADERS_PER_COHORT = 2  # each asks self, manager and mentor: 6 raters a cycle
# Each zone's clock changes in 2027: (season, zone, the local day of the change).
CHANGES = [
    ("spring", "America/New_York", datetime.date(2027, 3, 14)),
    ("spring", "Europe/Berlin", datetime.date(2027, 3, 28)),
    ("autumn", "Europe/Berlin", datetime.date(2027, 10, 31)),
    ("autumn", "America/New_York", datetime.date(2027, 11, 7)),
]
# Two cycles per change: daily reminders across the change, and the change in the last
# day (the "closing tomorrow" reminder's day is 23 or 25 hours long). Days from the change.
SHAPES = {"across": (-3, 2), "closing-day": (-3, 0)}


def say(message: str) -> None:
    faults.say("drill 6", message)


def nine_local(day: datetime.date, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(day, NINE, tzinfo=ZoneInfo(zone)).astimezone(datetime.UTC)


def plan() -> list[dict]:
    """Every cycle the drill runs: zone, shape, local opening and due days."""
    return [
        {
            "name": f"{zone.split('/')[1]} {season} {shape}",
            "season": season,
            "zone": zone,
            "opens_on": (change + opens * DAY).isoformat(),
            "due_on": (change + due * DAY).isoformat(),
        }
        for season, zone, change in CHANGES
        for shape, (opens, due) in SHAPES.items()
    ]


def expected_days(cycle: dict) -> list[tuple[str, str]]:
    """(local day, kind) of every email a rater who never answers gets."""
    opens_on = datetime.date.fromisoformat(cycle["opens_on"])
    due_on = datetime.date.fromisoformat(cycle["due_on"])
    days = [(opens_on, "invitation")]
    days += [(opens_on + n * DAY, "reminder") for n in range(1, (due_on - opens_on).days - 1)]
    days += [(due_on - DAY, "closing")]
    return [(day.isoformat(), kind) for day, kind in days]


def received(maildir: Path) -> list[dict]:
    messages = []
    for path in sorted(maildir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append(
            {
                "to": str(message["To"]),
                "subject": str(message["Subject"]),
                "outbox_id": str(message["X-Lodestar-Outbox-Id"]),
                "date": email.utils.parsedate_to_datetime(str(message["Date"])),
            }
        )
    return messages


def kind_of(subject: str) -> str:
    if subject.startswith("Reminder"):
        return "reminder"
    if subject.startswith("Closing tomorrow"):
        return "closing"
    return "invitation"


def verify(cycles: list[dict], raters: dict[str, str], messages: list[dict]) -> None:
    """raters: address → cycle name (each rater is asked in one cycle)."""
    ids = Counter(message["outbox_id"] for message in messages)
    duplicates = sum(count - 1 for count in ids.values())
    check(duplicates == 0, f"{duplicates} emails were received more than once")
    by_cycle = {cycle["name"]: cycle for cycle in cycles}
    mails: dict[str, list] = {address: [] for address in raters}
    for message in messages:
        check(message["to"] in raters, f"an email to someone not asked: {message['to']}")
        cycle = by_cycle[raters[message["to"]]]
        local = message["date"].astimezone(ZoneInfo(cycle["zone"]))
        check(
            local.strftime("%H:%M") == "09:00",
            f"{kind_of(message['subject'])} to {message['to']} ({cycle['name']}) sent at "
            f"{local:%Y-%m-%d %H:%M %Z}, not 09:00 local",
        )
        mails[message["to"]].append((local.date().isoformat(), kind_of(message["subject"])))
    for address, got in mails.items():
        cycle = by_cycle[raters[address]]
        want = expected_days(cycle)
        check(
            sorted(got) == want,
            f"{address} ({cycle['name']}) received {sorted(got)}, expected {want}",
        )
    for cycle in cycles:
        in_cycle = [a for a, name in raters.items() if name == cycle["name"]]
        days = Counter(kind for day, kind in expected_days(cycle))
        say(
            f"{cycle['name']:>28}: opens {cycle['opens_on']} 09:00, due {cycle['due_on']} "
            f"09:00 {cycle['zone']}; {len(in_cycle)} raters each got 1 invitation, "
            f"{days['reminder']} reminders, 1 closing: one a local day, all at 09:00 local"
        )


def main() -> int:
    started = time.monotonic()
    drill_file = str(Path(__file__).resolve())
    url = faults.database_url_for("d6")
    try:
        with faults.Procs("drill6") as procs:
            redis_url = faults.redis_start(procs)
            smtp_port = faults.free_port()
            maildir = procs.work / "mail"
            procs.start(
                "smtp",
                [
                    faults.PYTHON,
                    str(faults.ROOT / "scripts" / "prod_smoke.py"),
                    "smtp",
                    "--port",
                    str(smtp_port),
                    "--maildir",
                    str(maildir),
                ],
            )
            faults.database_recreate(url)
            procs.cleanups.append(lambda: faults.database_drop(url))
            env = faults.django_env(
                database_url=url, redis_url=redis_url, EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}"
            )
            faults.manage(env, "migrate", "--no-input", log=procs.work / "manage.log")
            faults.wait_for("the SMTP server", lambda: maildir.exists())
            cycles = plan()
            (procs.work / "plan.json").write_text(json.dumps(cycles))
            out = faults.run_child(drill_file, env, str(procs.work / "plan.json"), timeout=400)
            result = json.loads(out.splitlines()[-1])
            messages = received(maildir)
            say(
                f"moved the clock through {result['steps']} hourly steps "
                f"({result['ticks_seconds']:.0f} s); {result['sent']} emails sent, "
                f"{len(messages)} received by the SMTP server"
            )
            check(len(messages) == result["sent"], "the server did not receive every email sent")
            verify(cycles, result["raters"], messages)
    except DrillFailed as failure:
        print(f"drill 6: FAILED: {failure}", file=sys.stderr)
        return 1
    say(f"passed in {time.monotonic() - started:.0f} s: 0 duplicates, 0 at the wrong local time")
    return 0


# --- the child (under Django, with a moving clock) --------------------------------------


def child(args: list[str]) -> None:
    import time_machine

    faults.django_setup()
    cycles = json.loads(Path(args[0]).read_text())
    with time_machine.travel(datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC), tick=False):
        raters = setup(cycles)
    steps = sent = 0
    began = time.monotonic()
    for start, end in windows(cycles):
        moment = start
        while moment <= end:
            with time_machine.travel(moment, tick=False):
                sent += beat_and_worker()
            moment += STEP
            steps += 1
    print(
        json.dumps(
            {
                "steps": steps,
                "sent": sent,
                "raters": raters,
                "ticks_seconds": time.monotonic() - began,
            }
        )
    )


def windows(cycles: list[dict]) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """From an hour before each cycle opens to an hour after it is due, overlaps merged."""
    spans = sorted(
        (
            nine_local(datetime.date.fromisoformat(c["opens_on"]), c["zone"]) - STEP,
            nine_local(datetime.date.fromisoformat(c["due_on"]), c["zone"]) + STEP,
        )
        for c in cycles
    )
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def beat_and_worker() -> int:
    """One step of beat (the feedback tick) and the worker (each owed email's send)."""
    from django.utils import timezone

    from common.models import Email
    from common.outbox import Outcome, email_send
    from feedback.services import feedback_tick

    feedback_tick()
    sent = 0
    owed = Email.objects.filter(status=Email.Status.QUEUED, next_attempt_at__lte=timezone.now())
    for email_id in owed.order_by("pk").values_list("pk", flat=True):
        outcome, _ = email_send(email_id=email_id)
        check(outcome in (Outcome.SENT, Outcome.SKIPPED), f"email {email_id}: {outcome}")
        sent += outcome == Outcome.SENT
    return sent


def setup(cycles: list[dict]) -> dict[str, str]:
    """Per cycle a cohort in its zone, leaders with a manager and a mentor; every rater
    is asked once. Returns rater address → cycle name."""
    from feedback.models import Questionnaire
    from feedback.services import cycle_create
    from mentorship.services import pairing_create
    from people import services as people
    from people.models import User
    from people.roles import Role
    from programs import services as programs

    hr = User.objects.create_superuser(
        email="hr@drill6.example.com", password=None, full_name="Drill HR"
    )
    program = programs.program_create(by=hr, name="Sales Leadership Essentials", slug="sle")
    questionnaire = Questionnaire.objects.order_by("pk").first()
    raters: dict[str, str] = {}
    for index, cycle in enumerate(cycles):
        cohort = programs.cohort_create(
            by=hr,
            program=program,
            name=cycle["name"],
            time_zone=cycle["zone"],
            starts_on=datetime.date(2027, 1, 4),
            ends_on=datetime.date(2027, 12, 31),
            capacity=10,
            delivery="virtual",
        )
        for n in range(LEADERS_PER_COHORT):
            tag = f"c{index}l{n}"

            def person(role: str, tag: str = tag):
                return people.user_create(
                    email=f"{role}.{tag}@drill6.example.com", full_name=f"{role} {tag}", by=hr
                )

            leader, manager, mentor = person("leader"), person("manager"), person("mentor")
            people.user_manager_set(user=leader, manager=manager, by=hr)
            people.user_role_grant(user=mentor, role=Role.MENTOR, by=hr)
            programs.enrollment_create(cohort=cohort, leader=leader, by=hr, send_welcome=False)
            pairing_create(
                mentor=mentor, mentee=leader, started_on=datetime.date(2027, 1, 4), by=hr
            )
            for someone in (leader, manager, mentor):
                raters[someone.email] = cycle["name"]
        cycle_create(
            cohort=cohort,
            questionnaire=questionnaire,
            name=cycle["name"],
            by=hr,
            opens_at=nine_local(datetime.date.fromisoformat(cycle["opens_on"]), cycle["zone"]),
            due_at=nine_local(datetime.date.fromisoformat(cycle["due_on"]), cycle["zone"]),
            reminder_every_days=1,
            schedule=True,
        )
    return raters


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        sys.exit(0)
    sys.exit(main())

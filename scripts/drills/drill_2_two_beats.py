"""Drill 2: two beat processes at once for a whole feedback cycle (open, two cadence
reminders, the closing reminder, close), with two workers of two threads each, so the
doubled ticks really race, and two more ticks started together from the drill at each
step. Every rater must get each email exactly once.

The cycle's days pass in seconds: the workers run under a clock the drill moves
(scripts/drills/clock.py, time-machine), and the beats' schedule is the real one from
the database (django-celery-beat), its cadence lowered as an admin would: feedback.tick
every 2 s, outbox.sweep every 5 s, from each beat."""

from __future__ import annotations

import datetime
import threading
import time
from collections import Counter

from scripts import stack
from scripts.drills import clock
from scripts.drills.drill import Drill, schedule_every

LEADERS = 20  # each asked about by self, manager and mentor: 60 rater requests
TICK_EVERY, SWEEP_EVERY = 2, 5
PHASES = (  # (what is owed, when: offset from opens_at)
    ("feedback.invitation", datetime.timedelta(0)),
    ("feedback.reminder", datetime.timedelta(days=1, minutes=1)),
    ("feedback.reminder", datetime.timedelta(days=2, minutes=1)),
    ("feedback.closing", datetime.timedelta(days=3, hours=1)),
)
DUE_AFTER = datetime.timedelta(days=4)


def received_by_kind(d: Drill) -> tuple[Counter, Counter]:
    """(messages received per kind, per outbox row)."""
    from common.models import Email

    ids = d.received_ids()
    kinds = dict(Email.objects.filter(pk__in=[int(pk) for pk in ids]).values_list("pk", "kind"))
    per_kind: Counter = Counter()
    for pk, n in ids.items():
        per_kind[kinds[int(pk)]] += n
    return per_kind, ids


def move_clock(d: Drill, path, to: datetime.datetime) -> None:
    """Move the workers' clock to ``to``, and race two more ticks at that very moment
    from this process (the two beats' ticks may land up to a second apart)."""
    from django.db import connection

    from feedback.services import feedback_tick

    now = datetime.datetime.now(datetime.UTC)
    clock.offset_write(path, (to - now).total_seconds())
    d.say(f"moved the workers' clock to {to:%Y-%m-%d %H:%M} UTC")
    start = threading.Barrier(2)

    def tick() -> None:
        start.wait()
        try:
            feedback_tick(now=to)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    with Drill("2", "two beats at once for a whole feedback cycle") as d:
        s = d.stack
        s.redis()
        s.smtp_server()
        s.django()
        from django.utils import timezone

        from feedback.models import Cycle, RaterRequest
        from scripts.drills import world

        cohort, leaders = world.cohort_with_leaders(label="d2", leaders=LEADERS)
        world.mentors_pair(label="d2", leaders=leaders)
        opens_at = timezone.now() + datetime.timedelta(seconds=15)
        cycle = world.cycle_schedule(cohort=cohort, opens_at=opens_at, due_at=opens_at + DUE_AFTER)
        clock_file = s.work / "clock"
        clock.offset_write(clock_file, 0)
        for name in ("worker-a", "worker-b"):
            s.start(
                name,
                stack.PYTHON,
                "-m",
                "scripts.drills.clock",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "--hostname",
                f"{name}@%h",
                env={clock.CLOCK_ENV: str(clock_file)},
            )
        for name in ("beat-a", "beat-b"):
            s.beat(name, "--max-interval", "1")
        schedule_every(s, "feedback-tick", TICK_EVERY)
        schedule_every(s, "outbox-sweep", SWEEP_EVERY)
        d.say(f"cycle {cycle.pk} opens at {opens_at:%H:%M:%S} UTC (real time), due 4 days later")

        expected: Counter = Counter()
        for n, (kind, after) in enumerate(PHASES, 1):
            move_clock(d, clock_file, opens_at + after)
            stack.wait_for(
                "the cycle to open",
                lambda: Cycle.objects.filter(pk=cycle.pk, status=Cycle.Status.OPEN).exists(),
                timeout=60,
            )
            expected[kind] += RaterRequest.objects.filter(cycle=cycle).count()
            started = time.monotonic()
            stack.wait_for(
                f"phase {n}: {expected[kind]} {kind} received",
                lambda k=kind: received_by_kind(d)[0][k] >= expected[k],
                timeout=90,
            )
            d.say(f"phase {n}: {kind} received by all raters in {time.monotonic() - started:.1f} s")
        move_clock(d, clock_file, opens_at + DUE_AFTER + datetime.timedelta(minutes=1))
        stack.wait_for(
            "the cycle to close",
            lambda: Cycle.objects.filter(pk=cycle.pk, status=Cycle.Status.CLOSED).exists(),
            timeout=60,
        )
        d.say("the cycle closed")
        time.sleep(2 * SWEEP_EVERY)  # late doubles would arrive now

        per_kind, ids = received_by_kind(d)
        per_kind.pop("programs.welcome", None)
        ticks = sum(
            len(stack.task_lines(s.work / f"{worker}.log", "feedback.tick"))
            for worker in ("worker-a", "worker-b")
        )
        sent_by_beat = {
            beat: (s.work / f"{beat}.log").read_text().count("Sending due task feedback-tick")
            for beat in ("beat-a", "beat-b")
        }
        duplicates = sum(n - 1 for n in ids.values() if n > 1)
        requests = RaterRequest.objects.filter(cycle=cycle)
        d.figure("rater requests", requests.count())
        d.figure("ticks run (both beats)", ticks)
        d.figure("ticks published per beat", sent_by_beat)
        d.figure("expected per kind", dict(expected))
        d.figure("received per kind", dict(per_kind))
        d.figure("duplicates", duplicates)
        d.figure("requests expired at close", requests.filter(status="expired").count())
        d.check(per_kind == expected, f"received {dict(per_kind)}, expected {dict(expected)}")
        d.check(duplicates == 0, f"{duplicates} duplicates")
        d.check(all(n > len(PHASES) for n in sent_by_beat.values()), "a beat published few ticks")
    return d.result

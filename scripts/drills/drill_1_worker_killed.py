"""Drill 1: a worker is SIGKILLed three times while the outbox dispatches 1,000 emails of
mixed kinds (enrollment welcomes, session invitations, feedback invitations), and
restarted each time; two more workers keep sending meanwhile. Every email must be
received; a duplicate is allowed only for an email the killed worker had in flight
(at most one per kill: each worker is one process). Recovery is the outbox's own: the
sweep re-enqueues rows whose messages died with the worker (queued longer than
OUTBOX_REQUEUE_AFTER) and claims left by it (older than OUTBOX_CLAIM_TIMEOUT), both
lowered here so the drill takes seconds, not minutes."""

from __future__ import annotations

import datetime
import time

from scripts import stack
from scripts.drills.drill import Drill, schedule_every

# 50 welcomes + 100 session invitations (2 per pairing) + 850 feedback invitations
# (each leader is asked about by self, manager, mentor and 14 direct reports).
LEADERS, SESSIONS_EACH, REPORTS_EACH = 50, 2, 14
KILL_AT = (250, 500, 750)  # emails received when the worker is killed
ENV = {"OUTBOX_CLAIM_TIMEOUT": "15", "OUTBOX_REQUEUE_AFTER": "8"}
SWEEP_EVERY = 3  # seconds


def owe_emails(d: Drill) -> int:
    from django.db.models import Count
    from django.utils import timezone

    from common.models import Email
    from feedback import services as feedback
    from scripts.drills import world

    started = time.monotonic()
    cohort, leaders = world.cohort_with_leaders(label="d1", leaders=LEADERS)
    d.say(f"imported {LEADERS} leaders in {time.monotonic() - started:.0f} s")
    pairings = world.mentors_pair(label="d1", leaders=leaders)
    world.sessions_plan(pairings=pairings, each=SESSIONS_EACH)
    world.direct_reports(label="d1", leaders=leaders, each=REPORTS_EACH)
    d.say(f"paired them, planned sessions, added reports, {time.monotonic() - started:.0f} s")
    now = timezone.now()
    cycle = world.cycle_schedule(
        cohort=cohort, opens_at=now, due_at=now + datetime.timedelta(days=14)
    )
    feedback.cycle_open(cycle_id=cycle.pk)
    d.say(f"opened a 360 cycle, {time.monotonic() - started:.0f} s")
    for row in Email.objects.values("kind").annotate(n=Count("pk")).order_by("kind"):
        d.say(f"owed {row['n']} {row['kind']}")
    return Email.objects.count()


def in_flight(killed_at) -> set[str]:
    """The emails the killed worker was sending: claimed before the kill and still
    claimed a second later (the other workers finish a send well within that)."""
    from common.models import Email

    time.sleep(1)
    claimed = Email.objects.filter(status="sending", claimed_at__lte=killed_at)
    return {str(pk) for pk in claimed.values_list("pk", flat=True)}


def main() -> int:
    with Drill("1", "a worker SIGKILLed 3 times while the outbox sends 1,000 emails", ENV) as d:
        s = d.stack
        s.redis()
        smtp = s.smtp_server()
        s.django()
        owed = owe_emails(d)
        d.figure("emails owed", owed)
        s.beat("beat", "--max-interval", "1")
        schedule_every(s, "outbox-sweep", SWEEP_EVERY)
        # Three workers of one process each, so a kill leaves at most one email in flight;
        # the one named "killed" is SIGKILLed and restarted, the others keep sending.
        worker = s.worker("killed", "--concurrency", "1")
        for name in ("steady-a", "steady-b"):
            s.worker(name, "--concurrency", "1")
        started = time.monotonic()
        at_kill: set[str] = set()
        for n, threshold in enumerate(KILL_AT, 1):
            stack.wait_for(
                f"{threshold} emails received",
                lambda t=threshold: smtp.handler.accepted >= t,
                timeout=120,
                every=0.02,
            )
            from django.utils import timezone

            worker.kill()
            flying = in_flight(timezone.now())
            at_kill |= flying
            d.say(
                f"kill {n}: SIGKILLed the worker at {smtp.handler.accepted} received, "
                f"{len(flying)} in flight; restarting it"
            )
            killed_at = time.monotonic()
            worker = s.worker("killed", "--concurrency", "1")
        d.wait_received(f"all {owed} emails", lambda ids: len(ids) >= owed, timeout=180)
        recovered = time.monotonic() - killed_at
        from common.models import Email

        stack.wait_for(
            "every row recorded sent",
            lambda: not Email.objects.exclude(status="sent").exists(),
            timeout=60,
        )
        time.sleep(SWEEP_EVERY * 2)  # a late repeat would show up now
        ids = d.received_ids()
        rows = {str(pk) for pk in Email.objects.values_list("pk", flat=True)}
        repeats = {pk: n - 1 for pk, n in ids.items() if n > 1}
        d.figure("sent (rows recorded sent)", Email.objects.filter(status="sent").count())
        d.figure("received (messages)", sum(ids.values()))
        d.figure("distinct emails received", len(ids))
        d.figure("duplicates", sum(repeats.values()))
        d.figure("emails the killed worker left in flight", len(at_kill))
        d.figure("dispatch time", f"{time.monotonic() - started:.1f} s")
        d.figure("time to recover after the last kill", f"{recovered:.1f} s")
        d.check(rows <= set(ids), f"lost: {sorted(rows - set(ids))[:20]}")
        d.check(set(ids) <= rows, f"received emails with no row: {sorted(set(ids) - rows)}")
        d.check(sum(repeats.values()) <= len(KILL_AT), f"more than 3 duplicates: {repeats}")
        d.check(
            set(repeats) <= at_kill,
            f"duplicates of emails not in flight at a kill: {sorted(set(repeats) - at_kill)}",
        )
    return d.result

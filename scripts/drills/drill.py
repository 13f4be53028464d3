"""What every fault drill shares: its own database (a copy of the migrated template named
by DATABASE_URL), its Stack (scripts/stack.py), the figures it prints and the checks
that fail it."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable

from scripts import stack

TEMPLATE_READY = "LODESTAR_DRILLS_TEMPLATE_READY"


def template_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("drills: set DATABASE_URL to a PostgreSQL database they may drop")
    return url


def template_prepare() -> None:
    """Create the template database afresh and migrate it (the runner does this once)."""
    with stack.Stack("template", template_url()) as template:
        template.database()


class Drill:
    """One drill: ``with Drill("1", "worker SIGKILLed") as d:`` gives ``d.stack``, a Stack
    on a fresh copy of the template; ``d.figure(...)`` prints and records a figure;
    ``d.check(ok, ...)`` records a failure; ``main()`` returns ``d.result``."""

    def __init__(self, number: str, title: str, env: dict[str, str] | None = None):
        self.number, self.title = number, title
        self.failures: list[str] = []
        self.figures: dict[str, object] = {}
        template = template_url()
        name = f"{stack.database_name(template)}_d{number}"
        self.stack = stack.Stack(f"drill{number}", stack.database_url(template, name), env)
        self.started = time.monotonic()

    def __enter__(self) -> Drill:
        self.say(self.title)
        template = stack.database_name(template_url())
        if not os.environ.get(TEMPLATE_READY) and not stack.database_exists(template_url()):
            template_prepare()
        self.stack.database(template=template)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            detail = "".join(traceback.format_exception_only(exc_type, exc)).strip()
            self.failures.append(f"stopped by {detail}")
            if not isinstance(exc, stack.StackError):
                traceback.print_exception(exc_type, exc, tb)
        self.stack.__exit__(None if not self.failures else RuntimeError, None, None)
        self.report()
        return True  # the failure is in self.failures, and main() returns it

    def say(self, message: str) -> None:
        print(f"drill {self.number}: {message}", flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def figure(self, name: str, value) -> None:
        self.figures[name] = value
        self.say(f"{name}: {value}")

    def check(self, ok: bool, failure: str) -> bool:
        if not ok:
            self.failures.append(failure)
            self.say(f"FAILED: {failure}")
        return ok

    def report(self) -> None:
        self.figure("drill time", f"{self.elapsed():.0f} s")
        for failure in self.failures:
            print(f"drill {self.number}: FAILED: {failure}", file=sys.stderr, flush=True)
        self.say("passed" if not self.failures else f"FAILED ({len(self.failures)} problems)")

    @property
    def result(self) -> int:
        return 1 if self.failures else 0

    # -- what the SMTP server received

    def received_ids(self) -> Counter:
        """How many times the SMTP server received each outbox row (by its header)."""
        return Counter(message["X-Lodestar-Outbox-Id"] for message in self.stack.smtp.messages())

    def wait_received(self, what: str, done: Callable[[Counter], bool], timeout: float) -> float:
        """Wait until ``done(received_ids())``; returns the seconds it took."""
        started = time.monotonic()
        stack.wait_for(what, lambda: done(self.received_ids()), timeout=timeout, every=0.25)
        return time.monotonic() - started


def schedule_every(s: stack.Stack, name: str, seconds: int) -> None:
    """Run beat's periodic task ``name`` every ``seconds``, as an admin would change its
    cadence in the database, once every beat of ``s`` has synced the schedule from the
    settings (which would undo the change); returns when a beat has sent it twice at the
    new cadence. Needs ``Stack.django()``."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

    logs = [service.log for service in s.services if "beat" in service.argv]

    def sent() -> int:
        return sum(log.read_text().count(f"Sending due task {name} ") for log in logs)

    for log in logs:
        stack.wait_for(f"{log.stem} to start", lambda log=log: "beat: Starting" in log.read_text())
    stack.wait_for(
        f"beat to sync {name} into the database",
        lambda: PeriodicTask.objects.filter(name=name).exists(),
    )
    time.sleep(2)  # the beats' first read of the schedule is behind them
    before = sent()
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=seconds, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(name=name).update(interval=interval, crontab=None)
    PeriodicTasks.update_changed()
    stack.wait_for(
        f"beat to send {name} every {seconds} s",
        lambda: sent() >= before + 2,
        timeout=3 * seconds + 10,
        every=0.2,
    )

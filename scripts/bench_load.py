"""make bench-load: issue 14's load runs against Lodestar as production runs it (scripts/stack.py:
a fresh PostgreSQL database, a throwaway Redis, gunicorn, Celery workers and beat under
production settings, and an aiosmtpd SMTP server in a process of its own).

    python -m scripts.bench_load [email|imports|all] [--scale 0.1]

A throwaway PostgreSQL 15 cluster of its own unless BENCH_LOAD_DATABASE_URL names a
database (postgres://postgres@127.0.0.1:5432/lodestar_load).

email    2,000 leaders with 10 raters each (self, manager, mentor, 7 direct reports); one
         cycle opened for all of them by the service the tick calls: 20,000 invitations
         through the outbox and two worker processes to the SMTP server, which counts them.
         Timed: the opening, and until the last is received; checked: none twice, none
         missing; compared with a plain smtplib loop sending the same 20,000 messages.
imports  a 10,000-row enrollment CSV, then a 100,000-row metric CSV, uploaded by HR to the
         API endpoints a person uses, served by gunicorn (its default 30 s timeout).

Each run uses its own database (``<name>_email``, ``<name>_imports``: dropped and created).
The peak resident memory (VmHWM) of every web and worker process is sampled from /proc.
Results go to bench/results/<date>-load.json, with the machine, and to a table.
``--scale`` shrinks every size (leaders, rows) by that fraction.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import email
import email.policy
import json
import os
import re
import smtplib
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from scripts import stack

RESULTS = stack.ROOT / "bench" / "results"
GOALS = {
    "open_seconds": 20.0,
    "enrollment_import_seconds": 20.0,
    "metric_import_seconds": 30.0,
    "peak_mb": 300.0,
    "rate_ratio": 1 / 3,
}
EMAIL_LEADERS = 2_000
REPORTS_EACH = 7  # with self, manager and mentor: 10 raters per leader
LEADERS_PER_MANAGER = LEADERS_PER_MENTOR = 10
IMPORT_LEADERS = 10_000
IMPORT_METRICS = ("sales_attainment", "retention_rate")  # monthly metrics
IMPORT_MONTHS = 5  # 10,000 leaders x 2 metrics x 5 months = 100,000 rows
# Production's worker on a 2-core machine (scripts/run.sh; Celery's default is one
# process per core). The README's systemd unit says 4 for a larger machine.
WORKER_CONCURRENCY = "2"
STALL_SECONDS = 120  # no new message for this long: stop waiting and report what is missing
# common.outbox.OUTBOX_HEADER: read without importing Lodestar (the import run never sets
# Django up in this process).
OUTBOX_HEADER = "X-Lodestar-Outbox-Id"
# The line of the plain-text body; received messages end their lines with CRLF.
LINK = re.compile(r"^Answer here: (\S+)\s*$", re.MULTILINE)


def say(message: str) -> None:
    stack.step("bench-load", message)


# --- what the SMTP server received ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One message the SMTP server accepted, by what identifies it."""

    outbox_id: str  # the outbox row (X-Lodestar-Outbox-Id): the same on every attempt
    message_id: str  # new on every attempt: a repeat of it is the server's own doing
    to: str
    link: str  # the rater link: one per request, stable across attempts


def delivery(message: email.message.EmailMessage) -> Delivery:
    body = message.get_body(("plain",))
    found = LINK.search(body.get_content() if body is not None else "")
    return Delivery(
        outbox_id=str(message.get(OUTBOX_HEADER, "")),
        message_id=str(message.get("Message-ID", "")),
        to=str(message.get("To", "")).strip().lower(),
        link=found.group(1) if found else "",
    )


@dataclasses.dataclass
class Tally:
    received: int
    distinct: int  # distinct outbox rows
    repeats_by_outbox_id: dict[str, int]  # row → extra copies
    repeats_by_message_id: int
    repeats_by_recipient_and_link: int
    without_link: int
    missing: list[str]  # rows expected and never received
    unexpected: list[str]  # received, and no such row was expected


def tally(deliveries: Iterable[Delivery], expected: Iterable[str]) -> Tally:
    """Count what arrived: repeats by each identity a message has, and the rows missing."""
    deliveries = list(deliveries)
    by_row = Counter(d.outbox_id for d in deliveries)
    by_message_id = Counter(d.message_id for d in deliveries)
    by_recipient_link = Counter((d.to, d.link) for d in deliveries if d.link)
    expected = set(expected)
    return Tally(
        received=len(deliveries),
        distinct=len(by_row),
        repeats_by_outbox_id={row: n - 1 for row, n in by_row.items() if n > 1},
        repeats_by_message_id=sum(n - 1 for n in by_message_id.values()),
        repeats_by_recipient_and_link=sum(n - 1 for n in by_recipient_link.values()),
        without_link=sum(1 for d in deliveries if not d.link),
        missing=sorted(expected - set(by_row), key=_numeric),
        unexpected=sorted(set(by_row) - expected, key=_numeric),
    )


def _numeric(text: str):
    return (0, int(text)) if text.isdigit() else (1, text)


def mail_count(maildir: Path) -> int:
    return sum(1 for entry in os.scandir(maildir) if entry.name.endswith(".eml"))


def smtp_process(s: stack.Stack) -> Path:
    """The SMTP server in a process of its own (the bench process has its own work to do,
    and must not share a GIL with it); returns the directory it writes messages to."""
    maildir = s.work / "mail"
    code = (
        "from pathlib import Path; from scripts import stack; "
        f"stack.smtp_serve({s.smtp_port}, Path({str(maildir)!r}))"
    )
    s.start("smtp", stack.PYTHON, "-c", code)

    def answers() -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=2) as probe:
                return probe.noop()[0] == 250
        except OSError:
            return False

    stack.wait_for("the SMTP server to answer", answers, timeout=30, every=0.1)
    return maildir


# --- memory ---------------------------------------------------------------------------------


class PeakMemory:
    """Samples, in a thread, the peak resident memory (VmHWM) of every process in the
    process groups of the given services: a parent and the children it forks (gunicorn's
    workers, Celery's pool), including children that come and go between samples' ends;
    and, per ``phase`` the caller names, the highest resident memory (VmRSS) sampled in it,
    which tells which step the peak belongs to."""

    def __init__(self, services: dict[str, stack.Service], every: float = 0.25):
        self.groups = {service.process.pid: name for name, service in services.items()}
        self.every = every
        self.peaks: dict[int, tuple[str, str, int]] = {}  # pid → (service, role, kB)
        self.phase = "start"
        self.by_phase: dict[str, dict[str, int]] = {}  # phase → service → kB
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()
        self.sample()

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()

    def sample(self) -> None:
        for pid, pgid in _processes():
            name = self.groups.get(pgid)
            high_water = name and _status_kb(pid, "VmHWM")
            if high_water:
                role = "parent" if pid == pgid else "child"
                before = self.peaks.get(pid, ("", "", 0))[2]
                self.peaks[pid] = (name, role, max(before, high_water))
                in_phase = self.by_phase.setdefault(self.phase, {})
                in_phase[name] = max(in_phase.get(name, 0), _status_kb(pid, "VmRSS"))

    def report(self) -> dict:
        """Per service: the peak of each process (MB) and the highest of them."""
        out: dict[str, dict] = {}
        for pid, (name, role, kb) in sorted(self.peaks.items()):
            entry = out.setdefault(name, {"processes": [], "peak_mb": 0.0})
            entry["processes"].append({"pid": pid, "role": role, "peak_mb": round(kb / 1024, 1)})
            entry["peak_mb"] = max(entry["peak_mb"], round(kb / 1024, 1))
        for phase, services in self.by_phase.items():
            for name, kb in services.items():
                out[name].setdefault("rss_mb_by_phase", {})[phase] = round(kb / 1024, 1)
        return out


def _processes() -> Iterable[tuple[int, int]]:
    """(pid, process group) of every process this user can read."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        fields = stat.rpartition(")")[2].split()
        yield int(entry.name), int(fields[2])


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the email run ----------------------------------------------------------------------------


def email_population(*, leaders: int):
    """A cohort of ``leaders`` leaders, each with a manager, a mentor and direct reports,
    bulk-created (the set-up is not what is measured), and a scheduled cycle over it made
    by the service HR's page calls. Needs ``Stack.django()``."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from feedback import services as feedback
    from feedback.models import DEFAULT_QUESTIONNAIRE, Questionnaire
    from mentorship.models import Pairing
    from people import services as people
    from people.models import User
    from people.roles import Role
    from programs import services as programs
    from programs.models import Cohort, Enrollment

    today, domain = timezone.localdate(), "email.load.test"
    program = programs.program_create(by=None, name="Load bench", slug="load-bench")
    cohort = programs.cohort_create(
        by=None,
        program=program,
        name="Load bench cohort",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=120),
        capacity=leaders,
    )
    password = make_password(None)  # unusable: nobody signs in

    def people_(pattern: str, count: int, **fields) -> list[User]:
        made = [
            User(email=pattern.format(n=n) + f"@{domain}", full_name=pattern.format(n=n).title())
            for n in range(count)
        ]
        for n, person in enumerate(made):
            person.password = password
            for field, value in fields.items():
                setattr(person, field, value(n) if callable(value) else value)
        return User.objects.bulk_create(made, batch_size=2000)

    groups = -(-leaders // LEADERS_PER_MANAGER)
    managers = people_("manager{n}", groups)
    mentors = people_("mentor{n}", -(-leaders // LEADERS_PER_MENTOR))
    members = people_("leader{n}", leaders, manager=lambda n: managers[n // LEADERS_PER_MANAGER])
    people_(
        "report{n}",
        leaders * REPORTS_EACH,
        manager=lambda n: members[n // REPORTS_EACH],
    )
    people.users_role_grant_many(users=members, role=Role.LEADER, by=None)
    people.users_role_grant_many(users=mentors, role=Role.MENTOR, by=None)
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(cohort=cohort, program=program, leader=leader, status="active")
            for leader in members
        ],
        batch_size=2000,
    )
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=leaders)
    Pairing.objects.bulk_create(
        [
            Pairing(
                mentor=mentors[n // LEADERS_PER_MENTOR],
                mentee=leader,
                enrollment=enrollment,
                started_on=today,
            )
            for n, (leader, enrollment) in enumerate(zip(members, enrollments, strict=True))
        ],
        batch_size=2000,
    )
    now = timezone.now()
    return feedback.cycle_create(
        cohort=cohort,
        questionnaire=Questionnaire.objects.get(name=DEFAULT_QUESTIONNAIRE),
        name="Load bench 360",
        opens_at=now,
        due_at=now + datetime.timedelta(days=14),
        by=None,
        schedule=True,
    )


def cycle_open_timed(cycle_id: int) -> dict:
    """Open the cycle as the tick does, timed: in all, and its two halves (the transaction,
    then publishing one send task per email once it commits)."""
    from django.db import transaction

    from feedback import services as feedback

    marks: dict[str, float] = {}
    started, started_wall = time.monotonic(), time.time()
    # An outer transaction only to place a mark between the commit and the publishing: the
    # first on-commit callback registered runs first, before the outbox's enqueues.
    with transaction.atomic():
        transaction.on_commit(lambda: marks.setdefault("committed", time.monotonic()))
        opened = feedback.cycle_open(cycle_id=cycle_id)
    finished = time.monotonic()
    if not opened:
        raise stack.StackError("cycle_open found nothing to open (did a tick open it first?)")
    return {
        "open_seconds": round(finished - started, 2),
        "open_transaction_seconds": round(marks["committed"] - started, 2),
        "open_enqueue_seconds": round(finished - marks["committed"], 2),
        "_wall": started_wall,
        "_wall_opened": started_wall + (finished - started),
    }


def wait_delivered(maildir: Path, owed: int, *, started_wall: float, opened_wall: float) -> dict:
    """Wait until ``owed`` messages arrived, or none arrived for STALL_SECONDS; when the
    first and last arrived (the server names each file by its arrival, in epoch ns), and
    the rate from the start of the opening, and from its end (sending overlaps it)."""
    count = during_open = mail_count(maildir)
    last_change = last_said = time.monotonic()
    while count < owed:
        time.sleep(0.1)
        now, seen = time.monotonic(), mail_count(maildir)
        if seen != count:
            count, last_change = seen, now
        if now - last_change > STALL_SECONDS:
            say(f"no message for {STALL_SECONDS} s: stopping at {count} of {owed}")
            break
        if now - last_said >= 15:
            say(f"{count} of {owed} received, {time.time() - started_wall:.0f} s")
            last_said = now
    arrivals = sorted(arrived_at(path) for path in maildir.glob("*.eml"))
    first, last = (arrivals[0], arrivals[-1]) if arrivals else (started_wall, started_wall)
    after_open = sum(1 for moment in arrivals if moment > opened_wall)
    return {
        "received_all": count >= owed,
        "received_while_opening": during_open,
        "first_received_seconds": round(first - started_wall, 2),
        "all_received_seconds": round(last - started_wall, 2),
        "rate_per_second": round(len(arrivals) / max(last - started_wall, 1e-9), 1),
        "rate_after_open_per_second": round(after_open / max(last - opened_wall, 1e-9), 1),
    }


def arrived_at(path: Path) -> float:
    """When the SMTP server wrote a message (stack.MailDirHandler names it so)."""
    return int(path.name.partition("-")[0]) / 1e9


def outbox_settled(owed: int) -> dict:
    """Wait for every row to be recorded, then a little longer for a late repeat; the rows'
    statuses and ids."""
    from common.models import Email
    from feedback import emails

    invitations = Email.objects.filter(kind=emails.INVITATION)
    stack.wait_for(
        "every outbox row to be recorded",
        lambda: not invitations.exclude(status="sent").exists(),
        timeout=120,
    )
    time.sleep(5)  # a repeat of the last ones would arrive now
    statuses = dict(Counter(invitations.values_list("status", flat=True)))
    ids = [str(pk) for pk in invitations.values_list("pk", flat=True)]
    if len(ids) != owed:
        say(f"the outbox holds {len(ids)} invitations, not {owed}")
    return {"statuses": statuses, "ids": ids}


def plain_smtp_rate(port: int, maildir: Path, raw: list[tuple[str, bytes]]) -> dict:
    """The same messages sent again by a plain smtplib loop on one connection, to the same
    server; timed until the server has written the last one."""
    for path in maildir.glob("*.eml"):
        path.unlink()
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for to, message in raw:
            connection.sendmail("lodestar@lodestar.drill.test", [to], message)
    stack.wait_for("the plain loop's messages", lambda: mail_count(maildir) >= len(raw))
    seconds = time.monotonic() - started
    return {
        "messages": len(raw),
        "seconds": round(seconds, 2),
        "rate_per_second": round(len(raw) / seconds, 1),
    }


def email_run(base_url: str, scale: float) -> dict:
    leaders = max(1, round(EMAIL_LEADERS * scale))
    url = stack.database_url(base_url, f"{stack.database_name(base_url)}_email")
    with stack.Stack("load-email", url) as s:
        s.database()
        s.redis()
        maildir = smtp_process(s)
        s.django()
        started = time.monotonic()
        cycle = email_population(leaders=leaders)
        setup_seconds = time.monotonic() - started
        say(f"{leaders} leaders and their raters bulk-created in {setup_seconds:.0f} s")
        worker = s.worker("worker", "--concurrency", WORKER_CONCURRENCY)
        stack.wait_for("the worker to be ready", lambda: "ready." in worker.log.read_text())
        with PeakMemory({"worker": worker}) as memory:
            memory.phase = "opening"
            opening = cycle_open_timed(cycle.pk)
            say(f"cycle opened in {opening['open_seconds']} s")
            # Beat only now: its tick would otherwise open the cycle itself.
            beat = s.beat()
            memory.phase = "sending"
            owed = _invitations_owed()
            say(f"{owed} invitations owed; waiting for the SMTP server to receive them")
            delivered = wait_delivered(
                maildir, owed, started_wall=opening["_wall"], opened_wall=opening["_wall_opened"]
            )
            rows = outbox_settled(owed)
        tasks = send_tasks(worker.log, delivered["all_received_seconds"])
        # Read once: tallied, then sent again by the plain loop.
        raw = [path.read_bytes() for path in sorted(maildir.glob("*.eml"))]
        parsed = [email.message_from_bytes(data, policy=email.policy.default) for data in raw]
        counted = tally((delivery(message) for message in parsed), rows["ids"])
        beat.stop()
        worker.stop()
        say(f"received {counted.received}; sending them again with a plain smtplib loop")
        resend = [(str(m["To"]), data) for m, data in zip(parsed, raw, strict=True)]
        plain = plain_smtp_rate(s.smtp_port, maildir, resend)
    figures = email_figures(
        leaders, setup_seconds, opening, delivered, rows, counted, plain, memory
    )
    return {**figures, "send_tasks": tasks}


def send_tasks(log: Path, wall_seconds: float) -> dict:
    """How long the outbox's send tasks took inside the worker (its JSON task lines: batches
    of up to OUTBOX_SEND_BATCH rows, and single sends such as retries), and what share of
    the pool's time they fill: the rest is Celery's own (fetching, acknowledging, logging)
    or waiting."""
    durations = sorted(
        line["duration_ms"]
        for task in ("outbox.send_batch", "outbox.send")
        for line in stack.task_lines(log, task)
    )
    if not durations:
        return {"tasks": 0}
    pool = int(WORKER_CONCURRENCY) * wall_seconds * 1000
    return {
        "tasks": len(durations),
        "p50_ms": durations[len(durations) // 2],
        "p95_ms": durations[int(len(durations) * 0.95)],
        "busy_share_of_pool": round(sum(durations) / pool, 2) if pool else None,
    }


def _invitations_owed() -> int:
    from common.models import Email
    from feedback import emails

    return Email.objects.filter(kind=emails.INVITATION).count()


def email_figures(leaders, setup_seconds, opening, delivered, rows, counted, plain, memory):
    ratio = delivered["rate_per_second"] / plain["rate_per_second"]
    return {
        "leaders": leaders,
        "raters_each": 3 + REPORTS_EACH,
        "owed": len(rows["ids"]),
        "setup_seconds": round(setup_seconds, 1),
        **{key: value for key, value in opening.items() if not key.startswith("_")},
        **delivered,
        "outbox_statuses": rows["statuses"],
        "received": counted.received,
        "distinct_received": counted.distinct,
        "duplicates_by_outbox_id": sum(counted.repeats_by_outbox_id.values()),
        "duplicated_rows": dict(list(counted.repeats_by_outbox_id.items())[:20]),
        "duplicates_by_message_id": counted.repeats_by_message_id,
        "duplicates_by_recipient_and_link": counted.repeats_by_recipient_and_link,
        "messages_without_link": counted.without_link,
        "missing": len(counted.missing),
        "missing_rows": counted.missing[:20],
        "unexpected": len(counted.unexpected),
        "plain_smtp": plain,
        "rate_ratio": round(ratio, 3),
        "memory": memory.report(),
    }


# --- the import runs --------------------------------------------------------------------------


def enrollment_csv(leaders: int) -> bytes:
    rows = ["email,full_name,title,manager_email"]
    managers = max(1, leaders // 20)
    rows += [
        f"leader{n}@import.load.test,Leader {n},Sales Leader,manager{n % managers}@import.load.test"
        for n in range(leaders)
    ]
    return ("\n".join(rows) + "\n").encode()


def metric_csv(leaders: int, today: datetime.date) -> bytes:
    """Every leader, both monthly metrics, the last IMPORT_MONTHS complete months."""
    months = []
    year, month = today.year, today.month
    for _ in range(IMPORT_MONTHS):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(f"{year}-{month:02d}")
    rows = ["leader_email,metric,period,value"]
    rows += [
        f"leader{n}@import.load.test,{metric},{period},{60 + (n * 7 + m * 3 + p) % 40}.5"
        for n in range(leaders)
        for m, metric in enumerate(IMPORT_METRICS)
        for p, period in enumerate(months)
    ]
    return ("\n".join(rows) + "\n").encode()


def upload(site: stack.Site, path: str, name: str, content: bytes) -> dict:
    """POST a CSV as HR's client does; the time, the answer, or how the connection ended."""
    payload, content_type = stack.multipart({"dry_run": "false"}, {"file": (name, content)})
    started = time.monotonic()
    try:
        status, _, body = site.call(
            "POST", path, body=payload, headers={"Content-Type": content_type}, timeout=900
        )
    except OSError as error:  # gunicorn killed the worker: the connection just closes
        return {
            "status": None,
            "error": f"{type(error).__name__}: {error}",
            "seconds": round(time.monotonic() - started, 2),
        }
    seconds = time.monotonic() - started
    answer = {"status": status, "seconds": round(seconds, 2), "bytes": len(content)}
    try:
        parsed = json.loads(body)
        answer["counts"] = parsed.get("counts") or {
            key: parsed[key] for key in ("rows", "created", "updated", "unchanged") if key in parsed
        }
    except (ValueError, AttributeError):
        answer["body"] = body[:300].decode(errors="replace")
    if status != 200:
        answer["body"] = body[:500].decode(errors="replace")
    return answer


def table_count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 — fixed names


def worker_timeouts(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if "TIMEOUT" in line]


def imports_run(base_url: str, scale: float) -> dict:
    leaders = max(1, round(IMPORT_LEADERS * scale))
    url = stack.database_url(base_url, f"{stack.database_name(base_url)}_imports")
    with stack.Stack("load-imports", url) as s:
        s.database()
        s.hr_superuser()
        s.redis()
        maildir = smtp_process(s)
        site = s.web()
        worker = s.worker("worker", "--concurrency", WORKER_CONCURRENCY)
        s.beat()
        site.sign_in(s.hr_email, s.hr_password)
        cohort = _cohort_create(site, capacity=leaders)
        web = next(service for service in s.services if service.name == "web")
        figures: dict = {"leaders": leaders}
        with PeakMemory({"web": web, "worker": worker}) as memory:
            say(f"importing {leaders} enrollments")
            memory.phase = "enrollment import"
            figures["enrollment"] = upload(
                site,
                f"/api/v1/cohorts/{cohort}/enrollments/import/",
                "leaders.csv",
                enrollment_csv(leaders),
            )
            say(f"enrollment import: {figures['enrollment']}")
            memory.phase = "welcome emails"
            figures["welcome_emails"] = _welcomes_wait(url, maildir, leaders)
            memory.phase = "metric import"
            rows = leaders * len(IMPORT_METRICS) * IMPORT_MONTHS
            say(f"importing {rows} observations")
            figures["metric"] = upload(
                site,
                "/api/v1/metrics/observations/import/",
                "metrics.csv",
                metric_csv(leaders, datetime.datetime.now(tz=datetime.UTC).date()),
            )
            figures["metric"]["rows"] = rows
            say(f"metric import: {figures['metric']}")
            time.sleep(1)
        figures["metric"]["observations_in_database"] = table_count(url, "metrics_observation")
        figures["gunicorn_timeouts"] = worker_timeouts(web.log)
        figures["memory"] = memory.report()
    return figures


def _cohort_create(site: stack.Site, *, capacity: int) -> int:
    _, body = site.expect(
        201, "POST", "/api/v1/programs/", body={"name": "Import bench", "slug": "import-bench"}
    )
    today = datetime.datetime.now(tz=datetime.UTC).date()
    _, body = site.expect(
        201,
        "POST",
        "/api/v1/cohorts/",
        body={
            "program": json.loads(body)["id"],
            "name": "Import bench cohort",
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=120)).isoformat(),
            "capacity": capacity,
        },
    )
    return json.loads(body)["id"]


def _welcomes_wait(url: str, maildir: Path, leaders: int) -> dict:
    """The import owes one welcome email per leader: let the worker send them before the
    next import, so that import is timed on its own (and the sending is a figure too)."""
    started = time.monotonic()
    owed = table_count(url, "common_email")
    stack.wait_for(
        f"{owed} welcome emails", lambda: mail_count(maildir) >= owed, timeout=60 + leaders / 5
    )
    seconds = time.monotonic() - started
    return {"owed": owed, "seconds_after_import": round(seconds, 1)}


# --- results ----------------------------------------------------------------------------------


def machine(base_url: str) -> dict:
    import platform

    import psycopg

    with psycopg.connect(stack.database_url(base_url, "postgres")) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    memory_kb = _meminfo_kb("MemTotal")
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "postgresql": version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # The machine is shared: what else was running when the bench began.
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def _meminfo_kb(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def verdicts(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, goal, met) rows for the table."""
    rows = []

    def row(name, value, goal, met):
        rows.append((name, value, goal, "yes" if met else "NO"))

    peak = GOALS["peak_mb"]
    if "email" in results:
        e = results["email"]
        row(
            "open the cycle (service call)",
            f"{e['open_seconds']} s ({e['open_transaction_seconds']} in the transaction, "
            f"{e['open_enqueue_seconds']} enqueueing)",
            f"<= {GOALS['open_seconds']:.0f} s",
            e["open_seconds"] <= GOALS["open_seconds"],
        )
        row(
            f"all {e['owed']} received",
            f"{e['all_received_seconds']} s ({e['rate_per_second']}/s), {e['received']} received",
            "all",
            e["received_all"] and not e["missing"],
        )
        row(
            "received twice",
            f"{e['duplicates_by_outbox_id']} by outbox id, {e['duplicates_by_message_id']} by "
            f"Message-ID, {e['duplicates_by_recipient_and_link']} by recipient+link",
            "0",
            not (e["duplicates_by_outbox_id"] or e["duplicates_by_recipient_and_link"]),
        )
        row("missing", str(e["missing"]), "0", not e["missing"])
        row(
            "outbox rate / plain smtplib loop",
            f"{e['rate_ratio']:.2f} ({e['rate_per_second']}/s from the opening, "
            f"{e['rate_after_open_per_second']}/s after it; plain "
            f"{e['plain_smtp']['rate_per_second']}/s)",
            ">= 0.33",
            e["rate_ratio"] >= GOALS["rate_ratio"],
        )
        for name, entry in e["memory"].items():
            row(
                f"peak RSS, {name} processes", _peaks(entry), f"< {peak:.0f} MB each", _under(entry)
            )
    if "imports" in results:
        i = results["imports"]
        for key, goal in (
            ("enrollment", "enrollment_import_seconds"),
            ("metric", "metric_import_seconds"),
        ):
            answer = i[key]
            shown = f"{answer['seconds']} s, " + (
                f"HTTP {answer['status']}" if answer["status"] else answer["error"]
            )
            row(
                f"{key} import ({answer.get('rows', i['leaders'])} rows)",
                shown,
                f"<= {GOALS[goal]:.0f} s",
                answer["status"] == 200 and answer["seconds"] <= GOALS[goal],
            )
        for name, entry in i["memory"].items():
            row(
                f"peak RSS, {name} processes (imports)",
                _peaks(entry),
                f"< {peak:.0f} MB each",
                _under(entry),
            )
    return rows


def _peaks(entry: dict) -> str:
    return ", ".join(f"{p['role']} {p['peak_mb']:.0f}" for p in entry["processes"]) + " MB"


def _under(entry: dict) -> bool:
    return entry["peak_mb"] < GOALS["peak_mb"]


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [
        max(len(row[i]) for row in [("figure", "measured", "goal", "met"), *rows]) for i in range(4)
    ]
    for row in [("figure", "measured", "goal", "met"), tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", nargs="?", choices=("email", "imports", "all"), default="all")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of every size")
    args = parser.parse_args(argv)
    base_url = os.environ.get("BENCH_LOAD_DATABASE_URL", "")
    with contextlib.ExitStack() as exits:
        if not base_url:
            # A throwaway PostgreSQL 15 cluster of its own, removed afterwards.
            from scripts.drills._db_faults import Cluster, Procs

            base_url = Cluster(exits.enter_context(Procs("load"))).url("lodestar_load")
        return _run(args, base_url)


def _run(args, base_url: str) -> int:
    if not base_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench-load: BENCH_LOAD_DATABASE_URL must be a PostgreSQL database URL")
    results: dict = {
        "date": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "machine": machine(base_url),
        "goals": GOALS,
    }
    if args.run in ("imports", "all"):
        results["imports"] = imports_run(base_url, args.scale)
    if args.run in ("email", "all"):
        results["email"] = email_run(base_url, args.scale)
    rows = verdicts(results)
    results["table"] = [
        dict(zip(("figure", "measured", "goal", "met"), row, strict=True)) for row in rows
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    # A scaled-down run never replaces the day's full one.
    suffix = "" if args.scale == 1 else f"-scale-{args.scale:g}"
    day = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    path = RESULTS / f"{day}-load{suffix}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print_table(rows)
    print(f"\nbench-load: results in {path.relative_to(stack.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

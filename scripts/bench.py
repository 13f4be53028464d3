"""make bench: how fast the API answers at company size, and how much of it is SQL (issue 14).

Builds a fresh database with ``manage.py seed_scale`` (the demo plus N leaders in cohorts of
30 and one large cohort, mentors, sessions, two released 360° cycles, 24 months of every
metric), then calls each endpoint in-process through Django's test client, one request at
a time, each time about a random subject (a random leader, mentor, cohort of 30, released
report), and reports p50/p95/p99 milliseconds, the query count, and the SQL floor: the
statements one request issued, re-run directly through a database cursor and timed, with
the ratio request ÷ SQL floor (how much of the time is Python and serialization).

Without BENCH_DATABASE_URL it starts a throwaway PostgreSQL 15 cluster and Redis of its own
(scripts/drills/_db_faults.py) and removes them afterwards. Results go to
bench/results/<date>.json (<date>-small.json for SIZE=small) and a table on
stdout. Settings are local ones with DEBUG off.

Knobs (environment):
  SIZE               small: 1,000 leaders, a large cohort of 300, 100 requests or 5 s per
                     endpoint (about 4 minutes); full (default): 10,000 leaders, a large
                     cohort of 1,000, 300 requests or 60 s per endpoint
  BENCH_LEADERS      leaders added to the demo (overrides SIZE)
  BENCH_COHORT_SIZE  leaders per cohort (default 30)
  BENCH_LARGE_COHORT leaders in the one large cohort (0: none)
  BENCH_SEED         seed_scale's --seed (default 1)
  BENCH_ROUNDS       requests per endpoint
  BENCH_SECONDS      time budget per endpoint: it stops early (at 3 requests or more)
  BENCH_DATABASE_URL a PostgreSQL database to drop, create and use, or sqlite:///path
  BENCH_REUSE        1: measure the database at BENCH_DATABASE_URL as it is (built by an
                     earlier run or by seed_scale), without dropping or rebuilding it
  BENCH_ONLY         only the endpoints whose name contains this (e.g. "scorecard")
"""

import datetime
import json
import math
import os
import platform
import random
import secrets
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {
    # leaders, large cohort, requests per endpoint, seconds per endpoint
    "small": (1000, 300, 100, 5.0),
    "full": (10000, 1000, 300, 60.0),
}
SIZE = os.environ.get("SIZE") or "full"
if SIZE not in SIZES:
    sys.exit(f"SIZE must be one of {', '.join(SIZES)}, not {SIZE!r}")
LEADERS = int(os.environ.get("BENCH_LEADERS") or SIZES[SIZE][0])
LARGE_COHORT = int(os.environ.get("BENCH_LARGE_COHORT") or SIZES[SIZE][1])
COHORT_SIZE = int(os.environ.get("BENCH_COHORT_SIZE") or 30)
SEED = int(os.environ.get("BENCH_SEED") or 1)
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or SIZES[SIZE][2])
SECONDS = float(os.environ.get("BENCH_SECONDS") or SIZES[SIZE][3])
# Measure again without rebuilding: BENCH_DATABASE_URL names a database seed_scale built.
REUSE = os.environ.get("BENCH_REUSE", "") == "1"
ONLY = os.environ.get("BENCH_ONLY", "")  # only the endpoints whose name contains this
MIN_ROUNDS = 3
GOAL_ROUNDS = 300  # what issue 14 asks per endpoint
PAGE = 100  # the deep page the lists are measured at, where they have that many
RESULTS = ROOT / "bench" / "results"


def configure(database_url: str, redis_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    os.environ["DEBUG"] = "false"  # as production: no per-query bookkeeping
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ["EMAIL_FILE_PATH"] = str(ROOT / "var" / "bench-mail")
    # The table is the output: no request or sign-in log line between its rows.
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
        path.unlink(missing_ok=True)
    else:
        from scripts import stack

        stack.createdb(url)


def build() -> dict:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command(
        "seed_scale",
        leaders=LEADERS,
        seed=SEED,
        cohort_size=COHORT_SIZE,
        large_cohort=LARGE_COHORT,
        stdout=sys.stdout,
    )
    return {"seconds": round(time.monotonic() - started, 1)}


# --- subjects -------------------------------------------------------------------------------


class Subjects:
    """Who and what a request is about, drawn at random (seeded) from the scale data."""

    def __init__(self):
        from demo.scale import EMAIL_DOMAIN, LARGE_COHORT_NAME
        from feedback.models import RaterRequest
        from people.models import User
        from programs.demo import PROGRAM
        from programs.models import Cohort, Program

        self.rng = random.Random(SEED)
        self.hr = User.objects.get(email="hr@example.com")
        self.program = Program.objects.get(slug=PROGRAM["slug"])
        scale = Cohort.objects.filter(enrollments__leader__email__endswith=f"@{EMAIL_DOMAIN}")
        names = dict(scale.distinct().values_list("pk", "name"))
        self.large = [pk for pk, name in names.items() if name.startswith(LARGE_COHORT_NAME)]
        self.small = [pk for pk in names if pk not in self.large]
        leaders = User.objects.filter(email__startswith="leader", email__endswith=EMAIL_DOMAIN)
        by_cohort = leaders.values_list("pk", "enrollments__cohort")
        self.leaders_small = [pk for pk, cohort in by_cohort if cohort in self.small]
        self.leaders_large = [pk for pk, cohort in by_cohort if cohort in self.large]
        self.mentors = list(
            User.objects.filter(
                email__startswith="mentor", email__endswith=EMAIL_DOMAIN
            ).values_list("pk", flat=True)
        )
        self.reports = list(
            RaterRequest.objects.filter(
                cycle__released_at__isnull=False, subject__email__endswith=EMAIL_DOMAIN
            )
            .values_list("cycle", "subject")
            .distinct()
        )
        self.users = {}

    def user(self, pk: int):
        from people.models import User

        if pk not in self.users:
            self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def pick(self, pool: list):
        return self.rng.choice(pool)


@dataclass
class Case:
    """One endpoint: ``draw()`` gives (user, path) of its next request."""

    name: str
    role: str
    draw: Callable[[], tuple]
    note: str = ""


def per_person_cases(s: Subjects) -> list[Case]:
    def mine(path: str, pool: list[int]):
        def draw():
            pk = s.pick(pool)
            return s.user(pk), path.format(pk=pk)

        return draw

    found = []
    for label, pool in (("cohort of 30", s.leaders_small), ("large cohort", s.leaders_large)):
        if pool:
            found += [
                Case(f"leader dashboard, {label}", "leader", mine("/api/v1/dashboards/me/", pool)),
                Case(
                    f"scorecard, {label}", "leader", mine("/api/v1/metrics/scorecards/{pk}/", pool)
                ),
            ]
    found.append(
        Case("mentor dashboard", "mentor", mine("/api/v1/dashboards/mentors/me/", s.mentors))
    )

    def report():
        cycle, subject = s.pick(s.reports)
        return s.hr, f"/api/v1/feedback/cycles/{cycle}/reports/{subject}/"

    found.append(Case("feedback report", "hr", report))
    return found


def hr_cases(s: Subjects) -> list[Case]:
    def fixed(path: str):
        return lambda: (s.hr, path)

    def any_of(path: str, pool: list[int]):
        return lambda: (s.hr, path.format(pk=s.pick(pool)))

    program = s.program.pk
    found = [
        Case("program impact", "hr", fixed(f"/api/v1/metrics/programs/{program}/impact/")),
        Case(
            "program impact dashboard",
            "hr",
            fixed(f"/api/v1/dashboards/programs/{program}/impact/"),
        ),
    ]
    for label, pool in (("30", s.small), ("large", s.large)):
        if pool:
            found += [
                Case(
                    f"cohort dashboard ({label})",
                    "hr",
                    any_of("/api/v1/dashboards/cohorts/{pk}/", pool),
                ),
                Case(
                    f"cohort summary ({label})",
                    "hr",
                    any_of("/api/v1/metrics/cohorts/{pk}/summary/", pool),
                ),
                Case(
                    f"cohort summary CSV ({label})",
                    "hr",
                    any_of("/api/v1/metrics/cohorts/{pk}/summary/?format=csv", pool),
                ),
            ]
    return found


LISTS = {
    "enrollments": "/api/v1/enrollments/",
    "mentoring sessions": "/api/v1/mentorship/sessions/",
    "observations": "/api/v1/metrics/observations/",
    "rater requests": "/api/v1/feedback/requests/",
}


def list_cases(s: Subjects) -> list[Case]:
    """The first page and the 100th (the last, where there are fewer), as HR."""
    from django.test import Client

    client = Client()
    client.force_login(s.hr)
    found = []
    for name, path in LISTS.items():
        body = client.get(path).json()
        pages = max(1, math.ceil(body["count"] / max(1, len(body["results"]))))
        deep = min(PAGE, pages)
        note = "" if deep == PAGE else f"page {deep} is the last"
        found += [
            Case(f"{name}, page 1", "hr", lambda path=path: (s.hr, path)),
            Case(f"{name}, page {deep}", "hr", lambda p=f"{path}?page={deep}": (s.hr, p), note),
        ]
    return found


# --- measuring ------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def signed_in(user, clients: dict):
    """A test client signed in as ``user`` (once per user, outside any timing)."""
    from django.test import Client

    client = clients.get(user.pk)
    if client is None:
        client = clients[user.pk] = Client()
        # One handler for every client, as one web process has one: a fresh Client builds
        # its middleware on its first request, and WhiteNoise then scans every collected
        # static file (130 ms once staticfiles/ exists), which no real request pays.
        client.handler = _HANDLER.setdefault("shared", client.handler)
        client.force_login(user)
    return client


_HANDLER: dict = {}


def timed_get(client, path: str):
    started = time.perf_counter()
    response = client.get(path)
    return response, (time.perf_counter() - started) * 1000


def sql_floor(statements: list[str]) -> float:
    """Milliseconds the statements take run directly through a DB-API cursor (the better of
    two runs, writes rolled back)."""
    from django.db import connection, transaction

    best = math.inf
    for _ in range(2):
        with transaction.atomic():
            raw = connection.connection.cursor()
            started = time.perf_counter()
            for sql in statements:
                raw.execute(sql)
                if raw.description:
                    raw.fetchall()
            best = min(best, (time.perf_counter() - started) * 1000)
            raw.close()
            transaction.set_rollback(True)
    return best


def captured(case: Case, clients: dict) -> tuple[int, float, float]:
    """(query count, request ms, SQL floor ms) of one request, its statements captured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, path = case.draw()
    client = signed_in(user, clients)
    with CaptureQueriesContext(connection) as queries:
        _, ms = timed_get(client, path)
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("BEGIN", "COMMIT"))
    ]
    return len(queries), ms, sql_floor(statements)


def measure(case: Case) -> dict:
    clients: dict = {}
    timings, statuses = [], {}
    deadline = time.monotonic() + SECONDS
    while len(timings) < ROUNDS:
        user, path = case.draw()
        response, ms = timed_get(signed_in(user, clients), path)
        timings.append(ms)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if len(timings) >= MIN_ROUNDS and time.monotonic() > deadline:
            break
    timings.sort()
    p50 = statistics.median(timings)
    # The floor of a few subjects (one where a request takes seconds).
    samples = [captured(case, clients) for _ in range(3 if p50 < 500 else 1)]
    queries = max(sample[0] for sample in samples)
    floor = statistics.median(sample[2] for sample in samples)
    return {
        "endpoint": case.name,
        "as": case.role,
        "example": path,
        "requests": len(timings),
        "p50_ms": round(p50, 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "queries": queries,
        "sql_floor_ms": round(floor, 1),
        "request_to_sql": round(p50 / floor, 1) if floor else None,
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "note": case.note,
    }


# --- reporting ------------------------------------------------------------------------------


def machine(database_url: str) -> dict:
    from django.db import connection

    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        database = f"SQLite {connection.Database.sqlite_version}"
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(memory) / 1024 / 1024, 1),
        "database": database,
        "throwaway_cluster": "BENCH_DATABASE_URL" not in os.environ,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def print_table(rows: list[dict]) -> None:
    head = f"{'endpoint':<34} {'as':<6} {'n':>4} {'p50':>8} {'p95':>8} {'p99':>8}"
    head += f" {'queries':>7} {'SQL':>8} {'÷SQL':>5}"
    print(f"\n{head}\n{'-' * len(head)}")
    for row in rows:
        short = "*" if row["requests"] < GOAL_ROUNDS else " "
        errors = {code: n for code, n in row["statuses"].items() if code != "200"}
        print(
            f"{row['endpoint']:<34} {row['as']:<6} {row['requests']:>3}{short} "
            f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row['queries']:>7} {row['sql_floor_ms']:>8.1f} {row['request_to_sql'] or 0:>5.1f}"
            + (f"  HTTP {errors}" if errors else "")
            + (f"  ({row['note']})" if row["note"] else "")
        )
    print(
        "\nMilliseconds; n requests each about a random subject, one at a time; SQL: the "
        "statements of one request re-run directly; ÷SQL: p50 over that floor."
    )
    if any(row["requests"] < GOAL_ROUNDS for row in rows):
        print(
            f"* fewer than the {GOAL_ROUNDS} requests issue 14 asks for: BENCH_ROUNDS={ROUNDS}, "
            f"or the {SECONDS:g} s budget per endpoint (BENCH_SECONDS) ran out."
        )


def run(database_url: str, redis_url: str | None) -> None:
    configure(database_url, redis_url)
    # WhiteNoise warns that staticfiles/ was never collected: the API serves no files.
    warnings.filterwarnings("ignore", message="No directory at")
    if not REUSE:
        fresh_database(database_url)
    import django

    django.setup()
    built = {"seconds": None} if REUSE else build()
    subjects = Subjects()
    all_cases = [
        case
        for case in per_person_cases(subjects) + hr_cases(subjects) + list_cases(subjects)
        if ONLY in case.name
    ]
    rows = []
    for case in all_cases:
        rows.append(measure(case))
        print(
            f"  measured {case.name} ({rows[-1]['requests']} requests)", file=sys.stderr, flush=True
        )
    results = {
        "date": datetime.date.today().isoformat(),  # noqa: DTZ011 — the file's name, local
        "machine": machine(database_url),
        "size": {
            "name": SIZE,
            "leaders": LEADERS,
            "cohort_size": COHORT_SIZE,
            "large_cohort": min(LARGE_COHORT, LEADERS),
            "seed": SEED,
            "build_seconds": built["seconds"],
            "rounds": ROUNDS,
            "seconds_per_endpoint": SECONDS,
        },
        "endpoints": rows,
    }
    if ONLY:
        print_table(rows)
        print("\nBENCH_ONLY: a partial run, not written to bench/results/.")
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    # One file a day per size: a small run never overwrites the day's full one.
    target = RESULTS / (
        f"{results['date']}.json" if SIZE == "full" else f"{results['date']}-{SIZE}.json"
    )
    target.write_text(json.dumps(results, indent=2) + "\n")
    print_table(rows)
    print(f"\nWritten to {target.relative_to(ROOT)}.")


def main() -> None:
    started = time.monotonic()
    url = os.environ.get("BENCH_DATABASE_URL")
    if REUSE and not url:
        raise SystemExit("BENCH_REUSE=1 measures the database at BENCH_DATABASE_URL: set it.")
    with ExitStack() as stack:
        redis_url = None
        if not url:
            from scripts.drills._db_faults import Cluster, Procs, redis_start

            procs = stack.enter_context(Procs("bench"))
            url = Cluster(procs).url("lodestar_bench")
            redis_url = redis_start(procs)
            print(f"Throwaway PostgreSQL 15 at {url}, Redis at {redis_url}.", flush=True)
        run(url, redis_url)
    print(f"make bench took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()

"""make bench: how fast the API answers at a realistic size, and how many queries it costs.

Builds a throwaway SQLite database (var/bench.sqlite3) with the demo data plus
EXTRA_LEADERS more leaders in the current cohort (each with module completions
and two years of metric observations), then calls each endpoint ROUNDS times
in-process through Django's test client as the role that uses it and prints
median and 95th-percentile latency and the query count per call.

Query counts are what the test suite pins; latencies are for reading, not for
asserting (this machine's speed varies). Knobs:
  BENCH_LEADERS      extra leaders (default 300)
  BENCH_COHORT_SIZE  put them in new cohorts of the program of this size, each starting a
                     month before the last (default 0: all in the current cohort)
  BENCH_DATABASE_URL a PostgreSQL database to drop, create and use instead of SQLite
  BENCH_ROUNDS       calls per endpoint (default 15)
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = ROOT / "var" / "bench.sqlite3"
DB.parent.mkdir(exist_ok=True)  # a fresh clone has no var/ yet
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DB}")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["EMAIL_FILE_PATH"] = str(ROOT / "var" / "bench-mail")
# The table is the output: no request or sign-in log line between its rows.
os.environ.setdefault("LOG_LEVEL", "WARNING")

EXTRA_LEADERS = int(os.environ.get("BENCH_LEADERS", "300"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
COHORT_SIZE = int(os.environ.get("BENCH_COHORT_SIZE", "0"))


def build() -> None:
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from metrics.models import MetricDefinition, Observation
    from metrics.periods import period_floor, period_shift
    from people.models import User
    from programs.models import Cohort, Enrollment, ModuleCompletion

    if DATABASE_URL.startswith("sqlite"):
        DB.unlink(missing_ok=True)
    else:
        import subprocess

        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "prod_smoke.py"), "createdb", DATABASE_URL],
            check=True,
        )
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)

    rng = random.Random(7)
    cohort = Cohort.objects.order_by("-starts_on").first()
    modules = list(cohort.program.modules.all())
    leader_group = Group.objects.get(name="Leader")
    now = timezone.now()
    with transaction.atomic():
        leaders = User.objects.bulk_create(
            User(
                email=f"bench.leader{i}@example.com",
                full_name=f"Bench Leader {i}",
                job_title="Sales Team Lead",
                password="!",  # noqa: S106 — an unusable password: no login
            )
            for i in range(EXTRA_LEADERS)
        )
        leader_group.user_set.add(*leaders)
        if COHORT_SIZE:
            groups = [leaders[i : i + COHORT_SIZE] for i in range(0, len(leaders), COHORT_SIZE)]
            cohorts = Cohort.objects.bulk_create(
                Cohort(
                    program=cohort.program,
                    name=f"Bench cohort {n}",
                    starts_on=period_shift(cohort.starts_on.replace(day=1), "month", -n - 1),
                    ends_on=period_shift(cohort.starts_on.replace(day=1), "month", -n),
                    capacity=len(group),
                    seats_taken=len(group),
                )
                for n, group in enumerate(groups)
            )
            placed = [
                (each, leader)
                for each, group in zip(cohorts, groups, strict=True)
                for leader in group
            ]
        else:
            Cohort.objects.filter(pk=cohort.pk).update(
                capacity=F("capacity") + EXTRA_LEADERS,
                seats_taken=F("seats_taken") + EXTRA_LEADERS,
            )
            placed = [(cohort, leader) for leader in leaders]
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(
                cohort=each,
                program=cohort.program,
                leader=leader,
                status=Enrollment.Status.ACTIVE,
                activated_at=now,
            )
            for each, leader in placed
        )
        ModuleCompletion.objects.bulk_create(
            ModuleCompletion(
                enrollment=enrollment,
                module=module,
                completed_on=cohort.starts_on,
                score=rng.randint(60, 100),
            )
            for enrollment in enrollments
            for module in modules
            if rng.random() < 0.5
        )
        today = datetime.date(2026, 11, 28)
        observations = []
        for metric in MetricDefinition.objects.all():
            low = float(metric.min_value if metric.min_value is not None else 0)
            high = float(metric.max_value if metric.max_value is not None else 100)
            high = min(high, low + 100)
            last = period_shift(period_floor(today, metric.period), metric.period, -1)
            steps = 8 if metric.period == "quarter" else 24
            for leader in leaders:
                for step in range(steps):
                    value = low + (high - low) * (0.5 + 0.4 * rng.random())
                    if metric.unit == "count":
                        value = round(value / 20)
                    observations.append(
                        Observation(
                            leader=leader,
                            metric=metric,
                            period_start=period_shift(last, metric.period, -step),
                            period=metric.period,
                            value=Decimal(str(round(value, 1))),
                            source=Observation.Source.IMPORT,
                            recorded_at=now,
                        )
                    )
        Observation.objects.bulk_create(observations, batch_size=2000)
    if not DATABASE_URL.startswith("sqlite"):
        from django.db import connection

        # Fresh statistics, as autovacuum would give a production database: without them
        # the first statements on the new rows are planned blind.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client, path: str) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    status = queries = 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        status, queries = response.status_code, len(captured)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, queries, status


def main() -> None:
    import django

    django.setup()
    started = time.perf_counter()
    build()
    print(
        f"Built the bench database in {time.perf_counter() - started:.1f}s "
        f"(demo + {EXTRA_LEADERS} leaders"
        + (f" in cohorts of {COHORT_SIZE}" if COHORT_SIZE else "")
        + f", {DATABASE_URL.split(':')[0]})."
    )

    from django.test import Client

    from feedback.models import Cycle
    from people.models import User
    from programs.models import Cohort

    cohort = Cohort.objects.order_by("-starts_on").first()
    program = cohort.program
    hr = User.objects.get(email="hr@example.com")
    leader = User.objects.get(email="leader@example.com")
    mentor = User.objects.get(email="mentor@example.com")
    closed = Cycle.objects.filter(status="closed").order_by("-due_at").first()

    cases = [
        (hr, f"/api/v1/enrollments/?cohort={cohort.pk}&page_size=100"),
        (hr, f"/api/v1/cohorts/{cohort.pk}/"),
        (hr, f"/api/v1/metrics/cohorts/{cohort.pk}/summary/"),
        (hr, f"/api/v1/metrics/programs/{program.pk}/impact/"),
        (hr, f"/api/v1/dashboards/cohorts/{cohort.pk}/"),
        (hr, f"/api/v1/dashboards/programs/{program.pk}/impact/"),
        (hr, "/api/v1/mentorship/sessions/"),
        (leader, "/api/v1/dashboards/me/"),
        (leader, f"/api/v1/metrics/scorecards/{leader.pk}/"),
        (mentor, "/api/v1/dashboards/mentors/me/"),
    ]
    if closed:
        subject = closed.requests.values_list("subject_id", flat=True).first()
        cases.append((hr, f"/api/v1/feedback/cycles/{closed.pk}/reports/{subject}/"))

    print(f"\n{'endpoint':<62} {'as':<7} {'median ms':>9} {'p95 ms':>7} {'queries':>7}")
    for user, path in cases:
        client = Client()
        client.force_login(user)
        median, p95, queries, status = measure(client, path)
        role = user.email.split("@")[0]
        note = "" if status == 200 else f"  (HTTP {status})"
        print(f"{path:<62} {role:<7} {median:>9.1f} {p95:>7.1f} {queries:>7}{note}")


if __name__ == "__main__":
    main()

"""Drill 5: PostgreSQL restarts in the middle of a 10,000-row enrollment import and of a
100,000-row metric import. Each import is all or nothing; re-running it completes, and
running it once more changes nothing (no duplicate person, enrollment, seat, welcome
email, observation or audit event).

The drill runs its own PostgreSQL 15 cluster (it restarts it) and Redis; the imports are
the services behind HR's import pages (``programs.services.enrollment_import``,
``metrics.services.observations_import_csv``), run in child processes. "In the middle"
is proven, not guessed: PostgreSQL is restarted once the import's open transaction has
written a third of its rows into the table's files (uncommitted rows extend the heap).

    .venv/bin/python scripts/drills/drill_5_postgres_restart.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# Run as a script or imported by the drill runner: the shared helpers sit beside this file.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _db_faults as faults
from _db_faults import DrillFailed, check

DRILL = "drill 5 (PostgreSQL restart during imports)"
LEADERS = 10_000
MANAGERS = 250
METRIC_CODES = ("sales_attainment", "retention_rate")
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05")
OBSERVATIONS = LEADERS * len(METRIC_CODES) * len(MONTHS)  # 100,000
PAGE = 8192


def say(message: str) -> None:
    faults.say("drill 5", message)


# --- the files --------------------------------------------------------------------------


def leader_email(n: int) -> str:
    return f"leader{n:05d}@drill5.example.com"


def enrollment_csv() -> bytes:
    lines = ["email,full_name,title,manager_email"]
    for n in range(LEADERS):
        manager = f"manager{n % MANAGERS:03d}@drill5.example.com"
        lines.append(f"{leader_email(n)},Leader {n:05d},Sales Leader,{manager}")
    return ("\n".join(lines) + "\n").encode()


def metrics_csv() -> bytes:
    lines = ["leader_email,metric,period,value"]
    for n in range(LEADERS):
        for code in METRIC_CODES:
            for month_index, month in enumerate(MONTHS):
                lines.append(f"{leader_email(n)},{code},{month},{50 + (n + month_index) % 50}")
    return ("\n".join(lines) + "\n").encode()


# --- what the database holds -------------------------------------------------------------

FIGURES = {
    "people": "SELECT count(*) FROM people_user",
    "enrollments": "SELECT count(*) FROM programs_enrollment",
    "distinct enrolled leaders": "SELECT count(DISTINCT leader_id) FROM programs_enrollment",
    "seats taken": "SELECT coalesce(sum(seats_taken), 0) FROM programs_cohort",
    "welcome emails": "SELECT count(*) FROM common_email WHERE kind = 'programs.welcome'",
    "distinct welcome keys": (
        "SELECT count(DISTINCT key) FROM common_email WHERE kind = 'programs.welcome'"
    ),
    "enrollment events": (
        "SELECT count(*) FROM common_auditevent WHERE action = 'enrollment.create'"
    ),
    "import events": "SELECT count(*) FROM common_auditevent WHERE action LIKE '%.import'",
    "observations": "SELECT count(*) FROM metrics_observation",
    "distinct observation keys": (
        "SELECT count(*) FROM (SELECT DISTINCT leader_id, metric_id, period_start "
        "FROM metrics_observation) AS keys"
    ),
    "observation changes": "SELECT count(*) FROM metrics_observationchange",
    "observation events": (
        "SELECT count(*) FROM common_auditevent WHERE action = 'observation.create'"
    ),
}


def figures(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return {name: connection.execute(sql).fetchone()[0] for name, sql in FIGURES.items()}


def table_bytes(url: str, table: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=2) as connection:
            return connection.execute("SELECT pg_relation_size(%s)", [table]).fetchone()[0]
    except psycopg.OperationalError:
        return 0


def differences(before: dict, after: dict) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


# --- one import, interrupted, re-run, run again --------------------------------------------


def drill_import(procs, cluster, env, url, *, what, csv_path, table, expect, again, mode) -> dict:
    """Interrupt the import with a restart (``mode``), check nothing of it stayed, re-run
    it to completion, check it wrote ``expect``, run it again and check it wrote nothing
    but ``again`` (the enrollment import records each run in the audit trail)."""
    drill_file = str(Path(__file__).resolve())
    before = figures(url)
    started = time.monotonic()
    argv = [faults.PYTHON, drill_file, "--child", what, str(csv_path)]
    child = procs.start(f"{what}-interrupted", argv, env)
    baseline = table_bytes(url, table)
    # A third of the rows this import writes, at ~100 bytes a row.
    threshold = baseline + expect[next(iter(expect))] * 100 // 3

    def halfway() -> bool:
        if child.poll() is not None:
            raise DrillFailed(f"the {what} finished before PostgreSQL could be restarted")
        return table_bytes(url, table) >= threshold

    faults.wait_for(f"the {what} to write a third of its rows", halfway, timeout=300, every=0.05)
    written = table_bytes(url, table) - baseline
    into = time.monotonic() - started
    down = cluster.restart(mode=mode)
    say(
        f"{what}: injected a PostgreSQL restart (-m {mode}) {into:.1f} s into the import, with "
        f"{written / 1024:.0f} kB of its uncommitted rows in {table}; down {down:.1f} s"
    )
    code = child.wait(timeout=120)
    procs.running.pop(f"{what}-interrupted")
    output = procs.log_tail(f"{what}-interrupted", 5)
    check(code != 0, f"the interrupted {what} exited 0:\n{output}")
    error_line = next(
        (line for line in output.splitlines() if line.startswith("IMPORT FAILED")), output[-200:]
    )
    say(f"{what}: the import failed with: {error_line.strip()[:160]}")
    after_restart = figures(url)
    check(
        after_restart == before,
        f"the interrupted {what} left rows behind: {differences(before, after_restart)}",
    )
    say(f"{what}: after the restart nothing of it is in the database (every figure as before)")

    began = time.monotonic()
    report = json.loads(faults.run_child(drill_file, env, what, str(csv_path)).splitlines()[-1])
    rerun_seconds = time.monotonic() - began
    completed = figures(url)
    wrote = differences(before, completed)
    check(wrote == expect, f"the re-run {what} wrote {wrote}, expected {expect}")
    say(f"{what}: re-run completed in {rerun_seconds:.1f} s: {report}; wrote {wrote}")

    output = faults.run_child(drill_file, env, what, str(csv_path))
    report_again = json.loads(output.splitlines()[-1])
    third = figures(url)
    wrote = differences(completed, third)
    check(wrote == again, f"running the {what} again wrote {wrote}")
    say(f"{what}: ran it once more: {report_again}; it wrote {wrote or 'nothing'}: no duplicates")
    return {"restart into import s": round(into, 1), "re-run s": round(rerun_seconds, 1)}


INVARIANTS = [
    ("seats taken", "enrollments"),
    ("distinct enrolled leaders", "enrollments"),
    ("welcome emails", "enrollments"),
    ("distinct welcome keys", "enrollments"),
    ("enrollment events", "enrollments"),
    ("distinct observation keys", "observations"),
    ("observation events", "observations"),
]


def invariants(url: str) -> None:
    now = figures(url)
    for one, other in INVARIANTS:
        check(now[one] == now[other], f"{one} ({now[one]}) ≠ {other} ({now[other]})")
    say(f"final figures: {now}")


def main() -> int:
    started = time.monotonic()
    try:
        with faults.Procs("drill5") as procs:
            cluster = faults.Cluster(procs)
            redis_url = faults.redis_start(procs)
            url = cluster.url("lodestar")
            faults.database_recreate(url)
            env = faults.django_env(database_url=url, redis_url=redis_url, CONN_MAX_AGE="0")
            faults.manage(env, "migrate", "--no-input", log=procs.work / "manage.log")
            faults.run_child(str(Path(__file__).resolve()), env, "setup")
            enrollments, observations = procs.work / "enrollments.csv", procs.work / "metrics.csv"
            enrollments.write_bytes(enrollment_csv())
            observations.write_bytes(metrics_csv())
            say(
                f"own PostgreSQL 15 cluster on :{cluster.port}, migrated; files: {LEADERS:,} "
                f"enrollment rows, {OBSERVATIONS:,} metric rows"
            )
            drill_import(
                procs,
                cluster,
                env,
                url,
                what="enrollment-import",
                csv_path=enrollments,
                table="programs_enrollment",
                expect={
                    "enrollments": LEADERS,
                    "people": LEADERS + MANAGERS,
                    "distinct enrolled leaders": LEADERS,
                    "seats taken": LEADERS,
                    "welcome emails": LEADERS,
                    "distinct welcome keys": LEADERS,
                    "enrollment events": LEADERS,
                    "import events": 1,
                },
                again={"import events": 1},
                mode="fast",
            )
            drill_import(
                procs,
                cluster,
                env,
                url,
                what="metric-import",
                csv_path=observations,
                table="metrics_observation",
                expect={
                    "observations": OBSERVATIONS,
                    "distinct observation keys": OBSERVATIONS,
                    "observation events": OBSERVATIONS,
                },
                again={},
                mode="immediate",
            )
            invariants(url)
    except DrillFailed as failure:
        print(f"drill 5: FAILED: {failure}", file=sys.stderr)
        return 1
    say(f"passed in {time.monotonic() - started:.0f} s")
    return 0


# --- the child processes (under Django) ---------------------------------------------------


def child(args: list[str]) -> None:
    faults.django_setup()
    from people.models import User

    what = args[0]
    if what == "setup":
        from programs.models import Cohort, Program

        User.objects.create_superuser(
            email="hr@drill5.example.com", password=None, full_name="Drill HR"
        )
        program = Program.objects.create(name="Sales Leadership Essentials", slug="sle")
        Cohort.objects.create(
            program=program,
            name="Spring 2026",
            starts_on="2026-04-08",
            ends_on="2026-04-12",
            capacity=LEADERS,
        )
        return
    hr = User.objects.get(email="hr@drill5.example.com")
    content = Path(args[1]).read_bytes()
    try:
        run_import(what, content, hr)
    except Exception as error:
        # The first error of the chain: what the restart did (later ones are the
        # rollback's and the reconnection's).
        while error.__context__ is not None:
            error = error.__context__
        print(f"IMPORT FAILED: {type(error).__name__}: {str(error).strip()}", flush=True)
        sys.exit(3)


def run_import(what: str, content: bytes, hr) -> None:
    began = time.monotonic()
    if what == "enrollment-import":
        from programs.models import Cohort
        from programs.services import enrollment_import

        report = enrollment_import(cohort=Cohort.objects.get(), file=content, dry_run=False, by=hr)
        counts = report.as_dict()["counts"]
    else:
        from metrics.services import observations_import_csv

        report = observations_import_csv(file=content, by=hr, dry_run=False)
        counts = {name: getattr(report, name) for name in ("created", "updated", "unchanged")}
        check(not report.errors, f"row errors: {report.errors[:5]}")
    counts["seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(counts))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        sys.exit(0)
    sys.exit(main())

"""make bench-locust: issue 14's load run. 50 users mixing the three roles (leaders,
mentors, HR; scripts/locustfile.py) call the API for 60 s through locust, headless,
against gunicorn run the way production runs it (production settings, 4 workers, a real
Redis), on a company built by ``manage.py seed_scale``. It reports requests/s, errors and
p50/p95/p99 per endpoint and overall, with the web processes' peak memory, and writes
bench/results/<date>-locust.json.

    .venv/bin/python -m scripts.bench_locust [--leaders 1000] [--users 50] [--seconds 60]

Without BENCH_LOCUST_DATABASE_URL it starts a throwaway PostgreSQL 15 cluster of its own
(scripts/drills/_db_faults.py), removed afterwards; with it, that database is recreated.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from scripts import stack
from scripts.bench_load import PeakMemory, machine

RESULTS = stack.ROOT / "bench" / "results"
GOALS = {"requests_per_second": 150.0, "errors": 0, "p95_ms": 200.0}
SAMPLE = {"leaders": 300, "mentors": 100}  # people the users sign in as


def say(message: str) -> None:
    print(f"bench-locust: {message}", flush=True)


def seed(s: stack.Stack, leaders: int) -> None:
    """seed_scale refuses production settings (it seeds the demo's known passwords): it
    runs with local ones against the same database, before gunicorn starts."""
    env = {**s.env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "LOG_LEVEL": "ERROR"}
    large = str(min(300, leaders // 3))  # the small bench's shape: one cohort of 300
    with (s.work / "seed.log").open("wb") as log:
        subprocess.run(
            [
                stack.PYTHON,
                "manage.py",
                "seed_scale",
                "--leaders",
                str(leaders),
                "--large-cohort",
                large,
            ],
            cwd=stack.ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def people(s: stack.Stack) -> dict:
    """Tokens for a sample of leaders and mentors and for HR, and the ids they look at."""
    s.django()
    from mentorship.models import Pairing
    from people.models import User
    from people.roles import Role
    from people.tokens import token_issue
    from programs.models import Cohort

    def token(user) -> str:
        return token_issue(user=user)[1]

    leaders = User.objects.filter(groups__name=Role.LEADER).order_by("?")[: SAMPLE["leaders"]]
    mentors = User.objects.filter(groups__name=Role.MENTOR).order_by("?")[: SAMPLE["mentors"]]
    mentees: dict[int, list[int]] = {}
    for mentor_id, mentee_id in Pairing.objects.filter(
        mentor__in=mentors, status=Pairing.Status.ACTIVE
    ).values_list("mentor", "mentee"):
        mentees.setdefault(mentor_id, []).append(mentee_id)
    hr = User.objects.filter(groups__name=Role.HR).first()
    small = Cohort.objects.filter(name__startswith="Scale cohort").order_by("?")[:50]
    return {
        "host": s.HOST,
        "leaders": [{"id": leader.pk, "token": token(leader)} for leader in leaders],
        "mentors": [
            {"id": mentor.pk, "token": token(mentor), "mentees": mentees.get(mentor.pk, [])}
            for mentor in mentors
        ],
        "hr": [{"id": hr.pk, "token": token(hr)}],
        "cohorts": [cohort.pk for cohort in small],
        "program": small[0].program_id,
    }


def run_locust(site: stack.Site, work: Path, *, users: int, seconds: int) -> Path:
    prefix = work / "locust"
    subprocess.run(
        [
            str(stack.VENV_BIN / "locust"),
            "-f",
            str(stack.ROOT / "scripts" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{seconds}s",
            "--host",
            site.base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "LOCUST_PEOPLE": str(work / "people.json")},
        check=False,  # locust exits 1 when any request failed: the table says which
    )
    return Path(f"{prefix}_stats.csv")


def figures(stats: Path) -> dict:
    rows = {}
    with stats.open() as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "requests_per_second": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_LOCUST_DATABASE_URL", "")
    with ExitStack() as exits:
        if not url:
            from scripts.drills._db_faults import Cluster, Procs

            url = Cluster(exits.enter_context(Procs("locust"))).url("lodestar_locust")
        s = exits.enter_context(stack.Stack("locust", url))
        say(f"database {stack.database_name(url)}: migrate, seed_scale --leaders {args.leaders}")
        s.database()
        s.redis()
        seed(s, args.leaders)
        site = s.web(workers=4)
        (s.work / "people.json").write_text(json.dumps(people(s)))
        say(f"{args.users} users for {args.seconds} s against gunicorn (4 workers)")
        with PeakMemory({"web": s.services[-1]}) as memory:
            stats = run_locust(site, s.work, users=args.users, seconds=args.seconds)
        results = {
            "date": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(url),
            "leaders": args.leaders,
            "users": args.users,
            "seconds": args.seconds,
            "goals": GOALS,
            "endpoints": figures(stats),
            "memory": memory.report(),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    # A shorter or smaller run (make bench SIZE=small) never replaces the day's full one.
    full = (args.users, args.seconds) == (50, 60)
    path = RESULTS / f"{day}-locust{'' if full else f'-{args.users}u-{args.seconds}s'}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    header = ("endpoint", "requests", "fail", "req/s", "p50", "p95", "p99")
    print("\n{:<26} {:>8} {:>5} {:>7} {:>6} {:>6} {:>6}".format(*header))
    for name, row in results["endpoints"].items():
        print(
            f"{name:<26} {row['requests']:>8} {row['failures']:>5} "
            f"{row['requests_per_second']:>7} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} "
            f"{row['p99_ms']:>6.0f}"
        )
    web = results["memory"].get("web", {})
    print(f"\nweb peak memory {web.get('peak_mb')} MB; results in {path.relative_to(stack.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

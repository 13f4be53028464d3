"""Drill 7: the web process (gunicorn, every worker and the master) is SIGKILLed while HR's
API clients race for the seats of a small cohort, then restarted; clients retry what got no
answer. Seats never exceed the capacity, and no enrollment is half-made: every enrollment
holds a seat, has its welcome email owed and its audit event, and its leader got the Leader
role; nothing of the requests the kill cut short is left (no seat, role, email or event
without its enrollment).

    .venv/bin/python scripts/drills/drill_7_web_killed_in_race.py
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Run as a script or imported by the drill runner: the shared helpers sit beside this file.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import _db_faults as faults
from _db_faults import DrillFailed, check

CAPACITY = 25
CANDIDATES = 160
CLIENTS = 24  # requests in flight at once
KILL_AFTER = 12  # answers received before the kill: the race is on, the cohort not full
WORKERS = 4
PASSWORD = "drill-7-hr-password"  # noqa: S105 — a throwaway database's only user


def say(message: str) -> None:
    faults.say("drill 7", message)


class Api:
    def __init__(self, base: str):
        self.base, self.token = base, None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 — the gunicorn this drill started
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def gunicorn_start(procs, env, port: int) -> None:
    procs.start(
        "web",
        [
            str(faults.ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--no-control-socket",
        ],
        env,
    )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    faults.wait_for("gunicorn to answer /healthz", healthy, timeout=60)


FIGURES = {
    "seats taken": "SELECT seats_taken FROM programs_cohort WHERE name = 'Race'",
    "capacity": "SELECT capacity FROM programs_cohort WHERE name = 'Race'",
    "enrollments": "SELECT count(*) FROM programs_enrollment",
    "welcome emails": "SELECT count(*) FROM common_email WHERE kind = 'programs.welcome'",
    "enrollments without a welcome": (
        "SELECT count(*) FROM programs_enrollment e WHERE NOT EXISTS (SELECT 1 FROM "
        "common_email m WHERE m.kind = 'programs.welcome' AND m.ref = e.id)"
    ),
    "welcomes without an enrollment": (
        "SELECT count(*) FROM common_email m WHERE m.kind = 'programs.welcome' AND NOT EXISTS "
        "(SELECT 1 FROM programs_enrollment e WHERE e.id = m.ref)"
    ),
    "enrollment events": (
        "SELECT count(*) FROM common_auditevent WHERE action = 'enrollment.create'"
    ),
    "events without an enrollment": (
        "SELECT count(*) FROM common_auditevent a WHERE a.action = 'enrollment.create' AND "
        "NOT EXISTS (SELECT 1 FROM programs_enrollment e WHERE e.id::text = a.object_id)"
    ),
    "leaders (role)": (
        "SELECT count(*) FROM people_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
        "WHERE g.name = 'Leader'"
    ),
    "leaders without an enrollment": (
        "SELECT count(*) FROM people_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
        "WHERE g.name = 'Leader' AND NOT EXISTS "
        "(SELECT 1 FROM programs_enrollment e WHERE e.leader_id = ug.user_id)"
    ),
    "role grant events": "SELECT count(*) FROM common_auditevent WHERE action = 'user.role_grant'",
}


def figures(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return {name: connection.execute(sql).fetchone()[0] for name, sql in FIGURES.items()}


def race(api: Api, cohort: int, leaders: list[int], on_answer=None) -> dict[int, object]:
    """Every leader's enroll request, CLIENTS at a time: leader → status, or the error."""
    outcomes: dict[int, object] = {}

    def enroll(leader: int) -> None:
        try:
            status, _ = api.call(
                "POST", "/api/v1/enrollments/", {"cohort": cohort, "leader": leader}
            )
        except OSError as error:  # the connection was cut or refused
            outcomes[leader] = type(getattr(error, "reason", error)).__name__
            return
        outcomes[leader] = status
        if on_answer:
            on_answer()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(enroll, leaders))
    return outcomes


def main() -> int:
    started = time.monotonic()
    drill_file = str(Path(__file__).resolve())
    url = faults.database_url_for("d7")
    try:
        with faults.Procs("drill7") as procs:
            redis_url = faults.redis_start(procs)
            faults.database_recreate(url)
            procs.cleanups.append(lambda: faults.database_drop(url))
            env = faults.django_env(
                database_url=url,
                redis_url=redis_url,
                THROTTLE_WRITES="100000/minute",
                THROTTLE_SIGN_IN="1000/minute",
            )
            faults.manage(env, "migrate", "--no-input", log=procs.work / "manage.log")
            setup = json.loads(faults.run_child(drill_file, env, "setup").splitlines()[-1])
            port = faults.free_port()
            gunicorn_start(procs, env, port)
            api = Api(f"http://127.0.0.1:{port}")
            status, body = api.call(
                "POST", "/api/v1/auth/token/", {"email": setup["hr"], "password": PASSWORD}
            )
            check(status == 200, f"HR could not sign in: {status} {body}")
            api.token = body["token"]

            answers = Counter()
            killed = threading.Event()

            def kill_when_racing() -> None:
                answers["n"] += 1
                if answers["n"] == KILL_AFTER and not killed.is_set():
                    killed.set()
                    procs.kill("web")  # SIGKILL to gunicorn's master and every worker

            first = race(api, setup["cohort"], setup["leaders"], on_answer=kill_when_racing)
            check(killed.is_set(), "the race ended before gunicorn could be killed")
            cut = [leader for leader, outcome in first.items() if not isinstance(outcome, int)]
            by_outcome = Counter(str(outcome) for outcome in first.values())
            after_kill = figures(url)
            say(
                f"{CANDIDATES} enroll requests for {CAPACITY} seats, {CLIENTS} at a time; "
                f"injected SIGKILL to gunicorn (master + {WORKERS} workers) after {KILL_AFTER} "
                f"answers; answers before the kill: {dict(by_outcome)}"
            )
            invariants(after_kill, full=False)
            say(
                f"right after the kill: {after_kill['enrollments']} enrollments, "
                f"{after_kill['seats taken']} seats taken, nothing half-made"
            )

            began = time.monotonic()
            gunicorn_start(procs, env, port)
            say(f"gunicorn restarted and answering in {time.monotonic() - began:.1f} s")
            second = race(api, setup["cohort"], cut)
            retried = Counter(str(outcome) for outcome in second.values())
            say(f"the {len(cut)} requests without an answer, sent again: {dict(retried)}")
            check(all(isinstance(o, int) for o in second.values()), "a retry got no answer")
            outcomes = {**first, **second}
            check(
                not [o for o in outcomes.values() if o >= 500],
                f"server errors: {Counter(outcomes.values())}",
            )
            final = figures(url)
            invariants(final, full=True)
            created = sum(1 for o in outcomes.values() if o == 201)
            check(created <= final["enrollments"], "more 201s than enrollments")
            say(
                f"final: {final['enrollments']} enrollments = {final['seats taken']} seats "
                f"taken = capacity {final['capacity']}; {created} answered 201, "
                f"{final['enrollments'] - created} committed before the kill cut the answer "
                f"(the retry said 409 already enrolled); {final}"
            )
    except DrillFailed as failure:
        print(f"drill 7: FAILED: {failure}", file=sys.stderr)
        return 1
    say(f"passed in {time.monotonic() - started:.0f} s")
    return 0


def invariants(now: dict[str, int], *, full: bool) -> None:
    check(now["seats taken"] <= now["capacity"], f"seats exceed capacity: {now}")
    check(now["seats taken"] == now["enrollments"], f"seats taken ≠ enrollments: {now}")
    for name in (
        "enrollments without a welcome",
        "welcomes without an enrollment",
        "events without an enrollment",
        "leaders without an enrollment",
    ):
        check(now[name] == 0, f"half-made: {name}: {now[name]} ({now})")
    for name in ("welcome emails", "enrollment events", "leaders (role)", "role grant events"):
        check(now[name] == now["enrollments"], f"{name} ≠ enrollments: {now}")
    if full:
        check(now["enrollments"] == now["capacity"], f"the cohort did not fill up: {now}")


def child(args: list[str]) -> None:
    faults.django_setup()
    from people import services as people
    from people.models import User
    from programs.models import Cohort, Program

    hr = User.objects.create_superuser(
        email="hr@drill7.example.com", password=PASSWORD, full_name="Drill HR"
    )
    program = Program.objects.create(name="Sales Leadership Essentials", slug="sle")
    cohort = Cohort.objects.create(
        program=program,
        name="Race",
        starts_on="2027-04-08",
        ends_on="2027-04-12",
        capacity=CAPACITY,
    )
    people_added = people.users_create_many(
        people=[
            {"email": f"candidate{n:03d}@drill7.example.com", "full_name": f"Candidate {n}"}
            for n in range(CANDIDATES)
        ],
        by=hr,
    )
    print(
        json.dumps(
            {
                "hr": hr.email,
                "cohort": cohort.pk,
                "leaders": [user.pk for user in people_added],
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        sys.exit(0)
    sys.exit(main())

"""Helpers of the production smoke test (scripts/prod_smoke.sh), on the shared
scripts/stack.py (which the fault drills use too); it never imports Lodestar itself.

    prod_smoke.py createdb URL                   drop and create the PostgreSQL database
    prod_smoke.py smtp --port P --maildir DIR    an SMTP server writing each message to DIR
    prod_smoke.py web --base URL --host H ...    the HTTP steps: health, sign-in, an email
    prod_smoke.py logs --logs DIR --secret S...  the JSON log lines, and no secret in any log
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

import stack  # scripts/stack.py: this script runs as scripts/prod_smoke.py


def fail(message: str) -> None:
    print(f"prod_smoke: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def step(message: str) -> None:
    print(f"prod_smoke: {message}", flush=True)


def createdb(url: str) -> None:
    stack.createdb(url)
    step(f"created database {stack.database_name(url)}")


def web(args) -> None:
    site = stack.Site(args.base, args.host)

    stack.wait_for(
        "/healthz to answer 200 over plain HTTP (the load balancer's probe)", site.healthy
    )
    _, body = site.expect(200, "GET", "/healthz", https=False)
    if json.loads(body) != {"database": "ok", "redis": "ok"}:
        fail(f"/healthz says {body!r}")
    step("/healthz 200: PostgreSQL and Redis answer")

    headers, _ = site.expect(301, "GET", "/api/v1/me/", https=False)
    if not headers["Location"].startswith(f"https://{args.host}/"):
        fail(f"plain HTTP redirected to {headers['Location']}")
    headers, _ = site.expect(302, "GET", "/api/docs/", headers={"Accept": "text/html"})
    if not headers["Location"].startswith("/login/"):
        fail(f"/api/docs/ signed out went to {headers['Location']}")
    site.expect(403, "GET", "/api/schema/")
    step("plain HTTP redirects to HTTPS; /api/docs/ and /api/schema/ need sign-in")

    _, body = site.expect(
        200, "POST", "/api/v1/auth/token/", body={"email": args.email, "password": args.password}
    )
    site.token = json.loads(body)["token"]
    _, body = site.expect(200, "GET", "/api/v1/me/")
    if "HR" not in json.dumps(json.loads(body)):
        fail(f"the signed-in user is not HR: {body!r}")
    site.expect(200, "GET", "/api/schema/")
    step("signed in as HR with an API token")

    run = uuid.uuid4().hex[:8]
    _, body = site.expect(
        201,
        "POST",
        "/api/v1/programs/",
        body={"name": f"Smoke program {run}", "slug": f"smoke-{run}"},
    )
    program = json.loads(body)["id"]
    _, body = site.expect(
        201,
        "POST",
        "/api/v1/cohorts/",
        body={
            "program": program,
            "name": f"Smoke cohort {run}",
            "starts_on": "2031-03-03",
            "ends_on": "2031-03-07",
            "capacity": 5,
        },
    )
    cohort = json.loads(body)["id"]
    leader = f"leader.{run}@{args.host}"
    csv = f"email,full_name\n{leader},Smoke Leader {run}\n".encode()
    payload, content_type = stack.multipart({"dry_run": "false"}, {"file": ("leaders.csv", csv)})
    site.expect(
        200,
        "POST",
        f"/api/v1/cohorts/{cohort}/enrollments/import/",
        body=payload,
        headers={"Content-Type": content_type},
    )
    step(f"HR imported {leader} into a new cohort; waiting for the welcome email")

    def welcome():
        for message in stack.received_messages(Path(args.maildir)):
            if leader in message["To"] and message["Subject"].startswith("Welcome to"):
                return message
        return None

    message = stack.wait_for(f"the welcome email to {leader} at the SMTP server", welcome)
    if not message["X-Lodestar-Outbox-Id"]:
        fail("the email did not come through the outbox (no X-Lodestar-Outbox-Id)")
    text = message.get_body(preferencelist=("plain",)).get_content()
    if f"https://{args.host}/" not in text:
        fail(f"the email's links do not point at SITE_URL: {text[:500]}")
    step(f"the SMTP server received {message['Subject']!r} for {leader}")
    Path(args.token_file).write_text(site.token)


# --- logs ---------------------------------------------------------------------------------


def logs(args) -> None:
    logdir = Path(args.logs)

    def tasks_done():
        worker_lines = stack.json_lines(logdir / "worker.log")
        lines = [line for line in worker_lines if line["logger"] == "lodestar.task"]
        done = {line["task"] for line in lines if line["outcome"] == "success"}
        return lines if set(args.task) <= done else None

    tasks = stack.wait_for(
        f"JSON lines in worker.log for successful {', '.join(args.task)}", tasks_done
    )
    requests = [
        line
        for line in stack.json_lines(logdir / "web.log")
        if line["logger"] == "lodestar.request"
    ]
    wanted = {("POST", "/api/v1/auth/token/", 200), ("GET", "/healthz", 200)}
    seen = {(line["method"], line["path"], line["status"]) for line in requests}
    if not wanted <= seen:
        fail(f"web.log lacks JSON request lines for {wanted - seen}")
    if not any(line["user_id"] for line in requests):
        fail("no request line names its user")
    for path in logdir.glob("*.log"):
        text = path.read_text(errors="replace")
        for secret in args.secret:
            if secret and secret in text:
                fail(f"{path.name} contains a secret (a password or token)")
    step(f"JSON log lines: {len(requests)} requests, {len(tasks)} tasks; no secret in any log")


def main() -> None:
    try:
        run()
    except stack.StackError as error:
        fail(str(error))


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("createdb").add_argument("url")
    p = commands.add_parser("smtp")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", type=Path, required=True)
    p = commands.add_parser("web")
    for option in ("--base", "--host", "--email", "--maildir", "--token-file"):
        p.add_argument(option, required=True)
    p.add_argument("--password", default=os.environ.get("DJANGO_SUPERUSER_PASSWORD"))
    p = commands.add_parser("logs")
    p.add_argument("--logs", required=True)
    p.add_argument("--secret", action="append", default=[])
    p.add_argument("--task", action="append", default=[])
    args = parser.parse_args()
    if args.command == "createdb":
        createdb(args.url)
    elif args.command == "smtp":
        stack.smtp_serve(args.port, args.maildir)
    elif args.command == "web":
        web(args)
    else:
        logs(args)


if __name__ == "__main__":
    main()

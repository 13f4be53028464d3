"""Helpers of the production smoke test (scripts/prod_smoke.sh); standard library and
aiosmtpd only, so it never imports Lodestar itself.

    prod_smoke.py createdb URL                   drop and create the PostgreSQL database
    prod_smoke.py smtp --port P --maildir DIR    an SMTP server writing each message to DIR
    prod_smoke.py web --base URL --host H ...    the HTTP steps: health, sign-in, an email
    prod_smoke.py logs --logs DIR --secret S...  the JSON log lines, and no secret in any log
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

TIMEOUT = 60  # seconds any one wait may take


def fail(message: str) -> None:
    print(f"prod_smoke: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def step(message: str) -> None:
    print(f"prod_smoke: {message}", flush=True)


def wait_for(what: str, predicate, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    fail(f"timed out after {timeout:.0f} s waiting for {what}")
    return None


# --- createdb -----------------------------------------------------------------------------


def createdb(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        fail(f"refusing an unusual database name {name!r}")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    step(f"created database {name}")


# --- smtp ---------------------------------------------------------------------------------


class MailDirHandler:
    """aiosmtpd handler: each message accepted is written to its own file, atomically."""

    def __init__(self, maildir: Path):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        partial = self.maildir / f".{name}.tmp"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.maildir / f"{name}.eml")
        return "250 Message accepted for delivery"


def smtp(port: int, maildir: Path) -> None:
    from aiosmtpd.controller import Controller

    maildir.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailDirHandler(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    step(f"SMTP server on 127.0.0.1:{port}, writing to {maildir}")
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


# --- web ----------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Site:
    """Requests to gunicorn as the load balancer sends them: the public Host header, and
    X-Forwarded-Proto: https once TLS is terminated (plain HTTP only for the health probe)."""

    def __init__(self, base: str, host: str):
        self.base, self.host, self.token = base.rstrip("/"), host, None

    def call(self, method: str, path: str, *, body=None, https=True, headers=None):
        headers = {"Host": self.host, "Accept": "application/json", **(headers or {})}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # http:// to the gunicorn this smoke test started, nothing else.
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers=headers, method=method
        )
        try:
            with OPENER.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def expect(self, status: int, method: str, path: str, **kwargs) -> tuple[dict, bytes]:
        got, headers, body = self.call(method, path, **kwargs)
        if got != status:
            fail(f"{method} {path} answered {got}, not {status}: {body[:500]!r}")
        return headers, body


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n' + content.decode() + "\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def received_messages(maildir: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(maildir.glob("*.eml"))
    ]


def web(args) -> None:
    site = Site(args.base, args.host)

    def healthy():
        try:
            return site.call("GET", "/healthz", https=False)[0] == 200
        except OSError:  # gunicorn not listening yet
            return False

    wait_for("/healthz to answer 200 over plain HTTP (the load balancer's probe)", healthy)
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
    site.expect(401, "GET", "/api/schema/")
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
    payload, content_type = multipart({"dry_run": "false"}, {"file": ("leaders.csv", csv)})
    site.expect(
        200,
        "POST",
        f"/api/v1/cohorts/{cohort}/enrollments/import/",
        body=payload,
        headers={"Content-Type": content_type},
    )
    step(f"HR imported {leader} into a new cohort; waiting for the welcome email")

    def welcome():
        for message in received_messages(Path(args.maildir)):
            if leader in message["To"] and message["Subject"].startswith("Welcome to"):
                return message
        return None

    message = wait_for(f"the welcome email to {leader} at the SMTP server", welcome)
    if not message["X-Lodestar-Outbox-Id"]:
        fail("the email did not come through the outbox (no X-Lodestar-Outbox-Id)")
    text = message.get_body(preferencelist=("plain",)).get_content()
    if f"https://{args.host}/" not in text:
        fail(f"the email's links do not point at SITE_URL: {text[:500]}")
    step(f"the SMTP server received {message['Subject']!r} for {leader}")
    Path(args.token_file).write_text(site.token)


# --- logs ---------------------------------------------------------------------------------


def json_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                fail(f"{path.name}: a log line is not JSON: {raw[:300]}")
    return lines


def logs(args) -> None:
    logdir = Path(args.logs)

    def tasks_done():
        lines = [
            line for line in json_lines(logdir / "worker.log") if line["logger"] == "lodestar.task"
        ]
        done = {line["task"] for line in lines if line["outcome"] == "success"}
        return lines if set(args.task) <= done else None

    tasks = wait_for(f"JSON lines in worker.log for successful {', '.join(args.task)}", tasks_done)
    requests = [
        line for line in json_lines(logdir / "web.log") if line["logger"] == "lodestar.request"
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
        smtp(args.port, args.maildir)
    elif args.command == "web":
        web(args)
    else:
        logs(args)


if __name__ == "__main__":
    main()

"""Lodestar's real services on loopback, for the production smoke test (scripts/prod_smoke.sh,
scripts/prod_smoke.py) and the fault drills (scripts/drills/): PostgreSQL databases,
a throwaway Redis, gunicorn, Celery workers and beat under production settings, an SMTP
server (aiosmtpd) whose answers a drill can change, and an HTTP client that talks to
gunicorn as the load balancer does. Standard library, psycopg and aiosmtpd only: it never
imports Lodestar (a drill does, after ``Stack.django()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
TIMEOUT = 60  # seconds any one wait may take, unless told otherwise


class StackError(Exception):
    """A service did not start, answer or stop as it should: the drill or smoke test fails."""


def step(prefix: str, message: str) -> None:
    print(f"{prefix}: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, predicate: Callable, timeout: float = TIMEOUT, every: float = 0.5):
    """Poll ``predicate`` until it returns something truthy; StackError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise StackError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- PostgreSQL -----------------------------------------------------------------------------


def database_name(url: str) -> str:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise StackError(f"refusing an unusual database name {name!r}")
    return name


def database_url(url: str, name: str) -> str:
    """The same server as ``url``, another database."""
    database_name(f"/{name}")
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def createdb(url: str, *, template: str | None = None) -> None:
    """Drop the database ``url`` names and create it afresh (a copy of ``template``)."""
    import psycopg

    name = database_name(url)
    copy = f' TEMPLATE "{database_name(f"/{template}")}"' if template else ""
    with psycopg.connect(database_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"{copy}')


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(database_url(url, "postgres"), autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database_name(url),)
        )
        return found.fetchone() is not None


# --- SMTP -----------------------------------------------------------------------------------


class MailDirHandler:
    """aiosmtpd handler: each message accepted is written to its own file, atomically.

    ``answer`` lets a drill change what the server says to the next messages: None accepts;
    ``"421"`` refuses for now (a transient error); ``"hang"`` never answers DATA (the client
    times out); a callable gets the envelope and returns None or an SMTP reply (``"550 ..."``).
    """

    def __init__(self, maildir: Path):
        self.maildir = maildir
        self.answer: str | Callable | None = None
        self.refused = 0  # messages answered with an error or left hanging
        self.accepted = 0
        # Recipients refused at RCPT, with the reply (``"550 5.1.1 User unknown"``).
        self.refuse_rcpt: dict[str, str] = {}
        self.attempts: list[tuple[float, tuple[str, ...], str]] = []  # (when, to, answer)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            self.attempts.append((time.monotonic(), (address,), self.refuse_rcpt[address]))
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = self.answer(envelope) if callable(self.answer) else self.answer
        self.attempts.append((time.monotonic(), tuple(envelope.rcpt_tos), answer or "250"))
        if answer == "hang":
            self.refused += 1
            await asyncio.sleep(3600)
        if answer:
            self.refused += 1
            return answer if " " in answer else f"{answer} Service not available, try later"
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        partial = self.maildir / f".{name}.tmp"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.maildir / f"{name}.eml")
        self.accepted += 1
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on loopback in a thread of this process (``with SmtpServer(...)``)."""

    def __init__(self, port: int, maildir: Path):
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO: thousands of lines for a drill.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        maildir.mkdir(parents=True, exist_ok=True)
        self.port, self.maildir = port, maildir
        self.handler = MailDirHandler(maildir)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def messages(self) -> list[email.message.EmailMessage]:
        return received_messages(self.maildir)


def smtp_serve(port: int, maildir: Path) -> None:
    """Run an SMTP server until SIGTERM or SIGINT (the smoke test's separate process)."""
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    with SmtpServer(port, maildir):
        print(f"SMTP server on 127.0.0.1:{port}, writing to {maildir}", flush=True)
        stopped.wait()


def received_messages(maildir: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(maildir.glob("*.eml"))
    ]


# --- HTTP -----------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Site:
    """Requests to gunicorn as the load balancer sends them: the public Host header, and
    X-Forwarded-Proto: https once TLS is terminated (plain HTTP only for the health probe)."""

    def __init__(self, base: str, host: str):
        self.base, self.host, self.token = base.rstrip("/"), host, None
        self.cookies: dict[str, str] = {}  # the session and CSRF cookies it was given

    def call(
        self, method: str, path: str, *, body=None, https=True, headers=None, timeout: float = 20
    ):
        """One request; ``timeout`` bounds each wait on the socket (a long import needs more)."""
        headers = {"Host": self.host, "Accept": "application/json", **(headers or {})}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            # Django's CSRF check on HTTPS wants the page the form came from.
            headers.setdefault("Referer", f"https://{self.host}{path}")
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # http:// to the gunicorn this process started, nothing else.
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers=headers, method=method
        )
        try:
            with OPENER.open(request, timeout=timeout) as response:
                self._keep_cookies(response.headers)
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            self._keep_cookies(error.headers)
            return error.code, dict(error.headers), error.read()

    def _keep_cookies(self, headers) -> None:
        # By hand: the cookies are Secure, and this talks plain HTTP behind the "proxy".
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.partition(";")[0]

    def form(self, path: str, fields: dict[str, str], *, page: str | None = None):
        """POST a form as a browser would, with the CSRF token of ``page`` (or ``path``)."""
        _, _, html = self.call("GET", page or path, headers={"Accept": "text/html"})
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise StackError(f"no CSRF token on {page or path}")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), **fields}, doseq=True
        ).encode()
        return self.call(
            "POST",
            path,
            body=body,
            headers={
                "Accept": "text/html",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{self.host}{page or path}",
            },
        )

    def sign_in_pages(self, email_address: str, password: str) -> None:
        """Sign in to the pages and the admin (a session cookie)."""
        status, _, body = self.form(
            "/admin/login/?next=/admin/",
            {"username": email_address, "password": password, "next": "/admin/"},
        )
        if status != 302:
            raise StackError(f"admin sign-in answered {status}: {body[:300]!r}")

    def expect(self, status: int, method: str, path: str, **kwargs) -> tuple[dict, bytes]:
        got, headers, body = self.call(method, path, **kwargs)
        if got != status:
            raise StackError(f"{method} {path} answered {got}, not {status}: {body[:500]!r}")
        return headers, body

    def sign_in(self, email_address: str, password: str) -> None:
        _, body = self.expect(
            200, "POST", "/api/v1/auth/token/", body={"email": email_address, "password": password}
        )
        self.token = json.loads(body)["token"]

    def healthy(self) -> bool:
        try:
            return self.call("GET", "/healthz", https=False)[0] == 200
        except OSError:  # gunicorn not listening yet
            return False


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


# --- logs -----------------------------------------------------------------------------------


def json_lines(path: Path) -> list[dict]:
    """The JSON lines of a production log (other lines, such as tracebacks, are skipped)."""
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError as error:
                raise StackError(f"{path.name}: a log line is not JSON: {raw[:300]}") from error
    return lines


def task_lines(path: Path, task: str, outcome: str = "success") -> list[dict]:
    return [
        line
        for line in json_lines(path)
        if line.get("logger") == "lodestar.task"
        and line.get("task") == task
        and line.get("outcome") == outcome
    ]


# --- processes --------------------------------------------------------------------------------


class Service:
    """One process started in its own process group (stopping it stops its children)."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once, like a machine losing the process."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 20) -> bool:
        """TERM the group, up to ``timeout`` to finish, then KILL; False if it had to."""
        if not self.running:
            return True
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return True
        try:
            self.process.wait(timeout)
            clean = True
        except subprocess.TimeoutExpired:
            clean = False
        with contextlib.suppress(ProcessLookupError):  # children a parent left behind
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return clean


class Stack:
    """Lodestar under production settings on loopback, for one drill or smoke test:
    a fresh PostgreSQL database, a throwaway Redis, an SMTP server in this process, and
    the gunicorn, workers and beats the caller starts. ``with Stack(...) as stack:``
    stops everything it started; on failure it prints the tail of every log."""

    HOST = "lodestar.drill.test"

    def __init__(self, label: str, database_url: str, env: dict[str, str] | None = None):
        self.label = label
        self.database_url = database_url
        self.work = Path(tempfile.mkdtemp(prefix=f"lodestar-{label}."))
        self.redis_port, self.smtp_port, self.web_port = free_port(), free_port(), free_port()
        self.services: list[Service] = []
        self.smtp: SmtpServer | None = None
        self.hr_email = f"hr@{self.HOST}"
        self.hr_password = secrets.token_urlsafe(18)
        self.env = {
            key: value
            for key, value in os.environ.items()
            # Nothing from the caller's environment may change what production reads.
            if key
            not in {
                "DEBUG",
                "CELERY_BROKER_URL",
                "SENTRY_DSN",
                "LOG_FORMAT",
                "SECURE_SSL_REDIRECT",
                "EMAIL_FILE_PATH",
            }
        }
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "PYTHONUNBUFFERED": "1",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "DATABASE_URL": database_url,
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
                "SITE_URL": f"https://{self.HOST}",
                "ALLOWED_HOSTS": self.HOST,
                "DEFAULT_FROM_EMAIL": f"Lodestar <lodestar@{self.HOST}>",
                **(env or {}),
            }
        )

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        clean = self.stop_all()
        if exc_type is not None or not clean:
            self.print_logs()
        shutil.rmtree(self.work, ignore_errors=True)

    # -- the database

    def database(self, *, template: str | None = None) -> None:
        """Create the database afresh, as a copy of ``template`` (a migrated database)
        when given, then migrate it (a no-op on an up-to-date copy)."""
        createdb(self.database_url, template=template)
        self.manage("migrate", "--no-input")

    def manage(self, *args: str) -> None:
        with (self.work / "manage.log").open("ab") as log:
            done = subprocess.run(
                [PYTHON, "manage.py", *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode:
            raise StackError(f"manage.py {' '.join(args)} failed (manage.log)")

    def django(self) -> None:
        """Set this process up as one more Lodestar process (the drill's own ORM calls)."""
        os.environ.update(self.env)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    # -- services

    def start(self, name: str, *argv: str, env: dict | None = None) -> Service:
        service = Service(name, list(argv), {**self.env, **(env or {})}, self.work / f"{name}.log")
        self.services.append(service.start())
        return service

    def redis(self) -> Service:
        service = self.start(
            "redis",
            "redis-server",
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        )
        wait_for("Redis to answer", self.redis_answers, timeout=20, every=0.1)
        return service

    def redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def smtp_server(self) -> SmtpServer:
        self.smtp = SmtpServer(self.smtp_port, self.work / "mail").__enter__()
        return self.smtp

    def web(self, workers: int = 2) -> Site:
        self.start(
            "web",
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.web_port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "10",
            # Its control socket would live in ~/.gunicorn/, shared with every other one.
            "--no-control-socket",
        )
        site = Site(self.web_base, self.HOST)
        wait_for("gunicorn to answer /healthz", site.healthy, every=0.2)
        return site

    @property
    def web_base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def worker(self, name: str = "worker", *args: str, env: dict | None = None) -> Service:
        argv = [str(VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO"]
        return self.start(name, *argv, "--hostname", f"{name}@%h", *args, env=env)

    def beat(self, name: str = "beat", *args: str) -> Service:
        schedule = self.work / f"{name}-schedule"
        argv = [str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO"]
        return self.start(name, *argv, "--schedule", str(schedule), *args)

    def hr_superuser(self) -> None:
        self.env.update(
            DJANGO_SUPERUSER_EMAIL=self.hr_email,
            DJANGO_SUPERUSER_FULL_NAME="Drill HR",
            DJANGO_SUPERUSER_PASSWORD=self.hr_password,
        )
        self.manage("createsuperuser", "--no-input")

    def stop_all(self) -> bool:
        # Every service is stopped, whether or not one before it stopped cleanly.
        stopped = [service.stop() for service in reversed(self.services)]
        clean = all(stopped)
        if self.smtp is not None:
            self.smtp.__exit__(None, None, None)
            self.smtp = None
        self.services = []
        return clean

    def print_logs(self, lines: int = 60) -> None:
        for log in sorted(self.work.glob("*.log")):
            print(f"--- {log.name} (last {lines} lines)", file=sys.stderr)
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print("\n".join(tail), file=sys.stderr)

"""What drills 5-7 share: processes they start and stop (Redis, a PostgreSQL cluster of their
own, gunicorn, scripts run under Django), a fresh migrated database, and how they report.

Standard library and psycopg only: the drills' parent process never imports Lodestar; the
code that does runs in child processes with the environment built here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from scripts import stack

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SHARED_DATABASE = "postgres://postgres@127.0.0.1:5433/lodestar_drills"


class DrillFailed(Exception):
    pass


def say(drill: str, message: str) -> None:
    print(f"{drill}: {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DrillFailed(message)


free_port = stack.free_port


def wait_for(what: str, predicate, timeout: float = 60, every: float = 0.1):
    """``stack.wait_for``, failing the drill."""
    try:
        return stack.wait_for(what, predicate, timeout=timeout, every=every)
    except stack.StackError as error:
        raise DrillFailed(str(error)) from None


def database_url_for(suffix: str) -> str:
    """A database of this drill's own beside the one the runner names (DATABASE_URL)."""
    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL") or SHARED_DATABASE)
    if parts.scheme not in ("postgres", "postgresql"):
        raise DrillFailed(f"the drills need PostgreSQL, not {parts.scheme}")
    name = f"{parts.path.lstrip('/')}_{suffix}"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def database_recreate(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    try:
        name = stack.database_name(url)
    except stack.StackError as error:
        raise DrillFailed(str(error)) from None
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def django_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Lodestar process in a drill: local settings without DEBUG."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "EMAIL_URL", "EMAIL_FILE_PATH", "SENTRY_DSN")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str, log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    if done.returncode:
        raise DrillFailed(f"manage.py {' '.join(args)} failed; see {log}")


class Procs:
    """Processes a drill starts, each in its own process group with its log in ``work``;
    all stopped on exit (TERM, then KILL), and the work directory removed if it passed."""

    def __init__(self, drill: str):
        self.drill = drill
        self.work = Path(tempfile.mkdtemp(prefix=f"lodestar-{drill}."))
        os.chmod(self.work, 0o755)  # noqa: S103 — postgres (the cluster) reads into it
        self.running: dict[str, subprocess.Popen] = {}
        self.cleanups: list = []

    def __enter__(self) -> Procs:
        return self

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None):
        log = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.work / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, kind, error, traceback) -> None:
        for name in list(self.running):
            self.stop(name)
        for cleanup in reversed(self.cleanups):
            cleanup()
        if kind is None:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            for log in sorted(self.work.glob("*.log")):
                print(f"--- {log.name} (last 40 lines)", file=sys.stderr)
                print(self.log_tail(log.stem), file=sys.stderr)
            print(f"(logs kept in {self.work})", file=sys.stderr)


def redis_start(procs: Procs) -> str:
    port = free_port()
    procs.start(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    )
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for("Redis to answer", answers)
    return url


class Cluster:
    """A PostgreSQL 15 cluster of the drill's own (initdb as postgres, a free port,
    fsync off), which the drill may restart or crash as it likes."""

    def __init__(self, procs: Procs):
        self.dir = procs.work / "pg"
        self.dir.mkdir()
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.log = self.dir / "server.log"
        self._pg(
            "initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        procs.cleanups.append(lambda: self.stop(mode="immediate"))
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise DrillFailed(f"{tool} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.log),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, *, mode: str) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            self._pg("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def restart(self, *, mode: str) -> float:
        """Stop (``fast``: sessions are ended and their transactions rolled back;
        ``immediate``: a crash, recovered from the WAL at start) and start; seconds down."""
        began = time.monotonic()
        self.stop(mode=mode)
        self.start()
        return time.monotonic() - began

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def run_child(drill_file: str, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run ``drill_file --child ARGS`` under Django; its stdout, or DrillFailed with it."""
    done = subprocess.run(
        [PYTHON, drill_file, "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise DrillFailed(f"child {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout


def django_setup() -> None:
    """In a child process: Lodestar's settings from the environment the parent built."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

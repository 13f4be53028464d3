"""Shared fixtures: API clients per role, the clock, the live Redis, a real Celery worker
and the outbox around it (where its emails land, a broker that is down)."""

import collections
import contextlib
import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, FACTORY_PASSWORD, ConsoleErrors, log_in
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """The wall clock under the test's control (time-machine): every ``timezone.now()``,
    ``date.today()`` and ``time.time()`` in this process reads it."""

    def __init__(self, traveller):
        self._traveller = traveller

    def set(self, at: datetime.datetime, *, tick: bool = False) -> datetime.datetime:
        if at.tzinfo is None:
            raise ValueError("Set the clock to an aware datetime.")
        self._traveller.move_to(at, tick=tick)
        self.now = at
        return at

    def advance(self, **delta) -> datetime.datetime:
        return self.set(self.now + datetime.timedelta(**delta))


@pytest.fixture
def clock(time_machine):
    """Stopped at 08:00 UTC on 1 February 2027: ``clock.set(at)``, ``clock.advance(hours=1)``."""
    stopped = Clock(time_machine)
    stopped.set(datetime.datetime(2027, 2, 1, 8, 0, tzinfo=datetime.UTC))
    return stopped


@pytest.fixture
def hr(db):
    return HRFactory(email="hr.user@example.com", full_name="Hana Reed")


@pytest.fixture
def mentor(db):
    return MentorFactory(email="mentor.user@example.com", full_name="Mia Torres")


@pytest.fixture
def leader(db):
    return LeaderFactory(email="leader.user@example.com", full_name="Leo Grant")


@pytest.fixture
def other_leader(db):
    return LeaderFactory(email="other.leader@example.com", full_name="Olga Berg")


@pytest.fixture
def nobody(db):
    """An authenticated user with no role."""
    return UserFactory(email="no.role@example.com")


# Rows the data migrations create (role groups, competencies, metric definitions, the
# default questionnaire...), captured once right after the test database is migrated.
# A transactional test's flush deletes them; restore_migrated_content() puts them back.
_MIGRATED_CONTENT: dict[str, str] = {}
_REBUILT_BY_POST_MIGRATE = {"contenttypes.contenttype", "auth.permission"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            _MIGRATED_CONTENT[alias] = connections[alias].creation.serialize_db_to_string()


def restore_migrated_content() -> None:
    """Put back what the migrations seeded (idempotent). Content types and permissions are
    left alone: the flush's post_migrate signal has already rebuilt them."""
    from django.core import serializers
    from django.db import transaction

    for alias, content in _MIGRATED_CONTENT.items():
        with transaction.atomic(using=alias):
            for obj in serializers.deserialize("json", content, using=alias):
                if obj.object._meta.label_lower not in _REBUILT_BY_POST_MIGRATE:
                    obj.save(using=alias)


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api():
    """Build an API client for a user (None for anonymous): ``api(hr).get(...)``."""
    return client_for


@pytest.fixture
def anon_api():
    return APIClient()


def _database_url_for_subprocess() -> str:
    """The test database, as a DATABASE_URL a worker process can open."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryWorker:
    """A real `celery worker` process consuming from the real Redis, on the test database."""

    def __init__(self):
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / f"worker-{self.queue}.log"

    def env(self) -> dict:
        env = {**os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.worker_test",
            DATABASE_URL=_database_url_for_subprocess(),
            REDIS_URL=settings.REDIS_URL,
            LODESTAR_TEST_QUEUE=self.queue,
        )
        return env

    def start(self) -> None:
        self.log_path.parent.mkdir(exist_ok=True)
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker did not start:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: the worker dies without acknowledging what it was doing."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
def celery_worker(transactional_db, settings):
    """Route tasks to a real worker process for the duration of the test.

    Uses ``transactional_db`` so rows the test writes are committed and visible
    to the worker, which opens the same test database.
    """
    from config.celery import app

    worker = CeleryWorker()
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker.queue
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = True
        app.conf.task_default_queue = "celery"


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """Where the real worker writes the emails it sends; set before the worker starts."""
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("LODESTAR_TEST_MAIL_DIR", str(directory))
    # The worker treats a claim older than 2 s as abandoned, so a killed worker's
    # in-flight email is sent again within the test instead of after 10 minutes.
    monkeypatch.setenv("OUTBOX_CLAIM_TIMEOUT", "2")
    return directory


@pytest.fixture
def outbox_worker(mail_dir, settings, celery_worker):
    """A real worker whose emails land in ``mail_dir``, started after its environment is
    set; this process sweeps (as beat would) with the same short timeouts."""
    settings.OUTBOX_CLAIM_TIMEOUT = 2
    settings.OUTBOX_REQUEUE_AFTER = 1
    return celery_worker


def mail_counts(directory) -> collections.Counter:
    """How many emails each address received, from the file backend's files."""
    counts = collections.Counter()
    for path in directory.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                counts.update(address.strip() for address in line[4:].split(","))
    return counts


def worker_drained():
    """A predicate, true once the worker processed everything queued before this call
    (FIFO, solo pool)."""
    from django.core.cache import cache

    from common.broker import enqueue
    from config.celery import ping

    key = uuid.uuid4().hex
    enqueue(ping, key)
    return lambda: cache.get(f"ping:{key}") == "pong"


def _broker_refuses(*args, **kwargs):
    from kombu.exceptions import OperationalError

    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@contextlib.contextmanager
def broker_down():
    """Publishing the outbox's send tasks fails, as when Redis is down (for eager tests,
    which never reach the broker)."""
    from common.tasks import send_email, send_emails

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(send_email, "apply_async", _broker_refuses)
        patch.setattr(send_emails, "apply_async", _broker_refuses)
        yield


def _use_broker(url: str) -> None:
    """Point this process's publisher at ``url`` (the worker keeps its own connection)."""
    from config.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


@contextlib.contextmanager
def redis_down():
    """This process publishes to a port nobody listens on: "Redis is down" (for tests with
    the real worker, which keeps its own connection)."""
    from config.celery import app

    real_broker = app.conf.broker_url
    _use_broker("redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        _use_broker(real_broker)


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {predicate}")


# --- the browser harness (tests/browser.py) ----------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (installed by scripts/test.sh), once per session."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django
    # refuses ORM calls from a thread with a running loop. The tests call the ORM
    # synchronously between browser steps (never concurrently), so this is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def console_errors():
    errors = ConsoleErrors()
    yield errors
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail("JavaScript errors in the browser:\n" + "\n".join(unexpected))


@pytest.fixture
def committed_db(transactional_db):
    """Committed rows other connections (the live server, threads, a worker process) can
    see, with the rows the migrations seed (role groups, competencies, metric definitions,
    the default questionnaire) restored after earlier tests' flushes."""
    restore_migrated_content()


@pytest.fixture
def new_page(browser, live_server, committed_db, console_errors):
    """``new_page(viewport=PHONE)`` → a page in a fresh context, watched for JS errors."""
    contexts = []

    def open_page(viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console_errors.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page_for(new_page):
    """``page_for(user_or_email, password=...)`` → a page logged in through the login form."""

    def open_logged_in(user, password: str = FACTORY_PASSWORD, viewport: dict = DESKTOP):
        page = new_page(viewport)
        log_in(page, getattr(user, "email", user), password)
        return page

    return open_logged_in

import shutil
import socket
import subprocess
import uuid

import pytest
import redis
from django.core.cache import cache
from django.db import DatabaseError

from config import health
from config.celery import ping
from tests.conftest import wait_for


@pytest.mark.django_db
def test_healthz_reports_database_and_redis_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


@pytest.fixture
def stopped_redis_url(tmp_path):
    """The URL of a Redis server that was started and then stopped."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: _pings(url), timeout=10)
    server.terminate()
    server.wait(timeout=10)
    return url


def _pings(url) -> bool:
    try:
        return redis.Redis.from_url(url).ping()
    except redis.RedisError:
        return False


@pytest.mark.django_db
def test_healthz_is_503_naming_redis_when_redis_is_stopped(client, settings, stopped_redis_url):
    settings.REDIS_URL = stopped_redis_url
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "down"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_needs_no_login_and_reveals_nothing_else(client, db):
    body = client.get("/healthz").json()
    assert set(body) == {"database", "redis"}


@pytest.mark.integration
def test_a_real_worker_consumes_a_task_through_redis(celery_worker):
    key = uuid.uuid4().hex
    ping.delay(key)
    assert wait_for(lambda: cache.get(f"ping:{key}"), timeout=30) == "pong"

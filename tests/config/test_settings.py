import subprocess
import sys

import pytest
from django.conf import settings

from tests.config.test_production import PRODUCTION_ENV
from tests.conftest import ROOT


def test_redis_url_feeds_broker_and_cache():
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL


def _settings_in_subprocess(module: str, env: dict, expr: str) -> subprocess.CompletedProcess:
    code = f"import django, os; django.setup(); from django.conf import settings; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_read_database_and_redis_from_environment():
    result = _settings_in_subprocess(
        "config.settings.local",
        {"DATABASE_URL": "postgres://u:p@pg.example:6543/ls", "REDIS_URL": "redis://r:6390/2"},
        "settings.DATABASES['default']['HOST'], settings.CELERY_BROKER_URL",
    )
    assert result.returncode == 0, result.stderr
    assert "pg.example" in result.stdout
    assert "redis://r:6390/2" in result.stdout


def test_default_database_is_sqlite_under_var():
    result = _settings_in_subprocess(
        "config.settings.local", {}, "settings.DATABASES['default']['NAME']"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("var/lodestar.sqlite3")


@pytest.mark.parametrize("secret", ["", "django-insecure-" + "x" * 60, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    result = _settings_in_subprocess(
        "config.settings.production", {"SECRET_KEY": secret, "ALLOWED_HOSTS": "x"}, "1"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _settings_in_subprocess(
        "config.settings.production",
        PRODUCTION_ENV,
        "settings.DEBUG, settings.SESSION_COOKIE_SECURE",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


def test_outbox_settings_come_from_the_environment():
    result = _settings_in_subprocess(
        "config.settings.local",
        {"OUTBOX_MAX_ATTEMPTS": "7", "OUTBOX_CLAIM_TIMEOUT": "90"},
        "settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_CLAIM_TIMEOUT",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7 90"


def test_a_renamed_feedback_send_setting_still_set_stops_startup():
    result = _settings_in_subprocess(
        "config.settings.local", {"FEEDBACK_SEND_MAX_ATTEMPTS": "3"}, "settings.OUTBOX_MAX_ATTEMPTS"
    )
    assert result.returncode != 0
    assert "FEEDBACK_SEND_MAX_ATTEMPTS (now OUTBOX_MAX_ATTEMPTS)" in result.stderr

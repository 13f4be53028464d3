"""Production settings fail closed: every required variable missing or wrong is named in
one message; HSTS, JSON logs and Sentry come from the environment; seed_demo and public
API docs are refused."""

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from config.environment import REQUIRED, email_config, production_problems
from people.models import User
from tests.conftest import ROOT

# A complete production environment (nothing here is contacted unless a test says so).
PRODUCTION_ENV = {
    "SECRET_KEY": "bq3Zt7-Kx0VdW9mNf2LrH8sYc5JpA1eUo4GiT6nQwE_vRk" * 2,
    "DATABASE_URL": "postgres://lodestar:pw@db.internal:5432/lodestar",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "submission://mailer:pw@smtp.example.com",
    "SITE_URL": "https://lodestar.example.com",
    "ALLOWED_HOSTS": "lodestar.example.com",
}


def _without(name: str) -> dict:
    return {key: value for key, value in PRODUCTION_ENV.items() if key != name}


def run_python(code: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_settings(expr: str, **env: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    result = run_python(code, {**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- the variables, one by one ------------------------------------------------------------


def test_a_complete_environment_has_no_problems():
    assert production_problems(PRODUCTION_ENV) == []


@pytest.mark.parametrize("name", list(REQUIRED))
def test_each_missing_variable_is_named(name):
    assert [p for p in production_problems(_without(name)) if p.startswith(name)] == [
        f"{name} is not set ({REQUIRED[name]})"
    ]


@pytest.mark.parametrize("name", list(REQUIRED))
def test_a_blank_variable_counts_as_missing(name):
    problems = production_problems({**PRODUCTION_ENV, name: "  "})
    assert any(problem.startswith(f"{name} is not set") for problem in problems)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SECRET_KEY", "django-insecure-" + "x" * 60, "real secret"),
        ("SECRET_KEY", "short", "real secret"),
        ("SECRET_KEY", "ab" * 40, "real secret"),
        ("DATABASE_URL", "sqlite:///var/lodestar.sqlite3", "SQLite is for development only"),
        ("DATABASE_URL", "mysql://u:p@db/lodestar", "PostgreSQL"),
        ("DATABASE_URL", "postgres://u:p@db:5432", "PostgreSQL"),
        ("REDIS_URL", "memcached://cache:11211", "Redis URL"),
        ("EMAIL_URL", "filemail:///var/mail", "SMTP server"),
        ("EMAIL_URL", "consolemail://", "SMTP server"),
        ("EMAIL_URL", "smtp://", "host"),
        ("SITE_URL", "http://lodestar.example.com", "https://"),
        ("SITE_URL", "http://127.0.0.1:8000", "https://"),
        ("SITE_URL", "https://lodestar.example.com/app", "without a path"),
        ("ALLOWED_HOSTS", "*", "not '*'"),
    ],
)
def test_a_wrong_value_is_named_with_what_is_wrong(name, value, says):
    problems = production_problems({**PRODUCTION_ENV, name: value})
    assert len(problems) == 1
    assert problems[0].startswith(f"{name} ")
    assert says in problems[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMAIL_URL", "smtp://relay.internal:25"),
        ("EMAIL_URL", "smtps://u:p@smtp.example.com"),
        ("EMAIL_URL", "smtp+tls://u:p@smtp.example.com:587"),
        ("DATABASE_URL", "postgresql://u:p@db/lodestar"),
        ("REDIS_URL", "rediss://:pw@redis.example.com:6380/1"),
        ("ALLOWED_HOSTS", "lodestar.example.com, lodestar-internal"),
        ("ALLOWED_HOSTS", ".example.com"),
        ("SITE_URL", "https://lodestar.example.com/"),
    ],
)
def test_good_values_pass(name, value):
    assert production_problems({**PRODUCTION_ENV, name: value}) == []


def test_the_site_url_host_must_be_allowed():
    problems = production_problems({**PRODUCTION_ENV, "ALLOWED_HOSTS": "other.example.com"})
    assert problems == [
        "ALLOWED_HOSTS must include SITE_URL's host lodestar.example.com "
        "(every emailed link would be refused)"
    ]


def test_debug_must_be_off():
    assert production_problems({**PRODUCTION_ENV, "DEBUG": "true"}) == [
        "DEBUG must be off in production (it shows settings and data on errors)"
    ]


@pytest.mark.parametrize(
    "hsts",
    [
        {"SECURE_HSTS_PRELOAD": "true"},
        {"SECURE_HSTS_PRELOAD": "true", "SECURE_HSTS_SECONDS": "3600"},
        {
            "SECURE_HSTS_PRELOAD": "true",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_SECONDS": "3600",
        },
    ],
)
def test_hsts_preload_needs_subdomains_and_a_year(hsts):
    problems = production_problems({**PRODUCTION_ENV, **hsts})
    assert len(problems) == 1
    assert problems[0].startswith("SECURE_HSTS_PRELOAD needs")


# --- the real process ---------------------------------------------------------------------


def test_production_with_nothing_set_refuses_to_start_naming_every_variable_at_once():
    result = run_python("import django; django.setup()", {})

    assert result.returncode != 0
    assert result.stderr.count("ImproperlyConfigured:") == 1
    message = result.stderr.split("ImproperlyConfigured:")[1]
    for name in REQUIRED:
        assert f"  - {name} is not set" in message


@pytest.mark.parametrize("name", list(REQUIRED))
def test_manage_py_under_production_refuses_without_each_variable(name):
    result = run_python("", _without(name), "manage.py", "check")

    assert result.returncode != 0
    assert f"  - {name} is not set" in result.stderr
    assert result.stderr.count("  - ") == 1


@pytest.mark.parametrize(
    "code",
    [
        "import config.wsgi",
        "import config.asgi",
        "from config.celery import app; app.loader.import_default_modules()",
    ],
)
def test_gunicorn_and_celery_default_to_production_settings(code):
    """Started without DJANGO_SETTINGS_MODULE, a server gets production settings (which
    refuse to start here), never local ones with DEBUG on."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Lodestar's production settings refuse to start" in result.stderr


def test_production_starts_with_every_variable_set_and_fails_closed():
    shown = production_settings(
        "settings.DEBUG, settings.DATABASES['default']['ENGINE'], settings.EMAIL_BACKEND, "
        "settings.EMAIL_USE_TLS, settings.EMAIL_PORT, settings.SITE_URL, settings.ALLOWED_HOSTS, "
        "settings.API_DOCS_PUBLIC, settings.DEMO_DATA_ALLOWED, "
        "settings.LOGGING['handlers']['console']['formatter']"
    )
    assert shown == (
        "False django.db.backends.postgresql django.core.mail.backends.smtp.EmailBackend "
        "True 587 https://lodestar.example.com ['lodestar.example.com'] False False json"
    )


def test_hsts_preload_and_subdomains_are_off_unless_set():
    assert (
        production_settings(
            "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "settings.SECURE_HSTS_PRELOAD, settings.SILENCED_SYSTEM_CHECKS"
        )
        == "31536000 False False ['security.W005', 'security.W021']"
    )


def test_hsts_comes_from_the_environment():
    assert (
        production_settings(
            "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "settings.SECURE_HSTS_PRELOAD, settings.SILENCED_SYSTEM_CHECKS",
            SECURE_HSTS_SECONDS="63072000",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
            SECURE_HSTS_PRELOAD="true",
        )
        == "63072000 True True []"
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_python(
        "", PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_log_format_text_can_be_chosen_and_a_wrong_one_is_refused():
    assert production_settings(
        "settings.LOGGING['handlers']['console']['formatter']", LOG_FORMAT="text"
    ) == ("text")
    result = run_python("import django; django.setup()", {**PRODUCTION_ENV, "LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of json, text" in result.stderr


def test_sentry_is_off_without_a_dsn_and_scrubs_when_on():
    assert production_settings("__import__('sentry_sdk').get_client().is_active()") == "False"
    shown = production_settings(
        "(lambda o: (o['send_default_pii'], o['include_local_variables'], "
        "o['max_request_body_size'], o['before_send'].__qualname__, o['environment']))"
        "(__import__('sentry_sdk').get_client().options)",
        SENTRY_DSN="https://public@sentry.invalid/1",
        SENTRY_ENVIRONMENT="staging",
    )
    assert shown == "(False, False, 'never', 'scrub_event', 'staging')"


def test_a_request_under_production_settings_logs_one_json_line_and_docs_need_sign_in():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='lodestar.example.com'); "
        "print(c.get('/api/schema/', secure=True).status_code, "
        "c.get('/api/docs/', secure=True)['Location'], "
        "c.get('/api/v1/me/').status_code)"
    )
    result = run_python(code, {**PRODUCTION_ENV, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, result.stderr
    # Signed out: the schema is refused, the docs page sends to the login page, and plain
    # HTTP is redirected to HTTPS.
    assert result.stdout.split() == ["401", "/login/?next=/api/docs/", "301"]
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    requests = [line for line in lines if line["logger"] == "lodestar.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/api/schema/", 401),
        ("GET", "/api/docs/", 302),
        ("GET", "/api/v1/me/", 301),
    ]
    assert all(r["user_id"] is None and r["duration_ms"] >= 0 for r in requests)


# --- what production refuses --------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_refuses_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="refuses to run under production settings"):
        call_command("seed_demo", verbosity=0)

    assert not User.objects.filter(email="hr@example.com").exists()


def test_seed_demo_refuses_under_production_settings_before_touching_the_database():
    # The database named here does not answer: the refusal must come first.
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/lodestar"}
    result = run_python("", env, "manage.py", "seed_demo")

    assert result.returncode != 0
    assert "seed_demo refuses to run under production settings" in result.stderr
    assert "connection" not in result.stderr.lower()


# --- EMAIL_URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "tls", "ssl", "port"),
    [
        ("smtp://relay.internal", False, False, 25),
        ("smtp://relay.internal:2525", False, False, 2525),
        ("submission://u:p@smtp.example.com", True, False, 587),
        ("smtp+tls://u:p@smtp.example.com", True, False, 587),
        ("smtps://u:p@smtp.example.com", False, True, 465),
        ("smtp+ssl://u:p@smtp.example.com:2465", False, True, 2465),
    ],
)
def test_email_url_schemes_mean_what_they_say(url, tls, ssl, port):
    config = email_config(url)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"], config["EMAIL_PORT"]) == (
        tls,
        ssl,
        port,
    )


def test_email_url_credentials_are_read():
    config = email_config("submission://mailer%40example.com:s3cr%2Ft@smtp.example.com:587")
    assert config["EMAIL_HOST_USER"] == "mailer@example.com"
    assert config["EMAIL_HOST_PASSWORD"] == "s3cr/t"
    assert config["EMAIL_HOST"] == "smtp.example.com"


def test_development_email_urls_still_work():
    assert email_config("consolemail://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


# --- the API docs -------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_docs_require_sign_in_when_not_public(settings, client, anon_api, api, leader):
    settings.API_DOCS_PUBLIC = False

    assert anon_api.get("/api/schema/").status_code == 401
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/docs/"

    assert api(leader).get("/api/schema/").status_code == 200
    client.force_login(leader)
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_api_docs_are_public_in_development(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200

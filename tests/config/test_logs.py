"""One structured line per request and per task: the fields are there; no token, body,
password or answer is; the JSON lines parse."""

import json
import logging
import sys

import pytest
from django.test import RequestFactory

from config.celery import app, ping
from config.logs import JsonFormatter, TextFormatter, logging_config, scrub

TOKEN = "MQ:1u2v3w:abcdefghijklmnopqrstuvwxyz0123456789"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="lodestar.request")
    return lambda: [r for r in caplog.records if r.name == "lodestar.request"]


@pytest.fixture
def task_lines(caplog):
    caplog.set_level(logging.INFO, logger="lodestar.task")
    return lambda: [r for r in caplog.records if r.name == "lodestar.task"]


def as_json(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def fields(record: logging.LogRecord) -> dict:
    return {
        key: getattr(record, key)
        for key in ("method", "path", "status", "duration_ms", "user_id")
        if hasattr(record, key)
    }


@pytest.mark.django_db
def test_one_line_per_request_with_method_path_status_duration_and_user(api, hr, request_lines):
    response = api(hr).get("/api/v1/me/?search=someone@example.com")

    assert response.status_code == 200
    [line] = request_lines()
    assert fields(line) == {
        "method": "GET",
        "path": "/api/v1/me/",  # no query string
        "status": 200,
        "duration_ms": line.duration_ms,
        "user_id": hr.pk,
    }
    assert line.duration_ms >= 0
    assert line.getMessage() == f"GET /api/v1/me/ 200 {line.duration_ms:.1f}ms"


@pytest.mark.django_db
def test_anonymous_and_refused_requests_are_logged_too(anon_api, request_lines):
    assert anon_api.get("/api/v1/me/").status_code == 401
    [line] = request_lines()
    assert (line.status, line.user_id) == (401, None)


@pytest.mark.django_db
def test_a_rater_link_is_logged_without_its_token(client, request_lines):
    client.get(f"/feedback/r/{TOKEN}/")

    [line] = request_lines()
    assert line.path == "/feedback/r/[redacted]/"
    assert TOKEN not in line.getMessage()
    assert TOKEN not in json.dumps(as_json(line))


@pytest.mark.django_db
def test_a_pulse_link_is_logged_without_its_token(client, request_lines):
    """A pulse link answers for a team member as a rater link answers for a rater: its
    token is a credential, in the request line and in Django's own 4xx line alike."""
    assert client.get(f"/pulse/answer/{TOKEN}/").status_code == 400

    [line] = request_lines()
    assert line.path == "/pulse/answer/[redacted]/"
    assert TOKEN not in json.dumps(as_json(line))
    assert scrub(f"Gone: /pulse/answer/{TOKEN}/") == "Gone: /pulse/answer/[redacted]/"


@pytest.mark.django_db
def test_a_sign_in_logs_neither_the_body_the_password_nor_the_token(anon_api, hr, request_lines):
    hr.set_password(PASSWORD)
    hr.save()

    response = anon_api.post(
        "/api/v1/auth/token/", {"email": hr.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    [line] = request_lines()
    written = json.dumps(as_json(line)) + TextFormatter().format(line)
    assert (line.method, line.path, line.status) == ("POST", "/api/v1/auth/token/", 200)
    for secret in (PASSWORD, token, hr.email):
        assert secret not in written


def test_json_lines_carry_only_known_fields_and_are_scrubbed():
    """Django attaches the request to its own records: it is not written, nor is any other
    extra a caller passes; tokens are scrubbed from the message and the traceback."""
    request = RequestFactory().post(f"/feedback/r/{TOKEN}/", {"comment": "my manager is..."})
    try:
        raise ValueError(f"bad token in /feedback/r/{TOKEN}/")
    except ValueError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            (request.path,),
            exc_info=sys.exc_info(),
            extra={"request": request, "status_code": 500, "answers": {"q1": 5}},
        )

    line = as_json(record)

    assert set(line) == {"time", "level", "logger", "message", "exc_info"}
    assert line["message"] == "Internal Server Error: /feedback/r/[redacted]/"
    assert "/feedback/r/[redacted]/" in line["exc_info"]
    assert TOKEN not in json.dumps(line)
    assert TOKEN not in TextFormatter().format(record)


def test_every_handler_scrubs_rater_links_in_both_formats():
    for log_format in ("json", "text"):
        config = logging_config(level="INFO", log_format=log_format)
        assert config["handlers"]["console"]["formatter"] == log_format
        for handler in config["handlers"].values():
            assert "redact_rater_links" in handler["filters"]


# --- tasks --------------------------------------------------------------------------------


@app.task(name="tests.config.always_fails")
def always_fails(secret: str) -> None:
    raise RuntimeError(f"failed on {secret}")


def test_one_line_per_task_with_name_id_outcome_and_duration(task_lines):
    result = ping.delay("key-for-the-log-test")

    [line] = task_lines()
    assert (line.task, line.task_id, line.outcome) == ("lodestar.ping", result.id, "success")
    assert line.duration_ms >= 0
    assert line.levelname == "INFO"
    assert "key-for-the-log-test" not in json.dumps(as_json(line))


def test_a_failed_task_logs_its_outcome_and_error_class_but_not_its_arguments(task_lines):
    # As a worker runs it: the failure is recorded, not raised.
    always_fails.apply(args=["leader@example.com"], throw=False)

    [line] = task_lines()
    logged = as_json(line)
    assert (logged["task"], logged["outcome"], logged["error"]) == (
        "tests.config.always_fails",
        "failure",
        "RuntimeError",
    )
    assert line.levelname == "WARNING"
    assert "leader@example.com" not in json.dumps(logged)


def test_a_task_failing_eagerly_in_a_test_is_logged_as_a_failure(task_lines):
    with pytest.raises(RuntimeError):
        always_fails.delay("x")

    [line] = task_lines()
    assert (line.task, line.outcome) == ("tests.config.always_fails", "failure")

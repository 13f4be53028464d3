"""Logging: one structured line per request and per Celery task, and the formatters that
write every line (JSON in production, text in development).

A line says what happened, never what was said: method, path (rater-link tokens
scrubbed, no query string), status, duration and user id for a request; task name, id,
outcome and duration for a task. Never a body, an answer, a note, a token or a password.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from celery.signals import task_failure, task_postrun, task_prerun
from django.core.exceptions import AppRegistryNotReady
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from feedback.log_filters import redact

request_logger = logging.getLogger("lodestar.request")
task_logger = logging.getLogger("lodestar.task")

# The structured fields a JSON line may carry besides time, level, logger and message. Only
# these: Django attaches the request object to its records and Celery a task's arguments.
FIELDS = (
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "task",
    "task_id",
    "outcome",
    "error",
)
FORMATS = ("json", "text")


def scrub(text: str) -> str:
    """``text`` without live rater-link tokens (feedback/log_filters.py)."""
    try:
        return redact(text)
    except AppRegistryNotReady:  # a worker's first lines, before Django has loaded the URLs
        return text


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message and the FIELDS a record has."""

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        created = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        log_data["time"] = created.isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = scrub(record.message)
        for field in FIELDS:
            if field in record.__dict__:
                log_data[field] = record.__dict__[field]
        for key in ("exc_info", "stack_info"):
            if message_dict.get(key):
                log_data[key] = scrub(message_dict[key])


class TextFormatter(logging.Formatter):
    """Development's plain lines, scrubbed as a whole (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def logging_config(*, level: str, log_format: str) -> dict:
    """settings.LOGGING: every handler scrubs rater links and writes ``log_format``."""
    if log_format not in FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # Live rater links are credentials: every handler scrubs them (feedback/log_filters.py).
        "filters": {"redact_rater_links": {"()": "feedback.log_filters.RedactRaterLinks"}},
        "formatters": {
            "json": {"()": "config.logs.JsonFormatter"},
            "text": {"()": "config.logs.TextFormatter"},
            "django.server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["redact_rater_links"],
            },
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "django.server",
                "filters": ["redact_rater_links"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # runserver's request log: the same handler Django uses, with the filter.
            "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
            # lodestar.task is the one line per task: Celery's own "received" and
            # "succeeded" lines repeat it with the task's arguments and return value.
            # Its failures (ERROR, with the traceback) still show.
            "celery.app.trace": {"level": "WARNING"},
            "celery.worker.strategy": {"level": "WARNING"},
        },
    }


# --- requests -----------------------------------------------------------------------------


def _user_id(request) -> int | None:
    user = request.__dict__.get("user")
    if user is None:
        return None
    # AuthenticationMiddleware's lazy user that nothing looked at: reading it now would
    # cost a session query per request just for the log line.
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """One line per request: method, scrubbed path, status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = scrub(request.path)
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response


# --- Celery tasks -------------------------------------------------------------------------

_running: dict[str, float] = {}
_errors: dict[str, str] = {}
_lock = threading.Lock()


def _task_started(task_id: str, **kwargs) -> None:
    with _lock:
        _running[task_id] = time.perf_counter()


def _task_failed(task_id: str, exception: BaseException | None = None, **kwargs) -> None:
    # The exception's class only: its message may quote the data the task worked on.
    with _lock:
        _errors[task_id] = type(exception).__name__


def _task_finished(task_id: str, task=None, state: str | None = None, **kwargs) -> None:
    with _lock:
        started = _running.pop(task_id, None)
        error = _errors.pop(task_id, None)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    # No state: the exception went straight through Celery (eager tests that propagate).
    outcome = (state or "failure").lower()
    name = getattr(task, "name", "?")
    fields = {"task": name, "task_id": task_id, "outcome": outcome, "duration_ms": duration_ms}
    if error:
        fields["error"] = error
    task_logger.log(
        logging.INFO if outcome == "success" else logging.WARNING,
        "task %s %s %s %sms",
        name,
        task_id,
        outcome,
        duration_ms,
        extra=fields,
    )


def task_log_connect() -> None:
    """Write the one line per task from Celery's signals (idempotent)."""
    task_prerun.connect(_task_started, dispatch_uid="lodestar.task_log.prerun")
    task_failure.connect(_task_failed, dispatch_uid="lodestar.task_log.failure")
    task_postrun.connect(_task_finished, dispatch_uid="lodestar.task_log.postrun")

"""Settings for the real Celery worker that integration tests start.

Like the test settings, but the database is the test database named by
DATABASE_URL and tasks really go through Redis.
"""

import os

from .test import *  # noqa: F403
from .test import DATABASES

DATABASES["default"].pop("TEST", None)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("LODESTAR_TEST_QUEUE", "celery")
# Emails the worker sends are written where the test can read them (a test may slow
# down or stall the sending: tests/backends.py).
EMAIL_BACKEND = "tests.backends.WorkerFileBackend"
EMAIL_FILE_PATH = os.environ.get("LODESTAR_TEST_MAIL_DIR", "var/test-mail")

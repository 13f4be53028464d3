"""Settings for the pytest suite."""

import os
import re

os.environ.setdefault("DEBUG", "false")
# Under pytest-xdist each worker process ("gw0", "gw1", ...) has a Redis database of its
# own (1, 2, ...), so rate-limit counts, cached values and the real Celery workers' queues
# of one never meet another's. Set before the base settings read REDIS_URL; the Celery
# worker processes the tests start inherit it.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and "REDIS_URL" in os.environ:
    os.environ["REDIS_URL"] = re.sub(
        r"(/\d+)?$", f"/{int(_xdist_worker[2:]) + 1}", os.environ["REDIS_URL"], count=1
    )
os.environ.setdefault("SECRET_KEY", "test-" + "x" * 60)

from .base import *  # noqa: F403, E402 (REDIS_URL is set above first)
from .base import DATABASES, VAR_DIR  # noqa: E402

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No rate limits (None: nothing is counted); the tests of the limits set their own rates.
THROTTLE_RATES = {"sign_in": None, "rater_link": None, "writes": None, "scim": None}
# Tasks run in-process unless a test asks for the real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a real Celery worker process can share the test
    # database; one per pytest process so parallel runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

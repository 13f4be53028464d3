import os

from celery import Celery
from celery.signals import setup_logging

from config.logs import task_log_connect

# Production unless told otherwise, like config/wsgi.py and config/asgi.py: importing any
# part of config (gunicorn's config.wsgi too) runs this first, so a default of local here
# served local settings, DEBUG on, to a server started without DJANGO_SETTINGS_MODULE.
# manage.py and `make run` choose local settings themselves.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("lodestar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
task_log_connect()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers and beat log through settings.LOGGING (JSON in production, rater links
    scrubbed, LOG_LEVEL) instead of Celery's own handlers."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@app.task(name="lodestar.ping")
def ping(key: str) -> None:
    """Write a key into the cache; proves a worker consumes the queue (health tests)."""
    from django.core.cache import cache

    cache.set(f"ping:{key}", "pong", timeout=60)

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("lodestar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="lodestar.ping")
def ping(key: str) -> None:
    """Write a key into the cache; proves a worker consumes the queue (health tests)."""
    from django.core.cache import cache

    cache.set(f"ping:{key}", "pong", timeout=60)

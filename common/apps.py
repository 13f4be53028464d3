from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Below every app: helpers, and the outbox every email goes through (common/outbox.py)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "common"
    verbose_name = "Outbox"

    def ready(self) -> None:
        # The outbox publishes its send task by name; register the tasks in every
        # process that may publish (web, beat, shell), not only in workers.
        from common import tasks  # noqa: F401

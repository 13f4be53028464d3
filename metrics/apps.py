from django.apps import AppConfig


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metrics"

    def ready(self) -> None:
        # Observation writes publish the ranking refresh by name; register the task in
        # every process that may publish (web, beat, shell), not only in workers.
        from metrics import tasks  # noqa: F401

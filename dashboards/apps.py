from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"

    def ready(self) -> None:
        from common import outbox
        from dashboards import digest

        outbox.kinds_register(*digest.KINDS)

from django.apps import AppConfig


class PulseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pulse"
    verbose_name = "Team pulse"

    def ready(self) -> None:
        from common import outbox
        from pulse import emails

        outbox.kinds_register(*emails.KINDS)

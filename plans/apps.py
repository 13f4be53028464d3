from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Development plans"

    def ready(self) -> None:
        from common import outbox
        from plans import emails

        outbox.kinds_register(*emails.KINDS)

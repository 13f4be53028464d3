from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "programs"

    def ready(self) -> None:
        from common import outbox
        from programs import emails

        outbox.kinds_register(*emails.KINDS)

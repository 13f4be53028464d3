from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"
    verbose_name = "Company directory and sign-on"

    def ready(self) -> None:
        from common import outbox
        from directory import emails

        outbox.kinds_register(*emails.KINDS)

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from common import outbox
        from people import emails

        outbox.kinds_register(*emails.KINDS)

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"

    def ready(self) -> None:
        from common import outbox
        from feedback import emails

        outbox.kinds_register(*emails.KINDS)

from django.apps import AppConfig


class MentorshipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mentorship"

    def ready(self) -> None:
        from common import outbox
        from mentorship import emails

        outbox.kinds_register(*emails.KINDS)

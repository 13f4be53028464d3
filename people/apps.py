from django.apps import AppConfig


class PeopleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from django.contrib import admin

        from common import outbox
        from people import emails
        from people.forms import AdminLoginForm

        outbox.kinds_register(*emails.KINDS)
        # The admin's login follows the login page's rule on who may use a password.
        admin.site.login_form = AdminLoginForm

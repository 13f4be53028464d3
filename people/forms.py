"""The password reset form: Django's, except that the email goes through the outbox."""

from django.contrib.auth import forms as auth_forms

from people.signin import password_reset_request


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, **kwargs) -> None:
        """Owe the reset email (built with its link when sent); Django's view then shows
        the same page whether or not the address has an account."""
        password_reset_request(email=self.cleaned_data["email"])

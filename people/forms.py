"""Signing-in forms: Django's, with two Lodestar rules. Only the accounts that may use a
password (people.passwords.password_sign_in_allowed) get past the login forms or ask for a
reset, and the reset email goes through the outbox."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms

from people.passwords import password_sign_in_allowed, password_sign_in_off_message
from people.signin import password_reset_request


class PasswordAllowedMixin:
    """Refuse, before the password is checked, an email that may not use one: the
    answer is the same whether the account exists or the password is right."""

    def clean(self):
        email = self.cleaned_data.get("username")
        if email and not password_sign_in_allowed(email):
            raise forms.ValidationError(password_sign_in_off_message(), code="password_sign_in_off")
        return super().clean()


class LoginForm(PasswordAllowedMixin, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(PasswordAllowedMixin, AdminAuthenticationForm):
    pass


class PasswordResetForm(auth_forms.PasswordResetForm):
    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if not password_sign_in_allowed(email):
            raise forms.ValidationError(password_sign_in_off_message(), code="password_sign_in_off")
        return email

    def save(self, **kwargs) -> None:
        """Owe the reset email (built with its link when sent); Django's view then shows
        the same page whether or not the address has an account."""
        password_reset_request(email=self.cleaned_data["email"])

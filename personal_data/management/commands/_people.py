"""Finding the person a personal-data command names."""

from django.core.management.base import CommandError

from people.models import User


def person_by_email(email: str) -> User:
    person = User.objects.filter(email__iexact=User.objects.normalize_email(email)).first()
    if person is None:
        raise CommandError(f"Nobody has the email address {email!r}.")
    return person

"""manage.py scim_token_create NAME: make a SCIM bearer token and print it (once: only its
digest is kept). Recorded in the audit trail by "system"."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common import audit
from directory.scim.tokens import scim_token_create


class Command(BaseCommand):
    help = "Make a SCIM bearer token for an identity provider and print it."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who uses it, e.g. 'Okta'.")

    def handle(self, *args, name: str, **options):
        try:
            token, secret = scim_token_create(name=name, by=audit.SYSTEM)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(f"{token}: copy it now, it is not shown again.")
        self.stdout.write(secret)

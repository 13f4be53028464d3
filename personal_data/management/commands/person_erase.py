"""manage.py person_erase EMAIL [--no-input]: anonymise one person (docs/privacy.md).

Asks for the email address again before it erases anything, unless --no-input."""

from django.core.management.base import BaseCommand, CommandError

from common.web import REFUSALS, error_text
from personal_data.management.commands._people import person_by_email
from personal_data.services import person_erase


class Command(BaseCommand):
    help = "Erase one person's personal data: anonymise them, keep every figure."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask to confirm (the email address given is the confirmation).",
        )

    def handle(self, *args, email, interactive=True, **options):
        person = person_by_email(email)
        confirm = person.email
        if interactive:
            confirm = input(
                f"Erasing {person.full_name} cannot be undone. Type their email address "
                "again to confirm: "
            )
        name = person.full_name
        try:
            erasure = person_erase(person=person, by=None, confirm=confirm)
        except REFUSALS as error:
            raise CommandError(error_text(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{name}'s personal data is erased (user {erasure.person_id}): "
                f"{erasure.pairings_ended} pairing(s) ended, "
                f"{erasure.requests_expired} request(s) expired, "
                f"{erasure.texts_redacted} text(s) redacted, "
                f"{erasure.emails_redacted} email(s) redacted, "
                f"{erasure.mentions_replaced} mention(s) replaced."
            )
        )

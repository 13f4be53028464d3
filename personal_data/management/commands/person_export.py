"""manage.py person_export EMAIL [--output FILE]: everything Lodestar holds about one
person, as JSON (the same document as HR's page and the API); recorded in the audit
trail as ``person.export`` by "system"."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from personal_data.management.commands._people import person_by_email
from personal_data.services import person_export_record


class Command(BaseCommand):
    help = "Export everything Lodestar holds about one person as JSON."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, email, output=None, **options):
        document = json.dumps(
            person_export_record(person=person_by_email(email), by=None),
            indent=2,
            ensure_ascii=False,
        )
        if output:
            Path(output).write_text(document + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(document)

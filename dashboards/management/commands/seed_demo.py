import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app that has demo data exposes ``<app>.demo.seed()``; order follows the
# dependencies between apps. Seeding is idempotent: a second run changes nothing.
DEMO_APPS = ["people", "programs", "mentorship", "feedback", "metrics"]


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent): HR, mentors, leaders, programs and more."

    def handle(self, *args, **options):
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed()
            self.stdout.write(f"Seeded {app}.")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo logins (password lodestar-demo): "
                "hr@example.com, mentor@example.com, leader@example.com"
            )
        )

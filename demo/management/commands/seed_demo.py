"""manage.py seed_demo: create the demo organisation (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from feedback import demo as feedback_demo
from mentorship import demo as mentorship_demo
from metrics import demo as metrics_demo
from people import demo as people_demo
from plans import demo as plans_demo
from programs import demo as programs_demo
from pulse import demo as pulse_demo

# In the order the apps depend on each other. Each seed is idempotent: a second run on
# the same day changes nothing.
DEMO_SEEDS = [
    ("people", people_demo.seed),
    ("programs", programs_demo.seed),
    ("mentorship", mentorship_demo.seed),
    ("feedback", feedback_demo.seed),
    ("metrics", metrics_demo.seed),
    ("pulse", pulse_demo.seed),
    ("plans", plans_demo.seed),
]


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent): HR, mentors, leaders, programs and more."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo refuses to run under production settings: it creates accounts "
                "with a known password (hr@example.com is a superuser)."
            )
        today = timezone.localdate()
        for app, seed in DEMO_SEEDS:
            with transaction.atomic():
                seed(today=today)
            self.stdout.write(f"Seeded {app}.")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo logins (password lodestar-demo): "
                "hr@example.com, mentor@example.com, leader@example.com"
            )
        )

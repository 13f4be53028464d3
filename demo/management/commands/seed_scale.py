"""manage.py seed_scale: the demo plus N leaders shaped like a company, for the benchmark
(issue 14; demo/scale.py says what it makes). Deterministic for a --seed and a --today."""

import datetime
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from demo.bulk import TableWriter
from demo.scale import ScaleSeeder, Shape, scale_leader_email
from metrics.services import cohort_rankings_refresh
from people.models import User


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Add N leaders shaped like a company to the demo (cohorts, mentors, sessions, "
        "feedback, metrics), in bulk, for the benchmark. Run once, on a fresh database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leaders", type=positive, required=True)
        parser.add_argument("--seed", type=int, default=1, help="same seed, same rows")
        parser.add_argument("--cohort-size", type=positive, default=30)
        parser.add_argument(
            "--large-cohort",
            type=not_negative,
            default=1000,
            help="leaders in one large running cohort (0: none; at most --leaders)",
        )
        parser.add_argument("--months", type=positive, default=24, help="of every metric")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="the day every date derives from (default: today)",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("seed_scale refuses to run under production settings.")
        if User.objects.filter(email=scale_leader_email(0)).exists():
            raise CommandError("This database already holds seed_scale data: use a fresh one.")
        if not User.objects.filter(email="hr@example.com").exists():
            call_command("seed_demo", verbosity=0)
        shape = Shape(
            leaders=options["leaders"],
            seed=options["seed"],
            cohort_size=options["cohort_size"],
            large_cohort=options["large_cohort"],
            months=options["months"],
            today=options["today"] or timezone.localdate(),
        )
        started = time.monotonic()
        writer = TableWriter(progress=lambda line: self.stderr.write(line))
        with transaction.atomic():
            ScaleSeeder(shape, writer).run()
        if connection.vendor == "postgresql":
            analyzed = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stderr.write(f"ANALYZE in {time.monotonic() - analyzed:.1f} s")
        # The rows were copied in, not written through the import: rank the cohorts now.
        ranked = time.monotonic()
        cohort_rankings_refresh(as_of=timezone.localdate())
        self.stderr.write(f"cohort rankings in {time.monotonic() - ranked:.1f} s")
        self._summary(shape, writer, time.monotonic() - started)

    def _summary(self, shape: Shape, writer: TableWriter, seconds: float) -> None:
        cohorts = len(shape.cohorts) - (1 if shape.large else 0)
        self.stdout.write(
            f"Added {shape.leaders:,} leaders (seed {shape.seed}, as of {shape.today}): "
            f"{cohorts:,} cohorts of up to {shape.cohort_size}"
            + (f" and one of {shape.large:,}" if shape.large else "")
            + f", {shape.mentors:,} mentors, {shape.months} months of metrics, "
            f"in {seconds:.1f} s."
        )
        for label, count in writer.written.items():
            self.stdout.write(f"  {label:<20} {count:>12,}")

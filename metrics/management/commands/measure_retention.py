"""manage.py measure_retention [--from YYYY-MM] [--to YYYY-MM]: each leader's retention
rate, measured from the reporting line's history, for a range of months (a backfill; the
monthly beat task measures the month just ended). Measuring a month again changes
nothing unless the history changed; recorded in the audit trail by "system"."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from metrics import services
from metrics.periods import Period, parse_period, period_label


def _month(text: str):
    try:
        return parse_period(text, Period.MONTH)
    except ValidationError as exc:
        raise CommandError(f"{text}: {exc.messages[0]}") from exc


class Command(BaseCommand):
    help = "Measure each leader's retention rate from the reporting line, month by month."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", help="The first month, YYYY-MM (default: the last one)."
        )
        parser.add_argument(
            "--to", dest="last", help="The last month, YYYY-MM (default: the month just ended)."
        )

    def handle(self, *args, first=None, last=None, **options):
        last_month = _month(last) if last else None
        first_month = _month(first) if first else last_month
        try:
            measured = services.retention_measure_months(
                first=first_month or services.last_month(), last=last_month, by=None
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for month, report in measured:
            label = period_label(month, Period.MONTH)
            if report is None:
                raise CommandError("No active monthly retention_rate metric to measure.")
            self.stdout.write(
                f"{label}: {report.created} new, {report.updated} replaced, "
                f"{report.unchanged} unchanged, {report.kept} kept (imported values win)."
            )

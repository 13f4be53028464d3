"""Thin Celery wrappers over the metrics services."""

from celery import shared_task

from common import audit
from metrics import services


@shared_task(name=services.REFRESH_RANKINGS_TASK)
def refresh_cohort_rankings(cohort_ids: list[int] | None = None) -> int:
    """After observations change (those cohorts), and every few minutes (any missing or
    stale ranking): rebuild cohort rankings."""
    return services.cohort_rankings_refresh(cohort_ids=cohort_ids)


@shared_task(name=services.MEASURE_RETENTION_TASK)
def measure_retention() -> int:
    """Daily: each leader's retention rate for the month just ended, from the reporting
    line's history. Running it again changes nothing unless the history changed (a leaver
    recorded late). Returns how many values it wrote."""
    report = services.retention_measure(month=services.last_month(), by=audit.SCHEDULE)
    return report.created + report.updated if report else 0

"""Thin Celery wrappers over the metrics services."""

from celery import shared_task

from metrics import services


@shared_task(name=services.REFRESH_RANKINGS_TASK)
def refresh_cohort_rankings(cohort_ids: list[int] | None = None) -> int:
    """After observations change (those cohorts), and every few minutes (any missing or
    stale ranking): rebuild cohort rankings."""
    return services.cohort_rankings_refresh(cohort_ids=cohort_ids)

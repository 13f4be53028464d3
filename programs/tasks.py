"""Celery tasks for programs: thin wrappers that take ids and call programs.emails/services."""

from celery import shared_task

from programs import emails


@shared_task(
    name="programs.send_enrollment_welcome",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_enrollment_welcome(enrollment_id: int) -> bool:
    """Send the welcome email once; True if this run sent it."""
    return emails.enrollment_welcome_send(enrollment_id=enrollment_id)


@shared_task(name="programs.sweep_unsent_welcomes")
def sweep_unsent_welcomes() -> int:
    """Re-enqueue welcome emails whose first enqueue was lost (broker down at commit)."""
    return emails.enrollment_welcome_sweep()

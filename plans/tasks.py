"""Thin Celery wrappers over the plan services: they owe the emails, the outbox sends them."""

from celery import shared_task

from plans import services


@shared_task(name="plans.check_ins_due")
def check_ins_due() -> int:
    """Daily: open each plan's check-in that fell due and email its leader."""
    return services.check_ins_due()


@shared_task(name="plans.plan_reminders")
def plan_reminders() -> int:
    """Daily: remind leaders whose cohort expects a plan from a released report."""
    return services.plan_reminders_owe()


@shared_task(name="plans.record_outcomes")
def record_outcomes() -> int:
    """Daily: record the next report's balances of plans whose leader has one now."""
    return services.plan_outcomes_record()

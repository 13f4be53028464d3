"""The plan tasks through a real worker and the real Redis: beat's daily check-in task
opens the check-in that fell due and the outbox delivers its email, once."""

import datetime

import pytest

from common.models import Email
from plans import emails as plan_emails
from plans import tasks
from plans.models import CheckIn, Plan
from plans.services import FocusInput, plan_create
from tests.conftest import mail_counts, wait_for, worker_drained
from tests.plans.world import build_world

pytestmark = pytest.mark.integration


def test_a_due_check_in_is_opened_and_emailed_once_by_a_real_worker(
    committed_db, clock, outbox_worker, mail_dir
):
    world = build_world(clock)
    world.cohort.checkin_weeks = 2
    world.cohort.save()
    plan = plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[
            FocusInput("relationships", "Weekly 1:1s", "Each has one", datetime.date(2027, 6, 1))
        ],
        by=world.leader,
    )
    # The worker runs on the real clock: the plan is years old there, so a check-in is due.
    Plan.objects.filter(pk=plan.pk).update(
        created_at=datetime.datetime(2020, 1, 1, 9, tzinfo=datetime.UTC)
    )

    tasks.check_ins_due.delay()
    check_in = wait_for(lambda: CheckIn.objects.filter(plan=plan).first())
    # The latest due date on the two-week cadence: not one check-in per missed fortnight.
    assert check_in.due_on > datetime.date(2026, 1, 1)
    assert (check_in.due_on - datetime.date(2020, 1, 1)).days % 14 == 0
    email = Email.objects.get(kind=plan_emails.CHECK_IN_DUE, ref=check_in.pk)
    wait_for(lambda: Email.objects.get(pk=email.pk).status == Email.Status.SENT)
    assert mail_counts(mail_dir)[world.leader.email] == 1

    # The same task again (a doubled beat tick): nothing more is due, nothing sent twice.
    tasks.check_ins_due.delay()
    wait_for(worker_drained())
    assert CheckIn.objects.filter(plan=plan).count() == 1
    assert mail_counts(mail_dir)[world.leader.email] == 1

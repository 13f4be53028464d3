"""The scheduling through a real Celery worker on real Redis (emails written to files)."""

import datetime

import pytest
from django.utils import timezone

from common.broker import enqueue
from common.models import Email
from common.outbox import emails_enqueue_owed
from common.tasks import send_email
from feedback.models import Cycle, RaterRequest
from feedback.services import feedback_tick
from tests.conftest import mail_counts, redis_down, wait_for, worker_drained
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import team_in

pytestmark = pytest.mark.integration


def beat() -> None:
    """What beat runs every minute: the feedback tick and the outbox sweep."""
    feedback_tick()
    emails_enqueue_owed()


def open_cycle_now(leaders: int, reports: int = 2) -> Cycle:
    now = timezone.now()
    cycle = CycleFactory(
        opens_at=now - datetime.timedelta(minutes=1),
        due_at=now + datetime.timedelta(days=10),
        cohort__starts_on=now.date(),
        cohort__ends_on=now.date() + datetime.timedelta(days=60),
    )
    for _ in range(leaders):
        team_in(cycle.cohort, reports=reports)
    return cycle


def test_worker_killed_mid_batch_then_restarted_sends_everything_once(outbox_worker, mail_dir):
    cycle = open_cycle_now(leaders=10, reports=4)  # 10 x (self, manager, mentor, 4) = 70
    assert feedback_tick().opened == 1
    wait_for(lambda: sum(mail_counts(mail_dir).values()) >= 3, timeout=60, interval=0.02)
    outbox_worker.kill()
    at_kill = sum(mail_counts(mail_dir).values())
    assert at_kill < 70, "the kill landed mid-batch"

    outbox_worker.start()

    def all_sent():
        beat()  # the sweep finds the abandoned claim and any lost message in the database
        return not Email.objects.exclude(status=Email.Status.SENT).exists()

    wait_for(all_sent, timeout=90, interval=1)
    counts = mail_counts(mail_dir)
    expected = set(RaterRequest.objects.filter(cycle=cycle).values_list("rater__email", flat=True))
    assert set(counts) == expected
    repeated = [address for address, n in counts.items() if n > 1]
    assert len(repeated) <= 1, "at most the one email in flight at the kill is repeated"
    assert all(n <= 2 for n in counts.values())
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"sent"}


def test_redelivered_and_doubled_tasks_send_nothing_twice(outbox_worker, mail_dir):
    cycle = open_cycle_now(leaders=2)
    feedback_tick()
    feedback_tick()  # a second beat at the same time
    wait_for(lambda: not Email.objects.exclude(status=Email.Status.SENT).exists())
    for email_id in Email.objects.values_list("pk", flat=True):
        enqueue(send_email, email_id)
        enqueue(send_email, email_id)
    wait_for(worker_drained())
    counts = mail_counts(mail_dir)
    assert sum(counts.values()) == RaterRequest.objects.filter(cycle=cycle).count() == 10
    assert set(counts.values()) == {1}


def test_lifecycle_through_the_real_worker(outbox_worker, mail_dir, time_machine):
    """Open → invite → remind → closing reminder → close, with this process's clock walked
    through a window that ends a few hours from now (the worker runs on real time)."""
    from feedback.services import response_submit
    from tests.conftest import Clock
    from tests.feedback.helpers import answers_for

    real_now = timezone.now()  # before the clock is walked
    clock = Clock(time_machine)
    cycle = CycleFactory(
        opens_at=real_now - datetime.timedelta(days=6),
        due_at=real_now + datetime.timedelta(hours=5),
        reminder_every_days=3,
        cohort__starts_on=real_now.date() - datetime.timedelta(days=30),
        cohort__ends_on=real_now.date() + datetime.timedelta(days=60),
    )
    team = team_in(cycle.cohort, reports=3)

    def settled():
        return not Email.objects.filter(status__in=["queued", "sending"]).exists()

    clock.set(cycle.opens_at)
    assert feedback_tick().opened == 1
    wait_for(settled)
    assert sum(mail_counts(mail_dir).values()) == 6

    # The worker stamps real time; put the invitations back at the tick's time so the
    # walked clock and the history agree (reminders wait 12 h after an invitation).
    RaterRequest.objects.filter(cycle=cycle).update(sent_at=cycle.opens_at)
    for request in RaterRequest.objects.filter(cycle=cycle, group__in=["self", "manager"]):
        response_submit(request=request, answers=answers_for(cycle), now=cycle.opens_at)

    clock.set(cycle.opens_at + datetime.timedelta(days=3))
    assert feedback_tick().reminders == 4
    feedback_tick()
    wait_for(settled)

    clock.set(cycle.due_at - datetime.timedelta(hours=20))
    assert feedback_tick().closing_reminders == 4
    wait_for(settled)

    clock.set(cycle.due_at)
    assert feedback_tick().closed == 1
    counts = mail_counts(mail_dir)
    answered = {team.leader.email, team.manager.email}
    for address, n in counts.items():
        assert n == (1 if address in answered else 3), address
    assert len(counts) == 6
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED
    assert RaterRequest.objects.filter(status="expired").count() == 4


def test_redis_down_while_the_cycle_opens_then_back_everything_is_sent(outbox_worker, mail_dir):
    cycle = open_cycle_now(leaders=2)
    with redis_down():
        started = timezone.now()
        assert feedback_tick().opened == 1  # the open commits; publishing fails and is logged
        assert (timezone.now() - started).total_seconds() < 15, "a broker outage must not hang"
        assert Email.objects.filter(status=Email.Status.QUEUED).count() == 10

    def all_sent():
        beat()  # Redis is back: the database says what is owed
        return not Email.objects.exclude(status=Email.Status.SENT).exists()

    wait_for(all_sent, timeout=60, interval=1)
    counts = mail_counts(mail_dir)
    assert sum(counts.values()) == RaterRequest.objects.filter(cycle=cycle).count() == 10
    assert set(counts.values()) == {1}

"""The scheduling through a real Celery worker on real Redis (emails written to files)."""

import collections
import datetime
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from common.broker import enqueue
from config.celery import ping
from feedback.models import Cycle, Delivery, RaterRequest
from feedback.services import feedback_tick
from feedback.tasks import send_delivery
from tests.conftest import wait_for
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import team_in

pytestmark = pytest.mark.integration


def mail_counts(directory) -> collections.Counter:
    """How many emails each address received, from the file backend's files."""
    counts = collections.Counter()
    for path in directory.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                counts[line[4:].strip()] += 1
    return counts


def worker_drained() -> bool:
    """True once the worker processed everything queued before this call (FIFO, solo pool)."""
    key = uuid.uuid4().hex
    enqueue(ping, key)
    return lambda: cache.get(f"ping:{key}") == "pong"


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


def test_worker_killed_mid_batch_then_restarted_sends_everything_once(feedback_worker, mail_dir):
    cycle = open_cycle_now(leaders=10, reports=4)  # 10 x (self, manager, mentor, 4) = 70
    assert feedback_tick().opened == 1
    wait_for(lambda: sum(mail_counts(mail_dir).values()) >= 3, timeout=60, interval=0.02)
    feedback_worker.kill()
    at_kill = sum(mail_counts(mail_dir).values())
    assert at_kill < 70, "the kill landed mid-batch"

    feedback_worker.start()

    def all_sent():
        feedback_tick()  # finds the abandoned claim and any lost message in the database
        return not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()

    wait_for(all_sent, timeout=90, interval=1)
    counts = mail_counts(mail_dir)
    expected = set(RaterRequest.objects.filter(cycle=cycle).values_list("rater__email", flat=True))
    assert set(counts) == expected
    repeated = [address for address, n in counts.items() if n > 1]
    assert len(repeated) <= 1, "at most the one email in flight at the kill is repeated"
    assert all(n <= 2 for n in counts.values())
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"sent"}


def test_redelivered_and_doubled_tasks_send_nothing_twice(feedback_worker, mail_dir):
    cycle = open_cycle_now(leaders=2)
    feedback_tick()
    feedback_tick()  # a second beat at the same time
    wait_for(lambda: not Delivery.objects.exclude(status=Delivery.Status.SENT).exists())
    for delivery_id in Delivery.objects.values_list("pk", flat=True):
        enqueue(send_delivery, delivery_id)
        enqueue(send_delivery, delivery_id)
    wait_for(worker_drained())
    counts = mail_counts(mail_dir)
    assert sum(counts.values()) == RaterRequest.objects.filter(cycle=cycle).count() == 10
    assert set(counts.values()) == {1}


def test_lifecycle_through_the_real_worker(feedback_worker, mail_dir, time_machine):
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
        return not Delivery.objects.filter(status__in=["queued", "sending"]).exists()

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


def _use_broker(url: str) -> None:
    """Point this process's publisher at ``url`` (the worker keeps its own connection)."""
    from config.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


def test_redis_down_while_the_cycle_opens_then_back_everything_is_sent(
    feedback_worker, mail_dir, settings
):
    from config.celery import app

    real_broker = app.conf.broker_url
    cycle = open_cycle_now(leaders=2)
    _use_broker("redis://127.0.0.1:1/0")  # nothing listens there: "Redis is down"
    try:
        started = timezone.now()
        assert feedback_tick().opened == 1  # the open commits; publishing fails and is logged
        assert (timezone.now() - started).total_seconds() < 15, "a broker outage must not hang"
        assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 10
    finally:
        _use_broker(real_broker)

    def all_sent():
        feedback_tick()  # Redis is back: the database says what is owed
        return not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()

    wait_for(all_sent, timeout=60, interval=1)
    counts = mail_counts(mail_dir)
    assert sum(counts.values()) == RaterRequest.objects.filter(cycle=cycle).count() == 10
    assert set(counts.values()) == {1}

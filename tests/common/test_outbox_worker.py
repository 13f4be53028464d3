"""Every kind of email Lodestar sends, through a real Celery worker on real Redis: a
worker killed mid-batch and restarted, and Redis down while the emails are owed. Each
email is delivered, and exactly once, except at most the one in flight at the kill."""

import collections
import datetime

import pytest
from django.utils import timezone

from common.models import Email
from common.outbox import OUTBOX_HEADER, emails_enqueue_owed
from feedback.services import feedback_tick
from mentorship import services as mentorship
from people.signin import password_reset_request
from programs.services import enrollment_create
from tests.conftest import redis_down, restore_migrated_content, wait_for
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import team_in
from tests.mentorship.factories import ActionItemFactory, MentorProfileFactory
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.integration

KINDS = {
    "people.password_reset",
    "programs.welcome",
    "mentorship.session_invitation",
    "mentorship.action_item_overdue",
    "mentorship.quiet_pairing",
    "mentorship.quiet_digest",
    "feedback.invitation",
}


@pytest.fixture
def committed_rows(transactional_db):
    restore_migrated_content()


def owe_one_of_each_kind() -> None:
    """Password resets, welcomes, invitations to mentoring sessions, overdue action items,
    quiet pairings with HR's digest, and the invitations of a feedback cycle that opens now."""
    today = timezone.localdate()
    cohort = CohortFactory(starts_on=today, ends_on=today + datetime.timedelta(days=60))
    for _ in range(4):
        leader = LeaderFactory()
        enrollment_create(cohort=cohort, leader=leader, by=None)
        password_reset_request(email=leader.email)
    for _ in range(3):
        mentor = MentorFactory()
        MentorProfileFactory(user=mentor)
        pairing = mentorship.pairing_create(
            mentor=mentor, mentee=LeaderFactory(), started_on=today, by=None
        )
        session = mentorship.session_create(
            pairing=pairing,
            by=mentor,
            status="planned",
            starts_at=timezone.now() + datetime.timedelta(days=2),
        )
        ActionItemFactory(session=session, due_on=today - datetime.timedelta(days=1))
    mentorship.action_item_nudges_owe()
    HRFactory()
    now = timezone.now()
    cycle = CycleFactory(
        cohort=cohort,
        opens_at=now - datetime.timedelta(minutes=1),
        due_at=now + datetime.timedelta(days=10),
    )
    for _ in range(2):
        team_in(cycle.cohort, reports=2)  # their mentors' pairings began long ago: quiet
    mentorship.quiet_pairing_nudges_owe()
    assert feedback_tick().opened == 1


def delivered(directory) -> collections.Counter:
    """How often each outbox row was delivered, from the files the worker wrote (a file
    may hold several messages)."""
    prefix = f"{OUTBOX_HEADER}: "
    return collections.Counter(
        line.removeprefix(prefix)
        for path in directory.iterdir()
        for line in path.read_text().splitlines()
        if line.startswith(prefix)
    )


def all_sent() -> bool:
    emails_enqueue_owed()  # what beat does every minute
    return not Email.objects.exclude(status=Email.Status.SENT).exists()


@pytest.fixture
def slow_smtp(monkeypatch):
    """The worker's mail server takes 0.1 s per message (set before it starts)."""
    monkeypatch.setenv("LODESTAR_TEST_SEND_DELAY", "0.1")


def test_a_worker_killed_mid_batch_then_restarted_sends_every_kind_once(
    committed_rows, slow_smtp, outbox_worker, mail_dir, monkeypatch
):
    owe_one_of_each_kind()
    owed = Email.objects.count()
    assert set(Email.objects.values_list("kind", flat=True)) == KINDS
    wait_for(lambda: sum(delivered(mail_dir).values()) >= 3, timeout=60, interval=0.02)
    outbox_worker.kill()
    assert sum(delivered(mail_dir).values()) < owed, "the kill landed mid-batch"

    monkeypatch.delenv("LODESTAR_TEST_SEND_DELAY")
    outbox_worker.start()
    wait_for(all_sent, timeout=90, interval=1)

    counts = delivered(mail_dir)
    assert set(counts) == {str(pk) for pk in Email.objects.values_list("pk", flat=True)}
    repeats = sum(n - 1 for n in counts.values())
    assert repeats <= 1, "at most the one email in flight at the kill is repeated"


def test_redis_down_while_emails_are_owed_then_back_every_kind_is_sent_once(
    committed_rows, outbox_worker, mail_dir
):
    with redis_down():
        started = timezone.now()
        owe_one_of_each_kind()  # every write commits; publishing fails and is logged
        assert (timezone.now() - started).total_seconds() < 60, "a broker outage must not hang"
    assert set(Email.objects.values_list("kind", flat=True)) == KINDS
    assert set(Email.objects.values_list("status", flat=True)) == {"queued"}

    wait_for(all_sent, timeout=90, interval=1)

    counts = delivered(mail_dir)
    assert set(counts) == {str(pk) for pk in Email.objects.values_list("pk", flat=True)}
    assert set(counts.values()) == {1}

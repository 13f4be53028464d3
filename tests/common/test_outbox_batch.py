"""Sending in batches: the rows owed together are published a bounded number of times,
claimed together, built together where the kind can, and sent over one SMTP connection,
each recorded right after its own send; a failure counts against its own row only, and
a dropped connection is opened again for the next row. Against a real SMTP server on
loopback (aiosmtpd) where the connection matters."""

import datetime
import types

import pytest
from django.core.mail import EmailMessage

from common import outbox
from common.models import Email
from common.outbox import EmailKind, emails_owe, emails_send
from common.tasks import send_emails
from tests.common.smtp import local_smtp
from tests.common.test_outbox import NOTE, note, notes, row  # noqa: F401 (notes: a fixture)
from tests.conftest import broker_down

pytestmark = pytest.mark.django_db


class Counting:
    """Accepts every message and notes the connection (client port) it came on; drops
    the connection instead of answering DATA for the addresses in ``drop``."""

    def __init__(self):
        self.accepted: list[tuple[str, tuple]] = []
        self.drop: set[str] = set()

    async def handle_DATA(self, server, session, envelope):
        if self.drop & set(envelope.rcpt_tos):
            server.transport.close()
            return "421 Closing the connection"
        self.accepted += [(to, session.peer) for to in envelope.rcpt_tos]
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [to for to, _ in self.accepted]

    @property
    def connections(self) -> int:
        return len({peer for _, peer in self.accepted})


@pytest.fixture
def smtp_server(settings):
    with local_smtp(settings, Counting()) as handler:
        yield handler


def owe_quietly(count: int) -> list[int]:
    """Owe notes 1..count without their send tasks running (as if no worker ran yet)."""
    with broker_down():
        emails_owe([note(ref, to=f"person{ref}@example.com") for ref in range(1, count + 1)])
    return list(Email.objects.filter(kind=NOTE).order_by("ref").values_list("pk", flat=True))


def statuses() -> dict[int, str]:
    return dict(Email.objects.filter(kind=NOTE).values_list("ref", "status"))


def test_a_batch_sends_each_row_once_over_one_connection(notes, smtp_server):  # noqa: F811
    ids = owe_quietly(5)

    results = emails_send(email_ids=ids + ids)  # an id twice in one batch, too

    assert set(results.values()) == {("sent", None)}
    assert sorted(smtp_server.recipients) == [f"person{ref}@example.com" for ref in range(1, 6)]
    assert smtp_server.connections == 1
    assert set(statuses().values()) == {"sent"}
    assert emails_send(email_ids=ids) == dict.fromkeys(ids, ("not_claimed", None))
    assert len(smtp_server.accepted) == 5


def test_a_failure_mid_batch_counts_against_that_row_and_the_dropped_connection_is_reopened(
    notes,  # noqa: F811
    smtp_server,
):
    ids = owe_quietly(5)
    smtp_server.drop.add("person3@example.com")

    results = emails_send(email_ids=ids)

    assert [results[pk][0] for pk in ids] == ["sent", "sent", "retry", "sent", "sent"]
    assert statuses() == {1: "sent", 2: "sent", 3: "queued", 4: "sent", 5: "sent"}
    failed = row(3)
    assert failed.attempts == 1 and failed.last_error and failed.sent_at is None
    assert "person3@example.com" not in smtp_server.recipients
    assert smtp_server.connections == 2, "the rows after the drop went on a fresh connection"
    assert [ref for ref, _ in notes.sent] == [1, 2, 4, 5]


@pytest.mark.parametrize(
    ("batch_seconds", "claim_timeout"),
    [(60, 600), (600, 120)],
    ids=["its own limit", "half the claim timeout"],
)
def test_a_batch_out_of_time_leaves_the_rest_owed_and_unattempted(
    notes,  # noqa: F811
    mailoutbox,
    monkeypatch,
    settings,
    batch_seconds,
    claim_timeout,
):
    settings.OUTBOX_SEND_BATCH_SECONDS = batch_seconds
    settings.OUTBOX_CLAIM_TIMEOUT = claim_timeout
    ids = owe_quietly(5)
    ticks = iter(range(0, 10_000, 25))  # each look at the clock: 25 s later
    monkeypatch.setattr(outbox, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))

    with broker_down():  # the rest is published again: not run here
        results = emails_send(email_ids=ids)

    # Either way the batch stops sending once 60 s have passed.
    assert [results[pk][0] for pk in ids] == ["sent", "sent", "deferred", "deferred", "deferred"]
    assert statuses() == {1: "sent", 2: "sent", 3: "queued", 4: "queued", 5: "queued"}
    assert [row(ref).attempts for ref in (3, 4, 5)] == [0, 0, 0]
    assert [row(ref).claimed_at for ref in (3, 4, 5)] == [None, None, None]
    assert len(mailoutbox) == 2


def test_a_batch_claims_only_what_is_owed_and_due(notes, mailoutbox, clock, settings):  # noqa: F811
    ids = owe_quietly(4)
    stale = clock.now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    Email.objects.filter(pk=ids[0]).update(status="sent")
    Email.objects.filter(pk=ids[1]).update(next_attempt_at=clock.now + datetime.timedelta(days=1))
    Email.objects.filter(pk=ids[2]).update(status="sending", claimed_at=clock.now)
    Email.objects.filter(pk=ids[3]).update(status="sending", claimed_at=stale, attempts=1)

    results = emails_send(email_ids=ids)

    assert [results[pk][0] for pk in ids] == ["not_claimed", "not_claimed", "not_claimed", "sent"]
    assert [message.to for message in mailoutbox] == [["person4@example.com"]]
    assert row(4).attempts == 2


def test_owing_many_publishes_one_message_per_batch(
    notes,  # noqa: F811
    mailoutbox,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.OUTBOX_SEND_BATCH = 50
    published = []
    real = send_emails.apply_async

    def apply_async(*, args, **kwargs):
        published.append(len(args[0]))
        return real(args=args, **kwargs)

    monkeypatch.setattr(send_emails, "apply_async", apply_async)

    with django_capture_on_commit_callbacks(execute=True):
        emails_owe([note(ref) for ref in range(1, 121)])
    with django_capture_on_commit_callbacks(execute=True):
        emails_owe([note(500)])

    assert published == [50, 50, 20, 1], "one email is a batch of one, sent at once"
    assert len(mailoutbox) == 121
    assert set(statuses().values()) == {"sent"}


def test_a_kind_that_builds_many_at_once_is_built_once_per_batch(
    notes,  # noqa: F811
    mailoutbox,
    monkeypatch,
):
    calls = []

    def build_many(emails):
        calls.append(len(emails))
        return {
            email.pk: None
            if email.ref == 2
            else EmailMessage(subject=f"Many {email.ref}", to=[email.to])
            for email in emails
        }

    kind = outbox._kinds[NOTE]
    monkeypatch.setitem(
        outbox._kinds, NOTE, EmailKind(NOTE, kind.build, kind.on_sent, kind.on_failed, build_many)
    )
    ids = owe_quietly(3)

    results = emails_send(email_ids=ids)

    assert calls == [3]
    assert [results[pk][0] for pk in ids] == ["sent", "skipped", "sent"]
    assert [message.subject for message in mailoutbox] == ["Many 1", "Many 3"]


def test_a_batch_build_that_fails_falls_back_to_one_at_a_time(notes, mailoutbox, monkeypatch):  # noqa: F811
    def build_many(emails):
        raise RuntimeError("the batch query failed")

    kind = outbox._kinds[NOTE]
    monkeypatch.setitem(
        outbox._kinds, NOTE, EmailKind(NOTE, kind.build, kind.on_sent, kind.on_failed, build_many)
    )
    ids = owe_quietly(3)

    results = emails_send(email_ids=ids)

    assert [results[pk][0] for pk in ids] == ["sent", "sent", "sent"]
    assert sorted(message.subject for message in mailoutbox) == ["Note 1", "Note 2", "Note 3"]

"""A permanent SMTP refusal (a 5xx reply: no such mailbox) fails the email at once with
the server's answer, for HR to see and retry; a transient one (4xx) is retried. Against a
real SMTP server on loopback (aiosmtpd), so the errors are smtplib's own."""

import pytest

from common.models import Email
from common.outbox import email_send, emails_enqueue_owed, emails_owe
from tests.common.smtp import local_smtp
from tests.common.test_outbox import note, notes, row  # noqa: F401 (notes: a fixture)

pytestmark = pytest.mark.django_db


class Refusing:
    """Answers RCPT for each address in ``answers`` with that reply; accepts the rest."""

    def __init__(self):
        self.answers: dict[str, str] = {}
        self.accepted: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += envelope.rcpt_tos
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    with local_smtp(settings, Refusing()) as handler:
        yield handler


def test_a_mailbox_that_does_not_exist_fails_the_email_at_once_with_the_answer(
    notes,  # noqa: F811
    smtp_server,
    clock,
):
    smtp_server.answers["gone@example.com"] = "550 5.1.1 <gone@example.com>: User unknown"
    emails_owe([note(1, to="gone@example.com")])

    outcome, retry_at = email_send(email_id=row(1).pk)

    failed = row(1)
    assert (outcome, retry_at) == ("failed", None)
    assert (failed.status, failed.attempts) == (Email.Status.FAILED, 1)
    assert "550" in failed.last_error and "User unknown" in failed.last_error
    clock.advance(days=1)
    assert emails_enqueue_owed() == 0, "nothing retries it but HR"
    assert smtp_server.accepted == []


def test_a_server_busy_for_now_is_retried(notes, smtp_server):  # noqa: F811
    smtp_server.answers["busy@example.com"] = "450 4.2.1 Mailbox busy, try later"
    emails_owe([note(1, to="busy@example.com")])

    outcome, retry_at = email_send(email_id=row(1).pk)

    assert outcome == "retry" and retry_at is not None
    assert row(1).status == Email.Status.QUEUED
    assert "450" in row(1).last_error

"""The outbox never sends to an address on a ``.invalid`` domain (RFC 2606: none can
exist). An erased person's placeholder lives there, so whatever an app still builds for
them reaches nobody, and an email owed to them alone is skipped."""

import pytest
from django.core.mail import EmailMessage

from common import outbox
from common.models import Email
from common.outbox import EmailKind, Owed, email_send, emails_owe, undeliverable

pytestmark = pytest.mark.django_db

KIND = "tests.undeliverable"


@pytest.fixture
def kind(monkeypatch):
    def build(email: Email) -> EmailMessage:
        to, _, cc = email.to.partition(" | ")
        return EmailMessage(subject="Hello", body="Hi", to=to.split(", "), cc=cc.split(", "))

    monkeypatch.setitem(outbox._kinds, KIND, EmailKind(KIND, build))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("erased-12@erased.invalid", True),
        ("Someone <x@Erased.INVALID>", True),
        ("x@invalid", True),
        ("ana@example.com", False),
        ("ana@invalid.example.com", False),
    ],
)
def test_undeliverable_addresses(address, expected):
    assert undeliverable(address) is expected


def test_the_invalid_recipients_are_dropped_and_the_rest_receive_it(kind, mailoutbox):
    (owed,) = emails_owe(
        [Owed(kind=KIND, ref=1, to=["ana@example.com, erased-3@erased.invalid | x@ex.invalid"])]
    )

    outcome, _ = email_send(email_id=Email.objects.get(key=owed.key).pk)

    assert outcome == "sent"
    assert [(m.to, m.cc) for m in mailoutbox] == [(["ana@example.com"], [])]
    assert Email.objects.get(key=owed.key).to == "ana@example.com"


def test_an_email_to_nobody_but_invalid_addresses_is_skipped(kind, mailoutbox):
    (owed,) = emails_owe([Owed(kind=KIND, ref=2, to=["erased-3@erased.invalid | "])])

    outcome, _ = email_send(email_id=Email.objects.get(key=owed.key).pk)

    assert outcome == "skipped"
    assert mailoutbox == []
    assert Email.objects.get(key=owed.key).status == Email.Status.SKIPPED

"""The load bench's count of what the SMTP server received (scripts/bench_load.py)."""

import email
import email.policy

from django.core.mail import EmailMultiAlternatives

from scripts.bench_load import Delivery, delivery, tally


def _delivered(outbox_id: str, to: str, *, message_id: str | None = None) -> Delivery:
    return Delivery(
        outbox_id=outbox_id,
        message_id=message_id or f"<{outbox_id}.{to}@host>",
        to=to,
        link=f"https://lodestar.test/feedback/r/{outbox_id}/",
    )


def test_a_row_sent_twice_counts_as_one_repeat_by_row_and_by_recipient_and_link():
    deliveries = [
        _delivered("1", "a@x.test"),
        _delivered("2", "b@x.test"),
        # the same row again, as a worker killed after the server accepted it would send it
        _delivered("2", "b@x.test", message_id="<retry@host>"),
    ]
    counted = tally(deliveries, expected=["1", "2"])
    assert counted.received == 3
    assert counted.distinct == 2
    assert counted.repeats_by_outbox_id == {"2": 1}
    assert counted.repeats_by_recipient_and_link == 1
    assert counted.repeats_by_message_id == 0
    assert counted.missing == []


def test_rows_never_received_and_messages_of_no_row_are_listed_apart():
    counted = tally([_delivered("3", "c@x.test")], expected=["1", "2", "10"])
    assert counted.missing == ["1", "2", "10"]
    assert counted.unexpected == ["3"]
    assert counted.repeats_by_outbox_id == {}


def test_delivery_reads_the_outbox_id_recipient_and_rater_link_of_a_message():
    message = EmailMultiAlternatives(
        subject="Your feedback for Ann is requested",
        body="Hello Bo,\n\nAnswer here: https://lodestar.test/feedback/r/abc:1/\n\nThanks\n",
        to=["Bo@X.test"],
        headers={"X-Lodestar-Outbox-Id": "42"},
    )
    message.attach_alternative("<p>html</p>", "text/html")
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    found = delivery(parsed)
    assert found.outbox_id == "42"
    assert found.to == "bo@x.test"
    assert found.link == "https://lodestar.test/feedback/r/abc:1/"
    assert found.message_id.startswith("<")


def test_delivery_finds_the_link_in_a_message_received_with_crlf_line_ends():
    message = EmailMultiAlternatives(
        body="Hello Bo,\n\nAnswer here: https://lodestar.test/feedback/r/abc:1/\n", to=["b@x.test"]
    )
    received = message.message().as_bytes().replace(b"\n", b"\r\n")
    parsed = email.message_from_bytes(received, policy=email.policy.default)
    assert delivery(parsed).link == "https://lodestar.test/feedback/r/abc:1/"

import pytest
from django.core.management import call_command

from common.models import Email
from feedback.demo import APRIL_CYCLE, CURRENT_CYCLE
from feedback.models import Cycle, Nomination, RaterRequest, Response
from feedback.selectors import report_build

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Cycle.objects.values_list("name", "status").order_by("name")),
        Nomination.objects.count(),
        RaterRequest.objects.count(),
        Response.objects.count(),
        Email.objects.count(),
    )


def test_demo_has_a_released_april_cycle_and_an_open_current_one(mailoutbox):
    call_command("seed_demo", verbosity=0)
    april = Cycle.objects.get(name=APRIL_CYCLE)
    assert april.status == "closed" and april.released_at is not None
    assert not april.requests.filter(status__in=["pending", "sent"]).exists()
    subject = april.requests.values_list("subject", flat=True).first()
    report = report_build(
        cycle=april,
        subject=april.requests.get(subject_id=subject, group="self").subject,
        viewer=None,
    )
    assert {g["group"] for g in report["groups"]} >= {"self", "manager", "direct_report"}
    assert report["overall"][0]["balance"] is not None

    current = Cycle.objects.get(name=CURRENT_CYCLE)
    assert current.status == "open"
    statuses = set(current.requests.values_list("status", flat=True))
    assert statuses == {"sent", "completed"}
    invitations = current.requests.count()
    assert len(mailoutbox) == invitations < 100
    assert not any(m.to[0] for m in mailoutbox if "April" in m.subject)


def test_demo_twice_changes_nothing(mailoutbox):
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    sent = len(mailoutbox)
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert len(mailoutbox) == sent

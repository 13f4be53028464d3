"""HR's view of the outbox: every email with its state and last error, filters, a retry
for failed ones, no editing, and a list whose query count does not grow with it."""

import pytest
from django.test import Client

from common.models import Email
from common.outbox import Owed, emails_owe
from tests.conftest import broker_down
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/common/email/"


@pytest.fixture
def hr_admin(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def owe(count: int, *, kind: str = "programs.welcome", start: int = 1) -> None:
    with broker_down():  # rows only: nothing is sent in these tests
        emails_owe(
            Owed(kind=kind, ref=ref, to=[f"person{ref}@example.com"])
            for ref in range(start, start + count)
        )


def test_hr_sees_each_email_with_its_state_and_last_error(hr_admin):
    owe(2)
    Email.objects.filter(ref=2).update(
        status="failed", attempts=5, last_error="SMTPServerDisconnected: Connection closed"
    )

    page = hr_admin.get(URL).content.decode()

    assert "person1@example.com" in page and "person2@example.com" in page
    assert "SMTPServerDisconnected: Connection closed" in page
    assert "Queued" in page and "Failed" in page


def test_hr_filters_by_status_and_kind(hr_admin):
    owe(2, kind="programs.welcome")
    owe(1, kind="mentorship.quiet_digest", start=3)
    Email.objects.filter(ref=1).update(status="failed")

    failed = hr_admin.get(URL, {"status__exact": "failed"}).content.decode()
    digests = hr_admin.get(URL, {"kind": "mentorship.quiet_digest"}).content.decode()

    assert "person1@example.com" in failed and "person2@example.com" not in failed
    assert "person3@example.com" in digests and "person1@example.com" not in digests


def test_retry_requeues_the_failed_emails_only(hr_admin, django_capture_on_commit_callbacks):
    owe(3)
    Email.objects.filter(ref__in=[1, 2]).update(status="failed", attempts=5)
    Email.objects.filter(ref=3).update(status="sent", attempts=1)
    ids = list(Email.objects.values_list("pk", flat=True))

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = hr_admin.post(URL, {"action": "retry", "_selected_action": ids}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 failed email(s) queued again." in page
    assert "1 selected email(s) had not failed; left alone." in page
    states = dict(Email.objects.values_list("ref", "status"))
    assert states == {1: "queued", 2: "queued", 3: "sent"}
    assert set(Email.objects.filter(ref__in=[1, 2]).values_list("attempts", flat=True)) == {0}


def test_emails_are_history_hr_cannot_add_edit_or_delete_them(hr_admin):
    owe(1)
    email = Email.objects.get()

    assert hr_admin.get(f"{URL}add/").status_code == 403
    assert hr_admin.get(f"{URL}{email.pk}/delete/").status_code == 403
    hr_admin.post(f"{URL}{email.pk}/change/", {"to": "attacker@example.com", "status": "sent"})
    email.refresh_from_db()
    assert (email.to, email.status) == ("person1@example.com", "queued")


@pytest.mark.parametrize("rows", [5, 40])
def test_the_list_costs_the_same_queries_however_long(hr_admin, rows, django_assert_num_queries):
    owe(rows)
    hr_admin.get(URL)  # warm the session and content types
    # session, user, count, filtered count, the page, the user's roles (navigation),
    # the kinds for the filter
    with django_assert_num_queries(7):
        assert hr_admin.get(URL).status_code == 200

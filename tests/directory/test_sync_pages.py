"""HR's Directory page (/directory/): upload a people file, preview it, apply it; the file
the safety valve held, approved or rejected from its page; nobody else gets in."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags

from directory.models import DirectorySync
from people.models import User
from people.roles import Role
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

SYNCS = "/directory/"


def upload(content: bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def staff(clock, hr):
    """Twenty active people, Hana of HR among them."""
    return [hr, *(UserFactory(email=f"p{n:02}@example.com") for n in range(1, 20))]


@pytest.fixture
def hr_client(client, hr, clock):
    # Signed in after the clock is set: a session from before it would have expired.
    client.force_login(hr)
    return client


def texts(response) -> str:
    """The page's text as read, tags left out."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def test_hr_previews_then_applies_a_file(hr_client, staff):
    content = (
        b"email,full_name,active\nnew@example.com,Nia New,yes\n"
        + f"{staff[-1].email},,no\n".encode()
    )

    preview = hr_client.post(SYNCS, {"file": upload(content)})

    page = texts(preview)
    assert preview.status_code == 200
    assert "Preview of people.csv" in page
    assert "1 to add" in page
    assert "1 leaving (1 of 20 active people)" in page
    assert staff[-1].email in page
    assert "Confirm import" in page
    assert not User.objects.filter(email="new@example.com").exists()
    assert not DirectorySync.objects.exists()

    confirmed = hr_client.post(SYNCS, {"confirm": "1"}, follow=True)

    assert confirmed.redirect_chain == [(SYNCS, 302)]
    assert "people.csv applied: 1 added, 0 updated, 0 new managers, 0 back, 1 left" in texts(
        confirmed
    )
    assert User.objects.filter(email="new@example.com").exists()
    staff[-1].refresh_from_db()
    assert not staff[-1].is_active
    assert DirectorySync.objects.get().created_by == staff[0]


def test_a_preview_with_row_errors_offers_no_confirm(hr_client, staff):
    preview = hr_client.post(SYNCS, {"file": upload(b"email,active\nnope,yes\n")})

    page = texts(preview)
    assert "is not a valid email address" in page
    assert "Confirm import" not in page


def test_a_held_file_shows_a_banner_and_is_approved_from_its_page(hr_client, staff):
    content = ("email,active\n" + "".join(f"{p.email},no\n" for p in staff[-3:])).encode()
    hr_client.post(SYNCS, {"file": upload(content, "leavers.csv")})
    preview = texts(hr_client.post(SYNCS, {"confirm": "1"}, follow=True))
    assert "leavers.csv is held for approval" in preview
    held = DirectorySync.objects.get()
    assert held.status == DirectorySync.Status.HELD

    banner = texts(hr_client.get(SYNCS))
    assert "Waiting for your approval" in banner
    assert "would mark 3 of 20 active people as leavers" in banner
    assert "New files wait until you approve or reject" in banner
    assert 'type="file"' not in hr_client.get(SYNCS).content.decode(), "no upload meanwhile"
    detail_url = reverse("directory:sync-detail", args=[held.pk])
    detail = texts(hr_client.get(detail_url))
    assert "Approve and apply" in detail
    assert "Reject" in detail

    approved = hr_client.post(reverse("directory:sync-approve", args=[held.pk]), follow=True)

    assert approved.redirect_chain == [(detail_url, 302)]
    assert "leavers.csv is applied." in texts(approved)
    assert "Approve and apply" not in texts(approved)
    held.refresh_from_db()
    assert (held.status, held.decided_by) == (DirectorySync.Status.APPLIED, staff[0])
    assert User.objects.filter(is_active=True).count() == 17
    assert "Waiting for your approval" not in texts(hr_client.get(SYNCS))
    assert 'type="file"' in hr_client.get(SYNCS).content.decode(), "uploads are open again"


def test_a_file_confirmed_while_another_is_held_is_refused_with_a_message(hr_client, held):
    hr_client.post(SYNCS, {"file": upload(b"email,full_name\nnew@example.com,Nia New\n")})

    confirmed = hr_client.post(SYNCS, {"confirm": "1"})

    assert confirmed.status_code == 200
    assert "A directory file is waiting for HR's approval: approve or reject it first." in texts(
        confirmed
    )
    assert not User.objects.filter(email="new@example.com").exists()
    assert DirectorySync.objects.get() == held


def test_a_held_file_rejected_from_its_page_applies_nothing(hr_client, staff):
    content = ("email,active\n" + "".join(f"{p.email},no\n" for p in staff[-3:])).encode()
    hr_client.post(SYNCS, {"file": upload(content)})
    hr_client.post(SYNCS, {"confirm": "1"})
    held = DirectorySync.objects.get()

    rejected = hr_client.post(reverse("directory:sync-reject", args=[held.pk]), follow=True)

    assert "nothing in it was applied" in texts(rejected)
    held.refresh_from_db()
    assert held.status == DirectorySync.Status.REJECTED
    assert User.objects.filter(is_active=True).count() == 20
    again = hr_client.post(reverse("directory:sync-approve", args=[held.pk]), follow=True)
    assert "no longer waiting for approval" in texts(again)
    assert User.objects.filter(is_active=True).count() == 20


def _pages(held: DirectorySync) -> list[tuple[str, str]]:
    return [
        ("get", SYNCS),
        ("post", SYNCS),
        ("get", reverse("directory:sync-detail", args=[held.pk])),
        ("post", reverse("directory:sync-approve", args=[held.pk])),
        ("post", reverse("directory:sync-reject", args=[held.pk])),
    ]


@pytest.fixture
def held(hr, staff):
    return DirectorySync.objects.create(
        source=DirectorySync.Source.UPLOAD,
        file_name="leavers.csv",
        digest="0" * 64,
        status=DirectorySync.Status.HELD,
        rows=[
            {
                "number": 2,
                "email": staff[-1].email,
                "full_name": "",
                "title": "",
                "region": "",
                "manager_email": "",
                "active": False,
            }
        ],
        report={"counts": {"leaving": 1}, "active_people": 20},
    )


@pytest.mark.parametrize("role", [Role.LEADER, Role.MENTOR, Role.MANAGER, None])
def test_anyone_but_hr_is_forbidden(client, held, staff, role):
    client.force_login(UserFactory(roles=[role] if role else []))

    for method, url in _pages(held):
        response = getattr(client, method)(url, {"file": upload(b"email\nx@example.com\n")})
        assert response.status_code == 403, (method, url)
    held.refresh_from_db()
    assert held.status == DirectorySync.Status.HELD
    assert not User.objects.filter(email="x@example.com").exists()
    staff[-1].refresh_from_db()
    assert staff[-1].is_active


def test_anonymous_visitors_are_sent_to_sign_in(client, held):
    for method, url in _pages(held):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)
    held.refresh_from_db()
    assert held.status == DirectorySync.Status.HELD

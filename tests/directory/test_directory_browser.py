"""The directory in Chromium (issue 17): an identity provider deactivates a mentee over
SCIM and HR reads the leaver's steps in the audit trail while the mentor's seat is free
again; HR uploads a people file the safety valve holds, then approves or rejects it; HR
makes a SCIM token, reads it once, and revokes it. The browser harness is shared
(tests/conftest.py, tests/browser.py); SCIM requests go to the live server as an
identity provider sends them."""

import datetime
import json

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from common import audit
from directory.models import DirectorySync
from directory.scim.tokens import scim_token_create
from feedback.models import Cycle, RaterRequest
from mentorship.models import MentorProfile, Pairing
from mentorship.services import mentor_profile_for, pairing_create
from people.models import User
from programs.models import Enrollment
from programs.services import enrollment_create
from tests.browser import screenshot
from tests.directory.conftest import PATCH_OP, SCIM
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.integration


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page, link: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).click()


def scim_request(live_server, token: str, method: str, path: str, body=None):
    """A request to /scim/v2/ as an identity provider sends it: bearer token, SCIM JSON."""
    return requests.request(
        method,
        f"{live_server.url}/scim/v2{path}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCIM},
        data=json.dumps(body) if body is not None else None,
        timeout=15,
    )


def audit_rows(page) -> dict[str, list[tuple[str, str]]]:
    """The audit page's events by action: (who, which object) for each."""
    events = {}
    for row in page.get_by_role("row").all()[1:]:
        cells = row.get_by_role("cell").all()
        who, what, which = (cells[i].inner_text().strip() for i in (1, 2, 3))
        events.setdefault(what, []).append((who, which))
    return events


def text_of(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


class World:
    """Hana of HR; Mia mentors Tom, who is enrolled in a cohort and asked to rate a peer,
    Ivo, in the cohort's open feedback round."""

    def __init__(self):
        today = timezone.localdate()
        self.hr = HRFactory(full_name="Hana Reed", email="hana@example.com")
        self.mia = MentorFactory(full_name="Mia Torres", email="mia@example.com")
        self.tom = LeaderFactory(full_name="Tom Leaver", email="tom@example.com")
        self.ivo = LeaderFactory(full_name="Ivo Stay", email="ivo@example.com")
        self.profile = mentor_profile_for(self.mia, by=self.hr)
        self.cohort = CohortFactory(
            name="Winter cohort",
            starts_on=today - datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=180),
            capacity=5,
        )
        self.enrollment = enrollment_create(
            cohort=self.cohort, leader=self.tom, by=self.hr, send_welcome=False
        )
        self.pairing = pairing_create(
            mentor=self.mia,
            mentee=self.tom,
            started_on=today - datetime.timedelta(days=7),
            by=self.hr,
        )
        now = timezone.now()
        self.cycle = CycleFactory(
            cohort=self.cohort,
            name="Winter round",
            status=Cycle.Status.OPEN,
            opens_at=now - datetime.timedelta(days=1),
            due_at=now + datetime.timedelta(days=10),
        )
        self.request = RaterRequestFactory(
            cycle=self.cycle, subject=self.ivo, rater=self.tom, group="peer"
        )


def test_scim_deactivating_a_mentee_ends_their_business_as_hr_and_the_mentor_see_it(
    live_server, page_for
):
    world = World()
    with transaction.atomic():
        _, token = scim_token_create(name="Okta", by=audit.SYSTEM)
    world.profile.refresh_from_db()
    assert world.profile.active_mentees == 1

    response = scim_request(
        live_server,
        token,
        "PATCH",
        f"/Users/{world.tom.pk}",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )

    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    world.tom.refresh_from_db()
    assert not world.tom.is_active
    world.pairing.refresh_from_db()
    assert world.pairing.status == Pairing.Status.ENDED
    world.enrollment.refresh_from_db()
    assert world.enrollment.status == Enrollment.Status.WITHDRAWN
    world.request.refresh_from_db()
    assert world.request.status == RaterRequest.Status.EXPIRED

    # HR reads it in the audit trail: what the directory sync did...
    page = page_for(world.hr)
    page.goto("/audit/")
    page.get_by_label("Acting as").select_option(label="Directory sync")
    submit(page, "Filter")
    events = audit_rows(page)
    for action in ("person.leave", "pairing.end", "enrollment.withdraw", "rater_request.expire"):
        assert action in events, f"{action} not in the audit trail: {sorted(events)}"
        assert all(who == "Directory sync" for who, _ in events[action]), events[action]
    which = events["rater_request.expire"][0][1]
    assert "Tom Leaver" in which and "about Ivo Stay" in which and "(Winter round)" in which
    assert "left the company" in text_of(page)
    screenshot(page, "directory-scim-leaver-audit")

    # ...and Tom's own history (the "About" link): he left, his pairing and enrollment ended.
    with page.expect_navigation():
        page.get_by_role("row").filter(has_text="person.leave").get_by_role(
            "link", name="Tom Leaver"
        ).click()
    about_tom = audit_rows(page)
    for action in ("person.leave", "pairing.end", "enrollment.withdraw"):
        assert action in about_tom, f"{action} not in Tom's history: {sorted(about_tom)}"
    screenshot(page, "directory-scim-leaver-audit-about")

    # HR's Mentors page: Mia's seat is free again.
    page.goto("/mentoring/mentors/")
    mia_row = page.get_by_role("row").filter(has_text="Mia Torres")
    assert "0 of 3" in mia_row.inner_text()
    assert MentorProfile.objects.get(user=world.mia).active_mentees == 0
    screenshot(page, "directory-scim-leaver-mentors")

    # Mia's My mentees no longer lists Tom.
    mentor_page = page_for(world.mia)
    mentor_page.goto("/mentoring/mentees/")
    assert mentor_page.get_by_role("heading", level=1).inner_text() == "My mentees"
    assert mentor_page.get_by_role("heading", name="Tom Leaver").count() == 0
    screenshot(mentor_page, "directory-scim-leaver-my-mentees")


@pytest.fixture
def staff():
    """Hana of HR and nine more active people: ten in all."""
    hr = HRFactory(full_name="Hana Reed", email="hana@example.com")
    return [hr, *(UserFactory(email=f"p{n}@example.com") for n in range(1, 10))]


def upload_half_as_leavers(page, staff, tmp_path) -> list[User]:
    """HR uploads a file making half the ten active people leavers and confirms it."""
    leavers = staff[5:]
    csv = tmp_path / "people-export.csv"
    csv.write_text("email,active\n" + "".join(f"{user.email},no\n" for user in leavers))
    page.goto("/directory/")
    page.get_by_label("People file (CSV)").set_input_files(str(csv))
    submit(page, "Preview")
    preview = page.get_by_role("region", name="Preview of people-export.csv")
    assert "5 leaving (5 of 10 active people)" in " ".join(preview.inner_text().split())
    assert "confirming holds the file" in preview.get_by_role("status").inner_text()
    screenshot(page, "directory-file-preview-held")
    submit(page, "Confirm and hold for approval")
    told = page.locator(".messages .message")
    assert "is held for approval" in told.inner_text()
    assert "warning" in told.get_attribute("class"), "a held file is no success"
    held = page.get_by_role("region", name="Waiting for your approval")
    assert "would mark 5 of 10 active people as leavers" in " ".join(held.inner_text().split())
    assert User.objects.filter(pk__in=[u.pk for u in leavers], is_active=True).count() == 5
    screenshot(page, "directory-file-held")
    with page.expect_navigation():
        held.get_by_role("link", name="people-export.csv").click()
    return leavers


def test_hr_approves_a_file_the_safety_valve_held(page_for, staff, tmp_path):
    page = page_for(staff[0])
    leavers = upload_half_as_leavers(page, staff, tmp_path)

    submit(page, "Approve and apply")

    assert "people-export.csv is applied." in text_of(page)
    assert "Applied" in page.get_by_role("heading", level=1).locator("xpath=..").inner_text()
    assert not User.objects.filter(pk__in=[u.pk for u in leavers], is_active=True).exists()
    assert User.objects.filter(is_active=True).count() == 5
    assert DirectorySync.objects.get().status == DirectorySync.Status.APPLIED
    screenshot(page, "directory-file-approved")
    page.goto("/directory/")
    assert page.get_by_role("region", name="Waiting for your approval").count() == 0


def test_hr_rejects_a_file_the_safety_valve_held(page_for, staff, tmp_path):
    page = page_for(staff[0])
    upload_half_as_leavers(page, staff, tmp_path)

    submit(page, "Reject")

    assert "nothing in it was applied" in text_of(page)
    assert "Rejected by Hana Reed" in text_of(page)
    assert page.get_by_role("heading", name="What it would have changed").count() == 1
    assert User.objects.filter(is_active=True).count() == 10
    assert DirectorySync.objects.get().status == DirectorySync.Status.REJECTED
    screenshot(page, "directory-file-rejected")


def test_hr_makes_a_scim_token_reads_it_once_and_revokes_it(live_server, page_for):
    hr = HRFactory(full_name="Hana Reed", email="hana@example.com")
    ana = LeaderFactory(email="ana.lima@example.com")
    page = page_for(hr)
    page.goto("/directory/")
    follow(page, "SCIM token")
    page.get_by_label("Name").fill("Okta")
    submit(page, "Make a token")
    secret = page.locator("#scim-secret").inner_text().strip()
    assert secret
    screenshot(page, "directory-scim-token-made")
    query = f'/Users?filter=userName eq "{ana.email}"'

    found = scim_request(live_server, secret, "GET", query)

    assert found.status_code == 200, found.text
    assert [user["userName"] for user in found.json()["Resources"]] == [ana.email]

    page.goto("/directory/scim/tokens/")
    assert page.locator("#scim-secret").count() == 0, "the token is shown only once"
    okta = page.get_by_role("row").filter(has_text="Okta")
    assert "live" in okta.inner_text()
    submit(page, "Revoke Okta")
    assert "is revoked" in text_of(page)
    assert "revoked" in page.get_by_role("row").filter(has_text="Okta").inner_text()
    screenshot(page, "directory-scim-token-revoked")

    assert scim_request(live_server, secret, "GET", query).status_code == 401

"""In Chromium at phone size: a mentor logs a session in under a minute; a leader ticks an
action item off. The browser harness is shared (tests/conftest.py, tests/browser.py)."""

import pytest

from mentorship.models import MentoringSession
from tests.browser import PHONE, fits_phone_width, screenshot
from tests.mentorship.factories import (
    ActionItemFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.people.factories import LeaderFactory, MentorFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def pairing(committed_db):
    mentor = MentorFactory(full_name="Helen Okafor")
    MentorProfileFactory(user=mentor, active_mentees=1)
    return PairingFactory(mentor=mentor, mentee=LeaderFactory(full_name="Sam Rivera"))


def test_mentor_logs_a_session_on_a_phone(pairing, page_for):
    page = page_for(pairing.mentor, viewport=PHONE)
    page.goto("/mentoring/mentees/")
    assert page.get_by_role("heading", level=1).inner_text() == "My mentees"
    assert fits_phone_width(page)
    screenshot(page, "mentorship-my-mentees-phone")
    page.get_by_role("link", name="Log a session with Sam").click()
    assert page.get_by_label("Mentee", exact=True).input_value() == str(pairing.pk)
    assert fits_phone_width(page)
    page.get_by_label("Communication").check()
    page.get_by_label("Notes (shared with your mentee and HR)").fill("Agreed a 1:1 rhythm.")
    page.get_by_label("Action item 1").fill("Book 1:1s with every rep")
    screenshot(page, "mentorship-log-session-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    assert "Session with Sam Rivera saved." in page.content()
    session = MentoringSession.objects.get(pairing=pairing)
    assert [t.slug for t in session.topics.all()] == ["communication"]
    assert session.action_items.get().description == "Book 1:1s with every rep"


def test_leader_marks_an_action_item_done_on_a_phone(pairing, page_for):
    item = ActionItemFactory(
        session=MentoringSessionFactory(pairing=pairing), description="Draft the hiring plan"
    )
    page = page_for(pairing.mentee, viewport=PHONE)
    page.goto("/mentoring/me/")
    assert fits_phone_width(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Done: Draft the hiring plan").click()
    assert "Marked done." in page.content()
    screenshot(page, "mentorship-my-mentoring-phone")
    item.refresh_from_db()
    assert item.is_done

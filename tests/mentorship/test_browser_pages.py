"""In Chromium with the demo data: the demo mentor moves the next session with their mentee
and adds a goal for them from My mentees; the demo leader then updates that goal from My
mentoring. People log in through the login form and use the menu and links, as they would."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from common.models import AuditEvent
from mentorship.models import Goal, MentoringSession
from tests.browser import screenshot

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "lodestar-demo"  # published in the README
MENTOR, LEADER = "mentor@example.com", "leader@example.com"
TITLE = "Coach each rep on one deal a week"


@pytest.fixture
def demo(committed_db):
    call_command("seed_demo", stdout=io.StringIO())


def open_from_menu(page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def click_through(page, role: str, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name).click()


def test_mentor_reschedules_and_adds_a_goal_then_the_leader_updates_it(demo, page_for):
    session = MentoringSession.objects.get(pairing__mentee__email=LEADER, status="planned")
    mentee = session.pairing.mentee
    new_start = (timezone.now() + datetime.timedelta(days=12)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )

    page = page_for(MENTOR, DEMO_PASSWORD)
    open_from_menu(page, "My mentees")
    click_through(page, "link", f"Reschedule the session with {mentee.full_name}")
    page.get_by_label("When (UTC)").fill(new_start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Minutes").fill("60")
    page.get_by_label("Format").select_option(label="In person")
    screenshot(page, "mentorship-reschedule")
    click_through(page, "button", "Save the new time")
    assert "Both of you get an updated invitation." in page.content()
    session.refresh_from_db()
    assert (session.starts_at, session.duration_minutes, session.format) == (
        new_start,
        60,
        "in_person",
    )
    assert session.sequence == 1

    click_through(page, "link", f"Add a goal for {mentee.get_short_name()}")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Competency").select_option(label="Talent management")
    page.get_by_label("How you will know (the measure)").fill("Every rep has one coached deal")
    click_through(page, "button", "Add goal")
    assert f"Goal “{TITLE}” added." in page.content()
    goal = Goal.objects.get(mentee=mentee, title=TITLE)
    assert goal.pairing == session.pairing and goal.created_by.email == MENTOR

    leader_page = page_for(LEADER, DEMO_PASSWORD)
    open_from_menu(leader_page, "My mentoring")
    click_through(leader_page, "link", f"Edit goal: {TITLE}")
    leader_page.get_by_label("Progress (%)").fill("30")
    leader_page.get_by_label("Notes").fill("Coached two deals so far.")
    screenshot(leader_page, "mentorship-goal-edit")
    click_through(leader_page, "button", "Save goal")
    assert f"Goal “{TITLE}” saved." in leader_page.content()
    goal.refresh_from_db()
    assert (goal.progress, goal.status, goal.notes) == (
        30,
        "in_progress",
        "Coached two deals so far.",
    )
    actors = AuditEvent.objects.filter(object_id=str(goal.pk), action__startswith="goal.")
    assert [(e.action, e.actor.email) for e in actors.order_by("id")] == [
        ("goal.create", MENTOR),
        ("goal.update", LEADER),
    ]

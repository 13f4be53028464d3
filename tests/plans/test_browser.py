"""Issue 15's path in Debian's Chromium against the live server and the demo: the demo
leader builds a plan with two focus dimensions from *My feedback*, their mentor reads it
and comments, HR sees the cohort's plan coverage; and an earlier plan of the demo shows
before → after."""

import io

import pytest
from django.core.management import call_command

from plans.models import Plan
from tests.browser import screenshot

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "lodestar-demo"  # published in the README


@pytest.fixture
def demo(committed_db):
    call_command("seed_demo", stdout=io.StringIO())


def menu(page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def test_a_leader_builds_a_plan_their_mentor_comments_hr_sees_coverage(demo, page_for):
    leader = page_for("leader@example.com", DEMO_PASSWORD)
    menu(leader, "My feedback")
    with leader.expect_navigation():
        leader.get_by_role("link", name="Build my plan").click()
    assert leader.get_by_role("heading", level=1).inner_text() == "Build my plan"
    legends = leader.locator("fieldset.focus-option > legend").all_inner_texts()
    assert len(legends) == 9
    first, second = legends[0], legends[1]  # leaning furthest to management
    for label, goal in ((first, "Hold a weekly one-to-one"), (second, "Explain the why")):
        card = leader.get_by_role("group", name=label, exact=True)
        card.get_by_label(f"Focus on {label}").check()
        card.get_by_label("What will you do differently?").fill(goal)
        card.get_by_label("How will you know?").fill("Two of my sellers notice it")
        card.get_by_label("By when?").fill("2030-06-30")
    screenshot(leader, "plan-build")
    with leader.expect_navigation():
        leader.get_by_role("button", name="Save my plan").click()
    assert leader.get_by_role("heading", level=1).inner_text().startswith("Development plan")
    assert "Hold a weekly one-to-one" in leader.content()
    screenshot(leader, "plan-detail-leader")
    plan = Plan.objects.get(leader__email="leader@example.com", cycle__name__startswith="Baseline")
    assert plan.focuses.count() == 2

    mentor = page_for("mentor@example.com", DEMO_PASSWORD)
    menu(mentor, "My mentees")
    with mentor.expect_navigation():
        mentor.get_by_role("link", name="Sam's development plan").click()
    assert "Explain the why" in mentor.content()
    mentor.get_by_label("Your comment").fill("Start the one-to-ones with your two newest sellers.")
    with mentor.expect_navigation():
        mentor.get_by_role("button", name="Add comment").click()
    assert "Comment added." in mentor.content()
    assert plan.comments.get().author.email == "mentor@example.com"

    hr = page_for("hr@example.com", DEMO_PASSWORD)
    menu(hr, "Cohort dashboards")
    with hr.expect_navigation():
        hr.get_by_role("link", name=plan.cycle.cohort.name).first.click()
    coverage = hr.get_by_role("region", name=f"Development plans · {plan.cycle.name}")
    leaders = plan.cycle.requests.values("subject").distinct().count()
    assert f"1/{leaders}" in coverage.inner_text()
    screenshot(hr, "plan-coverage")


def test_an_earlier_plan_shows_its_focus_dimensions_before_and_after(demo, page_for):
    plan = Plan.objects.get(leader__email="aisha.bello@example.com")
    hr = page_for("hr@example.com", DEMO_PASSWORD)
    hr.goto(f"/plans/{plan.pk}/")
    table = hr.get_by_role("table", name="Balance before and after, per dimension")
    rows = table.locator("tbody tr").all_inner_texts()
    focus_rows = [row for row in rows if "\tyes\t" in row]
    assert len(focus_rows) == 2 and all("+" in row for row in focus_rows)
    screenshot(hr, "plan-before-after")

    hr.goto(f"/dashboards/programs/{plan.cycle.cohort.program_id}/impact/")
    section = hr.get_by_role(
        "region", name="Development plans: did the focus dimensions move more?"
    )
    assert "Of 3 plans" in section.inner_text(), section.inner_text()
    assert "by 1.00 on average on the focus dimensions" in section.inner_text()
    screenshot(hr, "plan-program-impact")

"""HR's programs work end to end in Debian's Chromium against the live server: a new
program with a module, a cohort of it opened, a leader enrolled and then withdrawn
after confirming. Every step through the pages, as a person would."""

import pytest

from programs.models import Enrollment, Program
from tests.browser import screenshot
from tests.people.factories import HRFactory, LeaderFactory

pytestmark = pytest.mark.integration


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_hr_builds_a_program_opens_a_cohort_and_withdraws_a_leader(page_for):
    hr = HRFactory(email="hr.browser@example.com")
    leader = LeaderFactory(full_name="Nia Park")
    page = page_for(hr)

    click_and_wait(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Programs")
    )
    click_and_wait(page, page.get_by_role("link", name="New program"))
    page.get_by_label("Name").fill("Coaching Academy")
    page.locator("fieldset.choices input[type=checkbox]").first.check()
    click_and_wait(page, page.get_by_role("button", name="Create program"))
    assert page.get_by_role("heading", level=1).inner_text() == "Coaching Academy"
    assert "“Coaching Academy” is saved." in page.get_by_role("status").inner_text()

    click_and_wait(page, page.get_by_role("link", name="Add a module"))
    page.get_by_label("Title").fill("Difficult conversations")
    page.get_by_label("Order").fill("1")
    page.get_by_label("Kind").select_option("workshop")
    page.get_by_label("Competency").select_option(index=1)
    click_and_wait(page, page.get_by_role("button", name="Add module"))
    modules = page.get_by_role("table", name="Modules of Coaching Academy, in order")
    assert "Difficult conversations" in modules.inner_text()
    program = Program.objects.get(name="Coaching Academy")
    assert [m.title for m in program.modules.all()] == ["Difficult conversations"]

    click_and_wait(page, page.get_by_role("link", name="Open a cohort"))
    assert page.get_by_label("Program").input_value() == str(program.pk)
    page.get_by_label("Name").fill("Coaching Academy, June")
    page.get_by_label("Starts on").fill("2024-06-03")
    page.get_by_label("Ends on").fill("2024-06-07")
    page.get_by_label("Capacity").fill("10")
    click_and_wait(page, page.get_by_role("button", name="Open cohort"))
    assert page.get_by_role("heading", level=1).inner_text() == "Coaching Academy, June"

    click_and_wait(page, page.get_by_role("link", name="Enroll a leader"))
    page.get_by_label("Leader").select_option(str(leader.pk))
    click_and_wait(page, page.get_by_role("button", name="Enroll"))
    seats = page.get_by_role("region", name="Seats")
    assert "9 of 10 seats left" in seats.inner_text()

    click_and_wait(page, page.get_by_role("link", name="Withdraw Nia Park"))
    assert "cannot be undone" in page.get_by_role("main").inner_text()
    screenshot(page, "hr-withdraw-confirmation")
    enrollment = Enrollment.objects.get(leader=leader, cohort__name="Coaching Academy, June")
    assert enrollment.status == Enrollment.Status.INVITED  # asking changed nothing
    click_and_wait(page, page.get_by_role("button", name="Withdraw Nia Park"))

    assert "Nia Park is withdrawn" in page.get_by_role("status").inner_text()
    assert "10 of 10 seats left" in page.get_by_role("region", name="Seats").inner_text()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    enrollment.cohort.refresh_from_db()
    assert enrollment.cohort.seats_taken == 0

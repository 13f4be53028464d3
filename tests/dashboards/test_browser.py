"""End to end in Debian's Chromium: log in as a person would, see the dashboard, no JS errors."""

import pytest
from django.core.management import call_command

from tests.dashboards.conftest import PHONE, fits_phone_width, screenshot

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "lodestar-demo"  # published in the README


@pytest.fixture
def demo(browser_db):
    """The demo organisation `make run` seeds (people, programs, mentoring, feedback, metrics)."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_leader_logs_in_and_lands_on_their_dashboard(demo, page_for):
    page = page_for("leader@example.com", DEMO_PASSWORD)
    assert page.url.endswith("/dashboards/")
    assert page.get_by_role("heading", level=1).inner_text() == "My dashboard"
    screenshot(page, "leader-dashboard")


def test_leader_typing_another_leaders_dashboard_url_gets_404(demo, page_for, console_errors):
    from people.models import User

    other = User.objects.get(email="aisha.bello@example.com")
    page = page_for("leader@example.com", DEMO_PASSWORD)
    console_errors.allow(r"Failed to load resource: .* 404")
    response = page.goto(f"/dashboards/leaders/{other.pk}/")
    assert response.status == 404
    assert "Aisha" not in page.content()


def test_mentor_and_hr_log_in_and_land_somewhere_they_can_work(demo, page_for):
    for email in ("mentor@example.com", "hr@example.com"):
        page = page_for(email, DEMO_PASSWORD, viewport=PHONE)
        assert page.get_by_role("heading", level=1).is_visible()
        assert fits_phone_width(page)
        screenshot(page, f"landing-{email.split('@')[0]}")

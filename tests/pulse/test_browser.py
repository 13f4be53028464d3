"""Issue 16's pulse path in Debian's Chromium against the live server and the demo: HR
schedules a pulse; three of Sam's team answer from the links their emails carry; once the
round closes, Sam's scorecard shows the new team engagement value with its source, and
his manager sees it on *My leaders*."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from common.models import Email
from common.outbox import emails_send
from metrics.models import Observation
from metrics.periods import Period, period_floor
from pulse.emails import INVITATION
from pulse.models import Pulse, PulseRound
from pulse.services import pulse_tick
from tests.browser import screenshot

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "lodestar-demo"  # published in the README
LEADER = "leader@example.com"


@pytest.fixture
def demo(committed_db):
    call_command("seed_demo", stdout=io.StringIO())


def menu(page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def test_hr_schedules_a_pulse_three_answer_the_scorecard_and_the_manager_show_it(
    demo, page_for, new_page, mailoutbox
):
    hr = page_for("hr@example.com", DEMO_PASSWORD)
    menu(hr, "Team pulse")
    with hr.expect_navigation():
        hr.get_by_role("link", name="Schedule a pulse").click()
    hr.get_by_label("Name").fill("December team pulse")
    hr.get_by_label("Cadence").select_option("month")
    hr.get_by_label("Starts on").fill(timezone.localdate().isoformat())
    hr.get_by_label("Days open for answers").fill("7")
    hr.get_by_label("Remind after (days)").fill("3")
    screenshot(hr, "pulse-schedule")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Schedule pulse").click()
    pulse = Pulse.objects.get(name="December team pulse")

    # Beat's tick at 09:00, when the round opens: one invitation per team member, owed.
    opens = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(9, 1))
    )
    at = max(opens, timezone.now())
    pulse_tick(now=at)
    PulseRound.objects.filter(pulse=pulse).update(opens_at=timezone.now())
    # ... and the outbox's sweep then (it sends each owed email once).
    owed = Email.objects.filter(kind=INVITATION, status=Email.Status.QUEUED)
    emails_send(email_ids=list(owed.values_list("pk", flat=True)), now=at)
    # The outbox sent the invitations (eagerly, here); the demo's team members are named
    # after their leader: alex.smith.leader@example.com.
    sent = [
        message
        for message in mailoutbox
        if message.to[0].endswith(".leader@example.com") and "/pulse/answer/" in message.body
    ][:3]
    assert len(sent) == 3
    for number, message in enumerate(sent):
        link = re.search(r"https?://\S+/pulse/answer/\S+/", message.body).group(0)
        member = new_page()
        member.goto(urlsplit(link).path)
        assert "Sam Rivera" in member.get_by_role("heading", level=1).inner_text()
        for legend in member.locator("fieldset.rating").all():
            legend.get_by_label("4", exact=True).check()
        member.locator("#comment").fill(f"Clear priorities, note {number}")
        if number == 0:
            screenshot(member, "pulse-answer")
        with member.expect_navigation():
            member.get_by_role("button", name="Send my answers").click()
        assert "Thank you" in member.content()

    # The round closes at the end of its window: the team's result is recorded.
    PulseRound.objects.filter(pulse=pulse).update(closes_at=timezone.now())
    pulse_tick()
    # A monthly round's value lands in team engagement's quarter (a quarterly metric).
    value = Observation.objects.get(
        leader__email=LEADER,
        metric__code="team_engagement",
        period_start=period_floor(timezone.localdate(), Period.QUARTER),
    )
    assert (value.source, value.note) == (Observation.Source.PULSE, "team pulse, 3 answers")

    leader = page_for(LEADER, DEMO_PASSWORD)
    menu(leader, "Dashboard")
    card = leader.get_by_role("article", name="Team engagement score")
    assert "Source: Team pulse (team pulse, 3 answers)" in card.inner_text()
    screenshot(leader, "pulse-scorecard")

    manager = page_for("manager@example.com", DEMO_PASSWORD)
    assert manager.get_by_role("heading", level=1).inner_text() == "My leaders"
    card = manager.get_by_role("article", name="Sam Rivera")
    assert (
        f"{value.value:.0f}" in card.inner_text() and "team pulse, 3 answers" in card.inner_text()
    )
    screenshot(manager, "pulse-my-leaders")

"""In Chromium: HR's everyday set-up done in the pages, not the admin (issue 15) — define a
metric, set a target, copy the default questionnaire and edit a question of the copy.
The browser harness is shared (tests/conftest.py, tests/browser.py)."""

import datetime
from decimal import Decimal

import pytest

from feedback.models import Questionnaire
from metrics.models import MetricDefinition, Target
from tests.browser import screenshot
from tests.feedback.factories import default_questionnaire
from tests.people.factories import HRFactory, LeaderFactory

pytestmark = pytest.mark.integration


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def follow(page, link: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).click()


def test_hr_defines_a_metric_sets_a_target_and_edits_a_copied_questionnaire(committed_db, page_for):
    hr = HRFactory(full_name="Hana Reed")
    leader = LeaderFactory(full_name="Sam Rivera")
    original = default_questionnaire()
    page = page_for(hr)

    page.goto("/metrics/")
    follow(page, "Define a metric")
    page.get_by_label("Code", exact=True).fill("coaching_hours")
    page.get_by_label("Name", exact=True).fill("Coaching hours")
    page.get_by_label("Category").select_option(label="Development")
    page.get_by_label("Unit").select_option(label="Count")
    page.get_by_label("Aggregation").select_option(label="Sum of the periods")
    submit(page, "Define metric")
    assert "Coaching hours defined" in page.content()
    metric = MetricDefinition.objects.get(code="coaching_hours")
    assert (metric.unit, metric.aggregation) == ("count", "sum")

    follow(page, "Targets for Coaching hours")
    follow(page, "Set a target for Coaching hours")
    page.get_by_label("For one leader").select_option(label=str(leader))
    page.get_by_label("Value").fill("12")
    page.get_by_label("Valid from").fill("2027-01-01")
    submit(page, "Set target")
    assert "Target set" in page.content() and "Sam Rivera" in page.content()
    target = Target.objects.get(metric=metric)
    assert (target.leader, target.value) == (leader, Decimal(12))
    assert target.valid_from == datetime.date(2027, 1, 1)
    screenshot(page, "metrics-targets")

    page.goto("/feedback/cycles/")
    follow(page, "Questionnaires")
    follow(page, original.name)
    page.get_by_label("Name of the copy").fill("Balance 2027")
    submit(page, "Copy questionnaire")
    assert "Copied as \u201cBalance 2027\u201d" in page.content()
    copy = Questionnaire.objects.get(name="Balance 2027")

    follow(page, "Edit question 1")
    page.get_by_label("Text").fill("Sets a clear direction for the team")
    submit(page, "Save question")
    assert "Question 1 saved." in page.content()
    screenshot(page, "feedback-questionnaire-copy")
    assert copy.questions.get(position=1).text == "Sets a clear direction for the team"
    assert original.questions.get(position=1).text != "Sets a clear direction for the team"

"""End to end in Debian's Chromium against the live server with the demo data.

People log in through the login form and use the menu, as they would; each dashboard's
figures are compared with the API's, every page must raise no JavaScript error, and a
screenshot of each dashboard is kept under test-artifacts/.
"""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from feedback.models import Cycle, RaterRequest
from feedback.selectors import report_build
from feedback.services import cycle_close, cycle_create, feedback_tick
from people.models import User
from programs.models import Cohort
from tests.browser import DESKTOP, PHONE, fits_phone_width, screenshot
from tests.feedback.factories import default_questionnaire

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "lodestar-demo"  # published in the README


@pytest.fixture
def demo(committed_db):
    """The demo organisation `make run` seeds (people, programs, mentoring, feedback, metrics)."""
    call_command("seed_demo", stdout=io.StringIO())


def open_from_menu(page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def api_json(page, url: str) -> dict:
    """The API answer for the logged-in browser session (same cookies)."""
    response = page.request.get(url)
    assert response.ok, f"{url}: {response.status}"
    return response.json()


def charts_drawn(page) -> int:
    """Canvases Chart.js has attached a chart to."""
    return page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".filter(c => window.Chart && window.Chart.getChart(c)).length"
    )


def test_leader_sees_their_dashboard_matching_the_api(demo, page_for):
    page = page_for("leader@example.com", DEMO_PASSWORD)
    open_from_menu(page, "Dashboard")

    assert page.get_by_role("heading", level=1).inner_text() == "My dashboard"
    api = api_json(page, "/api/v1/dashboards/me/")
    program = page.get_by_role("region", name="Program progress")
    if api["program"]:
        done, total = api["program"]["required_done"], api["program"]["required_total"]
        assert f"{done} of {total} required modules" in program.inner_text()
    mentoring = page.get_by_role("region", name="Mentoring")
    if api["mentoring"]["mentor"]:
        assert api["mentoring"]["mentor"]["full_name"] in mentoring.inner_text()
    with_trend = [m for m in api["metrics"]["metrics"] if len(m["trend"]) > 1]
    balance = 1 if (api["feedback"] or {}).get("latest_report") else 0  # the balance profile
    assert charts_drawn(page) == len(with_trend) + balance
    scorecard = page.get_by_role("region", name="Metric scorecard")
    for row in api["metrics"]["metrics"]:
        card = scorecard.get_by_role("article", name=row["metric"]["name"])
        if row["attainment"] is not None:
            assert f"Attainment\n{row['attainment']}%" in card.inner_text()
    assert page.locator("svg").count() == 0  # one chart technology: Chart.js
    screenshot(page, "leader-dashboard")
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("form.as-of").is_hidden()
    screenshot(page, "leader-dashboard-print")


def test_leader_dashboard_reads_on_a_phone(demo, page_for):
    page = page_for("leader@example.com", DEMO_PASSWORD, viewport=PHONE)
    page.goto("/metrics/me/")  # the old scorecard bookmark
    assert urlsplit(page.url).path == "/dashboards/"
    assert page.get_by_role("heading", name="Metric scorecard").is_visible()
    assert fits_phone_width(page)
    screenshot(page, "leader-dashboard-phone")


def test_leader_typing_another_leaders_dashboard_url_gets_404(demo, page_for, console_errors):
    other = User.objects.get(email="aisha.bello@example.com")
    page = page_for("leader@example.com", DEMO_PASSWORD)
    console_errors.allow(r"Failed to load resource: .* 404")

    response = page.goto(f"/dashboards/leaders/{other.pk}/")

    assert response.status == 404
    assert "Aisha" not in page.content()
    assert page.request.get(f"/api/v1/dashboards/leaders/{other.pk}/").status == 404


def test_mentor_logs_a_session_from_the_dashboard_and_it_appears(demo, page_for):
    page = page_for("mentor@example.com", DEMO_PASSWORD)
    open_from_menu(page, "Dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Mentor dashboard"
    mentees = api_json(page, "/api/v1/dashboards/mentors/me/")["mentees"]
    assert mentees, "the demo mentor has mentees"
    first = mentees[0]
    card = page.get_by_role("article", name=first["leader"]["full_name"])
    assert card.is_visible()
    screenshot(page, "mentor-dashboard")
    page.set_viewport_size(PHONE)
    assert fits_phone_width(page)
    page.set_viewport_size(DESKTOP)

    card.get_by_role("link", name="Log a session").click()
    page.wait_for_load_state()
    held_at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    page.get_by_label("When (UTC)").fill(held_at.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()

    open_from_menu(page, "Dashboard")
    after = next(
        m
        for m in api_json(page, "/api/v1/dashboards/mentors/me/")["mentees"]
        if m["pairing_id"] == first["pairing_id"]
    )
    assert after["sessions_this_quarter"] == first["sessions_this_quarter"] + 1
    card = page.get_by_role("article", name=first["leader"]["full_name"])
    assert f"Last session: {held_at:%-d %b %Y}" in card.inner_text()


def test_hr_sees_the_cohort_dashboard_matching_the_api(demo, page_for):
    page = page_for("hr@example.com", DEMO_PASSWORD)
    open_from_menu(page, "Cohort dashboards")
    cohort = Cohort.objects.order_by("-starts_on").first()
    with page.expect_navigation():
        page.get_by_role("link", name=cohort.name, exact=True).click()

    assert page.get_by_role("heading", level=1).inner_text() == cohort.name
    api = api_json(page, f"/api/v1/dashboards/cohorts/{cohort.pk}/")
    rows = page.locator("table.heatmap tbody tr")
    assert rows.count() == max(len(api["leaders"]), 1)
    assert charts_drawn(page) == 1  # the funnel
    at_risk = page.get_by_role("region", name="At risk").inner_text()
    for row in api["at_risk"]:
        assert row["leader"]["full_name"] in at_risk
    csv = page.request.get(f"/api/v1/dashboards/cohorts/{cohort.pk}/?format=csv")
    assert csv.ok
    assert csv.text().count("\n") == len(api["leaders"]) + 1
    _check_the_cohort_metric_table(page, api)
    screenshot(page, "hr-cohort-dashboard")
    page.set_viewport_size(PHONE)
    assert fits_phone_width(page)  # the wide heatmap scrolls inside its own box
    screenshot(page, "hr-cohort-dashboard-phone")
    page.set_viewport_size(DESKTOP)

    with page.expect_navigation():
        page.get_by_role("link", name="Program impact of this cohort").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith(": impact")
    assert page.get_by_label("Cohort", exact=True).input_value() == str(cohort.pk)
    assert charts_drawn(page) == page.locator("canvas[data-chart]").count()
    screenshot(page, "hr-program-impact")
    page.get_by_label("Cohort", exact=True).select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "All cohorts" in page.locator(".dash-head").inner_text()


def _check_the_cohort_metric_table(page, api) -> None:
    """Every leader's latest values; sorting by a metric puts the highest last, then first."""
    table = page.locator("table.metrics-table")
    assert table.locator("tbody tr").count() == max(len(api["metrics"]["leaders"]), 1)
    metric = api["metrics"]["metrics"][0]["metric"]
    values = sorted(
        float(row["latest"][metric["code"]]["value"])
        for row in api["metrics"]["leaders"]
        if metric["code"] in row["latest"]
    )
    for direction in ("ascending", "descending"):
        with page.expect_navigation():
            table.get_by_role("link", name=metric["name"], exact=True).click()
        table = page.locator("table.metrics-table")
        header = table.get_by_role("columnheader", name=metric["name"], exact=True)
        assert header.get_attribute("aria-sort") == direction
        if values:
            first = table.locator("tbody tr").first.locator("td").first.inner_text()
            expected = values[0] if direction == "ascending" else values[-1]
            assert first.startswith(f"{expected:g}"), (first, expected)


def test_hr_finds_a_cohorts_metrics_from_the_metrics_menu(demo, page_for):
    cohort = Cohort.objects.order_by("-starts_on").first()
    page = page_for("hr@example.com", DEMO_PASSWORD)
    open_from_menu(page, "Metrics")
    with page.expect_navigation():
        page.get_by_role("link", name=cohort.name, exact=True).click()
    assert urlsplit(page.url).path == f"/dashboards/cohorts/{cohort.pk}/"
    assert page.get_by_role("heading", name="Metrics against target").is_visible()
    page.goto(f"/metrics/cohorts/{cohort.pk}/?sort=name&dir=desc")  # an old bookmark
    assert urlsplit(page.url).path == f"/dashboards/cohorts/{cohort.pk}/"
    assert urlsplit(page.url).query == "sort=name&dir=desc"
    header = page.locator("table.metrics-table").get_by_role("columnheader", name="Leader")
    assert header.get_attribute("aria-sort") == "descending"


def test_hr_imports_a_csv_and_sees_the_new_enrollments(demo, page_for, tmp_path):
    cohort = Cohort.objects.order_by("-starts_on").first()
    page = page_for("hr@example.com", DEMO_PASSWORD)
    page.goto(f"/dashboards/cohorts/{cohort.pk}/")
    before = api_json(page, f"/api/v1/dashboards/cohorts/{cohort.pk}/")
    invited_before = next(s["count"] for s in before["funnel"] if s["status"] == "invited")

    upload = tmp_path / "new-leaders.csv"
    upload.write_text(
        "email,full_name\nnina.new@example.com,Nina New\nomar.new@example.com,Omar New\n"
    )
    page.goto(f"/programs/cohorts/{cohort.pk}/import/")
    page.get_by_label("CSV file").set_input_files(str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm import").click()

    page.goto(f"/dashboards/cohorts/{cohort.pk}/")
    heatmap = page.locator("table.heatmap").inner_text()
    assert "Nina New" in heatmap
    assert "Omar New" in heatmap
    after = api_json(page, f"/api/v1/dashboards/cohorts/{cohort.pk}/")
    invited_after = next(s["count"] for s in after["funnel"] if s["status"] == "invited")
    assert invited_after == invited_before + 2


def _rater_link(outbox, rater_email: str, live_url: str) -> str:
    """The link in the invitation emailed to ``rater_email``, pointed at the live server."""
    message = next(m for m in outbox if rater_email in m.to)
    match = re.search(r"https?://[^\s\"<>]+/feedback/r/[^\s\"<>]+/", message.body)
    assert match, message.body
    return live_url + urlsplit(match.group(0)).path


def _answer_as_rater(page, link: str, rating: str) -> None:
    page.goto(link)
    for group in page.locator("fieldset.rating").all():
        group.get_by_label(rating, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()


def test_raters_answer_through_emailed_links_and_the_report_appears_past_the_threshold(
    demo, new_page, page_for, live_server, mailoutbox
):
    sam = User.objects.get(email="leader@example.com")
    cohort = sam.enrollments.order_by("-cohort__starts_on").first().cohort
    now = timezone.now()
    cycle = cycle_create(
        cohort=cohort,
        questionnaire=default_questionnaire(),
        name="Browser round",
        opens_at=now - datetime.timedelta(minutes=5),
        due_at=now + datetime.timedelta(minutes=10),
        by=User.objects.get(email="hr@example.com"),
        schedule=True,
    )
    mailoutbox.clear()
    feedback_tick()  # what beat runs every minute: opens the cycle, emails the raters
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.OPEN
    reports = list(
        RaterRequest.objects.filter(cycle=cycle, subject=sam, group="direct_report")
        .select_related("rater")
        .order_by("pk")
    )
    assert len(reports) >= cycle.anonymity_threshold
    rater_page = new_page(PHONE)  # raters have no account: the link is enough

    def shown_groups():
        return [g["group"] for g in report_build(cycle=cycle, subject=sam, viewer=None)["groups"]]

    for request in reports[: cycle.anonymity_threshold - 1]:
        _answer_as_rater(
            rater_page, _rater_link(mailoutbox, request.rater.email, live_server.url), "4"
        )
    assert "direct_report" not in shown_groups()  # 2 of 3: withheld

    last = reports[cycle.anonymity_threshold - 1]
    _answer_as_rater(rater_page, _rater_link(mailoutbox, last.rater.email, live_server.url), "5")
    assert "direct_report" in shown_groups()  # the threshold is met

    assert cycle_close(cycle_id=cycle.pk, now=cycle.due_at)
    page = page_for("leader@example.com", DEMO_PASSWORD)
    page.goto(f"/dashboards/?as_of={timezone.localdate(cycle.due_at).isoformat()}")
    feedback = page.get_by_role("region", name="360° feedback")
    assert "Balance profile · Browser round" in feedback.inner_text()
    assert charts_drawn(page) >= 1
    api = api_json(page, f"/api/v1/dashboards/me/?as_of={timezone.localdate(cycle.due_at)}")
    report = api["feedback"]["latest_report"]
    direct = next(g for g in report["groups"] if g["group"] == "direct_report")
    assert direct["respondents"] == cycle.anonymity_threshold
    screenshot(page, "leader-dashboard-feedback")

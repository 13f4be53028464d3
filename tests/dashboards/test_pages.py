"""Dashboard pages: same permissions as the API, figures from the same selectors."""

import pytest
from django.urls import reverse

from tests.dashboards.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(leader, other_leader, mentor):
    return build_world(leader=leader, other_leader=other_leader, mentor=mentor)


def status(client, user, url) -> int:
    client.force_login(user)
    return client.get(url).status_code


def test_pages_need_a_login(client, world):
    for url in [
        reverse("dashboards:leader_home"),
        reverse("dashboards:mentor_home"),
        reverse("dashboards:cohort_list"),
        reverse("dashboards:cohort_detail", args=[world.cohort.pk]),
        reverse("dashboards:program_impact", args=[world.program.pk]),
        reverse("dashboards:leader_detail", args=[world.leo.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_leader_page_permissions_match_the_api(client, world, hr, mentor, leader, other_leader):
    url = reverse("dashboards:leader_detail", args=[world.leo.pk])
    assert status(client, hr, url) == 200
    assert status(client, mentor, url) == 200
    assert status(client, leader, url) == 200
    assert status(client, other_leader, url) == 404
    assert status(client, hr, reverse("dashboards:leader_home")) == 403
    assert status(client, leader, reverse("dashboards:mentor_home")) == 403


def test_hr_pages_are_for_hr(client, world, mentor, leader, hr):
    for url in [
        reverse("dashboards:cohort_list"),
        reverse("dashboards:cohort_detail", args=[world.cohort.pk]),
        reverse("dashboards:program_impact", args=[world.program.pk]),
    ]:
        assert status(client, leader, url) == 403
        assert status(client, mentor, url) == 403
        assert status(client, hr, url) == 200
    assert status(client, hr, reverse("dashboards:cohort_detail", args=[999999])) == 404


def test_leader_home_shows_progress_mentoring_and_metrics(client, leader, world):
    client.force_login(leader)
    html = client.get(reverse("dashboards:leader_home"), {"as_of": "2024-07-15"}).content.decode()
    assert "My dashboard" in html
    assert "2 of 3 required modules" in html
    assert 'aria-label="Talent management"' in html
    assert "Mia Torres" in html
    assert "Shadow a pipeline review" in html
    assert "Sales Attainment" in html or "sales" in html.lower()
    assert "/static/vendor/chart.js/chart.umd.min.js" in html
    assert 'id="metric-sales_attainment-data"' in html


def test_leader_home_as_of_malformed_is_a_400(client, leader, world):
    client.force_login(leader)
    response = client.get(reverse("dashboards:leader_home"), {"as_of": "2024-02-30"})
    assert response.status_code == 400
    assert "as_of" in response.content.decode()


def test_mentor_home_links_each_mentee_to_logging_a_session(client, mentor, world):
    client.force_login(mentor)
    html = client.get(reverse("dashboards:mentor_home")).content.decode()
    assert "Leo Grant" in html
    assert "Needs attention" in html
    assert f"{reverse('mentorship:log-session')}?pairing={world.pairing.pk}" in html


def test_cohort_page_shows_funnel_heatmap_at_risk_and_csv_link(client, hr, world):
    client.force_login(hr)
    url = reverse("dashboards:cohort_detail", args=[world.cohort.pk])
    html = client.get(url, {"as_of": "2024-07-15"}).content.decode()
    assert "Enrollment funnel" in html
    assert 'id="funnel-data"' in html
    assert "Behind on required modules: 1 of 3 expected by now." in html
    assert "format=csv&amp;as_of=2024-07-15" in html
    assert html.count('class="done"') == 4  # Leo 3, Olga 1
    assert "Quiet mentoring pairings" in html


def test_program_impact_page_has_a_before_after_chart_and_table(client, hr, world):
    client.force_login(hr)
    url = reverse("dashboards:program_impact", args=[world.program.pk])
    html = client.get(url, {"as_of": "2024-07-15"}).content.decode()
    assert 'id="before-after-sales_attainment-data"' in html
    assert "Leaders compared" in html


def test_navigation_has_the_dashboards(client, hr, mentor, leader):
    for user, label in [(hr, "Cohort dashboards"), (mentor, "Dashboard"), (leader, "Dashboard")]:
        client.force_login(user)
        html = client.get(reverse("dashboards:cohort_list") if user == hr else "/", follow=True)
        assert f">{label}</a>" in html.content.decode()


def test_one_page_per_job_in_the_menu(leader, hr):
    """A leader's scorecard is a section of their dashboard, not a second menu entry;
    HR reaches the cohort metrics and impact through the cohort dashboards."""
    from people.navigation import nav_items

    leader_menu = [item["label"] for item in nav_items(leader)]
    assert "Dashboard" in leader_menu and "My scorecard" not in leader_menu
    hr_urls = [item["url"] for item in nav_items(hr)]
    assert reverse("dashboards:cohort_list") in hr_urls
    assert all(not url.startswith(("/metrics/cohorts/", "/metrics/programs/")) for url in hr_urls)

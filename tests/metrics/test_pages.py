import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from metrics.models import Observation
from tests.mentorship.factories import PairingFactory
from tests.metrics.helpers import AS_OF
from tests.programs.factories import CohortFactory


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_leader_sees_own_scorecard_on_their_dashboard(world):
    """The scorecard is a section of the leader's dashboard: every fact, one chart
    technology (Chart.js, drawn from JSON, with a table of the values)."""
    response = client_for(world["ada"]).get("/dashboards/", {"as_of": AS_OF})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Metric scorecard" in html and "Sales attainment" in html
    # June 2024: 100 against her own target of 110; 80 in March before the program.
    assert "<dt>Attainment</dt><dd>90.9%</dd>" in html
    assert '+20 <span class="muted">(from 2024-03)</span>' in html
    assert "Baseline: the last period before your first program started" in html
    assert 'id="metric-sales_attainment-data"' in html  # the Chart.js trend
    assert "Values as a table" in html
    assert "<svg" not in html


def test_scorecard_pages_moved_to_the_dashboards(world, hr):
    ada = world["ada"].pk
    assert_moved(client_for(world["ada"]), "/metrics/me/", "/dashboards/")
    assert_moved(client_for(hr), f"/metrics/leaders/{ada}/", f"/dashboards/leaders/{ada}/")
    # My scorecard stays a leader's page: HR gets 403, nobody logged in the login page.
    assert client_for(hr).get("/metrics/me/", follow=True).status_code == 403
    anonymous = client_for(None).get("/metrics/me/", follow=True)
    assert anonymous.redirect_chain[-1][0].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 200), ("leader", 200), ("other_leader", 404), ("nobody", 404)],
)
def test_leader_scorecard_page_scope(hr, mentor, leader, other_leader, nobody, role, expected):
    """The old scorecard address still answers as the leader page does, after the redirect."""
    PairingFactory(mentor=mentor, mentee=leader)
    user = {
        "hr": hr,
        "mentor": mentor,
        "leader": leader,
        "other_leader": other_leader,
        "nobody": nobody,
    }[role]
    response = client_for(user).get(f"/metrics/leaders/{leader.pk}/", follow=True)
    assert response.redirect_chain == [(f"/dashboards/leaders/{leader.pk}/", 301)]
    assert response.status_code == expected


@pytest.mark.parametrize(
    "path",
    [
        "/metrics/",
        "/metrics/import/",
        "/dashboards/cohorts/{cohort}/",
        "/dashboards/programs/{program}/impact/",
    ],
)
def test_hr_pages_are_for_hr(world, hr, mentor, path):
    url = path.format(cohort=world["cohort"].pk, program=world["program"].pk)
    assert client_for(hr).get(url).status_code == 200
    assert client_for(None).get(url).status_code == 302
    assert client_for(world["ada"]).get(url).status_code == 403
    assert client_for(mentor).get(url).status_code == 403


def assert_moved(client, old: str, new: str) -> None:
    """A retired address answers 301 to the kept page, with its query string."""
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    with_query = client.get(old + "?as_of=2024-07-15&sort=name")
    assert with_query["Location"] == new + "?as_of=2024-07-15&sort=name"


def test_cohort_and_impact_pages_moved_to_the_dashboards(world, hr):
    cohort, program = world["cohort"].pk, world["program"].pk
    client = client_for(hr)
    assert_moved(client, f"/metrics/cohorts/{cohort}/", f"/dashboards/cohorts/{cohort}/")
    assert_moved(
        client, f"/metrics/programs/{program}/impact/", f"/dashboards/programs/{program}/impact/"
    )
    # Redirects decide nothing: the kept page checks the role after them.
    assert client_for(None).get(f"/metrics/cohorts/{cohort}/").status_code == 301
    followed = client_for(world["ada"]).get(f"/metrics/cohorts/{cohort}/", follow=True)
    assert followed.status_code == 403


def test_metrics_overview_links_to_the_kept_pages(world, hr):
    html = client_for(hr).get("/metrics/").content.decode()
    assert f'href="/dashboards/cohorts/{world["cohort"].pk}/#metrics-heading"' in html
    assert f'href="/dashboards/programs/{world["program"].pk}/impact/"' in html
    assert "/metrics/cohorts/" not in html and "/metrics/programs/" not in html


@pytest.fixture
def world_hr(world, hr):
    world["hr"] = hr
    return world


def test_cohort_metric_table_sorts_and_marks_below_target(world_hr):
    client = client_for(world_hr["hr"])
    url = f"/dashboards/cohorts/{world_hr['cohort'].pk}/"
    html = client.get(url, {"as_of": AS_OF, "sort": "sales_attainment", "dir": "desc"})
    table = metric_table_html(html)
    assert table.index("Ada Lind") < table.index("Ben Ode") < table.index("Cleo Park")
    html = client.get(url, {"as_of": AS_OF, "sort": "sales_attainment"})
    table = metric_table_html(html)
    assert table.index("Cleo Park") < table.index("Ben Ode") < table.index("Ada Lind")
    assert 'class="below-target"' in table
    assert 'aria-sort="ascending"' in table
    # Sorting keeps the day; the direction flips on the sorted column only.
    assert (
        'href="?as_of=2024-07-15&amp;sort=sales_attainment&amp;dir=desc#metrics-heading"' in table
    )
    assert '<span class="badge bad">below target 110%</span>' in table  # Ada, her own target
    assert "2024-06: average 82%, median 96%" in table


def test_cohort_metric_table_lists_who_is_below_target_and_links_the_csv(world_hr):
    cohort = world_hr["cohort"].pk
    html = (
        client_for(world_hr["hr"])
        .get(f"/dashboards/cohorts/{cohort}/", {"as_of": AS_OF})
        .content.decode()
    )
    assert f"/api/v1/metrics/cohorts/{cohort}/summary/?format=csv&amp;as_of=2024-07-15" in html
    below = html[html.index("<h3>Below target</h3>") :]
    assert "Cleo Park</a>: Sales attainment 50% against 95% in 2024-06 (52.6% of target)" in below
    assert f'href="/dashboards/leaders/{world_hr["cleo"].pk}/"' in below


def metric_table_html(response) -> str:
    html = response.content.decode()
    return html[
        html.index('<table class="metrics-table">') : html.index(
            "</table>", html.index('<table class="metrics-table">')
        )
    ]


def test_program_impact_page_shows_caution_and_each_cohort(world_hr):
    client = client_for(world_hr["hr"])
    url = f"/dashboards/programs/{world_hr['program'].pk}/impact/"
    html = client.get(url, {"as_of": AS_OF}).content.decode()
    assert "Too few leaders" in html
    assert "Change, program leaders (n = 2)" in html
    cohort = world_hr["cohort"]
    one = client.get(url, {"as_of": AS_OF, "cohort": cohort.pk})
    assert one.status_code == 200
    assert f'<option value="{cohort.pk}" selected>' in one.content.decode()
    assert one.context["dashboard"]["impact"]["cohort"]["id"] == cohort.pk


def test_program_impact_page_with_another_programs_cohort_shows_all_and_says_so(world_hr):
    other = CohortFactory()
    response = client_for(world_hr["hr"]).get(
        f"/dashboards/programs/{world_hr['program'].pk}/impact/", {"cohort": other.pk}
    )
    assert response.status_code == 200
    assert "That cohort is not part of this program; showing all." in response.content.decode()
    assert response.context["dashboard"]["impact"]["cohort"] is None


def test_import_page_previews_then_imports(hr, leader):
    client = client_for(hr)
    content = f"leader_email,metric,period,value\r\n{leader.email},sales_attainment,2026-09,88\r\n"
    upload = SimpleUploadedFile("values.csv", content.encode(), "text/csv")
    preview = client.post("/metrics/import/", {"file": upload})
    assert preview.status_code == 200
    assert "Preview of values.csv" in preview.content.decode()
    assert Observation.objects.count() == 0
    done = client.post("/metrics/import/", {"confirm": "1"}, follow=True)
    assert "1 new" in done.content.decode()
    assert Observation.objects.get().value == 88


def test_import_page_shows_file_and_row_errors(hr, leader):
    client = client_for(hr)
    bad_file = SimpleUploadedFile("values.csv", b"name,score\r\nx,1\r\n", "text/csv")
    html = client.post("/metrics/import/", {"file": bad_file}).content.decode()
    assert "Missing required column" in html
    bad_rows = SimpleUploadedFile(
        "values.csv", b"leader_email,metric,period,value\r\nghost@example.com,nps,2026-09,1\r\n"
    )
    html = client.post("/metrics/import/", {"file": bad_rows}).content.decode()
    assert "No leader with the email ghost@example.com" in html
    assert "Confirm import" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/dashboards/leaders/{ada}/",
        "/dashboards/cohorts/{cohort}/?sort=sales_attainment",
        "/dashboards/programs/{program}/impact/",
    ],
)
def test_page_queries_do_not_grow_with_leaders_or_periods(world, hr, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.metrics.factories import grow

    client = client_for(hr)
    url = path.format(ada=world["ada"].pk, cohort=world["cohort"].pk, program=world["program"].pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    grow(world, leaders=1, months=2)
    queries()
    small = queries()
    grow(world, leaders=5, months=6)
    assert queries() == small


def test_dashboard_impact_page_states_the_difference_in_differences(world, hr):
    """The HR impact page leads each metric with the program-vs-comparison verdict."""
    html = (
        client_for(hr)
        .get(f"/dashboards/programs/{world['program'].pk}/impact/", {"as_of": "2024-07-15"})
        .content.decode()
    )
    # Sales attainment: program leaders +13, comparison +1 (see test_selectors).
    assert "Program leaders changed by 13.00, comparison leaders by 1.00" in html
    assert "a difference of <strong>12.00</strong>" in html

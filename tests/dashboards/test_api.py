"""The dashboards API: permission matrix per endpoint and role, as_of, CSV, query counts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboards.world import build_world, grow
from tests.people.factories import MentorFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/dashboards"


@pytest.fixture
def world(leader, other_leader, mentor):
    return build_world(leader=leader, other_leader=other_leader, mentor=mentor)


@pytest.fixture
def callers(world, hr, mentor, leader, other_leader, nobody):
    return {
        "hr": hr,
        "mentor": mentor,
        "other_mentor": MentorFactory(email="other.mentor@example.com"),
        "leader": leader,
        "other_leader": other_leader,
        "nobody": nobody,
        "anonymous": None,
    }


def _matrix(api, callers, url, expected):
    got = {name: api(user).get(url).status_code for name, user in callers.items()}
    assert got == expected


def test_my_dashboard_is_for_leaders(api, callers):
    _matrix(
        api,
        callers,
        f"{BASE}/me/",
        {
            "hr": 403,
            "mentor": 403,
            "other_mentor": 403,
            "leader": 200,
            "other_leader": 200,
            "nobody": 403,
            "anonymous": 401,
        },
    )


def test_my_dashboard_shows_my_own_data(api, leader, world):
    body = api(leader).get(f"{BASE}/me/", {"as_of": "2024-07-15"}).json()
    assert body["leader"]["email"] == leader.email
    assert body["as_of"] == "2024-07-15"
    assert body["program"]["percent"] == "66.7"
    assert body["mentoring"]["mentor"]["full_name"] == "Mia Torres"
    assert {row["metric"]["code"] for row in body["metrics"]["metrics"]} >= {"sales_attainment"}


def test_a_leaders_dashboard_is_for_hr_their_mentor_and_themselves(api, callers, world):
    _matrix(
        api,
        callers,
        f"{BASE}/leaders/{world.leo.pk}/",
        {
            "hr": 200,
            "mentor": 200,
            "other_mentor": 404,
            "leader": 200,
            "other_leader": 404,
            "nobody": 404,
            "anonymous": 401,
        },
    )


def test_mentor_dashboard_is_for_mentors(api, callers):
    _matrix(
        api,
        callers,
        f"{BASE}/mentors/me/",
        {
            "hr": 403,
            "mentor": 200,
            "other_mentor": 200,
            "leader": 403,
            "other_leader": 403,
            "nobody": 403,
            "anonymous": 401,
        },
    )


def test_mentor_sees_only_their_mentees(api, callers):
    mine = api(callers["mentor"]).get(f"{BASE}/mentors/me/").json()["mentees"]
    theirs = api(callers["other_mentor"]).get(f"{BASE}/mentors/me/").json()["mentees"]
    assert [m["leader"]["full_name"] for m in mine] == ["Leo Grant"]
    assert theirs == []


@pytest.mark.parametrize("path", ["cohorts/{cohort}/", "programs/{program}/impact/"])
def test_cohort_and_impact_dashboards_are_for_hr(api, callers, world, path):
    url = f"{BASE}/" + path.format(cohort=world.cohort.pk, program=world.program.pk)
    _matrix(
        api,
        callers,
        url,
        {
            "hr": 200,
            "mentor": 403,
            "other_mentor": 403,
            "leader": 403,
            "other_leader": 403,
            "nobody": 403,
            "anonymous": 401,
        },
    )


@pytest.mark.parametrize("path", ["cohorts/999999/", "programs/999999/impact/", "leaders/999999/"])
def test_unknown_ids_are_404(api, hr, path):
    assert api(hr).get(f"{BASE}/{path}").status_code == 404


# 9999-12-31 and 0001-01-01 were 500s: date arithmetic around the day overflowed.
@pytest.mark.parametrize(
    "value", ["2024-13-01", "yesterday", "15/07/2024", "9999-12-31", "0001-01-01"]
)
def test_malformed_as_of_is_a_400_naming_the_field(api, hr, leader, world, value):
    for user, url in [
        (leader, f"{BASE}/me/"),
        (hr, f"{BASE}/cohorts/{world.cohort.pk}/"),
        (hr, f"{BASE}/programs/{world.program.pk}/impact/"),
        (hr, f"{BASE}/leaders/{world.leo.pk}/"),
    ]:
        response = api(user).get(url, {"as_of": value})
        assert response.status_code == 400, url
        assert "as_of" in response.json()


def test_cohort_dashboard_as_of_changes_the_funnel(api, hr, world):
    url = f"{BASE}/cohorts/{world.cohort.pk}/"
    before = api(hr).get(url, {"as_of": "2024-04-08"}).json()
    after = api(hr).get(url, {"as_of": "2024-04-10"}).json()
    assert [s["count"] for s in before["funnel"]] == [1, 2, 0, 0]
    assert [s["count"] for s in after["funnel"]] == [0, 2, 0, 1]
    assert after["as_of"] == "2024-04-10"


def test_cohort_csv_export(api, hr, world):
    response = api(hr).get(
        f"{BASE}/cohorts/{world.cohort.pk}/", {"format": "csv", "as_of": "2024-07-15"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["leader"] for row in rows] == ["Leo Grant", "Olga Berg"]
    assert rows[0]["module: Listening"] == "2024-04-09"
    assert rows[0]["progress_percent"] == "66.7"
    assert "Behind on required modules" in rows[1]["at_risk_reasons"]


def test_cohort_csv_refused_to_non_hr_without_leaking_data(api, leader, world):
    response = api(leader).get(f"{BASE}/cohorts/{world.cohort.pk}/", {"format": "csv"})
    assert response.status_code == 403
    assert b"Leo Grant" not in response.content


def test_program_impact_includes_metrics_impact(api, hr, world):
    body = api(hr).get(f"{BASE}/programs/{world.program.pk}/impact/").json()
    assert body["completion"]["leaders"] == 2
    assert body["impact"]["program"]["id"] == world.program.pk
    assert {row["metric"]["code"] for row in body["impact"]["metrics"]} >= {"sales_attainment"}


def test_cohort_endpoint_query_count_is_constant(api, hr, world):

    client = api(hr)
    url = f"{BASE}/cohorts/{world.cohort.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(world, 4)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_schema_documents_the_dashboards_with_real_types(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    me = schema["paths"]["/api/v1/dashboards/me/"]["get"]
    ref = me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/LeaderDashboard")
    assert "program" in schema["components"]["schemas"]["LeaderDashboard"]["properties"]
    cohort = schema["paths"]["/api/v1/dashboards/cohorts/{id}/"]["get"]
    assert "text/csv" in cohort["responses"]["200"]["content"]
    assert any(p["name"] == "as_of" for p in cohort["parameters"])

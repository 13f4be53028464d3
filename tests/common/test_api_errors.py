"""What the schema fuzzing (scripts/fuzz.sh) found, each as the request that showed it:
every API error is JSON and documented in the schema, whatever the path, the format asked
for or the token sent."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.openapi import assert_matches_schema
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    "path",
    [
        "/programs/1.5/",  # the router's ids have no dot
        "/cohorts/null,null/calendar.ics",  # <int:pk>
        "/dashboards/leaders/-1/",
        "/no-such-route/",
    ],
)
def test_an_api_path_that_matches_no_route_answers_a_json_404(api, hr, path):
    assert_json_error(api(hr).get(API + path), 404)


def test_a_page_path_that_matches_no_route_still_answers_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/dashboards/cohorts/0/?format=csv",
        "/metrics/cohorts/0/summary/?format=csv",
        "/cohorts/0/calendar.ics",
        "/mentorship/calendar.ics?format=csv",
    ],
)
def test_an_error_on_a_csv_or_calendar_download_is_json(api, hr, path):
    assert_json_error(api(hr).get(API + path), 404)


def test_a_csv_download_refused_to_a_leader_is_json(api, leader):
    cohort = CohortFactory()
    response = api(leader).get(f"{API}/dashboards/cohorts/{cohort.pk}/?format=csv")
    assert_json_error(response, 403)


def test_no_token_is_a_401_with_the_token_challenge():
    response = APIClient().get(f"{API}/programs/")
    assert_json_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_or_unknown_token_is_a_401_so_clients_sign_in_again():
    response = APIClient().get(f"{API}/programs/", HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert_json_error(response, 401)
    assert response.json()["detail"] == "Invalid token."


def test_the_api_reads_json_bodies_only(api, hr):
    # A form cannot say null: a nullable field sent as a form was refused as bad input.
    response = api(hr).post(
        f"{API}/competencies/", {"name": "Coaching", "slug": "coaching"}, format="multipart"
    )
    assert_json_error(response, 415)


def test_the_schema_offers_forms_only_where_a_file_is_uploaded(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            media = set(operation.get("requestBody", {}).get("content", {}))
            if path.endswith("/import/"):
                assert "multipart/form-data" in media
            elif media:
                assert media == {"application/json"}, f"{method.upper()} {path}: {media}"


def test_every_operation_documents_its_refusals(schema):
    public = {"/api/v1/auth/token/", "/api/v1/feedback/respond/{token}/"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path not in public:
                assert {"401", "403"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
            if method in ("post", "put", "patch", "delete"):
                assert "400" in codes, where
                if path not in public:
                    assert {"409", "429"} <= codes, where
            for code, response in operation["responses"].items():
                if code >= "400":
                    assert "application/json" in response.get("content", {}), f"{where} {code}"


def test_a_role_refusal_on_a_dashboard_is_documented(api, hr):
    response = api(hr).get(f"{API}/dashboards/me/")
    assert response.status_code == 403
    assert_matches_schema(response, path="/api/v1/dashboards/me/")


def test_an_unusable_rater_link_answers_the_documented_400_body(anon_api):
    response = anon_api.get(f"{API}/feedback/respond/not-a-link/")
    assert response.status_code == 400
    assert response.json()["code"] == "link_unusable"
    assert_matches_schema(response, path="/api/v1/feedback/respond/{token}/")


def test_a_bad_filter_answers_the_documented_400_body(api, hr):
    # An id of no row is an empty list (common/filters.py: no existence oracle); an id
    # that is no id at all is the caller's mistake.
    response = api(hr).get(f"{API}/cohorts/?program=not-a-number")
    assert response.status_code == 400
    assert list(response.json()) == ["program"]
    assert_matches_schema(response, path="/api/v1/cohorts/")


def test_an_unknown_page_answers_the_documented_404(api, hr):
    response = api(hr).get(f"{API}/programs/?page=99")
    assert_json_error(response, 404)
    assert_matches_schema(response, path="/api/v1/programs/")


def test_signing_out_someone_unknown_answers_the_documented_404(api, leader, hr):
    response = api(leader).post(f"{API}/auth/tokens/revoke-all/", {"user": hr.pk})
    assert_json_error(response, 404)
    assert_matches_schema(response, path="/api/v1/auth/tokens/revoke-all/", method="post")

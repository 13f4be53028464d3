"""What the schema fuzzing found with negative_data_rejection on, each as the request that
showed it: the API accepted input its own schema says is wrong and acted on it (a number
stored as text, ``?is_active=null`` or ``?until=`` read as "no filter"). A JSON body's
values must have the JSON type the schema gives them (common/serializers.py), a filter
given must have a value of its type (common/filters.py), and nothing changes on a 400.
A form or multipart body, which can only carry text, is read as before
(tests/metrics/test_api.py::test_import_endpoint_dry_run_then_real sends dry_run=true)."""

import inspect

import pytest
from rest_framework import serializers

from common.serializers import StrictInputMixin
from metrics.models import Observation
from programs.models import Competency, Module, Program
from tests.metrics.factories import ObservationFactory
from tests.openapi import assert_matches_schema
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def field_errors(response, status=400) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def test_a_number_for_a_text_field_is_refused_and_nothing_is_created(api, hr):
    body = {"name": "Coaching", "slug": "coaching", "description": 0}
    errors = field_errors(api(hr).post(f"{API}/competencies/", body, format="json"))
    assert errors == {"description": ["Not a valid string."]}
    assert not Competency.objects.filter(slug="coaching").exists()


def test_a_number_for_a_yes_no_field_is_refused(api, hr):
    body = {"name": "Pilot", "slug": "pilot", "is_active": 0}
    errors = field_errors(api(hr).post(f"{API}/programs/", body, format="json"))
    assert errors == {"is_active": ["Must be true or false."]}
    assert not Program.objects.filter(slug="pilot").exists()


def test_an_id_as_text_is_refused(api, hr):
    program = ProgramFactory()
    body = {"program": str(program.pk), "title": "Hiring", "kind": "workshop"}
    errors = field_errors(api(hr).post(f"{API}/modules/", body, format="json"))
    assert errors == {"program": ["Give the id as a number."]}
    assert not Module.objects.filter(title="Hiring").exists()


def test_a_decimal_as_a_json_number_is_refused_and_the_value_is_unchanged(api, hr):
    observation = ObservationFactory(value="80.00")
    url = f"{API}/metrics/observations/{observation.pk}/"
    errors = field_errors(api(hr).patch(url, {"value": 95}, format="json"))
    assert errors == {"value": ['Send the number as a string, e.g. "94.50".']}
    assert Observation.objects.get(pk=observation.pk).value == 80
    assert api(hr).patch(url, {"value": "95.00"}, format="json").status_code == 200
    assert Observation.objects.get(pk=observation.pk).value == 95


@pytest.mark.parametrize(
    "path, parameter, message",
    [
        ("/programs/?is_active=null", "is_active", "Use true or false."),
        ("/programs/?is_active=1", "is_active", "Use true or false."),
        ("/modules/?is_required=yes", "is_required", "Use true or false."),
        ("/mentorship/action-items/?done=null", "done", "Use true or false."),
        ("/audit/events/?until=", "until", "Give a value, or leave the parameter out."),
        (
            "/cohorts/?starts_on__lte=",
            "starts_on__lte",
            "Give a value, or leave the parameter out.",
        ),
        ("/metrics/targets/?active_on=", "active_on", "Give a value, or leave the parameter out."),
        (
            "/metrics/observations/?period_to=",
            "period_to",
            "Give a value, or leave the parameter out.",
        ),
        ("/programs/?is_active=", "is_active", "Give a value, or leave the parameter out."),
    ],
)
def test_a_filter_given_without_a_value_of_its_type_is_a_400_naming_it(
    api, hr, path, parameter, message
):
    assert field_errors(api(hr).get(API + path)) == {parameter: [message]}


def test_a_yes_no_filter_still_filters(api, hr):
    ProgramFactory(name="Old", is_active=False)
    ProgramFactory(name="Current", is_active=True)
    names = lambda value: {  # noqa: E731
        p["name"] for p in api(hr).get(f"{API}/programs/?is_active={value}").json()["results"]
    }
    assert names("true") == {"Current"}
    assert names("false") == {"Old"}


def test_an_empty_as_of_is_a_400_not_today(api, leader, hr):
    assert field_errors(api(leader).get(f"{API}/dashboards/me/?as_of=")) == {
        "as_of": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }
    response = api(hr).get(f"{API}/metrics/scorecards/{leader.pk}/?as_of=")
    assert list(field_errors(response)) == ["as_of"]


def test_the_audit_page_still_takes_its_search_form_with_empty_fields(client, hr):
    client.force_login(hr)
    response = client.get("/audit/?actor=&action=&since=&until=")
    assert response.status_code == 200


@pytest.mark.parametrize("mentee", ["abc", "1e3", "99999999999999999999", "0", ""])
def test_mentor_suggestions_name_a_bad_mentee_parameter(api, hr, mentee):
    response = api(hr).get(f"{API}/mentorship/suggestions/?mentee={mentee}")
    assert list(field_errors(response)) == ["mentee"]


def _project_serializers():
    seen, todo = [], [serializers.Serializer]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            module = inspect.getmodule(sub).__name__
            if module.split(".")[0] in {
                "common", "dashboards", "feedback", "mentorship", "metrics", "people",
                "personal_data", "programs",
            }:  # fmt: skip
                seen.append(sub)
    return seen


def test_every_serializer_of_the_api_reads_json_strictly():
    found = _project_serializers()
    assert len(found) > 100
    loose = [
        f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, StrictInputMixin)
    ]
    assert loose == []


@pytest.mark.parametrize("page", ["", "abc", "last", "1&page=2", "%D9%A3"])
def test_a_page_that_is_no_page_number_is_a_400_naming_it(api, hr, page):
    response = api(hr).get(f"{API}/competencies/?page={page}")
    assert field_errors(response) == {"page": ["A page number: a whole number from 1."]}
    # documented, on a list with no other parameter too
    assert_matches_schema(response, path="/api/v1/competencies/")


def test_a_page_past_the_last_is_still_404_and_page_one_is_the_first(api, hr):
    ProgramFactory()
    assert api(hr).get(f"{API}/programs/?page=99").status_code == 404
    assert api(hr).get(f"{API}/programs/?page=1").json()["count"] == 1


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("/dashboards/me/?as_of=2026-01-01&as_of=2026-02-01", "as_of"),
        ("/metrics/observations/?leader=1&leader=2", "leader"),
        ("/programs/?is_active=true&is_active=false", "is_active"),
    ],
)
def test_a_parameter_given_twice_is_a_400_naming_it(api, leader, path, parameter):
    assert field_errors(api(leader).get(API + path)) == {parameter: ["Give this parameter once."]}


def test_an_empty_format_is_a_404_like_a_format_the_route_does_not_render(api, leader):
    for query in ("?format=", "?format=xml"):
        response = api(leader).get(f"{API}/mentorship/calendar.ics{query}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
    assert api(leader).get(f"{API}/mentorship/calendar.ics").status_code == 200


def test_an_object_for_a_list_of_ids_is_refused(api, hr):
    body = {"name": "Pilot", "slug": "pilot", "competencies": {}}
    errors = field_errors(api(hr).post(f"{API}/programs/", body, format="json"))
    assert errors == {"competencies": ['Expected a list of items but got type "dict".']}
    assert not Program.objects.filter(slug="pilot").exists()

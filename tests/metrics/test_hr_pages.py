"""HR's metric pages: define a metric, set, change and delete targets. Only HR may; bad
input shows the error beside the field and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from common.models import AuditEvent
from metrics.models import MetricDefinition, Target
from tests.metrics.factories import MetricDefinitionFactory, TargetFactory, metric, observe
from tests.programs.factories import CohortFactory


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def definition_fields(**overrides) -> dict:
    fields = {
        "code": "coaching_hours",
        "name": "Coaching hours",
        "description": "Hours a leader spends coaching their team.",
        "category": "development",
        "unit": "count",
        "currency": "",
        "direction": "higher",
        "aggregation": "sum",
        "period": "month",
        "min_value": "",
        "max_value": "",
        "is_active": "on",
    }
    return {**fields, **overrides}


def field_error(response, field: str) -> str:
    """The error shown beside ``field`` (the page renders it in an element of its own)."""
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'id="id_{field}_errors"')
    return html[start : html.index("</div>", start)]


# --- definitions -------------------------------------------------------------------------


def test_hr_defines_a_metric(hr):
    client = client_for(hr)
    response = client.post("/metrics/definitions/new/", definition_fields())
    assert response.status_code == 302 and response["Location"] == "/metrics/"
    defined = MetricDefinition.objects.get(code="coaching_hours")
    assert (defined.unit, defined.aggregation, defined.is_active) == ("count", "sum", True)
    assert AuditEvent.objects.filter(action="metric_definition.create", actor=hr).exists()
    page = client.get("/metrics/")
    assert "Coaching hours defined" in page.content.decode()
    assert f"/metrics/definitions/{defined.pk}/edit/" in page.content.decode()


def test_hr_edits_a_metric_definition(hr):
    defined = MetricDefinitionFactory(name="Coaching", unit="count")
    url = f"/metrics/definitions/{defined.pk}/edit/"
    assert "Coaching" in client_for(hr).get(url).content.decode()
    fields = definition_fields(code=defined.code, name="Coaching hours", max_value="200")
    response = client_for(hr).post(url, fields)
    assert response.status_code == 302
    defined.refresh_from_db()
    assert (defined.name, defined.max_value) == ("Coaching hours", Decimal(200))
    event = AuditEvent.objects.get(action="metric_definition.update")
    assert set(event.changes) >= {"name", "max_value"}


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"code": "sales_attainment"}, "code", "already exists"),
        ({"code": "not a slug!"}, "code", "letters, numbers"),
        ({"unit": "currency"}, "currency", "needs its ISO 4217 currency code"),
        ({"currency": "EUR"}, "currency", "Only currency metrics"),
        ({"min_value": "10", "max_value": "5"}, "max_value", "cannot be below the minimum"),
        ({"max_value": "lots"}, "max_value", "Enter a number"),
        ({"category": "vibes"}, "category", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_a_bad_definition_shows_the_field_error_and_changes_nothing(hr, overrides, field, says):
    before = MetricDefinition.objects.count()
    response = client_for(hr).post("/metrics/definitions/new/", definition_fields(**overrides))
    assert says in field_error(response, field)
    assert MetricDefinition.objects.count() == before
    assert not AuditEvent.objects.filter(action="metric_definition.create").exists()


def test_a_metric_with_values_keeps_its_unit(hr, leader):
    sales = metric("sales_attainment")
    observe(leader, "sales_attainment", "2024-03", 80)
    fields = definition_fields(
        code=sales.code, name=sales.name, category=sales.category, unit="count"
    )
    response = client_for(hr).post(f"/metrics/definitions/{sales.pk}/edit/", fields)
    assert "already has recorded values" in field_error(response, "unit")
    sales.refresh_from_db()
    assert sales.unit == "percent"


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody"])
def test_only_hr_defines_metrics(db, request, role):
    user = request.getfixturevalue(role)
    sales = metric("sales_attainment")
    client = client_for(user)
    assert client.get("/metrics/definitions/new/").status_code == 403
    assert client.post("/metrics/definitions/new/", definition_fields()).status_code == 403
    edit = f"/metrics/definitions/{sales.pk}/edit/"
    assert client.post(edit, definition_fields(code=sales.code, name="Mine")).status_code == 403
    assert not MetricDefinition.objects.filter(code="coaching_hours").exists()
    sales.refresh_from_db()
    assert sales.name != "Mine"


def test_an_unknown_metric_is_not_found(hr):
    assert client_for(hr).get("/metrics/definitions/999999/edit/").status_code == 404


# --- targets -----------------------------------------------------------------------------


def test_hr_sets_a_target_for_a_leader(hr, leader):
    sales = metric("sales_attainment")
    fields = {"metric": sales.pk, "leader": leader.pk, "value": "105", "valid_from": "2024-01-01"}
    response = client_for(hr).post("/metrics/targets/new/", fields)
    assert response.status_code == 302 and response["Location"] == "/metrics/targets/"
    target = Target.objects.get(metric=sales, leader=leader)
    assert (target.value, target.valid_to, target.created_by) == (Decimal(105), None, hr)
    assert AuditEvent.objects.filter(action="target.create", actor=hr).exists()
    listed = client_for(hr).get("/metrics/targets/", {"metric": "sales_attainment"})
    assert leader.full_name in listed.content.decode()


def test_hr_sets_a_cohort_default_target(hr):
    cohort = CohortFactory(name="Autumn 2024")
    sales = metric("sales_attainment")
    fields = {"metric": sales.pk, "cohort": cohort.pk, "value": "95", "valid_from": "2024-09-01"}
    assert client_for(hr).post("/metrics/targets/new/", fields).status_code == 302
    assert Target.objects.get(metric=sales, cohort=cohort, leader=None).value == 95


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"value": "many"}, "value", "Enter a number"),
        ({"value": "-5"}, "value", "must be between 0% and 500.00%; got -5"),
        ({"valid_to": "2023-12-31"}, "valid_to", "cannot end before it starts"),
        ({"valid_from": "2024-31-01"}, "valid_from", "Enter a valid date"),
        ({"leader": ""}, "leader", "either for one leader or as a cohort default"),
        ({"valid_from": "2024-06-01"}, "valid_from", "Overlaps the target of 95"),
    ],
)
def test_a_bad_target_shows_the_field_error_and_changes_nothing(hr, leader, overrides, field, says):
    sales = metric("sales_attainment")
    TargetFactory(metric=sales, leader=leader, valid_from=datetime.date(2024, 5, 1))
    fields = {"metric": sales.pk, "leader": leader.pk, "value": "105", "valid_from": "2024-01-01"}
    response = client_for(hr).post("/metrics/targets/new/", {**fields, **overrides})
    assert says in field_error(response, field)
    assert Target.objects.count() == 1
    assert not AuditEvent.objects.filter(action="target.create").exists()


def test_hr_changes_a_target(hr, leader):
    target = TargetFactory(leader=leader, value=Decimal(95))
    url = f"/metrics/targets/{target.pk}/edit/"
    assert "Sales attainment for Leo Grant" in client_for(hr).get(url).content.decode()
    fields = {"value": "98.5", "valid_from": "2024-01-01", "valid_to": "2024-12-31"}
    assert client_for(hr).post(url, fields).status_code == 302
    target.refresh_from_db()
    assert (target.value, target.valid_to) == (Decimal("98.5"), datetime.date(2024, 12, 31))
    event = AuditEvent.objects.get(action="target.update")
    assert set(event.changes) == {"value", "valid_to"}


def test_a_bad_target_change_shows_the_field_error_and_changes_nothing(hr, leader):
    target = TargetFactory(leader=leader, value=Decimal(95))
    url = f"/metrics/targets/{target.pk}/edit/"
    fields = {"value": "98", "valid_from": "2024-01-01", "valid_to": "2023-06-30"}
    response = client_for(hr).post(url, fields)
    assert "cannot end before it starts" in field_error(response, "valid_to")
    target.refresh_from_db()
    assert (target.value, target.valid_to) == (Decimal(95), None)


def test_hr_deletes_a_target_after_confirming(hr, leader):
    target = TargetFactory(leader=leader)
    url = f"/metrics/targets/{target.pk}/delete/"
    confirm = client_for(hr).get(url)
    assert confirm.status_code == 200 and "Delete this target?" in confirm.content.decode()
    assert Target.objects.filter(pk=target.pk).exists()  # asking deletes nothing
    response = client_for(hr).post(url)
    assert response.status_code == 302 and response["Location"] == "/metrics/targets/"
    assert not Target.objects.filter(pk=target.pk).exists()
    assert AuditEvent.objects.filter(action="target.delete", actor=hr).exists()


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody"])
def test_only_hr_sets_changes_or_deletes_targets(request, role, leader):
    user = request.getfixturevalue(role)
    target = TargetFactory(leader=leader, value=Decimal(95))
    sales = metric("sales_attainment")
    client = client_for(user)
    new = {"metric": sales.pk, "leader": leader.pk, "value": "1", "valid_from": "2030-01-01"}
    assert client.get("/metrics/targets/").status_code == 403
    assert client.post("/metrics/targets/new/", new).status_code == 403
    edit = {"value": "1", "valid_from": "2024-01-01"}
    assert client.post(f"/metrics/targets/{target.pk}/edit/", edit).status_code == 403
    assert client.post(f"/metrics/targets/{target.pk}/delete/").status_code == 403
    target.refresh_from_db()
    assert target.value == 95 and Target.objects.count() == 1


def test_the_metrics_page_links_to_defining_and_targets(hr):
    html = client_for(hr).get("/metrics/").content.decode()
    assert 'href="/metrics/definitions/new/"' in html
    assert 'href="/metrics/targets/"' in html

"""Metric values, targets and definitions in the audit trail: one event per value created
or replaced (old → new), none for a value written again, in a fixed number of queries."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import AuditEvent
from metrics.services import ObservationInput, observations_bulk_upsert
from tests.metrics.factories import metric
from tests.people.factories import LeaderFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/metrics"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def rows(leaders, months, value=D(80)):
    sales = metric("sales_attainment")
    return [
        ObservationInput(leader, sales, datetime.date(2026, month, 1), value + month)
        for leader in leaders
        for month in months
    ]


def test_a_bulk_upsert_records_each_value_created_or_replaced(hr, leader):
    observations_bulk_upsert(rows=rows([leader], [1, 2]), source="import", by=hr)
    replaced = [*rows([leader], [1], value=D(10)), *rows([leader], [2])]
    observations_bulk_upsert(rows=replaced, source="api", by=hr)

    created = events("observation.create")
    assert [e.changes for e in created] == [
        {"source": [None, "import"], "value": [None, "81.00"]},
        {"source": [None, "import"], "value": [None, "82.00"]},
    ]
    (update,) = events("observation.update")
    assert update.changes == {"source": ["import", "api"], "value": ["81.00", "11.00"]}
    assert update.object_repr == f"Sales attainment 2026-01 for {leader}: 11"
    assert {e.subject for e in [*created, update]} == {leader}
    assert {e.actor for e in [*created, update]} == {hr}


@pytest.mark.parametrize("leaders", [1, 10])
def test_recording_costs_one_query_however_many_values(hr, leaders):
    people = [LeaderFactory() for _ in range(leaders)]
    with CaptureQueriesContext(connection) as small:
        observations_bulk_upsert(rows=rows(people[:1], [1]), source="api", by=hr)
    with CaptureQueriesContext(connection) as large:
        observations_bulk_upsert(rows=rows(people, [2, 3, 4]), source="api", by=hr)
    assert len(large) == len(small)
    assert AuditEvent.objects.count() == 1 + 3 * leaders


def test_targets_through_the_api_record_create_update_and_delete(api, hr, leader):
    client = api(hr)
    created = client.post(
        f"{API}/targets/",
        {
            "metric": "team_engagement",
            "leader": leader.pk,
            "value": "75",
            "valid_from": "2026-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    client.patch(f"{API}/targets/{pk}/", {"value": "80"}, format="json")
    client.delete(f"{API}/targets/{pk}/")

    assert events("target.create")[0].changes["value"] == [None, "75.00"]
    assert events("target.update")[0].changes == {"value": ["75.00", "80.00"]}
    assert events("target.delete")[0].object_id == str(pk)
    assert {e.subject for e in AuditEvent.objects.all()} == {leader}


def test_definition_changes_record_old_and_new(api, hr):
    client = api(hr)
    created = client.post(
        f"{API}/definitions/",
        {"code": "nps", "name": "NPS", "category": "engagement", "unit": "score"},
        format="json",
    )
    assert created.status_code == 201, created.content
    client.patch(f"{API}/definitions/{created.json()['id']}/", {"name": "Net promoter score"})

    assert events("metric_definition.create")[0].changes["code"] == [None, "nps"]
    assert events("metric_definition.update")[0].changes == {"name": ["NPS", "Net promoter score"]}

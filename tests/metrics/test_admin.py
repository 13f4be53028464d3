import datetime
from decimal import Decimal

from metrics.services import observation_upsert
from tests.metrics.factories import TargetFactory, metric


def test_admin_pages_show_definitions_observations_with_history_and_targets(admin_client, leader):
    kwargs = {
        "leader": leader,
        "metric": metric("sales_attainment"),
        "period_start": datetime.date(2026, 9, 1),
        "by": None,
    }
    observation, _ = observation_upsert(value=Decimal(90), **kwargs)
    observation_upsert(value=Decimal(97), **kwargs)
    target = TargetFactory(leader=leader)
    assert admin_client.get("/admin/metrics/metricdefinition/").status_code == 200
    assert admin_client.get("/admin/metrics/observation/").status_code == 200
    page = admin_client.get(f"/admin/metrics/observation/{observation.pk}/change/")
    assert page.status_code == 200
    assert "90.00" in page.content.decode() and "97.00" in page.content.decode()
    assert admin_client.get(f"/admin/metrics/target/{target.pk}/change/").status_code == 200


def test_admin_target_form_applies_the_service_rules(admin_client, leader):
    TargetFactory(leader=leader, valid_from=datetime.date(2026, 1, 1), value=Decimal(95))
    response = admin_client.post(
        "/admin/metrics/target/add/",
        {
            "metric": metric("sales_attainment").pk,
            "leader": leader.pk,
            "cohort": "",
            "valid_from": "2026-06-01",
            "valid_to": "",
            "value": "100",
        },
    )
    assert response.status_code == 200  # the form is shown again with the error
    assert "Overlaps the target" in response.content.decode()

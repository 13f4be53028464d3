"""The retention rate Lodestar measures from the reporting line's history
(metrics.services.retention_measure), and what becomes of measured and imported values
for the same period (metrics.models.source_replaces).

The worked example: Lea's team of five on 1 March 2026. Tom leaves the company on 20
March, Uma moves to another team on 10 March, Val joins on 15 March. Retention for March
is 4 of 5 (80 %): a transfer is not attrition, and a newcomer was not there to keep.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from common.errors import ApplicationError
from common.models import AuditEvent
from metrics import tasks
from metrics.models import MetricDefinition, Observation, ObservationChange
from metrics.periods import Period, last_complete_period, period_shift
from metrics.services import (
    observation_upsert,
    observations_import_csv,
    retention_measure,
)
from people.services import user_left_on_set, user_manager_set
from tests.conftest import wait_for, worker_drained
from tests.metrics.factories import metric
from tests.openapi import assert_matches_schema
from tests.people.factories import LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
JOINED = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
BASE = "/api/v1/metrics"


def build_team(leader, names, *, joined=JOINED):
    return [UserFactory(full_name=name, manager=leader, date_joined=joined) for name in names]


@pytest.fixture
def lea(clock):
    """The worked example, seen from 2 April 2026."""
    clock.set(datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC))
    lea = LeaderFactory(full_name="Lea Lead", email="lea@example.com")
    tom, uma, *_ = build_team(lea, ["Tom", "Uma", "Ivo", "Jan", "Kim"])
    user_left_on_set(user=tom, left_on=datetime.date(2026, 3, 20), by=None)
    user_manager_set(user=uma, manager=UserFactory(), by=None, on=datetime.date(2026, 3, 10))
    build_team(lea, ["Val"], joined=datetime.datetime(2026, 3, 15, 9, tzinfo=datetime.UTC))
    return lea


def retention(leader, month=MARCH) -> Observation | None:
    return Observation.objects.filter(
        leader=leader, metric__code="retention_rate", period_start=month
    ).first()


def test_retention_is_the_share_of_the_team_at_the_start_who_did_not_leave(lea):
    report = retention_measure(month=MARCH, by=None)

    assert report.created == 1
    value = retention(lea)
    assert value.value == Decimal("80.00")
    assert value.source == Observation.Source.REPORTING_LINE
    assert value.note == "reporting line: 4 of 5 stayed (1 moved to another team)"
    assert value.recorded_by is None


def test_someone_who_left_on_the_first_of_the_next_month_left_in_this_one(clock):
    clock.set(datetime.datetime(2026, 5, 2, 9, tzinfo=datetime.UTC))
    lea = LeaderFactory()
    tom, *_ = build_team(lea, ["Tom", "Ivo", "Jan", "Kim"])
    user_left_on_set(user=tom, left_on=datetime.date(2026, 4, 1), by=None)

    retention_measure(month=MARCH, by=None)
    retention_measure(month=datetime.date(2026, 4, 1), by=None)

    assert retention(lea).value == Decimal("75.00")
    april = retention(lea, datetime.date(2026, 4, 1))
    assert (april.value, april.note) == (Decimal("100.00"), "reporting line: 3 of 3 stayed")


def test_a_leader_whose_team_was_empty_on_the_first_day_gets_no_value(lea):
    newcomer_only = LeaderFactory()
    build_team(newcomer_only, ["New"], joined=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC))
    LeaderFactory()  # no team at all

    retention_measure(month=MARCH, by=None)

    assert Observation.objects.filter(metric__code="retention_rate").count() == 1
    assert retention(newcomer_only) is None


def test_measuring_a_month_again_changes_nothing(lea):
    retention_measure(month=MARCH, by=None)
    events, changes = AuditEvent.objects.count(), ObservationChange.objects.count()

    again = retention_measure(month=MARCH, by=None)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (AuditEvent.objects.count(), ObservationChange.objects.count()) == (events, changes)


def test_a_leaver_recorded_late_corrects_the_month_when_it_is_measured_again(lea, hr):
    retention_measure(month=MARCH, by=None)
    ivo = lea.direct_reports.get(full_name="Ivo")
    user_left_on_set(user=ivo, left_on=datetime.date(2026, 3, 31), by=hr)

    retention_measure(month=MARCH, by=None)

    assert retention(lea).value == Decimal("60.00")
    change = ObservationChange.objects.get()
    assert (change.old_value, change.new_value) == (Decimal("80.00"), Decimal("60.00"))


def test_a_month_that_has_not_ended_is_not_measured(lea):
    with pytest.raises(ValidationError, match="has not ended"):
        retention_measure(month=datetime.date(2026, 4, 1), by=None)


@pytest.mark.parametrize("leaders", [2, 8])
def test_the_queries_do_not_grow_with_the_number_of_leaders(
    clock, leaders, django_assert_max_num_queries
):
    clock.set(datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC))
    for index in range(leaders):
        leader = LeaderFactory()
        first, *_ = build_team(leader, [f"P{index}a", f"P{index}b", f"P{index}c"])
        user_left_on_set(user=first, left_on=datetime.date(2026, 3, 9), by=None)

    with django_assert_max_num_queries(10):
        report = retention_measure(month=MARCH, by=None)

    assert report.created == leaders


def test_the_monthly_task_measures_the_month_just_ended(lea, clock, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-retention"]
    assert entry["task"] == "metrics.measure_retention"

    assert tasks.measure_retention.delay().get() == 1
    assert tasks.measure_retention.delay().get() == 0  # a doubled tick changes nothing

    assert retention(lea).value == Decimal("80.00")
    event = AuditEvent.objects.get(action="observation.create")
    assert event.actor_kind == AuditEvent.ActorKind.SCHEDULE


def test_the_command_backfills_a_range_of_months(lea, capsys):
    call_command("measure_retention", "--from", "2026-01", "--to", "2026-03")

    measured = Observation.objects.filter(metric__code="retention_rate", leader=lea)
    # January: the team joined on the 5th, so it was empty on the 1st.
    assert sorted(o.period_start.month for o in measured) == [2, 3]
    assert "2026-03: 1 new" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("measure_retention", "--from", "2026-13")


def test_a_backfill_reaching_a_month_not_ended_writes_nothing(lea, clock):
    """Refused before the first month is written, not half-way through the range."""
    clock.set(datetime.datetime(2026, 5, 10, 9, tzinfo=datetime.UTC))
    with pytest.raises(CommandError, match="once it has ended"):
        call_command("measure_retention", "--from", "2026-02", "--to", "2026-05")
    assert not Observation.objects.filter(metric__code="retention_rate").exists()


# --- measured and imported values ------------------------------------------------------


def csv_of(*rows) -> SimpleUploadedFile:
    text = "leader_email,metric,period,value\r\n" + "".join(f"{row}\r\n" for row in rows)
    return SimpleUploadedFile("values.csv", text.encode(), content_type="text/csv")


def test_an_import_keeps_the_measured_value_and_says_so(lea, hr):
    retention_measure(month=MARCH, by=None)

    preview = observations_import_csv(
        file=csv_of("lea@example.com,retention_rate,2026-03,95"), by=hr, dry_run=True
    )

    assert (preview.kept, preview.updated) == (1, 0)
    row = preview.as_dict()["preview"][0]
    assert row["action"] == "kept"
    assert row["reason"] == "measured by the reporting line"
    assert row["old_value"] == Decimal("80.00")

    observations_import_csv(
        file=csv_of("lea@example.com,retention_rate,2026-03,95"), by=hr, dry_run=False
    )
    assert retention(lea).value == Decimal("80.00")
    assert retention(lea).source == Observation.Source.REPORTING_LINE


def test_when_imported_values_win_an_import_replaces_the_measured_one(lea, hr):
    retention_measure(month=MARCH, by=None)
    MetricDefinition.objects.filter(code="retention_rate").update(imported_wins=True)

    report = observations_import_csv(
        file=csv_of("lea@example.com,retention_rate,2026-03,95"), by=hr, dry_run=False
    )

    assert (report.updated, report.kept) == (1, 0)
    assert (retention(lea).value, retention(lea).source) == (Decimal("95.00"), "import")


def test_a_measured_value_replaces_an_imported_one(lea, hr):
    observations_import_csv(
        file=csv_of("lea@example.com,retention_rate,2026-03,95"), by=hr, dry_run=False
    )

    report = retention_measure(month=MARCH, by=None)

    assert report.updated == 1
    assert (retention(lea).value, retention(lea).source) == (Decimal("80.00"), "reporting_line")
    change = ObservationChange.objects.get()
    assert (change.old_source, change.new_source) == ("import", "reporting_line")


def test_when_imported_values_win_a_measured_value_leaves_the_imported_one(lea, hr):
    observations_import_csv(
        file=csv_of("lea@example.com,retention_rate,2026-03,95"), by=hr, dry_run=False
    )
    MetricDefinition.objects.filter(code="retention_rate").update(imported_wins=True)

    report = retention_measure(month=MARCH, by=None)

    assert (report.kept, report.updated) == (1, 0)
    assert (
        report.preview[0].reason == "imported (CSV import); Retention rate prefers imported values"
    )
    assert retention(lea).value == Decimal("95.00")


def test_one_value_sent_by_hand_over_a_measured_one_is_refused(lea, hr):
    retention_measure(month=MARCH, by=None)
    with pytest.raises(ApplicationError, match="measured by the reporting line"):
        observation_upsert(
            leader=lea, metric=metric("retention_rate"), period_start=MARCH, value=90, by=hr
        )
    assert retention(lea).value == Decimal("80.00")


def test_the_api_reports_kept_rows_as_its_schema_documents(lea, hr, api):
    retention_measure(month=MARCH, by=None)
    row = {"leader_email": "lea@example.com", "metric": "retention_rate", "period": "2026-03"}

    response = api(hr).post(
        f"{BASE}/observations/bulk/", {"observations": [{**row, "value": "95"}]}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["kept"], body["updated"]) == (1, 0)
    assert body["preview"][0]["action"] == "kept"
    assert body["preview"][0]["reason"] == "measured by the reporting line"
    assert_matches_schema(response, path=f"{BASE}/observations/bulk/", method="post")

    single = api(hr).post(
        f"{BASE}/observations/",
        {"leader": lea.pk, "metric": "retention_rate", "period": "2026-03", "value": "95"},
        format="json",
    )
    assert single.status_code == 409
    assert retention(lea).value == Decimal("80.00")


def test_the_csv_import_page_previews_kept_rows(lea, hr, client):
    retention_measure(month=MARCH, by=None)
    client.force_login(hr)
    response = client.post(
        "/metrics/import/", {"file": csv_of("lea@example.com,retention_rate,2026-03,95")}
    )
    html = response.content.decode()
    assert "1 kept" in html
    assert "measured by the reporting line" in html


def test_hr_sets_whether_imported_values_win(api, hr):
    retention_rate = metric("retention_rate")
    response = api(hr).patch(
        f"{BASE}/definitions/{retention_rate.pk}/", {"imported_wins": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["imported_wins"] is True
    event = AuditEvent.objects.get(action="metric_definition.update")
    assert event.changes == {"imported_wins": [False, True]}


def test_the_scorecard_shows_where_each_value_came_from(lea, hr, api, client):
    retention_measure(month=MARCH, by=None)
    observations_import_csv(
        file=csv_of("lea@example.com,sales_attainment,2026-03,97"), by=hr, dry_run=False
    )

    card = api(hr).get(f"{BASE}/scorecards/{lea.pk}/?as_of=2026-04-02").json()

    rows = {row["metric"]["code"]: row for row in card["metrics"]}
    assert rows["retention_rate"]["source"] == "reporting_line"
    assert rows["retention_rate"]["source_label"] == "Reporting line"
    assert (
        rows["retention_rate"]["note"] == "reporting line: 4 of 5 stayed (1 moved to another team)"
    )
    assert rows["sales_attainment"]["source_label"] == "CSV import"
    client.force_login(hr)
    page = client.get(f"/dashboards/leaders/{lea.pk}/", {"as_of": "2026-04-02"}).content.decode()
    assert "Source: Reporting line" in page
    assert "4 of 5 stayed" in page
    assert "Source: CSV import" in page


@pytest.mark.integration
def test_a_real_worker_measures_last_month_once(committed_db, celery_worker):
    """The beat task through the real Redis and a worker process, on the real clock."""
    last_month = last_complete_period(timezone.localdate(), Period.MONTH)
    before = period_shift(last_month, Period.MONTH, -2)
    joined = datetime.datetime(before.year, before.month, 3, 9, tzinfo=datetime.UTC)
    lea = LeaderFactory(email="lea.worker@example.com")
    tom, *_ = build_team(lea, ["Tom", "Ivo", "Jan", "Kim"], joined=joined)
    user_left_on_set(user=tom, left_on=last_month + datetime.timedelta(days=9), by=None)

    tasks.measure_retention.delay()
    value = wait_for(lambda: retention(lea, last_month))
    tasks.measure_retention.delay()  # a doubled tick
    wait_for(worker_drained())

    assert value.value == Decimal("75.00")
    assert value.source == Observation.Source.REPORTING_LINE
    assert Observation.objects.filter(leader=lea).count() == 1
    assert not ObservationChange.objects.exists()


def test_hr_finds_the_switch_on_the_metric_page(client, hr):
    client.force_login(hr)
    retention_rate = metric("retention_rate")
    page = client.get(f"/metrics/definitions/{retention_rate.pk}/edit/")
    assert page.status_code == 200
    assert "Imported values win" in page.content.decode()


def test_a_measured_value_is_listed_as_recorded_by_nobody_as_the_schema_says(lea, hr, api):
    """Found by the stateful fuzzer: a value Lodestar measured has no ``recorded_by``."""
    tasks.measure_retention.delay().get()
    response = api(hr).get(f"{BASE}/observations/?source=reporting_line")
    assert response.status_code == 200
    assert [row["recorded_by"] for row in response.json()["results"]] == [None]
    assert_matches_schema(response, path=f"{BASE}/observations/")

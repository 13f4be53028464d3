"""Cohort rankings: the roll-up behind the scorecard's percentile in the cohort equals the
live ranking, is rebuilt when values change (eagerly and on a real worker) and is never
read once it is of another day or of other members."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from metrics import services
from metrics.models import CohortRank, CohortRanking
from metrics.selectors import cohort_ranks, scorecard_for
from programs.models import Enrollment
from programs.services import enrollment_withdraw
from tests.conftest import wait_for
from tests.metrics.factories import metric, observe
from tests.metrics.helpers import AS_OF
from tests.people.factories import HRFactory, LeaderFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

SALES = "sales_attainment"


def percentiles(leader, as_of=None) -> dict[str, tuple]:
    """Metric code → (percentile in the cohort, leaders in the cohort with a value)."""
    return {
        row["metric"]["code"]: (row["percentile_in_cohort"], row["cohort_leaders_with_value"])
        for row in scorecard_for(leader=leader, as_of=as_of)["metrics"]
    }


def stored(cohort) -> list[tuple]:
    return sorted(
        CohortRank.objects.filter(ranking__cohort=cohort).values_list(
            "leader", "metric", "rank", "peers"
        )
    )


def live(cohort, as_of=None) -> list[tuple]:
    as_of = as_of or timezone.localdate()
    return sorted(
        (row["leader"], row["metric"], row["rank"], row["peers"])
        for row in cohort_ranks(cohort=cohort, as_of=as_of)
    )


def test_the_ranking_equals_the_live_ranking_and_the_scorecard_reads_it(world):
    cohort, ben = world["cohort"], world["ben"]
    before = {name: percentiles(world[name], AS_OF) for name in ("ada", "ben", "cleo")}

    assert services.cohort_rankings_refresh(cohort_ids=[cohort.pk], as_of=AS_OF) == 1

    assert stored(cohort) == live(cohort, AS_OF)
    assert len(stored(cohort)) == 5  # sales: Ada, Ben, Cleo; attrition: Ada, Ben
    assert {name: percentiles(world[name], AS_OF) for name in before} == before
    assert before["ben"][SALES] == (Decimal(50), 3)
    # What the scorecard shows is the stored row.
    CohortRank.objects.filter(leader=ben, metric=metric(SALES)).update(rank=0.25)
    assert percentiles(ben, AS_OF)[SALES] == (Decimal(25), 3)


def test_a_new_value_rebuilds_the_ranking_of_the_leaders_cohort(
    world, django_capture_on_commit_callbacks
):
    cohort, cleo = world["cohort"], world["cleo"]
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk])
    assert percentiles(cleo)[SALES] == (Decimal(0), 3)

    with django_capture_on_commit_callbacks(execute=True):
        services.observation_upsert(
            leader=cleo,
            metric=metric(SALES),
            period_start=datetime.date(2024, 7, 1),
            value=Decimal(120),
            by=HRFactory(),
        )
        # Gone in the writing transaction: no scorecard reads the old places again.
        assert not CohortRanking.objects.filter(cohort=cohort).exists()

    assert CohortRanking.objects.filter(cohort=cohort, as_of=timezone.localdate()).exists()
    assert stored(cohort) == live(cohort)
    assert percentiles(cleo)[SALES] == (Decimal(100), 3)


def test_a_withdrawn_member_is_out_of_the_ranking_at_once_and_the_refresh_rebuilds_it(world):
    cohort, ada, ben = world["cohort"], world["ada"], world["ben"]
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk])
    assert percentiles(ada)[SALES] == (Decimal(100), 3)

    enrollment_withdraw(enrollment=Enrollment.objects.get(leader=ben), by=HRFactory())

    assert percentiles(ada)[SALES] == (Decimal(100), 2)  # ranked live among Ada and Cleo
    assert services.cohort_rankings_refresh() == 1  # the periodic refresh: only that one
    assert services.cohort_rankings_refresh() == 0
    assert stored(cohort) == live(cohort)
    assert ben.pk not in {leader for leader, *_ in stored(cohort)}


def test_a_ranking_of_another_day_is_not_read(world):
    cohort, ben = world["cohort"], world["ben"]
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk], as_of=AS_OF)
    CohortRank.objects.update(rank=0)

    assert percentiles(ben, AS_OF + datetime.timedelta(days=1))[SALES] == (Decimal(50), 3)
    assert percentiles(ben, AS_OF)[SALES] == (Decimal(0), 3)
    # Today's refresh finds it of another day and rebuilds it.
    assert services.cohort_rankings_refresh() == 1
    assert percentiles(ben)[SALES] == (Decimal(50), 3)


def test_the_refresh_skips_cohorts_without_members(db):
    CohortFactory()

    assert services.cohort_rankings_refresh() == 0
    assert not CohortRanking.objects.exists()


def test_a_scorecard_costs_the_same_queries_whatever_the_size_of_the_cohort(
    world, django_assert_num_queries
):
    cohort, ada = world["cohort"], world["ada"]
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk], as_of=AS_OF)
    with django_assert_num_queries(9):
        scorecard_for(leader=ada, as_of=AS_OF)

    for index in range(20):
        leader = LeaderFactory()
        EnrollmentFactory(cohort=cohort, leader=leader)
        observe(leader, SALES, "2024-06", 60 + index)
    with django_assert_num_queries(9):  # stale (other members): ranked live
        assert percentiles(ada, AS_OF)[SALES] == (Decimal(100), 23)
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk], as_of=AS_OF)
    with django_assert_num_queries(9):
        assert percentiles(ada, AS_OF)[SALES] == (Decimal(100), 23)


@pytest.mark.integration
def test_a_new_value_rebuilds_the_ranking_on_a_real_worker(committed_db, celery_worker):
    cohort = CohortFactory()
    leaders = [LeaderFactory() for _ in range(3)]
    for value, leader in enumerate(leaders):
        EnrollmentFactory(cohort=cohort, leader=leader)
        observe(leader, SALES, "2024-06", 80 + value)
    services.cohort_rankings_refresh(cohort_ids=[cohort.pk])
    first = CohortRanking.objects.get(cohort=cohort)

    services.observation_upsert(
        leader=leaders[0],
        metric=metric(SALES),
        period_start=datetime.date(2024, 7, 1),
        value=Decimal(99),
        by=None,
    )

    rebuilt = wait_for(lambda: CohortRanking.objects.exclude(pk=first.pk).filter(cohort=cohort))
    assert rebuilt.get().ranks.get(leader=leaders[0]).rank == 1.0
    assert stored(cohort) == live(cohort)

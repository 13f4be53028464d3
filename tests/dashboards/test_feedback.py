"""The feedback parts of the dashboards, under feedback's own visibility rules."""

import datetime
from decimal import Decimal

import pytest

from dashboards import selectors
from feedback.models import Cycle, RaterRequest
from feedback.services import report_share_set, response_submit
from tests.dashboards.world import build_world
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.feedback.helpers import answers_for

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
OPENS = datetime.datetime(2024, 5, 1, 8, tzinfo=UTC)
DUE = datetime.datetime(2024, 5, 11, 8, tzinfo=UTC)


@pytest.fixture
def world(leader, other_leader, mentor):
    return build_world(leader=leader, other_leader=other_leader, mentor=mentor)


@pytest.fixture
def released(world):
    """Three peers rated Leo: management 3, leadership 4 on every dimension; released."""
    cycle = CycleFactory(
        cohort=world.cohort,
        name="May round",
        status=Cycle.Status.OPEN,
        opens_at=OPENS,
        due_at=DUE,
        opened_at=OPENS,
    )
    for _ in range(3):
        request = RaterRequestFactory(cycle=cycle, subject=world.leo, group="peer")
        response_submit(
            request=request,
            answers=answers_for(cycle, by_side={"management": 3, "leadership": 4}),
            now=OPENS + datetime.timedelta(days=1),
        )
    RaterRequestFactory(cycle=cycle, subject=world.leo, group="peer")  # never answered
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.CLOSED, released_at=DUE)
    return cycle


def feedback(world, viewer, day=None):
    return selectors.leader_dashboard(leader=world.leo, viewer=viewer, day=day)["feedback"]


def test_leader_sees_their_released_balance_profile(world, released):
    report = feedback(world, world.leo)["latest_report"]
    assert report["cycle"]["name"] == "May round"
    assert {row["management"] for row in report["overall"]} == {Decimal("3.0")}
    assert {row["leadership"] for row in report["overall"]} == {Decimal("4.0")}
    assert {row["balance"] for row in report["overall"]} == {Decimal("1.0")}
    peers = next(rate for rate in report["response_rates"] if rate["group"] == "peer")
    assert (peers["asked"], peers["answered"]) == (4, 3)


def test_before_release_there_is_no_report(world, released):
    assert feedback(world, world.leo, day=datetime.date(2024, 5, 5))["latest_report"] is None


def test_hr_sees_the_report_the_mentor_only_once_shared(world, released, hr):
    assert feedback(world, hr)["latest_report"] is not None
    assert feedback(world, world.mia) is None
    report_share_set(cycle=released, subject=world.leo, shared=True)
    shared = feedback(world, world.mia)
    assert shared["latest_report"]["cycle"]["name"] == "May round"
    assert shared["open_requests"] == []


def test_open_requests_carry_the_answer_link_only_for_the_leader(world, hr):
    cycle = CycleFactory(cohort=world.cohort, status=Cycle.Status.OPEN, opened_at=OPENS)
    RaterRequestFactory(
        cycle=cycle, rater=world.leo, subject=world.olga, status=RaterRequest.Status.SENT
    )

    mine = feedback(world, world.leo)["open_requests"]
    seen_by_hr = feedback(world, hr)["open_requests"]

    assert [r["subject"]["full_name"] for r in mine] == ["Olga Berg"]
    assert "/feedback/" in mine[0]["answer_url"]
    assert seen_by_hr[0]["answer_url"] is None


def test_cohort_response_rates_and_feedback_reason(world, released):
    dashboard = selectors.cohort_dashboard(cohort=world.cohort, day=datetime.date(2024, 7, 15))
    assert dashboard["feedback"]["cycle"]["name"] == "May round"
    assert dashboard["feedback"]["groups"] == [
        {"group": "peer", "label": "Peer", "asked": 4, "answered": 3, "rate": Decimal("75.0")}
    ]
    reasons = {row["leader"]["full_name"]: row["reasons"] for row in dashboard["at_risk"]}
    assert "Feedback not requested yet." not in reasons["Leo Grant"]
    assert "Feedback not requested yet." in reasons["Olga Berg"]


def test_leader_page_draws_the_balance_profile_with_a_table(client, world, released):
    client.force_login(world.leo)
    html = client.get("/dashboards/").content.decode()
    assert 'id="balance-data"' in html
    assert "Balance profile as a table" in html


def test_leader_dashboard_query_count_does_not_grow_with_raters(world, released):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    selectors.leader_dashboard(leader=world.leo, viewer=world.leo)
    with CaptureQueriesContext(connection) as small:
        selectors.leader_dashboard(leader=world.leo, viewer=world.leo)
    for _ in range(4):
        request = RaterRequestFactory(cycle=released, subject=world.leo, group="direct_report")
        RaterRequest.objects.filter(pk=request.pk).update(status=RaterRequest.Status.COMPLETED)
    with CaptureQueriesContext(connection) as large:
        selectors.leader_dashboard(leader=world.leo, viewer=world.leo)
    assert len(large) == len(small)


def test_cohort_page_shows_response_rates_per_group(client, hr, world, released):
    client.force_login(hr)
    html = client.get(f"/dashboards/cohorts/{world.cohort.pk}/").content.decode()
    assert "Feedback response rates · May round" in html
    assert 'aria-label="Peer"' in html
    assert '<td>Peer</td><td class="num">4</td><td class="num">3</td>' in html

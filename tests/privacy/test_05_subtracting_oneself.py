"""Attack 5: with a threshold of 2, a mentor pooled with one peer into "Others" reads
the shared report and subtracts their own ratings to get the peer's exactly.

Defence: the threshold is never below 3 (database, form, API), and a group or pool that
holds the viewer's own response is shown to that viewer only with at least the threshold
of *other* raters."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from feedback.models import Cycle
from tests.feedback.factories import CycleFactory, default_questionnaire
from tests.privacy.attack import answer, open_cycle, release, requests_of

NOMINATIONS = "/api/v1/feedback/nominations/"


def test_hr_cannot_set_a_threshold_below_three_through_the_api(api, world, hr):
    response = api(hr).post(
        "/api/v1/feedback/cycles/",
        {
            "name": "Tiny groups",
            "cohort": world.cycle.cohort_id,
            "questionnaire": default_questionnaire().pk,
            "opens_at": "2027-04-01T07:00:00Z",
            "due_at": "2027-04-10T07:00:00Z",
            "anonymity_threshold": 2,
        },
    )

    assert response.status_code == 400
    assert "anonymity_threshold" in response.json()
    assert not Cycle.objects.filter(name="Tiny groups").exists()


def test_hr_cannot_set_a_threshold_below_three_through_the_page(client, world, hr):
    client.force_login(hr)
    response = client.post(
        "/feedback/cycles/new/",
        {
            "name": "Tiny groups",
            "cohort": world.cycle.cohort_id,
            "questionnaire": default_questionnaire().pk,
            "opens_at": "2027-04-01T09:00",
            "due_at": "2027-04-10T09:00",
            "reminder_every_days": 3,
            "min_peers": 0,
            "min_direct_reports": 0,
            "anonymity_threshold": 2,
        },
    )

    assert response.status_code == 400
    assert "anonymity_threshold" in response.context["form"].errors
    assert not Cycle.objects.filter(name="Tiny groups").exists()


def test_the_database_refuses_a_threshold_below_three(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleFactory(
            cohort=world.cycle.cohort,
            opens_at=datetime.datetime(2027, 5, 1, tzinfo=datetime.UTC),
            anonymity_threshold=2,
        )


@pytest.fixture
def pooled_with_two_peers(api, anon_api, world, clock, hr):
    """Mentor + two peers answered: two small groups pooled into "Others" (3 raters)."""
    for peer in world.peers[:2]:
        added = api(hr).post(
            NOMINATIONS, {"cycle": world.cycle.pk, "subject": world.leader.pk, "rater": peer.pk}
        )
        assert added.status_code == 201, added.json()
    open_cycle(clock, world.cycle)
    cycle = world.cycle
    answer(anon_api, requests_of(cycle, world.leader, "mentor")[0], 5, comment="Mentor's words")
    answer(anon_api, requests_of(cycle, world.leader, "peer")[0], 2, comment="Peer one's words")
    answer(anon_api, requests_of(cycle, world.leader, "peer")[1], 3, comment="Peer two's words")
    for group in ("self", "manager", "direct_report"):
        for request in requests_of(cycle, world.leader, group):
            answer(anon_api, request, 4)
    release(cycle)
    shared = api(world.leader).post(f"/api/v1/feedback/cycles/{cycle.pk}/share/", {"shared": True})
    assert shared.status_code == 200
    return cycle


def test_the_leader_sees_the_pool(api, world, pooled_with_two_peers):
    url = f"/api/v1/feedback/cycles/{pooled_with_two_peers.pk}/reports/{world.leader.pk}/"

    report = api(world.leader).get(url).json()

    assert "others" in [group["group"] for group in report["groups"]]


def test_a_mentor_in_the_pool_cannot_subtract_themselves(api, world, pooled_with_two_peers):
    url = f"/api/v1/feedback/cycles/{pooled_with_two_peers.pk}/reports/{world.leader.pk}/"

    response = api(world.mentor).get(url)

    assert response.status_code == 200
    report = response.json()
    assert "others" not in [group["group"] for group in report["groups"]]
    assert "Peer one's words" not in response.content.decode()
    # The overall rests on shown groups only: manager and direct reports rated 4.
    assert {row["management"] for row in report["overall"]} == {"4.0"}

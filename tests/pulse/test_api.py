"""The pulse API: HR's pulses and results, a leader's own trend; roles and scope."""

import datetime

import pytest

from pulse.models import Pulse
from pulse.services import pulse_tick
from tests.people.factories import MentorFactory
from tests.pulse.world import answer_all


def _body(world, **fields) -> dict:
    return {
        "name": "API pulse",
        "template": world.pulse.template_id,
        "cohort": None,
        "cadence": "quarter",
        "starts_on": "2027-04-01",
        "answer_days": 14,
        "remind_after_days": 7,
    } | fields


def test_hr_creates_a_pulse(api, world):
    response = api(world.hr).post("/api/v1/pulses/", _body(world), format="json")
    assert response.status_code == 201, response.json()
    pulse = Pulse.objects.get(pk=response.json()["id"])
    assert pulse.created_by == world.hr and pulse.cohort is None
    assert len(response.json()["statements"]) == 6


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cadence": "weekly"}, "cadence"),
        ({"answer_days": 40}, "answer_days"),
        ({"remind_after_days": 14}, "remind_after_days"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_schedule_is_a_400_naming_the_field(api, world, fields, field):
    response = api(world.hr).post("/api/v1/pulses/", _body(world, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_hr_changes_a_pulse(api, world):
    response = api(world.hr).patch(
        f"/api/v1/pulses/{world.pulse.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    refused = api(world.hr).patch(
        f"/api/v1/pulses/{world.pulse.pk}/", {"remind_after_days": 30}, format="json"
    )
    assert refused.status_code == 400 and "remind_after_days" in refused.json()


@pytest.mark.parametrize(
    "url", ["/api/v1/pulses/", "/api/v1/pulses/{pk}/", "/api/v1/pulses/{pk}/results/"]
)
def test_the_pulse_api_is_hrs(api, world, url):
    url = url.format(pk=world.pulse.pk)
    assert api(None).get(url).status_code == 401
    assert api(world.big).get(url).status_code == 403
    assert api(MentorFactory()).get(url).status_code == 403
    assert api(world.hr).get(url).status_code == 200


def test_my_pulse_is_the_callers_own(api, world, opened, clock, django_capture_on_commit_callbacks):
    answer_all(opened, world.big, 3, scale=5, enps=0, comment="Keep it up")
    answer_all(opened, world.three, 3, scale=1)
    clock.set(opened.closes_at + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        pulse_tick()
    rows = api(world.big).get("/api/v1/pulse/me/").json()
    assert len(rows) == 1
    assert rows[0]["leader"] == world.big.pk
    assert (rows[0]["engagement"], rows[0]["enps"], rows[0]["comments"]) == (
        "100.0",
        -100,
        ["Keep it up", "Keep it up", "Keep it up"],
    )
    assert api(None).get("/api/v1/pulse/me/").status_code == 401
    assert api(MentorFactory()).get("/api/v1/pulse/me/").status_code == 403
    assert api(world.hr).get("/api/v1/pulse/me/").status_code == 403


def _rounds(world, count: int, clock, capture) -> None:
    for quarter in range(count):
        start = datetime.datetime(2027, 1 + 3 * quarter, 1, 10, tzinfo=datetime.UTC)
        clock.set(max(start, datetime.datetime(2027, 2, 1, 10, tzinfo=datetime.UTC)))
        with capture(execute=True):
            pulse_tick()
        pulse_round = world.pulse.rounds.get(period_start=start.date().replace(day=1))
        answer_all(pulse_round, world.big, 3)
        answer_all(pulse_round, world.three, 3)
        clock.set(pulse_round.closes_at + datetime.timedelta(minutes=1))
        with capture(execute=True):
            pulse_tick()


@pytest.mark.parametrize("rounds", [1, 3])
def test_results_and_trend_queries_do_not_grow_with_rounds(
    api, world, clock, django_capture_on_commit_callbacks, django_assert_max_num_queries, rounds
):
    _rounds(world, rounds, clock, django_capture_on_commit_callbacks)
    hr, leader = api(world.hr), api(world.big)
    with django_assert_max_num_queries(12):
        assert hr.get(f"/api/v1/pulses/{world.pulse.pk}/results/").status_code == 200
    with django_assert_max_num_queries(10):
        trend = leader.get("/api/v1/pulse/me/")
    assert len(trend.json()) == rounds
    with django_assert_max_num_queries(8):
        assert hr.get("/api/v1/pulses/").status_code == 200

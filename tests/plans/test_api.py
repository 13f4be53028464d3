"""The development plan API, role by role: the leader builds and checks in, the mentor
and HR read and comment, anyone else meets a 404; bad input is a 400 naming the field."""

import datetime

import pytest

from plans.models import CheckIn, Comment, Plan
from plans.services import FocusInput, plan_create
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.plans.world import WEAKEST

URL = "/api/v1/plans/"


@pytest.fixture
def plan(world):
    return plan_create(
        leader=world.leader,
        cycle=world.cycle,
        focuses=[
            FocusInput(
                "relationships", "Weekly 1:1s", "Each report has one", datetime.date(2027, 6, 1)
            ),
            FocusInput("communication", "Tell the why", "Pulse item up", datetime.date(2027, 6, 1)),
        ],
        by=world.leader,
    )


def body(world, *dimensions, **overrides) -> dict:
    return {
        "cycle": world.cycle.pk,
        "focuses": [
            {
                "dimension": dimension,
                "goal": f"Practise {dimension}",
                "measure": "Two of my team notice",
                "target_date": "2027-06-30",
            }
            | overrides
            for dimension in dimensions
        ],
    }


def test_the_options_come_most_management_first(api, world):
    response = api(world.leader).get(f"{URL}options/", {"cycle": world.cycle.pk})
    assert response.status_code == 200
    assert [row["dimension"] for row in response.json()[:2]] == list(WEAKEST)
    assert response.json()[0]["modules"] == [world.modules["relationships"].pk]
    assert api(LeaderFactory()).get(f"{URL}options/", {"cycle": world.cycle.pk}).status_code == 400


def test_a_leader_builds_their_plan(api, world):
    response = api(world.leader).post(
        URL,
        body(world, "relationships", "communication", modules=[world.modules["relationships"].pk]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [f["dimension"] for f in data["focuses"]] == ["relationships", "communication"]
    assert data["focuses"][0]["goal"]["measure"] == "Two of my team notice"
    assert Plan.objects.get().leader == world.leader


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"dimension": "charisma"}, "focuses"),
        ({"target_date": "2020-01-01"}, "focuses.0.target_date"),
        ({"goal": ""}, "focuses"),
        ({"metric": "no_such_metric"}, "focuses"),
    ],
)
def test_bad_plans_are_400_naming_the_field_and_change_nothing(api, world, overrides, field):
    response = api(world.leader).post(URL, body(world, "focus", **overrides), format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Plan.objects.exists()


def test_too_many_focuses_and_someone_elses_report_are_refused(api, world):
    many = body(world, "focus", "approach", "success", "development")
    assert api(world.leader).post(URL, many, format="json").status_code == 400
    other = LeaderFactory()
    response = api(other).post(URL, body(world, "focus"), format="json")
    assert response.status_code == 400 and "cycle" in response.json()
    assert api(world.mentor).post(URL, body(world, "focus"), format="json").status_code == 403
    assert api(HRFactory()).post(URL, body(world, "focus"), format="json").status_code == 403
    assert not Plan.objects.exists()


def test_each_role_sees_exactly_the_plans_in_its_scope(api, world, plan):
    for reader in (world.leader, world.mentor, HRFactory()):
        response = api(reader).get(URL)
        assert [row["id"] for row in response.json()["results"]] == [plan.pk]
        assert api(reader).get(f"{URL}{plan.pk}/").status_code == 200
    for stranger in (LeaderFactory(), MentorFactory(), UserFactory()):
        assert api(stranger).get(URL).json()["results"] == []
        assert api(stranger).get(f"{URL}{plan.pk}/").status_code == 404
        assert api(stranger).post(f"{URL}{plan.pk}/comments/", {"body": "x"}).status_code == 404
    assert api(None).get(URL).status_code in (401, 403)


def test_the_mentor_comments_and_a_blank_comment_is_400(api, world, plan):
    response = api(world.mentor).post(f"{URL}{plan.pk}/comments/", {"body": "Start with Ana"})
    assert response.status_code == 201
    assert api(world.leader).get(f"{URL}{plan.pk}/comments/").json()[0]["body"] == "Start with Ana"
    blank = api(world.mentor).post(f"{URL}{plan.pk}/comments/", {"body": " "}, format="json")
    assert blank.status_code == 400 and Comment.objects.count() == 1


def test_the_leader_checks_in_once_others_cannot(api, world, plan):
    url = f"{URL}{plan.pk}/check-in/"
    first, second = plan.focuses.all()
    answer = {
        "progress": [{"focus": first.pk, "progress": 50}, {"focus": second.pk, "progress": 20}]
    }
    assert api(world.leader).post(url, answer, format="json").status_code == 400, "none due"
    CheckIn.objects.create(plan=plan, due_on=datetime.date(2027, 3, 20))
    assert api(world.mentor).post(url, answer, format="json").status_code == 403
    half = {"progress": [{"focus": first.pk, "progress": 50}]}
    assert api(world.leader).post(url, half, format="json").status_code == 400
    response = api(world.leader).post(url, answer | {"note": "Going well"}, format="json")
    assert response.status_code == 200 and response.json()["note"] == "Going well"
    assert api(world.leader).post(url, answer, format="json").status_code == 400, "answered"
    history = api(world.mentor).get(f"{URL}{plan.pk}/check-ins/").json()
    assert history[0]["progress"] == [
        {"focus": first.pk, "progress": 50},
        {"focus": second.pk, "progress": 20},
    ]


def test_the_mentor_changes_a_focus_hr_and_strangers_cannot(api, world, plan):
    focus = plan.focuses.first()
    url = f"{URL}focuses/{focus.pk}/"
    response = api(world.mentor).patch(
        url, {"topics": "Delegation", "metric": "team_engagement"}, format="json"
    )
    assert response.status_code == 200 and response.json()["metric"] == "team_engagement"
    assert api(HRFactory()).patch(url, {"topics": "x"}, format="json").status_code == 403
    assert api(MentorFactory()).patch(url, {"topics": "x"}, format="json").status_code == 404
    foreign = api(world.leader).patch(url, {"modules": [999999]}, format="json")
    assert foreign.status_code == 400
    focus.refresh_from_db()
    assert focus.topics == "Delegation"


def test_reading_a_plan_costs_the_same_whatever_the_number_of_plans(
    api, world, plan, django_assert_max_num_queries
):
    client = api(world.leader)
    client.get(f"{URL}{plan.pk}/")
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"{URL}{plan.pk}/").status_code == 200


def test_an_options_request_describes_the_endpoint_and_never_fails(api, world, plan):
    """OPTIONS is answered by DRF's metadata on every plan route (the build-options
    action must not take the name of the HTTP method's handler)."""
    for url in (URL, f"{URL}{plan.pk}/", f"{URL}{plan.pk}/comments/", f"{URL}0/"):
        response = api(world.leader).options(url)
        assert response.status_code in (200, 404), (url, response.status_code)
    assert api(world.leader).options(f"{URL}{plan.pk}/").json()["name"]


def test_an_empty_metric_code_is_refused_not_read_as_clearing_it(api, world, plan):
    """The schema says a metric is a code or null; "" is neither (found by schema fuzzing:
    DRF read it as null and cleared the focus's metric)."""
    focus = plan.focuses.first()
    url = f"{URL}focuses/{focus.pk}/"
    client = api(world.leader)
    assert client.patch(url, {"metric": "team_engagement"}, format="json").status_code == 200
    response = client.patch(url, {"metric": ""}, format="json")
    assert response.status_code == 400 and "null" in response.json()["metric"][0]
    focus.refresh_from_db()
    assert focus.metric.code == "team_engagement"


def test_a_plan_with_an_empty_metric_code_is_refused(api, world):
    payload = body(world, "focus")
    payload["focuses"][0]["metric"] = ""
    response = api(world.leader).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "null" in response.json()["focuses"]["0"]["metric"][0]
    assert not Plan.objects.exists()

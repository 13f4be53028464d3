import datetime

import pytest
from django.utils import timezone

from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from people.roles import Role, grant_role
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.mentorship.helpers import PRIVATE, ago, soon
from tests.openapi import assert_matches_schema
from tests.people.factories import LeaderFactory, MentorFactory
from tests.programs.factories import competency

pytestmark = pytest.mark.django_db

BASE = "/api/v1/mentorship"
ROLES = ["hr", "mentor", "other_mentor", "leader", "other_leader", "anonymous"]


@pytest.fixture
def as_role(request, api, world):
    """The API client for a role name from ROLES."""

    def client(role):
        return api(None if role == "anonymous" else request.getfixturevalue(role))

    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def denied(response) -> bool:
    return response.status_code in (401, 403)


# ---------------------------------------------------------------- pairings

PAIRING_LIST_SCOPE = {
    "hr": {"pairing", "other_pairing"},
    "mentor": {"pairing"},
    "other_mentor": {"other_pairing"},
    "leader": {"pairing"},
    "other_leader": {"other_pairing"},
}


@pytest.mark.parametrize("role", ROLES)
def test_pairing_list_and_detail_scope(role, as_role, world):
    client = as_role(role)
    listed = client.get(f"{BASE}/pairings/")
    detail = client.get(f"{BASE}/pairings/{world.pairing.pk}/")
    if role == "anonymous":
        assert denied(listed) and denied(detail)
        return
    assert ids(listed) == {getattr(world, name).pk for name in PAIRING_LIST_SCOPE[role]}
    expected = 200 if "pairing" in PAIRING_LIST_SCOPE[role] else 404
    assert detail.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_hr_creates_pairings(role, as_role, mentor):
    newcomer = LeaderFactory()
    response = as_role(role).post(
        f"{BASE}/pairings/", {"mentor": mentor.pk, "mentee": newcomer.pk, "objectives": "Grow"}
    )
    if role == "hr":
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["mentee"]["id"] == newcomer.pk and body["status"] == "active"
        assert MentorProfile.objects.get(user=mentor).active_mentees == 2
    else:
        assert denied(response)
        assert not Pairing.objects.filter(mentee=newcomer).exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_hr_ends_pairings(role, as_role, world):
    response = as_role(role).post(f"{BASE}/pairings/{world.pairing.pk}/end/", {})
    world.pairing.refresh_from_db()
    if role == "hr":
        assert response.status_code == 200
        assert response.json()["status"] == "ended"
    else:
        assert denied(response)
        assert world.pairing.status == "active"


def test_pairing_conflicts_are_409_with_a_reason(api, hr, world, mentor, leader):
    again = api(hr).post(f"{BASE}/pairings/", {"mentor": mentor.pk, "mentee": leader.pk})
    assert again.status_code == 409
    assert "already mentoring" in again.json()["detail"]
    MentorProfile.objects.filter(user=mentor).update(capacity=1)
    full = api(hr).post(f"{BASE}/pairings/", {"mentor": mentor.pk, "mentee": LeaderFactory().pk})
    assert full.status_code == 409
    assert full.json()["code"] == "capacity_full"
    api(hr).post(f"{BASE}/pairings/{world.pairing.pk}/end/", {})
    ended_twice = api(hr).post(f"{BASE}/pairings/{world.pairing.pk}/end/", {})
    assert ended_twice.status_code == 409


def test_pairing_bad_input_is_400_with_the_field(api, hr, leader):
    manager = leader.manager
    grant_role(manager, Role.MENTOR)
    response = api(hr).post(f"{BASE}/pairings/", {"mentor": manager.pk, "mentee": leader.pk})
    assert response.status_code == 400
    assert "reporting line" in response.json()["mentor"][0]
    response = api(hr).post(f"{BASE}/pairings/", {"mentor": "x", "mentee": leader.pk})
    assert response.status_code == 400 and "mentor" in response.json()
    assert not Pairing.objects.exists()


def test_pairing_list_filters(api, hr, world, leader):
    response = api(hr).get(f"{BASE}/pairings/", {"mentee": leader.pk, "status": "active"})
    assert ids(response) == {world.pairing.pk}
    assert response.json()["results"][0]["last_contact"] is not None


# ---------------------------------------------------------------- sessions

SESSION_SCOPE = {
    "hr": {"session", "other_session"},
    "mentor": {"session"},
    "other_mentor": {"other_session"},
    "leader": {"session"},
    "other_leader": {"other_session"},
}


@pytest.mark.parametrize("role", ROLES)
def test_session_read_scope_and_private_notes(role, as_role, world):
    client = as_role(role)
    listed = client.get(f"{BASE}/sessions/")
    detail = client.get(f"{BASE}/sessions/{world.session.pk}/")
    if role == "anonymous":
        assert denied(listed) and denied(detail)
        return
    assert ids(listed) == {getattr(world, name).pk for name in SESSION_SCOPE[role]}
    if "session" not in SESSION_SCOPE[role]:
        assert detail.status_code == 404
        return
    assert detail.status_code == 200
    if role == "mentor":
        assert PRIVATE in detail.json()["private_notes"]
    else:
        assert "private_notes" not in detail.json()
        assert PRIVATE not in detail.content.decode()
        assert PRIVATE not in listed.content.decode()


@pytest.mark.parametrize("role", ["hr", "mentor", "leader"])
def test_sessions_with_or_without_private_notes_match_the_documented_schema(role, as_role, world):
    # Found by schemathesis: private_notes was documented as always present.
    client = as_role(role)

    assert_matches_schema(
        client.get(f"{BASE}/sessions/{world.session.pk}/"), path=f"{BASE}/sessions/{{id}}/"
    )
    assert_matches_schema(client.get(f"{BASE}/sessions/"), path=f"{BASE}/sessions/")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_pairings_mentor_logs_sessions(role, as_role, world):
    payload = {
        "pairing": world.pairing.pk,
        "status": "held",
        "starts_at": ago(1),
        "duration_minutes": 30,
        "format": "phone",
        "topics": [competency("relationships").pk],
        "shared_notes": "Talked about hiring",
        "private_notes": "Mine only",
        "action_items": [{"description": "Draft the hiring plan", "owner": "mentee"}],
    }
    before = MentoringSession.objects.count()
    response = as_role(role).post(f"{BASE}/sessions/", payload)
    if role == "mentor":
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["private_notes"] == "Mine only"
        assert [item["description"] for item in body["action_items"]] == ["Draft the hiring plan"]
        return
    assert MentoringSession.objects.count() == before
    if role in ("other_mentor", "other_leader"):
        # The pairing does not exist for them.
        assert response.status_code == 400 and "pairing" in response.json()
    else:
        assert denied(response)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_pairings_mentor_edits_sessions(role, as_role, world):
    response = as_role(role).patch(
        f"{BASE}/sessions/{world.session.pk}/", {"shared_notes": "Edited"}
    )
    world.session.refresh_from_db()
    if role == "mentor":
        assert response.status_code == 200
        assert world.session.shared_notes == "Edited"
        return
    assert world.session.shared_notes != "Edited"
    expected = {"hr": 403, "leader": 403, "other_mentor": 404, "other_leader": 404}
    if role == "anonymous":
        assert denied(response)
    else:
        assert response.status_code == expected[role]


def test_session_date_rules_are_400(api, mentor, world):
    future_held = api(mentor).post(
        f"{BASE}/sessions/", {"pairing": world.pairing.pk, "status": "held", "starts_at": soon()}
    )
    assert future_held.status_code == 400 and "starts_at" in future_held.json()
    past_planned = api(mentor).post(
        f"{BASE}/sessions/",
        {"pairing": world.pairing.pk, "status": "planned", "starts_at": ago(2)},
    )
    assert past_planned.status_code == 400 and "starts_at" in past_planned.json()
    too_long = api(mentor).post(
        f"{BASE}/sessions/",
        {"pairing": world.pairing.pk, "starts_at": ago(2), "duration_minutes": 481},
    )
    assert too_long.status_code == 400 and "duration_minutes" in too_long.json()


def test_session_in_year_9999_is_400_and_changes_nothing(api, mentor, world):
    # Found while fuzzing: the session was saved, then rendering ends_at overflowed
    # (500), and the mentor's session list and calendar feed stayed broken after it.
    before = MentoringSession.objects.count()
    response = api(mentor).post(
        f"{BASE}/sessions/",
        {"pairing": world.pairing.pk, "status": "planned", "starts_at": "9999-12-31T23:30:00Z"},
    )
    assert response.status_code == 400 and "starts_at" in response.json()
    assert MentoringSession.objects.count() == before

    planned = MentoringSessionFactory(
        pairing=world.pairing, status=MentoringSession.Status.PLANNED, starts_at=soon()
    )
    moved = api(mentor).patch(
        f"{BASE}/sessions/{planned.pk}/", {"starts_at": "9999-12-31T23:30:00Z"}
    )
    assert moved.status_code == 400 and "starts_at" in moved.json()
    assert MentoringSession.objects.get(pk=planned.pk).starts_at.year < 9999
    assert api(mentor).get(f"{BASE}/sessions/").status_code == 200
    assert api(mentor).get(f"{BASE}/calendar.ics").status_code == 200


def test_cancelling_a_held_session_is_a_conflict(api, mentor, world):
    response = api(mentor).post(f"{BASE}/sessions/{world.session.pk}/cancel/")
    assert response.status_code == 409


def test_session_filters(api, hr, world, leader):
    MentoringSessionFactory(
        pairing=world.pairing, starts_at=timezone.now() - datetime.timedelta(days=40)
    )
    client = api(hr)
    assert ids(client.get(f"{BASE}/sessions/", {"mentee": leader.pk})) == set(
        world.pairing.sessions.values_list("pk", flat=True)
    )
    recent = client.get(
        f"{BASE}/sessions/",
        {
            "pairing": world.pairing.pk,
            "starts_after": (timezone.localdate() - datetime.timedelta(days=10)).isoformat(),
            "starts_before": timezone.localdate().isoformat(),
            "status": "held",
        },
    )
    assert ids(recent) == {world.session.pk}


@pytest.mark.parametrize(
    ("path", "param"),
    [("sessions", "mentee"), ("action-items", "pairing"), ("action-items", "mentee")],
)
@pytest.mark.parametrize("value", ["1e30", "99999999999999999999", "0", "1.5"])
def test_id_filter_out_of_range_is_400_naming_the_parameter(api, hr, world, path, param, value):
    # Found by schemathesis: a huge id overflowed the SQLite driver (500).
    response = api(hr).get(f"{BASE}/{path}/", {param: value})

    assert response.status_code == 400
    assert param in response.json()


# ---------------------------------------------------------------- action items

ITEM_SCOPE = {
    "hr": True,
    "mentor": True,
    "other_mentor": False,
    "leader": True,
    "other_leader": False,
}


@pytest.mark.parametrize("role", ROLES)
def test_action_item_read_scope(role, as_role, world):
    client = as_role(role)
    listed = client.get(f"{BASE}/action-items/")
    detail = client.get(f"{BASE}/action-items/{world.mentee_item.pk}/")
    if role == "anonymous":
        assert denied(listed) and denied(detail)
        return
    ours = {world.mentee_item.pk, world.mentor_item.pk}
    assert (ours <= ids(listed)) is ITEM_SCOPE[role]
    assert detail.status_code == (200 if ITEM_SCOPE[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_action_item_create_and_edit_by_the_mentor_only(role, as_role, world):
    client = as_role(role)
    created = client.post(
        f"{BASE}/action-items/",
        {"session": world.session.pk, "description": "Read the book", "owner": "mentee"},
    )
    edited = client.patch(
        f"{BASE}/action-items/{world.mentee_item.pk}/", {"description": "Changed"}
    )
    if role == "mentor":
        assert created.status_code == 201 and edited.status_code == 200
        return
    if role == "anonymous":
        assert denied(created) and denied(edited)
        return
    assert created.status_code == (403 if ITEM_SCOPE[role] else 400)
    assert edited.status_code == (403 if ITEM_SCOPE[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_mentee_marks_only_their_own_items_done(role, as_role, world):
    client = as_role(role)
    own = client.post(f"{BASE}/action-items/{world.mentee_item.pk}/done/")
    mentors = client.post(f"{BASE}/action-items/{world.mentor_item.pk}/done/")
    world.mentee_item.refresh_from_db()
    world.mentor_item.refresh_from_db()
    expected = {
        "mentor": (200, 200),
        "leader": (200, 403),
        "hr": (403, 403),
        "other_mentor": (404, 404),
        "other_leader": (404, 404),
    }
    if role == "anonymous":
        assert denied(own) and denied(mentors)
        return
    assert (own.status_code, mentors.status_code) == expected[role]
    assert world.mentee_item.is_done is (expected[role][0] == 200)
    assert world.mentor_item.is_done is (expected[role][1] == 200)


def test_reopening_an_item(api, leader, world):
    api(leader).post(f"{BASE}/action-items/{world.mentee_item.pk}/done/")
    response = api(leader).post(f"{BASE}/action-items/{world.mentee_item.pk}/reopen/")
    assert response.status_code == 200 and response.json()["done_at"] is None


# ---------------------------------------------------------------- goals

GOAL_READ = {"hr": True, "mentor": True, "other_mentor": False, "leader": True,
             "other_leader": False}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_goal_scope_and_writes(role, as_role, world, leader):
    client = as_role(role)
    listed = client.get(f"{BASE}/goals/")
    created = client.post(f"{BASE}/goals/", {"mentee": leader.pk, "title": "Delegate more"})
    edited = client.patch(f"{BASE}/goals/{world.goal.pk}/", {"progress": 70})
    if role == "anonymous":
        assert denied(listed) and denied(created) and denied(edited)
        return
    assert (world.goal.pk in ids(listed)) is GOAL_READ[role]
    assert (world.other_goal.pk in ids(listed)) is (role in ("hr", "other_mentor", "other_leader"))
    expected = {
        "mentor": (201, 200),
        "leader": (201, 200),
        "hr": (403, 403),
        "other_mentor": (400, 404),
        "other_leader": (400, 404),
    }
    assert (created.status_code, edited.status_code) == expected[role]


def test_goal_progress_out_of_range_is_400(api, leader, world):
    response = api(leader).patch(f"{BASE}/goals/{world.goal.pk}/", {"progress": 120})
    assert response.status_code == 400 and "progress" in response.json()
    world.goal.refresh_from_db()
    assert world.goal.progress == 40


def test_a_leader_cannot_move_a_goal_to_someone_else(api, leader, world, other_leader):
    response = api(leader).patch(f"{BASE}/goals/{world.goal.pk}/", {"mentee": other_leader.pk})
    world.goal.refresh_from_db()
    assert world.goal.mentee == leader
    assert response.status_code == 200


# ---------------------------------------------------------------- suggestions


@pytest.mark.parametrize("role", ROLES)
def test_only_hr_asks_for_suggestions(role, as_role, world, leader):
    response = as_role(role).get(f"{BASE}/suggestions/", {"mentee": leader.pk})
    if role == "hr":
        assert response.status_code == 200
    else:
        assert denied(response)


def test_suggestions_input_errors(api, hr, nobody):
    assert api(hr).get(f"{BASE}/suggestions/").status_code == 400
    assert api(hr).get(f"{BASE}/suggestions/", {"mentee": nobody.pk}).status_code == 404


def test_suggestions_are_ranked_and_explained(api, hr, leader):
    GoalFactory(mentee=leader, competency=competency("communication"))
    GoalFactory(mentee=leader, competency=competency("relationships"))
    both = MentorFactory(full_name="Bea Both")
    MentorProfileFactory(user=both, capacity=3, active_mentees=2).expertise.set(
        [competency("communication"), competency("relationships")]
    )
    one = MentorFactory(full_name="Olly One")
    MentorProfileFactory(user=one, capacity=3).expertise.set([competency("communication")])
    full = MentorFactory(full_name="Fay Full")
    MentorProfileFactory(user=full, capacity=1, active_mentees=1).expertise.set(
        [competency("communication"), competency("relationships")]
    )
    body = api(hr).get(f"{BASE}/suggestions/", {"mentee": leader.pk}).json()
    names = [s["mentor"]["full_name"] for s in body["suggestions"]]
    assert names[:2] == ["Bea Both", "Olly One"]
    assert "Fay Full" not in names
    assert body["suggestions"][0]["explanation"] == (
        "covers communication and relationships; 1 of 3 seats free"
    )
    assert body["suggestions"][0]["score"] == 100
    assert body["suggestions"][1]["explanation"] == (
        "covers communication (not relationships); 3 of 3 seats free"
    )


# ---------------------------------------------------------------- calendar feed


@pytest.mark.parametrize("role", ROLES)
def test_calendar_feed_holds_the_callers_own_sessions(role, as_role, world):
    response = as_role(role).get(f"{BASE}/calendar.ics")
    if role == "anonymous":
        assert denied(response)
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert PRIVATE not in text
    ours = f"mentoring-session-{world.session.pk}@"
    assert (ours in text) is (role in ("mentor", "leader"))


def test_calendar_feed_with_a_token(client, leader, world):
    from people.tokens import token_issue

    _, token = token_issue(user=leader)
    response = client.get(f"{BASE}/calendar.ics", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in response.content


# ---------------------------------------------------------------- query counts


def _grow(world, count: int) -> None:
    for _ in range(count):
        mentee = LeaderFactory()
        pairing = PairingFactory(mentor=world.pairing.mentor, mentee=mentee)
        session = MentoringSessionFactory(pairing=pairing)
        session.topics.set([competency("communication"), competency("relationships")])
        ActionItemFactory(session=session)
        ActionItemFactory(session=session, owner="mentor")
        GoalFactory(mentee=mentee, pairing=pairing)


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("endpoint", ["pairings", "sessions", "action-items", "goals"])
def test_list_query_count_does_not_grow(size, endpoint, api, hr, mentor, world,
                                        django_assert_num_queries):  # fmt: skip
    MentorProfile.objects.filter(user=mentor).update(capacity=20)
    _grow(world, size)
    exact = {"pairings": 3, "sessions": 5, "action-items": 3, "goals": 3}[endpoint]
    for user in (hr, mentor):
        client = api(user)
        with django_assert_num_queries(exact):
            response = client.get(f"{BASE}/{endpoint}/")
        assert response.status_code == 200
        assert response.json()["count"] >= size


def test_calendar_feed_is_a_calendar_whatever_the_accept_header(api, leader, world):
    response = api(leader).get(f"{BASE}/calendar.ics", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.content.startswith(b"BEGIN:VCALENDAR")


def _every_url(world) -> list[str]:
    return [
        f"{BASE}/pairings/",
        f"{BASE}/pairings/{world.pairing.pk}/",
        f"{BASE}/sessions/",
        f"{BASE}/sessions/{world.session.pk}/",
        f"{BASE}/sessions/?mentee={world.pairing.mentee_id}",
        f"{BASE}/action-items/",
        f"{BASE}/action-items/{world.mentee_item.pk}/",
        f"{BASE}/goals/",
        f"{BASE}/goals/{world.goal.pk}/",
        f"{BASE}/suggestions/?mentee={world.pairing.mentee_id}",
        f"{BASE}/calendar.ics",
    ]


@pytest.mark.parametrize("role", ["hr", "other_mentor", "leader", "other_leader"])
def test_private_notes_leave_no_endpoint_for_anyone_but_the_mentor(role, as_role, world):
    client = as_role(role)
    for url in _every_url(world):
        response = client.get(url)
        assert PRIVATE not in response.content.decode(), url


def test_the_mentor_reads_their_private_notes_in_session_endpoints_only(api, mentor, world):
    client = api(mentor)
    carrying = {url for url in _every_url(world) if PRIVATE in client.get(url).content.decode()}
    assert carrying == {
        f"{BASE}/sessions/",
        f"{BASE}/sessions/{world.session.pk}/",
        f"{BASE}/sessions/?mentee={world.pairing.mentee_id}",
    }


@pytest.mark.parametrize(
    ("endpoint", "payload", "field"),
    [
        ("sessions", {"starts_at": "yesterday"}, "starts_at"),
        ("sessions", {"starts_at": "2026-11-01T10:00:00Z", "topics": [9999]}, "topics"),
        ("sessions", {"starts_at": "2026-11-01T10:00:00Z", "format": "telepathy"}, "format"),
        (
            "sessions",
            {"starts_at": "2026-11-01T10:00:00Z", "action_items": [{"owner": "boss"}]},
            "action_items",
        ),
        ("sessions", {"starts_at": "2026-11-01T10:00:00Z", "status": "cancelled"}, "status"),
        ("action-items", {"description": "", "owner": "mentee"}, "description"),
        ("action-items", {"description": "x", "due_on": "soon"}, "due_on"),
        ("goals", {"title": "x", "competency": 9999}, "competency"),
        ("goals", {"title": "x", "progress": -1}, "progress"),
        ("goals", {"title": "x", "status": "finished"}, "status"),
    ],
)
def test_bad_input_is_400_with_the_field_and_changes_nothing(
    api, mentor, world, endpoint, payload, field
):
    links = {
        "sessions": {"pairing": world.pairing.pk},
        "action-items": {"session": world.session.pk},
        "goals": {"mentee": world.pairing.mentee_id},
    }
    counts = (MentoringSession.objects.count(), ActionItem.objects.count(), Goal.objects.count())
    response = api(mentor).post(f"{BASE}/{endpoint}/", {**links[endpoint], **payload})
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts == (
        MentoringSession.objects.count(),
        ActionItem.objects.count(),
        Goal.objects.count(),
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_at": None}, "starts_at"),
        ({"duration_minutes": 1000}, "duration_minutes"),
        ({"starts_at": "2020-01-01T10:00:00Z"}, "starts_at"),  # before the pairing started
    ],
)
def test_bad_session_edits_are_400(api, mentor, world, payload, field):
    response = api(mentor).patch(f"{BASE}/sessions/{world.session.pk}/", payload)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_pairings_mentor_cancels_a_planned_session(role, as_role, world):
    planned = MentoringSessionFactory(
        pairing=world.pairing,
        status="planned",
        starts_at=timezone.now() + datetime.timedelta(days=2),
    )
    response = as_role(role).post(f"{BASE}/sessions/{planned.pk}/cancel/")
    planned.refresh_from_db()
    expected = {"mentor": 200, "hr": 403, "leader": 403, "other_mentor": 404, "other_leader": 404}
    if role == "anonymous":
        assert denied(response)
    else:
        assert response.status_code == expected[role]
    assert (planned.status == "cancelled") is (role == "mentor")


@pytest.mark.parametrize("role", ROLES)
def test_reopen_and_goal_detail_matrix(role, as_role, world):
    world.mentee_item.done_at = timezone.now()
    world.mentee_item.save()
    client = as_role(role)
    reopened = client.post(f"{BASE}/action-items/{world.mentee_item.pk}/reopen/")
    goal = client.get(f"{BASE}/goals/{world.goal.pk}/")
    if role == "anonymous":
        assert denied(reopened) and denied(goal)
        return
    expected = {
        "mentor": (200, 200),
        "leader": (200, 200),
        "hr": (403, 200),
        "other_mentor": (404, 404),
        "other_leader": (404, 404),
    }
    assert (reopened.status_code, goal.status_code) == expected[role]

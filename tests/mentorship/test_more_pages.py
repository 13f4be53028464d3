"""Everyday mentoring work in the pages (issue 15): HR sets a mentor's capacity and
expertise; the mentor reschedules or cancels a planned session and edits an action item;
the leader and their mentor add and edit goals. Each page: the allowed role does it (the
change and its audit event), other callers get 403 or 404 and change nothing, and bad
input is shown on the field with a 400."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from common.models import AuditEvent
from mentorship import services
from mentorship.models import Goal, MentoringSession, MentorProfile
from tests.mentorship.factories import GoalFactory, MentoringSessionFactory, PairingFactory
from tests.people.factories import LeaderFactory, MentorFactory
from tests.programs.factories import competency

pytestmark = pytest.mark.django_db

WHEN = "%Y-%m-%dT%H:%M"


def events(action: str, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def as_user(client, user):
    client.force_login(user)
    return client


def field_errors(response, field: str) -> str:
    assert response.status_code == 400
    return " ".join(response.context["form"].errors[field])


# ---------------------------------------------------------------- HR: mentors


def test_hr_lists_mentors_with_capacity_and_seats_used(client, hr, mentor, world):
    profile = MentorProfile.objects.get(user=mentor)
    profile.expertise.set([competency("communication")])
    profile.dimension_expertise.create(dimension="development")
    newcomer = MentorFactory(full_name="Nadia Newcomer")
    html = as_user(client, hr).get(reverse("mentorship:mentors")).content.decode()
    assert f"{mentor.full_name}" in html and "1 of 3" in html
    assert "Communication" in html and "Development" in html
    assert "Nadia Newcomer" in html and "(not set up yet)" in html
    assert reverse("mentorship:mentor-edit", args=[newcomer.pk]) in html
    assert 'href="/mentoring/mentors/"' in html  # in HR's menu


def test_mentor_list_query_count_does_not_grow(client, hr, world, django_assert_num_queries):
    as_user(client, hr)
    for extra in (1, 10):
        for _ in range(extra):
            MentorProfile.objects.create(user=MentorFactory()).expertise.set(
                [competency("communication")]
            )
        with django_assert_num_queries(6):
            assert client.get(reverse("mentorship:mentors")).status_code == 200


def _profile_form(**overrides):
    data = {
        "capacity": 5,
        "is_active": "on",
        "expertise": [competency("communication").pk, competency("talent-management").pk],
        "dimensions": ["development", "relationships"],
        "bio": "Built two sales teams.",
    }
    data.update(overrides)
    return data


def test_hr_sets_a_mentors_capacity_expertise_and_dimensions(client, hr, mentor, world):
    profile = MentorProfile.objects.get(user=mentor)
    profile.dimension_expertise.create(dimension="focus")
    url = reverse("mentorship:mentor-edit", args=[mentor.pk])
    response = as_user(client, hr).post(url, _profile_form())
    assert response.status_code == 302 and response["Location"] == reverse("mentorship:mentors")
    profile.refresh_from_db()
    assert (profile.capacity, profile.is_active, profile.bio) == (5, True, "Built two sales teams.")
    assert {c.slug for c in profile.expertise.all()} == {"communication", "talent-management"}
    assert set(profile.dimension_expertise.values_list("dimension", flat=True)) == {
        "development",
        "relationships",
    }
    (event,) = events("mentor_profile.update", profile)
    assert event.actor == hr and event.subject == mentor
    assert event.changes["capacity"] == [3, 5]
    assert event.changes["dimensions"] == [["focus"], ["development", "relationships"]]
    assert event.changes["expertise"] == [[], ["Communication", "Talent management"]]


def test_hr_sets_up_a_mentor_who_was_never_paired(client, hr):
    newcomer = MentorFactory()
    url = reverse("mentorship:mentor-edit", args=[newcomer.pk])
    assert as_user(client, hr).get(url).status_code == 200
    assert not MentorProfile.objects.filter(user=newcomer).exists(), "a GET writes nothing"
    response = client.post(url, _profile_form(capacity=2, is_active=""))
    assert response.status_code == 302
    profile = MentorProfile.objects.get(user=newcomer)
    assert (profile.capacity, profile.is_active) == (2, False)
    assert events("mentor_profile.create", profile) and events("mentor_profile.update", profile)


def test_capacity_below_the_active_mentees_is_refused_on_the_field(client, hr, mentor, world):
    PairingFactory(mentor=mentor)
    MentorProfile.objects.filter(user=mentor).update(active_mentees=2)
    url = reverse("mentorship:mentor-edit", args=[mentor.pk])
    response = as_user(client, hr).post(url, _profile_form(capacity=1))
    assert "has 2 active mentees" in field_errors(response, "capacity")
    profile = MentorProfile.objects.get(user=mentor)
    assert profile.capacity == 3 and not profile.expertise.exists()
    assert not profile.dimension_expertise.exists()
    assert not events("mentor_profile.update", profile)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("capacity", "0", "greater than or equal to 1"),
        ("capacity", "many", "whole number"),
        ("dimensions", ["courage"], "not one of the available choices"),
    ],
)
def test_bad_mentor_settings_are_shown_on_the_field(
    client, hr, mentor, world, field, value, message
):
    url = reverse("mentorship:mentor-edit", args=[mentor.pk])
    response = as_user(client, hr).post(url, _profile_form(**{field: value}))
    assert message in field_errors(response, field)
    assert MentorProfile.objects.get(user=mentor).capacity == 3


def test_a_mentor_never_sets_up_a_new_mentor_profile_on_a_bad_post(client, hr):
    newcomer = MentorFactory()
    url = reverse("mentorship:mentor-edit", args=[newcomer.pk])
    response = as_user(client, hr).post(url, _profile_form(capacity="0"))
    assert response.status_code == 400
    assert not MentorProfile.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody"])
def test_only_hr_sees_and_sets_mentors(client, request, mentor, world, role):
    as_user(client, request.getfixturevalue(role))
    assert client.get(reverse("mentorship:mentors")).status_code == 403
    url = reverse("mentorship:mentor-edit", args=[mentor.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _profile_form()).status_code == 403
    assert MentorProfile.objects.get(user=mentor).capacity == 3


def test_a_person_who_is_not_a_mentor_has_no_mentor_page(client, hr, leader):
    url = reverse("mentorship:mentor-edit", args=[leader.pk])
    assert as_user(client, hr).get(url).status_code == 404


# ---------------------------------------------------------------- mentor: sessions


def _planned(pairing, days: int = 3) -> MentoringSession:
    return MentoringSessionFactory(
        pairing=pairing,
        status="planned",
        starts_at=(timezone.now() + datetime.timedelta(days=days)).replace(second=0, microsecond=0),
    )


def _moved(days: int = 5, **overrides):
    starts_at = timezone.now() + datetime.timedelta(days=days)
    data = {"starts_at": starts_at.strftime(WHEN), "duration_minutes": 60, "format": "in_person"}
    data.update(overrides)
    return data


def test_mentor_reschedules_a_planned_session_and_both_get_the_new_invitation(
    client, mentor, world, mailoutbox, django_capture_on_commit_callbacks
):
    session = _planned(world.pairing)
    url = reverse("mentorship:session-reschedule", args=[session.pk])
    as_user(client, mentor)
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{session.starts_at.strftime(WHEN)}"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _moved())
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at.date() == (timezone.now() + datetime.timedelta(days=5)).date()
    assert (session.duration_minutes, session.format, session.sequence) == (60, "in_person", 1)
    (event,) = events("mentoring_session.update", session)
    assert event.actor == mentor and set(event.changes) >= {"starts_at", "duration_minutes"}
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Moved"]
    assert "updated invitation" in client.get(reverse("mentorship:my-mentees")).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_moved(days=-2), "starts_at", "cannot move into the past"),
        (_moved(duration_minutes=600), "duration_minutes", "less than or equal to 480"),
        (_moved(starts_at="next tuesday"), "starts_at", "valid date/time"),
        (_moved(format="carrier pigeon"), "format", "not one of the available choices"),
    ],
)
def test_a_bad_new_time_is_shown_on_the_field(client, mentor, world, data, field, message):
    session = _planned(world.pairing)
    url = reverse("mentorship:session-reschedule", args=[session.pk])
    response = as_user(client, mentor).post(url, data)
    assert message in field_errors(response, field)
    before = session.starts_at
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (before, 0)
    assert not events("mentoring_session.update", session)


@pytest.mark.parametrize(("role", "status"), [("other_mentor", 404), ("leader", 403), ("hr", 403)])
@pytest.mark.parametrize("page", ["session-reschedule", "session-cancel"])
def test_only_the_mentor_reschedules_or_cancels(client, request, world, role, status, page):
    session = _planned(world.pairing)
    url = reverse(f"mentorship:{page}", args=[session.pk])
    as_user(client, request.getfixturevalue(role))
    assert client.get(url).status_code == status
    assert client.post(url, _moved()).status_code == status
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("planned", 0)


def test_mentor_cancels_a_planned_session_after_confirming(
    client, mentor, world, mailoutbox, django_capture_on_commit_callbacks
):
    session = _planned(world.pairing)
    url = reverse("mentorship:session-cancel", args=[session.pk])
    as_user(client, mentor)
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Cancel the session" in confirm.content
    session.refresh_from_db()
    assert session.status == "planned", "asking is not cancelling"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    (event,) = events("mentoring_session.cancel", session)
    assert event.actor == mentor and event.changes["status"] == ["planned", "cancelled"]
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Cancelled"]


@pytest.mark.parametrize("page", ["session-reschedule", "session-cancel"])
def test_a_held_session_is_neither_moved_nor_cancelled(client, mentor, world, page):
    url = reverse(f"mentorship:{page}", args=[world.session.pk])
    as_user(client, mentor)
    assert b"only a planned session can be" in client.get(url).content
    assert client.post(url, _moved(days=-3)).status_code == 409
    before = world.session.starts_at
    world.session.refresh_from_db()
    assert (world.session.status, world.session.starts_at) == ("held", before)


# ---------------------------------------------------------------- mentor: action items


def _item_form(**overrides):
    data = {
        "description": "Shadow two pipeline reviews",
        "owner": "mentor",
        "due_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "dimension": "development",
    }
    data.update(overrides)
    return data


def test_mentor_edits_an_action_item(client, mentor, world):
    item = world.mentee_item
    url = reverse("mentorship:action-item-edit", args=[item.pk])
    as_user(client, mentor)
    assert url in client.get(reverse("mentorship:my-mentees")).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, _item_form())
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.description, item.owner, item.dimension) == (
        "Shadow two pipeline reviews",
        "mentor",
        "development",
    )
    assert item.due_on == timezone.localdate() + datetime.timedelta(days=10)
    (event,) = events("action_item.update", item)
    assert event.actor == mentor and event.changes["owner"] == ["mentee", "mentor"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "", "required"),
        ("description", "x" * 501, "at most 500"),
        ("due_on", "soon", "valid date"),
        ("dimension", "courage", "not one of the available choices"),
        ("owner", "hr", "not one of the available choices"),
    ],
)
def test_a_bad_action_item_is_shown_on_the_field(client, mentor, world, field, value, message):
    item = world.mentee_item
    url = reverse("mentorship:action-item-edit", args=[item.pk])
    response = as_user(client, mentor).post(url, _item_form(**{field: value}))
    assert message in field_errors(response, field)
    before = item.description
    item.refresh_from_db()
    assert (item.description, item.owner) == (before, "mentee")
    assert not events("action_item.update", item)


@pytest.mark.parametrize(("role", "status"), [("other_mentor", 404), ("leader", 403), ("hr", 403)])
def test_only_the_mentor_edits_an_action_item(client, request, world, role, status):
    item = world.mentee_item
    url = reverse("mentorship:action-item-edit", args=[item.pk])
    as_user(client, request.getfixturevalue(role))
    assert client.get(url).status_code == status
    assert client.post(url, _item_form()).status_code == status
    before = item.description
    item.refresh_from_db()
    assert item.description == before


# ---------------------------------------------------------------- goals


def _goal_form(**overrides):
    data = {
        "title": "Run a weekly forecast call",
        "competency": competency("communication").pk,
        "measure": "Forecast within 5% four weeks running",
        "target_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_mentor_adds_a_goal_for_their_mentee(client, mentor, leader, world):
    url = reverse("mentorship:goal-create", args=[leader.pk])
    as_user(client, mentor)
    assert url in client.get(reverse("mentorship:my-mentees")).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, _goal_form())
    assert response.status_code == 302 and response["Location"] == reverse("mentorship:my-mentees")
    goal = Goal.objects.get(title="Run a weekly forecast call")
    assert (goal.mentee, goal.pairing, goal.created_by) == (leader, world.pairing, mentor)
    assert goal.measure == "Forecast within 5% four weeks running"
    (event,) = events("goal.create", goal)
    assert event.actor == mentor and event.subject == leader


def test_leader_adds_a_goal_of_their_own(client, leader, world):
    url = reverse("mentorship:goal-create", args=[leader.pk])
    as_user(client, leader)
    assert url in client.get(reverse("mentorship:my-mentoring")).content.decode()
    response = client.post(url, _goal_form(competency="", target_date=""))
    assert response["Location"] == reverse("mentorship:my-mentoring")
    goal = Goal.objects.get(title="Run a weekly forecast call")
    assert (goal.mentee, goal.pairing, goal.competency, goal.status) == (
        leader,
        world.pairing,
        None,
        "not_started",
    )
    assert events("goal.create", goal)[0].actor == leader


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "required"),
        ("title", "x" * 201, "at most 200"),
        ("target_date", "2025-02-30", "valid date"),
        ("competency", "999999", "not one of the available choices"),
    ],
)
def test_a_bad_new_goal_is_shown_on_the_field(client, mentor, leader, world, field, value, message):
    before = Goal.objects.count()
    url = reverse("mentorship:goal-create", args=[leader.pk])
    response = as_user(client, mentor).post(url, _goal_form(**{field: value}))
    assert message in field_errors(response, field)
    assert Goal.objects.count() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("other_mentor", 404), ("other_leader", 404), ("hr", 403), ("nobody", 403)],
)
def test_nobody_else_adds_goals_for_a_leader(client, request, leader, world, role, status):
    before = Goal.objects.count()
    url = reverse("mentorship:goal-create", args=[leader.pk])
    as_user(client, request.getfixturevalue(role))
    assert client.get(url).status_code == status
    assert client.post(url, _goal_form()).status_code == status
    assert Goal.objects.count() == before


def test_a_mentor_whose_pairing_ended_no_longer_adds_goals(client, hr, mentor, leader, world):
    services.pairing_end(pairing=world.pairing, by=hr)
    url = reverse("mentorship:goal-create", args=[leader.pk])
    assert as_user(client, mentor).get(url).status_code == 404


def _goal_edit_form(goal, **overrides):
    data = {
        "title": goal.title,
        "competency": "",
        "measure": "Three new hires",
        "target_date": "",
        "status": "in_progress",
        "progress": 70,
        "notes": "Two offers out.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["leader", "mentor"])
def test_the_leader_and_their_mentor_edit_a_goal(client, request, world, role):
    user = request.getfixturevalue(role)
    goal = world.goal
    url = reverse("mentorship:goal-edit", args=[goal.pk])
    as_user(client, user)
    assert client.get(url).status_code == 200
    response = client.post(url, _goal_edit_form(goal, title="Hire three sellers"))
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.progress, goal.notes, goal.measure) == (
        "Hire three sellers",
        70,
        "Two offers out.",
        "Three new hires",
    )
    (event,) = events("goal.update", goal)
    assert event.actor == user and event.changes["progress"] == [40, 70]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("progress", 150, "less than or equal to 100"),
        ("progress", "", "required"),
        ("status", "done", "not one of the available choices"),
        ("title", "", "required"),
    ],
)
def test_a_bad_goal_edit_is_shown_on_the_field(client, leader, world, field, value, message):
    goal = world.goal
    url = reverse("mentorship:goal-edit", args=[goal.pk])
    response = as_user(client, leader).post(url, _goal_edit_form(goal, **{field: value}))
    assert message in field_errors(response, field)
    goal.refresh_from_db()
    assert (goal.progress, goal.notes) == (40, "")
    assert not events("goal.update", goal)


@pytest.mark.parametrize(
    ("role", "status"),
    [("other_mentor", 404), ("other_leader", 404), ("hr", 403), ("nobody", 403)],
)
def test_nobody_else_edits_a_goal(client, request, world, role, status):
    goal = world.goal
    url = reverse("mentorship:goal-edit", args=[goal.pk])
    as_user(client, request.getfixturevalue(role))
    assert client.get(url).status_code == status
    assert client.post(url, _goal_edit_form(goal, progress=90)).status_code == status
    goal.refresh_from_db()
    assert goal.progress == 40


def test_my_mentees_lists_each_mentees_goals_and_open_items_to_edit(client, mentor, world):
    done = GoalFactory(mentee=world.pairing.mentee, title="Finished goal", status="achieved")
    other_leaders = GoalFactory(mentee=LeaderFactory(), title="Not my mentee's")
    html = as_user(client, mentor).get(reverse("mentorship:my-mentees")).content.decode()
    for goal in (world.goal, done):
        assert reverse("mentorship:goal-edit", args=[goal.pk]) in html
    assert other_leaders.title not in html
    assert reverse("mentorship:goal-edit", args=[world.other_goal.pk]) not in html
    assert reverse("mentorship:action-item-edit", args=[world.mentor_item.pk]) in html


def test_a_goal_left_at_its_status_follows_its_progress(client, leader, world):
    goal = GoalFactory(mentee=leader, status="not_started", progress=0)
    url = reverse("mentorship:goal-edit", args=[goal.pk])
    form = _goal_edit_form(goal, status="not_started", measure="", progress=100)
    assert as_user(client, leader).post(url, form).status_code == 302
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (100, "achieved")
    (event,) = events("goal.update", goal)
    assert set(event.changes) == {"progress", "status", "notes"}

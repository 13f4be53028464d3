import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship.models import ActionItem, MentoringSession, MentorProfile, Pairing
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.mentorship.helpers import PRIVATE
from tests.people.factories import LeaderFactory, MentorFactory
from tests.programs.factories import competency

pytestmark = pytest.mark.django_db

PAGES = ["my-mentees", "log-session", "my-mentoring", "pairings", "pairing-create"]
ALLOWED = {
    "my-mentees": {"mentor", "other_mentor"},
    "log-session": {"mentor", "other_mentor"},
    "my-mentoring": {"leader", "other_leader"},
    "pairings": {"hr"},
    "pairing-create": {"hr"},
}


@pytest.fixture
def browse(client, request, world):
    def as_user(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return as_user


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "role", ["hr", "mentor", "other_mentor", "leader", "other_leader", "anonymous"]
)
def test_page_access_by_role_and_private_notes_never_shown(page, role, browse):
    response = browse(role).get(reverse(f"mentorship:{page}"))
    if role == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif role in ALLOWED[page]:
        assert response.status_code == 200
        assert PRIVATE not in response.content.decode()
    else:
        assert response.status_code == 403


def test_navigation_and_landing_for_a_mentor(client, mentor, world):
    client.force_login(mentor)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("mentorship:my-mentees")
    assert b"My mentees" in response.content


def test_my_mentees_shows_last_session_quarter_items_and_goals(client, mentor, leader, world):
    GoalFactory(mentee=leader, progress=80)
    client.force_login(mentor)
    page = client.get(reverse("mentorship:my-mentees")).content.decode()
    assert leader.full_name in page
    assert world.session.starts_at.strftime("%-d %b %Y") in page
    assert "60% across 2 open goals" in page  # (40 + 80) / 2
    assert f"?pairing={world.pairing.pk}" in page


def test_my_mentees_query_count_does_not_grow(client, mentor, world, django_assert_num_queries):
    MentorProfile.objects.filter(user=mentor).update(capacity=30)
    client.force_login(mentor)
    for extra in (1, 10):
        for _ in range(extra):
            pairing = PairingFactory(mentor=mentor, mentee=LeaderFactory())
            ActionItemFactory(session=MentoringSessionFactory(pairing=pairing))
            GoalFactory(mentee=pairing.mentee)
        # Seven, whatever the number of mentees (their latest plans, open action items and
        # goals are one query each).
        with django_assert_num_queries(7):
            assert client.get(reverse("mentorship:my-mentees")).status_code == 200


def test_log_session_form_is_prefilled(client, mentor, world):
    client.force_login(mentor)
    page = client.get(reverse("mentorship:log-session"), {"pairing": world.pairing.pk})
    form = page.context["form"]
    assert form.initial["pairing"] == world.pairing
    assert abs(form.initial["starts_at"] - timezone.now()) < datetime.timedelta(minutes=2)
    html = page.content.decode()
    assert 'type="checkbox"' in html and "Communication" in html
    assert 'name="items-0-description"' in html
    assert 'name="viewport"' in html


def test_log_session_for_someone_elses_pairing_is_404(client, mentor, world):
    client.force_login(mentor)
    page = client.get(reverse("mentorship:log-session"), {"pairing": world.other_pairing.pk})
    assert page.status_code == 404


def _session_form(pairing, **overrides):
    data = {
        "pairing": pairing.pk,
        "status": "held",
        "starts_at": (timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 30,
        "format": "video",
        "topics": [competency("communication").pk, competency("talent-management").pk],
        "shared_notes": "Hiring plan",
        "private_notes": "Only me",
        "items-TOTAL_FORMS": 3,
        "items-INITIAL_FORMS": 0,
        "items-0-description": "Interview two candidates",
        "items-0-owner": "mentee",
        "items-0-due_on": "2026-12-05",
        "items-1-description": "",
        "items-1-owner": "mentee",
        "items-2-description": "",
        "items-2-owner": "mentor",
    }
    data.update(overrides)
    return data


def test_logging_a_session_from_the_phone_form(client, mentor, world):
    client.force_login(mentor)
    response = client.post(reverse("mentorship:log-session"), _session_form(world.pairing))
    assert response.status_code == 302
    session = MentoringSession.objects.latest("created_at")
    assert session.pairing == world.pairing and session.private_notes == "Only me"
    assert session.topics.count() == 2
    assert list(session.action_items.values_list("description", flat=True)) == [
        "Interview two candidates"
    ]


def test_log_session_errors_are_shown_on_the_field(client, mentor, world):
    client.force_login(mentor)
    future = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    before = MentoringSession.objects.count()
    response = client.post(
        reverse("mentorship:log-session"), _session_form(world.pairing, starts_at=future)
    )
    assert response.status_code == 200
    assert "cannot be in the future" in str(response.context["form"].errors["starts_at"])
    assert MentoringSession.objects.count() == before
    assert not ActionItem.objects.filter(description="Interview two candidates").exists()


def test_my_mentoring_shows_mentor_plans_items_goals_and_shared_notes(client, leader, world):
    upcoming = MentoringSessionFactory(
        pairing=world.pairing, status="planned", starts_at=timezone.now() + datetime.timedelta(3)
    )
    client.force_login(leader)
    html = client.get(reverse("mentorship:my-mentoring")).content.decode()
    assert world.pairing.mentor.full_name in html
    assert upcoming.starts_at.strftime("%a %-d %b") in html
    assert world.mentee_item.description in html
    assert world.goal.title in html
    assert world.session.shared_notes in html
    assert PRIVATE not in html


def test_leader_marks_own_item_done_but_not_the_mentors(client, leader, world):
    client.force_login(leader)
    url = reverse("mentorship:action-item-done", args=[world.mentee_item.pk])
    assert client.post(url, {"done": "1"}).status_code == 302
    world.mentee_item.refresh_from_db()
    assert world.mentee_item.is_done
    mentors = reverse("mentorship:action-item-done", args=[world.mentor_item.pk])
    assert client.post(mentors, {"done": "1"}).status_code == 403
    others_item = ActionItemFactory(session=world.other_session)
    others = reverse("mentorship:action-item-done", args=[others_item.pk])
    assert client.post(others).status_code == 404


def test_leader_updates_goal_progress_and_not_someone_elses(client, leader, world):
    client.force_login(leader)
    response = client.post(
        reverse("mentorship:goal-progress", args=[world.goal.pk]), {"progress": 65}
    )
    assert response.status_code == 302
    world.goal.refresh_from_db()
    assert world.goal.progress == 65
    bad = client.post(reverse("mentorship:goal-progress", args=[world.goal.pk]), {"progress": 200})
    assert bad.status_code == 302
    world.goal.refresh_from_db()
    assert world.goal.progress == 65
    other = client.post(
        reverse("mentorship:goal-progress", args=[world.other_goal.pk]), {"progress": 10}
    )
    assert other.status_code == 404


def test_hr_pairings_list_shows_status_and_last_contact(client, hr, world):
    client.force_login(hr)
    html = client.get(reverse("mentorship:pairings")).content.decode()
    assert world.pairing.mentee.full_name in html
    assert world.other_pairing.mentee.full_name in html
    assert world.session.starts_at.strftime("%-d %b %Y") in html


def test_hr_pairings_query_count_does_not_grow(client, hr, world, django_assert_num_queries):
    client.force_login(hr)
    for extra in (1, 10):
        for _ in range(extra):
            MentoringSessionFactory(pairing=PairingFactory())
        with django_assert_num_queries(4):
            assert client.get(reverse("mentorship:pairings")).status_code == 200


def test_create_pairing_page_shows_suggestions_and_pairs(client, hr):
    leader = LeaderFactory(full_name="Nina New")
    GoalFactory(mentee=leader, competency=competency("communication"))
    expert = MentorFactory(full_name="Erin Expert")
    MentorProfileFactory(user=expert).expertise.set([competency("communication")])
    client.force_login(hr)
    page = client.get(reverse("mentorship:pairing-create"), {"mentee": leader.pk})
    html = page.content.decode()
    assert "Erin Expert" in html and "covers communication; 3 of 3 seats free" in html
    response = client.post(
        reverse("mentorship:pairing-create"),
        {"mentee": leader.pk, "mentor": expert.pk, "started_on": "2026-11-28", "objectives": ""},
    )
    assert response.status_code == 302
    assert Pairing.objects.filter(mentor=expert, mentee=leader, status="active").exists()


def test_create_pairing_page_shows_capacity_conflict(client, hr):
    leader = LeaderFactory()
    busy = MentorFactory()
    MentorProfileFactory(user=busy, capacity=1, active_mentees=1)
    client.force_login(hr)
    response = client.post(
        reverse("mentorship:pairing-create"),
        {"mentee": leader.pk, "mentor": busy.pk, "started_on": "2026-11-28"},
    )
    assert response.status_code == 200
    assert "capacity" in str(response.context["form"].errors)
    assert not Pairing.objects.filter(mentee=leader).exists()


def test_hr_ends_a_pairing_from_the_list(client, hr, world):
    client.force_login(hr)
    response = client.post(reverse("mentorship:pairing-end", args=[world.pairing.pk]))
    assert response.status_code == 302
    world.pairing.refresh_from_db()
    assert world.pairing.status == "ended"


def test_my_mentoring_query_count_does_not_grow(client, leader, world, django_assert_num_queries):
    client.force_login(leader)
    for extra in (1, 10):
        for _ in range(extra):
            session = MentoringSessionFactory(pairing=world.pairing)
            session.topics.set([competency("communication")])
            ActionItemFactory(session=session)
            GoalFactory(mentee=leader)
        with django_assert_num_queries(10):
            assert client.get(reverse("mentorship:my-mentoring")).status_code == 200


def _planned(pairing, **kwargs):
    kwargs.setdefault("starts_at", timezone.now() + datetime.timedelta(days=2))
    return MentoringSessionFactory(pairing=pairing, status="planned", **kwargs)


def test_my_mentees_offers_to_reschedule_or_cancel_the_next_session(
    client, mentor, world, mailoutbox, django_capture_on_commit_callbacks
):
    session = _planned(world.pairing)
    client.force_login(mentor)
    html = client.get(reverse("mentorship:my-mentees")).content.decode()
    assert 'value="held"' not in html  # not held before it happens
    assert reverse("mentorship:session-reschedule", args=[session.pk]) in html
    assert reverse("mentorship:session-cancel", args=[session.pk]) in html
    url = reverse("mentorship:session-outcome", args=[session.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"outcome": "cancelled"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Cancelled"]


def test_a_planned_session_whose_time_came_is_marked_held(client, mentor, world):
    session = _planned(world.pairing, starts_at=timezone.now() - datetime.timedelta(hours=2))
    client.force_login(mentor)
    assert 'value="held"' in client.get(reverse("mentorship:my-mentees")).content.decode()
    client.post(reverse("mentorship:session-outcome", args=[session.pk]), {"outcome": "held"})
    session.refresh_from_db()
    assert session.status == "held"


def test_only_the_mentor_records_a_session_outcome(client, other_mentor, leader, world):
    session = _planned(world.pairing)
    url = reverse("mentorship:session-outcome", args=[session.pk])
    client.force_login(other_mentor)
    assert client.post(url, {"outcome": "cancelled"}).status_code == 404
    client.force_login(leader)
    assert client.post(url, {"outcome": "cancelled"}).status_code == 403
    session.refresh_from_db()
    assert session.status == "planned"


def test_a_held_session_in_the_future_is_refused_with_a_message(client, mentor, world):
    session = _planned(world.pairing)
    client.force_login(mentor)
    response = client.post(
        reverse("mentorship:session-outcome", args=[session.pk]), {"outcome": "held"}, follow=True
    )
    assert "cannot be in the future" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "planned"


def test_hr_sees_which_pairings_went_quiet(client, hr, world):
    MentoringSessionFactory(
        pairing=world.other_pairing, starts_at=timezone.now() - datetime.timedelta(days=45)
    )
    world.session.delete()
    MentoringSessionFactory(
        pairing=world.pairing, starts_at=timezone.now() - datetime.timedelta(days=45)
    )
    world.other_session.delete()
    client.force_login(hr)
    html = client.get(reverse("mentorship:pairings")).content.decode()
    assert html.count('<span class="badge warn">quiet</span>') == 2

"""Every mentorship write records who did it and old → new, about the mentee; a
session's private notes never reach the audit trail, whoever writes them and however."""

import datetime

import pytest
from django.utils import timezone

from common.models import AuditEvent
from mentorship import services
from tests.programs.factories import competency

pytestmark = pytest.mark.django_db

SENTINEL = "PRIVATE-NOTE-SENTINEL"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def everything_recorded() -> str:
    return str(list(AuditEvent.objects.values()))


@pytest.fixture
def pairing(hr, mentor, leader):
    return services.pairing_create(
        mentor=mentor,
        mentee=leader,
        started_on=timezone.localdate() - datetime.timedelta(days=30),
        objectives="Hire two sellers",
        by=hr,
    )


def test_pairing_create_and_end_name_hr_and_the_mentee(hr, pairing, leader, mentor):
    planned = services.session_create(
        pairing=pairing,
        by=mentor,
        status="planned",
        starts_at=timezone.now() + datetime.timedelta(days=2),
    )
    services.pairing_end(pairing=pairing, by=hr)

    (created,) = events("pairing.create")
    assert created.changes["mentor"] == [None, str(mentor)]
    assert created.changes["objectives"] == [None, "Hire two sellers"]
    (ended,) = events("pairing.end")
    assert ended.changes["status"] == ["active", "ended"]
    assert ended.changes["ended_on"] == [None, timezone.localdate().isoformat()]
    (cancelled,) = events("mentoring_session.cancel")
    assert cancelled.object_id == str(planned.pk)
    assert {e.actor for e in (created, ended, cancelled)} == {hr}
    assert {e.subject for e in (created, ended, cancelled)} == {leader}
    assert events("mentor_profile.create")[0].subject == mentor


def test_a_logged_session_is_recorded_with_its_items_but_never_its_private_notes(pairing, mentor):
    session = services.session_create(
        pairing=pairing,
        by=mentor,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        topics=[competency("communication")],
        shared_notes="Talked about hiring",
        private_notes=SENTINEL,
        action_items=[services.ActionItemInput("Book 1:1s", due_on=timezone.localdate())],
    )
    services.session_update(session=session, by=mentor, private_notes=f"{SENTINEL} 2")

    (created,) = events("mentoring_session.create")
    assert created.changes["topics"] == [None, ["Communication"]]
    assert created.changes["shared_notes"] == [None, "Talked about hiring"]
    assert "private_notes" not in created.changes
    (item,) = events("action_item.create")
    assert item.changes["description"] == [None, "Book 1:1s"]
    (edited,) = events("mentoring_session.update")
    assert (edited.actor, edited.changes) == (mentor, {})  # that it was edited, not what
    assert SENTINEL not in everything_recorded()


def test_moving_a_session_records_old_and_new_times(pairing, mentor):
    start = timezone.now() + datetime.timedelta(days=3)
    session = services.session_create(pairing=pairing, by=mentor, status="planned", starts_at=start)
    later = start + datetime.timedelta(hours=1)
    services.session_update(session=session, by=mentor, starts_at=later, duration_minutes=60)

    (moved,) = events("mentoring_session.update")
    assert moved.changes == {
        "duration_minutes": [45, 60],
        "starts_at": [start.isoformat(timespec="seconds"), later.isoformat(timespec="seconds")],
    }


def test_action_items_done_and_reopened_by_the_mentee(pairing, mentor, leader):
    session = services.session_create(
        pairing=pairing, by=mentor, starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    item = services.action_item_create(session=session, description="Read the book", by=mentor)
    services.action_item_update(item=item, due_on=datetime.date(2027, 5, 1), by=mentor)
    services.action_item_set_done(item=item, done=True, by=leader)
    services.action_item_set_done(item=item, done=True, by=leader)  # already done: no change
    services.action_item_set_done(item=item, done=False, by=leader)

    assert events("action_item.update")[0].changes == {"due_on": [None, "2027-05-01"]}
    (done,) = events("action_item.done")
    assert done.actor == leader and done.changes["done_at"][0] is None
    (reopened,) = events("action_item.reopen")
    assert reopened.changes["done_at"][1] is None


def test_goal_progress_records_the_status_it_moved(leader, pairing):
    goal = services.goal_create(mentee=leader, title="Coach weekly", by=leader, pairing=pairing)
    services.goal_update(goal=goal, progress=40, by=leader)

    assert events("goal.create")[0].changes["title"] == [None, "Coach weekly"]
    (update,) = events("goal.update")
    assert update.changes == {"progress": [0, 40], "status": ["not_started", "in_progress"]}
    assert update.subject == leader

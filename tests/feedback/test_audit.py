"""Feedback's writes in the audit trail: the tick acts as "schedule", HR and leaders as
themselves; raters' answers are never recorded; and who looked at whose 360 report is
recorded wherever a report is shown (API, report page, dashboards), without its figures."""

import datetime

import pytest

from common.models import AuditEvent
from feedback import services
from feedback.models import Cycle, RaterRequest
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import answer_all, committed, team_in, tick
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
COMMENT = "COMMENT-SENTINEL about the leader"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def cycle(db, clock):
    return CycleFactory(opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8), recurrence_days=30)


@pytest.fixture
def team(cycle):
    return team_in(cycle.cohort, reports=3)


def test_the_tick_opens_closes_and_recurs_as_the_schedule(cycle, team, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    clock.set(at(2027, 3, 11, 8))
    tick()

    (opened,) = events("cycle.open")
    assert (opened.actor, opened.actor_kind, opened.at) == (None, "schedule", at(2027, 3, 1, 8))
    assert opened.changes == {
        "opened_at": [None, "2027-03-01T08:00:00+00:00"],
        "status": ["scheduled", "open"],
    }
    (closed,) = events("cycle.close")
    assert closed.actor_kind == "schedule"
    assert closed.changes["status"] == ["open", "closed"]
    assert closed.changes["released_at"] == [None, "2027-03-11T08:00:00+00:00"]
    (following,) = events("cycle.create")
    assert following.actor_kind == "schedule"
    assert following.object_id == str(Cycle.objects.get(previous=cycle).pk)


def test_a_raters_answers_and_declines_are_never_recorded(cycle, team, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    recorded = AuditEvent.objects.count()
    answer_all(cycle, groups=["self", "manager", "direct_report"], comment=COMMENT)
    services.request_decline(request=RaterRequest.objects.get(group="mentor"))

    assert AuditEvent.objects.count() == recorded
    assert COMMENT not in str(list(AuditEvent.objects.values()))


def test_hr_cancels_and_copies_as_themselves(cycle, hr):
    services.cycle_cancel(cycle=cycle, by=hr)
    services.questionnaire_copy(questionnaire=cycle.questionnaire, by=hr, name="Balance v2")

    (cancelled,) = events("cycle.cancel")
    assert (cancelled.actor, cancelled.changes["status"]) == (hr, ["scheduled", "cancelled"])
    (copied,) = events("questionnaire.copy")
    assert copied.changes["name"] == [None, "Balance v2"]
    assert copied.changes["copied_from"] == [None, str(cycle.questionnaire)]


def test_proposals_decisions_and_withdrawals_name_who_and_whom(cycle, team, hr, clock, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    clock.set(at(2027, 2, 20))
    leader = team.leader
    proposal = services.nomination_propose(
        cycle=cycle, subject=leader, by=leader, email="new.peer@example.com", full_name="New Peer"
    )
    services.nominations_decide(nominations=[proposal], by=hr, approve=True)
    services.nomination_withdraw(nomination=proposal, by=leader)

    (proposed,) = events("nomination.propose")
    assert (proposed.actor, proposed.subject) == (leader, leader)
    assert proposed.changes["email"] == [None, "new.peer@example.com"]
    (approved,) = events("nomination.approve")
    assert approved.actor == hr
    assert approved.changes["status"] == ["proposed", "approved"]
    assert approved.changes["rater"] == [None, "New Peer <new.peer@example.com>"]
    (created,) = events("user.create")
    assert (created.actor, created.object_repr) == (hr, "New Peer <new.peer@example.com>")
    (withdrawn,) = events("nomination.withdraw")
    assert withdrawn.changes["status"] == ["approved", "withdrawn"]
    assert withdrawn.changes["decided_by"] == [str(hr), str(leader)]


@pytest.fixture
def released(cycle, team, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    answer_all(cycle, comment=COMMENT)
    committed(services.cycle_release, cycle=cycle, by=None)
    return cycle


def test_viewing_a_report_records_viewer_and_subject_never_figures(api, client, released, team, hr):
    leader = team.leader
    url = f"/api/v1/feedback/cycles/{released.pk}/reports/{leader.pk}/"
    report = api(hr).get(url)
    assert report.status_code == 200
    assert COMMENT in report.content.decode(), "the comment was written and is shown"
    client.force_login(leader)
    assert client.get(f"/feedback/cycles/{released.pk}/reports/{leader.pk}/").status_code == 200
    assert api(leader).get("/api/v1/dashboards/me/").status_code == 200
    assert client.get("/dashboards/").status_code == 200
    client.force_login(hr)
    assert client.get(f"/dashboards/leaders/{leader.pk}/").status_code == 200

    views = events("report.view")
    assert [(e.actor, e.subject) for e in views] == [
        (hr, leader),
        (leader, leader),
        (leader, leader),
        (leader, leader),
        (hr, leader),
    ]
    assert {(e.object_id, e.object_repr, str(e.changes)) for e in views} == {
        (str(released.pk), released.name, "{}")
    }
    assert COMMENT not in str(list(AuditEvent.objects.values()))


def test_a_report_withheld_or_out_of_scope_records_no_view(api, released, team):
    stranger = UserFactory()
    url = f"/api/v1/feedback/cycles/{released.pk}/reports/{team.leader.pk}/"
    assert api(stranger).get(url).status_code == 404
    assert api(team.mentor).get(url).status_code == 404  # not shared with the mentor
    assert events("report.view") == []


def test_sharing_a_report_with_the_mentor_is_recorded_by_the_leader(released, team):
    services.report_share_set(cycle=released, subject=team.leader, shared=True)
    services.report_share_set(cycle=released, subject=team.leader, shared=True)  # no change
    services.report_share_set(cycle=released, subject=team.leader, shared=False)

    (shared,) = events("report.share")
    assert shared.actor == team.leader
    assert shared.changes == {"shared_with": [[], [str(team.mentor)]]}
    (unshared,) = events("report.unshare")
    assert unshared.changes == {"shared_with": [[str(team.mentor)], []]}

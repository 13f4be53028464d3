"""Scope review: what a leader's mentor may see of their feedback reports."""

import datetime

import pytest

from feedback.models import Cycle, Nomination
from feedback.services import (
    nomination_create,
    nomination_propose,
    report_share_set,
    response_submit,
)
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.feedback.helpers import answers_for, team_in

UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def answered(cycle, subject, group, count, *, management, leadership):
    for _ in range(count):
        request = RaterRequestFactory(cycle=cycle, subject=subject, group=group)
        response_submit(
            request=request,
            answers=answers_for(
                cycle, by_side={"management": management, "leadership": leadership}
            ),
        )


def released(cycle):
    cycle.status = Cycle.Status.CLOSED
    cycle.released_at = cycle.due_at
    cycle.save()


@pytest.fixture
def two_rounds(db, clock, mentor, leader):
    """The leader (mentored by ``mentor``) got two released rounds and shared only the
    second one with the mentor."""
    clock.set(at(2027, 1, 2, 8))
    earlier = CycleFactory(status=Cycle.Status.OPEN, opens_at=at(2027, 1, 1, 8))
    team_in(earlier.cohort, leader=leader, mentor=mentor, reports=0)
    answered(earlier, leader, "peer", 3, management=2, leadership=2)
    released(earlier)
    clock.set(at(2027, 3, 2, 8))
    later = CycleFactory(
        cohort=earlier.cohort, status=Cycle.Status.OPEN, opens_at=at(2027, 3, 1, 8)
    )
    answered(later, leader, "peer", 3, management=3, leadership=5)
    released(later)
    report_share_set(cycle=later, subject=leader, shared=True)
    return earlier, later


def test_mentor_does_not_see_the_trend_of_an_unshared_earlier_report(api, two_rounds, mentor):
    earlier, later = two_rounds
    leader_id = later.requests.first().subject_id
    unshared = api(mentor).get(f"/api/v1/feedback/cycles/{earlier.pk}/reports/{leader_id}/")
    assert unshared.status_code == 404
    shared = api(mentor).get(f"/api/v1/feedback/cycles/{later.pk}/reports/{leader_id}/")
    assert shared.status_code == 200
    assert shared.json()["previous"] is None, "the earlier round was not shared"


def test_leader_and_hr_still_see_the_trend(api, two_rounds, hr, leader):
    earlier, later = two_rounds
    for user in (hr, leader):
        report = api(user).get(f"/api/v1/feedback/cycles/{later.pk}/reports/{leader.pk}/")
        assert report.status_code == 200
        assert report.json()["previous"]["cycle"]["id"] == earlier.pk


def test_mentor_report_page_has_no_unshared_trend(client, two_rounds, mentor, leader):
    earlier, later = two_rounds
    client.force_login(mentor)
    page = client.get(f"/feedback/cycles/{later.pk}/reports/{leader.pk}/")
    assert page.status_code == 200
    assert earlier.name not in page.content.decode()


def test_mentor_dashboard_of_the_leader_has_no_unshared_trend(api, two_rounds, mentor, leader):
    _earlier, later = two_rounds
    response = api(mentor).get(f"/api/v1/dashboards/leaders/{leader.pk}/?as_of=2027-06-01")
    assert response.status_code == 200
    report = response.json()["feedback"]["latest_report"]
    assert report["cycle"]["id"] == later.pk
    assert report["previous"] is None, "the earlier round was not shared"


# --- nominations HR added ---------------------------------------------------------------


@pytest.fixture
def hr_nomination(db, clock, hr, mentor, leader):
    """Before the cycle opens, HR adds one of another team's people as a direct report
    rater for the leader (a group leaders cannot nominate themselves)."""
    clock.set(at(2027, 2, 1, 8))
    cycle = CycleFactory(opens_at=at(2027, 3, 1, 8))
    team_in(cycle.cohort, leader=leader, mentor=mentor, reports=0)
    return nomination_create(
        cycle=cycle,
        subject=leader,
        by=hr,
        group="direct_report",
        email="dana.report@example.com",
        full_name="Dana Report",
    )


def test_leader_cannot_withdraw_a_rater_hr_added_through_the_api(api, hr_nomination, leader):
    response = api(leader).delete(f"/api/v1/feedback/nominations/{hr_nomination.pk}/")
    assert response.status_code == 403
    assert Nomination.objects.filter(pk=hr_nomination.pk).exists()


def test_leader_cannot_withdraw_a_rater_hr_added_on_the_page(client, hr_nomination, leader):
    client.force_login(leader)
    response = client.post(f"/feedback/nominations/{hr_nomination.pk}/withdraw/")
    assert response.status_code == 403
    assert Nomination.objects.filter(pk=hr_nomination.pk).exists()


def test_hr_still_withdraws_it(api, hr_nomination, hr):
    response = api(hr).delete(f"/api/v1/feedback/nominations/{hr_nomination.pk}/")
    assert response.status_code == 204
    hr_nomination.refresh_from_db()
    assert hr_nomination.status == Nomination.Status.WITHDRAWN


def test_my_feedback_offers_no_withdraw_button_for_a_rater_hr_added(client, hr_nomination, leader):
    client.force_login(leader)
    page = client.get("/feedback/mine/").content.decode()
    assert "Dana Report" in page
    assert f"/feedback/nominations/{hr_nomination.pk}/withdraw/" not in page


def test_my_feedback_offers_withdraw_for_a_peer_the_leader_proposed(
    client, hr_nomination, leader, settings
):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    own = nomination_propose(
        cycle=hr_nomination.cycle,
        subject=leader,
        by=leader,
        email="pat.peer@example.com",
        full_name="Pat Peer",
    )
    client.force_login(leader)
    page = client.get("/feedback/mine/").content.decode()
    assert f"/feedback/nominations/{own.pk}/withdraw/" in page
    assert client.post(f"/feedback/nominations/{own.pk}/withdraw/").status_code == 302
    own.refresh_from_db()
    assert own.status == Nomination.Status.WITHDRAWN

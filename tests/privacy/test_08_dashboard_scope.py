"""Attack 8: a mentor reads another mentor's work through the leader dashboard (the
action items of the leader's earlier pairing, which the mentorship API hides), and a
report shared with one mentor stays visible to the leader's next mentor.

Defence: every part of every dashboard goes through the same scoped selectors as the
domain APIs; a share is with a pairing, not with whoever mentors the leader now."""

import datetime

import pytest

from mentorship.models import Pairing
from tests.mentorship.factories import ActionItemFactory, MentoringSessionFactory, PairingFactory
from tests.privacy.attack import answer, open_cycle, release


@pytest.fixture
def handed_over(world, second_mentor, clock):
    """Leo's first pairing (with Mia) ended with an open action item; Sam mentors him now."""
    first = Pairing.objects.get(mentor=world.mentor, mentee=world.leader)
    session = MentoringSessionFactory(
        pairing=first, starts_at=datetime.datetime(2027, 1, 20, 9, tzinfo=datetime.UTC)
    )
    ActionItemFactory(
        session=session,
        description="Mia's agreed item",
        due_on=datetime.date(2027, 12, 1),
    )
    first.status = Pairing.Status.ENDED
    first.ended_on = datetime.date(2027, 1, 25)
    first.save()
    second = PairingFactory(
        mentor=second_mentor, mentee=world.leader, started_on=datetime.date(2027, 1, 26)
    )
    session = MentoringSessionFactory(
        pairing=second, starts_at=datetime.datetime(2027, 1, 28, 9, tzinfo=datetime.UTC)
    )
    ActionItemFactory(
        session=session, description="Sam's agreed item", due_on=datetime.date(2027, 12, 1)
    )
    return second


def test_the_next_mentor_does_not_see_the_previous_mentors_action_items(
    api, world, handed_over, second_mentor
):
    dashboard = api(second_mentor).get(f"/api/v1/dashboards/leaders/{world.leader.pk}/")
    items = api(second_mentor).get("/api/v1/mentorship/action-items/")

    assert dashboard.status_code == items.status_code == 200
    descriptions = [
        row["description"] for row in dashboard.json()["mentoring"]["open_action_items"]
    ]
    assert descriptions == ["Sam's agreed item"]
    assert "Mia's agreed item" not in dashboard.content.decode()
    assert "Mia's agreed item" not in items.content.decode()


def test_hr_and_the_leader_still_see_the_whole_history(api, world, handed_over, hr):
    for viewer in (hr, world.leader):
        url = (
            f"/api/v1/dashboards/leaders/{world.leader.pk}/"
            if viewer == hr
            else "/api/v1/dashboards/me/"
        )
        dashboard = api(viewer).get(url).json()
        descriptions = sorted(
            row["description"] for row in dashboard["mentoring"]["open_action_items"]
        )
        assert descriptions == ["Mia's agreed item", "Sam's agreed item"]


def test_a_share_with_one_mentor_does_not_pass_to_the_next(
    api, anon_api, client, world, clock, second_mentor
):
    from feedback.models import RaterRequest

    open_cycle(clock, world.cycle)
    for request in RaterRequest.objects.filter(cycle=world.cycle):
        answer(anon_api, request, 4)
    release(world.cycle)
    url = f"/api/v1/feedback/cycles/{world.cycle.pk}/reports/{world.leader.pk}/"
    shared = api(world.leader).post(
        f"/api/v1/feedback/cycles/{world.cycle.pk}/share/", {"shared": True}
    )
    assert shared.status_code == 200
    assert api(world.mentor).get(url).status_code == 200

    first = Pairing.objects.get(mentor=world.mentor, mentee=world.leader)
    first.status = Pairing.Status.ENDED
    first.ended_on = datetime.date(2027, 3, 20)
    first.save()
    PairingFactory(mentor=second_mentor, mentee=world.leader, started_on=datetime.date(2027, 3, 21))
    clock.set(datetime.datetime(2027, 3, 22, 9, tzinfo=datetime.UTC))

    assert api(second_mentor).get(url).status_code == 404
    client.force_login(second_mentor)
    assert (
        client.get(f"/feedback/cycles/{world.cycle.pk}/reports/{world.leader.pk}/").status_code
        == 404
    )
    dashboard = api(second_mentor).get(f"/api/v1/dashboards/leaders/{world.leader.pk}/").json()
    assert dashboard["feedback"] is None or dashboard["feedback"]["latest_report"] is None

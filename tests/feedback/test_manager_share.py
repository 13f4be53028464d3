"""The second share switch (issue 16): a leader's 360° report reaches their manager only
while the leader shares it with them, independently of the mentor's switch, and never
a manager the leader did not share it with (a new one, a director above, another region)."""

import datetime

import pytest
from django.urls import reverse

from common.models import AuditEvent
from feedback.models import ReportShare
from feedback.selectors import report_shared_with_manager
from feedback.services import cycle_release
from people.roles import Role
from tests.feedback.factories import CycleFactory
from tests.feedback.helpers import answer_all, committed, team_in, tick
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db


def at(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def world(clock, mentor, leader):
    """Leo (mentored by Mia) reports to Mona, who signs in as a manager; Mona reports to
    Dana, a director who signs in too. Sora manages Sven in another region and cohort.
    Leo's and Sven's cycles are released."""
    clock.set(at(2027, 2, 1, 8))
    dana = UserFactory(full_name="Dana North", roles=[Role.MANAGER])
    mona = UserFactory(full_name="Mona Reyes", manager=dana, roles=[Role.MANAGER])
    leader.manager = mona
    leader.save()
    cycle = CycleFactory(opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8))
    team = team_in(cycle.cohort, leader=leader, mentor=mentor)
    sora = UserFactory(full_name="Sora South", region="South", roles=[Role.MANAGER])
    sven = LeaderFactory(full_name="Sven South", region="South", manager=sora)
    other_cycle = CycleFactory(
        opens_at=at(2027, 3, 1, 8),
        due_at=at(2027, 3, 11, 8),
        cohort=CohortFactory(
            starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31)
        ),
    )
    team_in(other_cycle.cohort, leader=sven)
    clock.set(at(2027, 3, 1, 8))
    tick()
    for each in (cycle, other_cycle):
        answer_all(each)
        committed(cycle_release, cycle=each, by=None)
        each.refresh_from_db()
    return {
        "cycle": cycle,
        "other_cycle": other_cycle,
        "leader": team.leader,
        "mentor": team.mentor,
        "mona": mona,
        "dana": dana,
        "sora": sora,
        "sven": sven,
    }


def report(api, user, cycle, subject) -> int:
    return api(user).get(f"/api/v1/feedback/cycles/{cycle.pk}/reports/{subject.pk}/").status_code


def report_page(client, user, cycle, subject) -> int:
    client.force_login(user)
    return client.get(reverse("feedback:report", args=[cycle.pk, subject.pk])).status_code


def share(api, world, body, *, user=None):
    url = f"/api/v1/feedback/cycles/{world['cycle'].pk}/share/"
    return api(user or world["leader"]).post(url, body, format="json")


def test_the_manager_sees_the_report_only_while_the_leader_shares_it(api, client, world):
    cycle, leader, mona = world["cycle"], world["leader"], world["mona"]
    assert report(api, mona, cycle, leader) == 404
    assert report_page(client, mona, cycle, leader) == 404

    response = share(api, world, {"shared": True, "audience": "manager"})
    assert response.status_code == 200
    assert response.json() == {"shared": True, "audience": "manager"}
    assert report(api, mona, cycle, leader) == 200
    assert report_page(client, mona, cycle, leader) == 200
    mine = api(leader).get(f"/api/v1/feedback/cycles/{cycle.pk}/mine/").json()
    assert (mine["shared_with_manager"], mine["shared_with_mentor"]) == (True, False)
    event = AuditEvent.objects.get(action="report.share")
    assert event.changes == {"shared_with_manager": [[], [str(mona)]]}

    response = share(api, world, {"shared": False, "audience": "manager"})
    assert response.json() == {"shared": False, "audience": "manager"}
    assert report(api, mona, cycle, leader) == 404
    assert report_page(client, mona, cycle, leader) == 404
    assert not ReportShare.objects.exists()


def test_the_two_switches_are_independent(api, world):
    cycle, leader, mona, mentor = world["cycle"], world["leader"], world["mona"], world["mentor"]
    share(api, world, {"shared": True})  # the mentor's switch (the default audience)
    assert report(api, mentor, cycle, leader) == 200
    assert report(api, mona, cycle, leader) == 404, "sharing with the mentor is not the manager"

    share(api, world, {"shared": True, "audience": "manager"})
    share(api, world, {"shared": False})  # the mentor's switch off, the manager's kept
    assert report(api, mentor, cycle, leader) == 404, "sharing with the manager is not the mentor"
    assert report(api, mona, cycle, leader) == 200


def test_a_director_above_the_manager_and_another_region_never_see_it(api, world):
    cycle, leader = world["cycle"], world["leader"]
    share(api, world, {"shared": True, "audience": "manager"})
    assert report(api, world["dana"], cycle, leader) == 404, "shared with Mona, not Dana"
    assert report(api, world["sora"], cycle, leader) == 404
    # Sven's report: HR and Sven see it, Leo's manager never does (404 like no such report).
    assert report(api, world["mona"], world["other_cycle"], world["sven"]) == 404
    assert report(api, world["sora"], world["other_cycle"], world["sven"]) == 404, "not shared"


def test_a_new_manager_does_not_inherit_the_share_and_the_old_one_loses_it(api, world):
    """Leo moves to Nina, who reports to Mona: Mona still has Leo below her, but Leo
    shared with the manager he had, and his switch now reads "not shared". The switch
    and who sees the report must agree."""
    cycle, leader, mona = world["cycle"], world["leader"], world["mona"]
    share(api, world, {"shared": True, "audience": "manager"})
    nina = UserFactory(full_name="Nina New", manager=mona, roles=[Role.MANAGER])
    leader.manager = nina
    leader.save()
    assert report(api, nina, cycle, leader) == 404, "a new manager waits for a new share"
    assert not report_shared_with_manager(cycle=cycle, subject=leader)
    assert report(api, mona, cycle, leader) == 404, "the switch says off: nobody sees it"

    share(api, world, {"shared": True, "audience": "manager"})
    assert report(api, nina, cycle, leader) == 200
    assert report(api, mona, cycle, leader) == 404


def test_a_manager_who_left_no_longer_sees_it(api, world):
    cycle, leader, mona = world["cycle"], world["leader"], world["mona"]
    share(api, world, {"shared": True, "audience": "manager"})
    mona.is_active = False
    mona.save()
    assert report(api, mona, cycle, leader) == 404


def test_a_leader_without_a_manager_is_told_which_field(api, world):
    leader = world["leader"]
    leader.manager = None
    leader.save()
    response = share(api, world, {"shared": True, "audience": "manager"})
    assert response.status_code == 400
    assert list(response.json()) == ["shared"], response.json()
    assert not ReportShare.objects.exists()


@pytest.mark.parametrize("audience", ["boss", "", None, ["manager"], "MANAGER"])
def test_a_bad_audience_is_a_400_naming_it(api, world, audience):
    response = share(api, world, {"shared": True, "audience": audience})
    assert response.status_code == 400
    assert list(response.json()) == ["audience"], response.json()
    assert not ReportShare.objects.exists()


def test_only_the_subject_flips_the_managers_switch(api, world):
    body = {"shared": True, "audience": "manager"}
    assert share(api, world, body, user=world["mona"]).status_code in {403, 404}
    assert share(api, world, body, user=world["sven"]).status_code == 404
    assert not ReportShare.objects.exists()


def test_the_leader_flips_the_managers_switch_from_my_feedback(client, world):
    cycle, leader = world["cycle"], world["leader"]
    client.force_login(leader)
    page = client.get(reverse("feedback:mine")).content.decode()
    assert 'name="audience" value="manager"' in page
    response = client.post(
        reverse("feedback:share", args=[cycle.pk]), {"shared": "1", "audience": "manager"}
    )
    assert response.status_code == 302
    assert report_shared_with_manager(cycle=cycle, subject=leader)
    assert not ReportShare.objects.filter(pairing__isnull=False).exists(), "not the mentor"

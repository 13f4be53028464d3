"""A leader's team pulse reaches their mentor and their manager only once the leader
shares it with them, one switch each, through the page or the API; taking it back hides
it again. HR always sees it; another leader's mentor or manager never does."""

import datetime

import pytest
from django.urls import reverse

from common.models import AuditEvent
from people.roles import Role, grant_role
from pulse.models import PulseShare
from pulse.services import pulse_tick
from tests.mentorship.factories import PairingFactory
from tests.people.factories import MentorFactory
from tests.pulse.world import answer_all


@pytest.fixture
def closed(world, opened, clock, django_capture_on_commit_callbacks):
    answer_all(opened, world.big, 4, scale=4, enps=10, comment="Clear goals every week")
    clock.set(opened.closes_at + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        pulse_tick()
    return opened


@pytest.fixture
def mentor(world):
    return PairingFactory(mentor=MentorFactory(), mentee=world.big).mentor


@pytest.fixture
def manager(world):
    manager = world.big.manager
    grant_role(manager, Role.MANAGER)
    return manager


def page_as(client, user, leader):
    client.force_login(user)
    return client.get(reverse("pulse:leader", args=[leader.pk]))


def test_the_mentor_and_the_manager_see_the_team_pulse_once_shared(
    client, api, world, closed, mentor, manager
):
    assert page_as(client, mentor, world.big).status_code == 404
    assert page_as(client, manager, world.big).status_code == 404

    client.force_login(world.big)
    client.post(reverse("pulse:share"), {"audience": "mentor", "shared": "1"})
    assert "Clear goals every week" in page_as(client, mentor, world.big).content.decode()
    assert page_as(client, manager, world.big).status_code == 404, "one switch each"

    response = api(world.big).post(
        "/api/v1/pulse/me/share/", {"audience": "manager", "shared": True}, format="json"
    )
    assert response.status_code == 200 and response.json() == {
        "audience": "manager",
        "shared": True,
    }
    assert page_as(client, manager, world.big).status_code == 200
    assert set(
        AuditEvent.objects.filter(action="pulse.share").values_list("action", flat=True)
    ) == {"pulse.share"}

    api(world.big).post(
        "/api/v1/pulse/me/share/", {"audience": "mentor", "shared": False}, format="json"
    )
    assert page_as(client, mentor, world.big).status_code == 404
    assert page_as(client, world.hr, world.big).status_code == 200, "HR always"


def test_sharing_reaches_only_the_leaders_own_mentor_and_managers(
    client, world, closed, mentor, manager
):
    for audience in ("mentor", "manager"):
        PulseShare.objects.create(leader=world.big, audience=audience)
    stranger_mentor = PairingFactory(mentor=MentorFactory(), mentee=world.small).mentor
    stranger_manager = world.small.manager
    grant_role(stranger_manager, Role.MANAGER)
    assert page_as(client, stranger_mentor, world.big).status_code == 404
    assert page_as(client, stranger_manager, world.big).status_code == 404
    client.force_login(manager)
    page = client.get(reverse("dashboards:manager_home")).content.decode()
    assert reverse("pulse:leader", args=[world.big.pk]) in page


@pytest.mark.parametrize(
    ("body", "field"),
    [({"audience": "team", "shared": True}, "audience"), ({"audience": "mentor"}, "shared")],
)
def test_a_bad_share_is_a_400_naming_the_field_and_changes_nothing(api, world, body, field):
    response = api(world.big).post("/api/v1/pulse/me/share/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not PulseShare.objects.exists()


def test_only_a_leader_shares_their_own_pulse(api, world, mentor):
    assert (
        api(mentor)
        .post("/api/v1/pulse/me/share/", {"audience": "mentor", "shared": True}, format="json")
        .status_code
        == 403
    )
    assert api(None).post("/api/v1/pulse/me/share/", {}, format="json").status_code == 401

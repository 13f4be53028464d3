"""Attack 1: a leader nominates addresses they control, answers those forms themselves,
and subtracts their own answers from the peer average to expose the one real colleague.

Defence: a leader never creates people; leader nominations are proposals (directory
people or addresses on the company's domains) that HR approves before anyone is asked;
the leader's own addresses can never rate them."""

import pytest

from feedback.models import Nomination, RaterRequest
from people.models import User
from tests.privacy.attack import answer, open_cycle, release, requests_of

NOMINATIONS = "/api/v1/feedback/nominations/"


def propose(api, world, **payload):
    return api(world.leader).post(NOMINATIONS, {"cycle": world.cycle.pk, **payload})


def test_a_leader_typed_outside_address_creates_no_account(api, world, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    users_before = User.objects.count()

    response = propose(api, world, email="sock.one@gmail.com", full_name="Sock One")

    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == users_before
    assert not Nomination.objects.filter(cycle=world.cycle).exists()


def test_a_company_address_outside_the_directory_is_a_proposal_and_creates_no_account(
    api, world, settings
):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    users_before = User.objects.count()

    response = propose(api, world, email="new.colleague@example.com", full_name="New Colleague")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "proposed"
    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    "own_address",
    ["leader.user@example.com", "Leader.User@Example.com", "leader.user+sock1@example.com"],
)
def test_the_subject_and_their_alternative_addresses_cannot_rate_them(
    api, world, settings, own_address
):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]

    response = propose(api, world, email=own_address, full_name="Totally Someone Else")

    assert response.status_code == 400
    assert "email" in response.json()
    assert not Nomination.objects.filter(cycle=world.cycle).exists()


def test_one_mailbox_is_proposed_once(api, world, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    assert propose(api, world, email="peer1@example.com", full_name="Peer 1").status_code == 201

    again = propose(api, world, email="peer1+two@example.com", full_name="Peer One Again")

    assert again.status_code == 400
    assert "email" in again.json()


def test_sock_puppets_are_never_asked_without_approval_so_the_colleague_stays_hidden(
    api, anon_api, world, clock, hr, settings
):
    """The attack end to end: two addresses the leader controls plus one real colleague.
    Nobody approves the puppets, so when the cycle opens only the colleague is asked; the
    peer group is below the threshold and the report shows nothing of it."""
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    for email, name in [
        ("puppet.one@example.com", "Puppet One"),
        ("puppet.two@example.com", "Puppet Two"),
        ("peer1@example.com", "Peer 1"),
    ]:
        assert propose(api, world, email=email, full_name=name).status_code == 201
    colleague = Nomination.objects.get(cycle=world.cycle, email="peer1@example.com")
    approved = api(hr).post(f"{NOMINATIONS}approve/", {"ids": [colleague.pk]})
    assert approved.status_code == 200, approved.json()

    open_cycle(clock, world.cycle)

    peer_requests = requests_of(world.cycle, world.leader, "peer")
    assert [r.rater.email for r in peer_requests] == ["peer1@example.com"]
    assert not User.objects.filter(email__startswith="puppet").exists()
    answer(anon_api, peer_requests[0], 2, comment="The colleague's own words")
    for request in RaterRequest.objects.filter(cycle=world.cycle).exclude(group="peer"):
        answer(anon_api, request, 4)
    release(world.cycle)

    report = api(world.leader).get(
        f"/api/v1/feedback/cycles/{world.cycle.pk}/reports/{world.leader.pk}/"
    )
    assert report.status_code == 200
    body = report.content.decode()
    assert "The colleague's own words" not in body
    assert "peer" not in [group["group"] for group in report.json()["groups"]]


def test_hr_approves_proposals_in_bulk_and_only_then_they_are_asked(
    api, world, clock, hr, settings
):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    for peer in world.peers:
        assert propose(api, world, rater=peer.pk).status_code == 201
    ids = list(Nomination.objects.filter(cycle=world.cycle).values_list("pk", flat=True))

    assert api(world.leader).post(f"{NOMINATIONS}approve/", {"ids": ids}).status_code == 403
    response = api(hr).post(f"{NOMINATIONS}approve/", {"ids": ids})

    assert response.status_code == 200, response.json()
    assert {row["status"] for row in response.json()} == {"approved"}
    open_cycle(clock, world.cycle)
    assert len(requests_of(world.cycle, world.leader, "peer")) == 3


def test_a_rejected_proposal_is_never_asked_and_the_leader_sees_its_state(api, world, clock, hr):
    assert propose(api, world, rater=world.peers[0].pk).status_code == 201
    nomination = Nomination.objects.get(cycle=world.cycle)

    response = api(hr).post(f"{NOMINATIONS}reject/", {"ids": [nomination.pk]})

    assert response.status_code == 200
    mine = api(world.leader).get(NOMINATIONS, {"cycle": world.cycle.pk}).json()["results"]
    assert [row["status"] for row in mine] == ["rejected"]
    open_cycle(clock, world.cycle)
    assert requests_of(world.cycle, world.leader, "peer") == []

"""Attack 2: a leader uses nominations to look people up (any id answers with a name and
an email, an address answers with the stored name, inactive people included), then
deletes the nomination without a trace.

Defence: a leader proposes by email, or picks from their own peers by name only; the
answer echoes only what the leader typed or may see; withdrawing is recorded."""

from feedback.models import Nomination
from tests.people.factories import UserFactory

NOMINATIONS = "/api/v1/feedback/nominations/"


def test_a_leader_cannot_nominate_an_arbitrary_user_id_to_read_their_details(api, world, hr):
    response = api(world.leader).post(NOMINATIONS, {"cycle": world.cycle.pk, "rater": hr.pk})

    assert response.status_code == 400
    assert "rater" in response.json()
    body = response.content.decode()
    assert hr.full_name not in body
    assert hr.email not in body


def test_an_unknown_id_and_someone_elses_id_answer_alike(api, world, hr):
    someone = api(world.leader).post(NOMINATIONS, {"cycle": world.cycle.pk, "rater": hr.pk})
    nobody = api(world.leader).post(NOMINATIONS, {"cycle": world.cycle.pk, "rater": 987654})

    assert someone.status_code == nobody.status_code == 400
    assert someone.json() == nobody.json()


def test_proposing_by_email_echoes_only_what_the_leader_typed(api, world, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    UserFactory(email="gone@example.com", full_name="Stored Secret Name", is_active=False)
    UserFactory(email="here@example.com", full_name="Another Stored Name")

    for email in ["gone@example.com", "here@example.com"]:
        response = api(world.leader).post(
            NOMINATIONS, {"cycle": world.cycle.pk, "email": email, "full_name": "Typed Name"}
        )
        assert response.status_code == 201, response.json()
        body = response.content.decode()
        assert "Stored Secret Name" not in body
        assert "Another Stored Name" not in body
        assert response.json()["full_name"] == "Typed Name"
        assert "rater" not in response.json()

    listed = api(world.leader).get(NOMINATIONS).content.decode()
    assert "Stored Secret Name" not in listed
    assert "Another Stored Name" not in listed


def test_an_inactive_person_and_an_unknown_address_answer_alike(api, world):
    """No company domains configured: only directory people may be proposed by email,
    and a departed person is as unknown as an address nobody has."""
    UserFactory(email="gone@elsewhere.org", full_name="Stored Secret Name", is_active=False)

    gone = api(world.leader).post(
        NOMINATIONS, {"cycle": world.cycle.pk, "email": "gone@elsewhere.org", "full_name": "X"}
    )
    unknown = api(world.leader).post(
        NOMINATIONS, {"cycle": world.cycle.pk, "email": "never@elsewhere.org", "full_name": "X"}
    )

    assert gone.status_code == unknown.status_code == 400
    assert gone.json() == unknown.json()


def test_the_colleagues_a_leader_may_pick_are_their_peers_by_name_only(api, world, hr):
    response = api(world.leader).get(f"/api/v1/feedback/cycles/{world.cycle.pk}/colleagues/")

    assert response.status_code == 200
    assert sorted(row["name"] for row in response.json()) == ["Peer 1", "Peer 2", "Peer 3"]
    assert all(set(row) == {"id", "name"} for row in response.json())
    assert hr.full_name not in response.content.decode()


def test_withdrawing_a_proposal_is_recorded_not_deleted(api, world, hr):
    created = api(world.leader).post(
        NOMINATIONS, {"cycle": world.cycle.pk, "rater": world.peers[0].pk}
    )
    assert created.status_code == 201, created.json()

    removed = api(world.leader).delete(f"{NOMINATIONS}{created.json()['id']}/")

    assert removed.status_code == 204
    nomination = Nomination.objects.get(pk=created.json()["id"])
    assert nomination.status == Nomination.Status.WITHDRAWN
    assert nomination.decided_by == world.leader
    seen_by_hr = api(hr).get(NOMINATIONS, {"cycle": world.cycle.pk}).json()["results"]
    assert [row["status"] for row in seen_by_hr] == ["withdrawn"]

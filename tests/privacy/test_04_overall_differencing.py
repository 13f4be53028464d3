"""Attack 4: a statement's score is hidden for the peers (two of three said "can't
say"), yet the one peer rating still counted in the overall score, so
overall x raters - the shown scores = the hidden peer's rating.

Defence: every figure shown is computed only from ratings that are themselves shown."""

from decimal import Decimal

from feedback.models import RaterRequest
from tests.privacy.attack import answer, open_cycle, release, requests_of

NOMINATIONS = "/api/v1/feedback/nominations/"


def test_a_hidden_peer_rating_cannot_be_recovered_from_the_overall(api, anon_api, world, clock, hr):
    for peer in world.peers:
        added = api(hr).post(
            NOMINATIONS,
            {"cycle": world.cycle.pk, "subject": world.leader.pk, "rater": peer.pk},
        )
        assert added.status_code == 201, added.json()
    open_cycle(clock, world.cycle)
    cycle = world.cycle
    answer(anon_api, requests_of(cycle, world.leader, "self")[0], 4)
    answer(anon_api, requests_of(cycle, world.leader, "manager")[0], 2)
    peers = requests_of(cycle, world.leader, "peer")
    questions = anon_api.get(f"/api/v1/feedback/respond/{_token(peers[0])}/").json()["questions"]
    cant_say = {q["id"]: None for q in questions if q["kind"] == "rating"}
    answer(anon_api, peers[0], cant_say)
    answer(anon_api, peers[1], cant_say)
    answer(anon_api, peers[2], 5)
    for request in requests_of(cycle, world.leader, "direct_report"):
        answer(anon_api, request, 3)
    mentor_request = requests_of(cycle, world.leader, "mentor")[0]
    declined = anon_api.post(
        f"/api/v1/feedback/respond/{_token(mentor_request)}/", {"decline": True}
    )
    assert declined.status_code == 201
    release(cycle)

    report = api(hr).get(f"/api/v1/feedback/cycles/{cycle.pk}/reports/{world.leader.pk}/").json()

    peer_group = next(group for group in report["groups"] if group["group"] == "peer")
    assert all(row["management"] is None for row in peer_group["profile"])
    for row in report["overall"]:
        # Manager 2 and three direct reports at 3: (2 + 9) / 4, the peer's 5 left out.
        assert Decimal(row["management"]) == Decimal("2.8"), row
        assert Decimal(row["leadership"]) == Decimal("2.8"), row
    assert RaterRequest.objects.filter(cycle=cycle, status="completed").count() == 8


def _token(request):
    from feedback.links import request_token

    return request_token(request)

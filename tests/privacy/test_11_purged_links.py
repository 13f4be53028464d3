"""Attack 11: a year after the release, the retention purge removes who rated whom. A
mentor who rated their mentee, and still holds the mentee's share of that report, reads
it again: with the links gone the report can no longer tell which answers are the
mentor's own, so a pool that only clears the threshold with the mentor's answer would be
shown to them, and subtracting their own ratings would give the others'.

Defence: once a cycle is purged only the subject and HR see its reports (and a rater who
is HR keeps their link while they are HR, so their view still holds back what it did)."""

import datetime

from feedback.models import Nomination
from feedback.retention import feedback_links_purge
from feedback.services import report_share_set
from tests.feedback.factories import NominationFactory
from tests.people.factories import UserFactory
from tests.privacy.attack import answer, open_cycle, release, requests_of


def test_a_mentor_who_rated_cannot_read_the_report_once_the_links_are_purged(
    api, anon_api, world, clock, hr
):
    peers = [UserFactory(), UserFactory()]
    for peer in peers:
        NominationFactory(
            cycle=world.cycle,
            subject=world.leader,
            rater=peer,
            group="peer",
            status=Nomination.Status.APPROVED,
            created_by=hr,
        )
    open_cycle(clock, world.cycle)
    for group in ("self", "manager", "mentor", "peer", "direct_report"):
        for request in requests_of(world.cycle, world.leader, group):
            answer(anon_api, request, 5 if group == "mentor" else 2)
    release(world.cycle)
    report_share_set(cycle=world.cycle, subject=world.leader, shared=True)
    url = f"/api/v1/feedback/cycles/{world.cycle.pk}/reports/{world.leader.pk}/"
    shown_to_mentor = api(world.mentor).get(url).json()
    # The mentor (1) and the two peers are pooled as "Others": three raters, but only
    # two besides the mentor, so the mentor does not see the pool.
    assert "others" not in {group["group"] for group in shown_to_mentor["groups"]}

    clock.set(world.cycle.released_at + datetime.timedelta(days=365))
    feedback_links_purge()

    assert api(world.mentor).get(url).status_code == 404
    seen_by_leader = api(world.leader).get(url).json()
    assert "others" in {group["group"] for group in seen_by_leader["groups"]}

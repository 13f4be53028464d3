"""A manager follows the mentoring of the leaders below them (issue 16): that sessions were
held and what was agreed, never what was said; another region's mentoring does not exist
for them, and they change none of it."""

import pytest

from mentorship.models import ActionItem, MentoringSession
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    PairingFactory,
)
from tests.people.org import build_org

pytestmark = pytest.mark.django_db

BASE = "/api/v1/mentorship"
SHARED = "Discussed pipeline reviews."


@pytest.fixture
def org(db, clock, mentor):
    org = build_org()
    org.leo_session = MentoringSessionFactory(pairing=PairingFactory(mentor=mentor, mentee=org.leo))
    org.sven_session = MentoringSessionFactory(pairing=PairingFactory(mentee=org.sven))
    org.leo_item = ActionItemFactory(session=org.leo_session)
    org.sven_item = ActionItemFactory(session=org.sven_session)
    org.leo_goal = GoalFactory(mentee=org.leo, pairing=org.leo_session.pairing)
    org.sven_goal = GoalFactory(mentee=org.sven, pairing=org.sven_session.pairing)
    return org


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_manager_reads_sessions_without_a_word_of_their_notes(api, org):
    for url in (f"{BASE}/sessions/", f"{BASE}/sessions/{org.leo_session.pk}/"):
        body = api(org.mona).get(url).json()
        rows = body.get("results", [body])
        assert [row["id"] for row in rows] == [org.leo_session.pk]
        assert rows[0]["shared_notes"] == ""
        assert "private_notes" not in rows[0]
        assert rows[0]["status"] == MentoringSession.Status.HELD, "that it was held, yes"
        assert "PRIVATE-NOTE-SENTINEL" not in str(body) and SHARED not in str(body)


def test_hr_and_the_mentee_still_read_the_shared_notes(api, org, hr, mentor):
    url = f"{BASE}/sessions/{org.leo_session.pk}/"
    for reader in (hr, org.leo):
        row = api(reader).get(url).json()
        assert row["shared_notes"] == SHARED
        assert "private_notes" not in row
    row = api(mentor).get(url).json()
    assert (row["shared_notes"], row["private_notes"][:21]) == (SHARED, "PRIVATE-NOTE-SENTINEL")


def test_a_director_reads_them_too_without_notes(api, org):
    rows = api(org.dana).get(f"{BASE}/sessions/").json()["results"]
    assert [(row["id"], row["shared_notes"]) for row in rows] == [(org.leo_session.pk, "")]


def test_another_regions_mentoring_is_absent_from_lists_and_404_in_detail(api, org):
    client = api(org.mona)
    assert ids(client.get(f"{BASE}/sessions/")) == {org.leo_session.pk}
    assert ids(client.get(f"{BASE}/action-items/")) == {org.leo_item.pk}
    assert ids(client.get(f"{BASE}/goals/")) == {org.leo_goal.pk}
    assert ids(client.get(f"{BASE}/pairings/")) == {org.leo_session.pairing_id}
    for url in (
        f"{BASE}/sessions/{org.sven_session.pk}/",
        f"{BASE}/action-items/{org.sven_item.pk}/",
        f"{BASE}/goals/{org.sven_goal.pk}/",
        f"{BASE}/pairings/{org.sven_session.pairing_id}/",
    ):
        assert client.get(url).status_code == 404, url
    # A filter by Sven answers like a filter by nobody.
    assert ids(client.get(f"{BASE}/sessions/", {"mentee": org.sven.pk})) == set()


def test_the_manager_follows_the_mentoring_but_changes_none_of_it(api, org):
    client = api(org.mona)
    session = org.leo_session
    assert client.patch(
        f"{BASE}/sessions/{session.pk}/", {"shared_notes": "x"}, format="json"
    ).status_code in {403, 405}
    assert client.post(f"{BASE}/action-items/{org.leo_item.pk}/done/").status_code == 403
    assert (
        client.patch(
            f"{BASE}/goals/{org.leo_goal.pk}/", {"progress": 90}, format="json"
        ).status_code
        == 403
    )
    assert client.post(
        f"{BASE}/sessions/",
        {"pairing": session.pairing_id, "starts_at": "2027-01-20T09:00:00Z"},
        format="json",
    ).status_code in {400, 403}
    assert client.post(f"{BASE}/pairings/{session.pairing_id}/end/").status_code == 403
    session.refresh_from_db()
    assert session.shared_notes == SHARED
    assert not ActionItem.objects.filter(done_at__isnull=False).exists()
    assert MentoringSession.objects.count() == 2

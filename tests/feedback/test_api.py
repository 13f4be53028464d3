import datetime

import pytest

from feedback import services
from feedback.links import request_token
from feedback.models import Cycle, Nomination, RaterRequest, ReportShare
from tests.feedback.factories import CycleFactory, default_questionnaire
from tests.feedback.helpers import answer_all, answers_for, committed, team_in, tick
from tests.people.factories import UserFactory
from tests.programs.factories import CohortFactory

UTC = datetime.UTC
DENIED = {401, 403}
ROLES = ["hr", "mentor", "leader", "other_leader", "nobody", "anonymous"]


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(db, clock, hr, mentor, leader, other_leader, nobody):
    """Leader (mentored by ``mentor``) in a cohort with a scheduled cycle; the other
    leader in another cohort with its own cycle."""
    clock.set(at(2027, 2, 1, 8))
    cycle = CycleFactory(opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8))
    team = team_in(cycle.cohort, leader=leader, mentor=mentor, reports=3)
    other_cycle = CycleFactory(
        cohort=CohortFactory(
            starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31)
        )
    )
    team_in(other_cycle.cohort, leader=other_leader, reports=1)
    users = {
        "hr": hr,
        "mentor": mentor,
        "leader": leader,
        "other_leader": other_leader,
        "nobody": nobody,
        "anonymous": None,
    }
    return {"cycle": cycle, "other_cycle": other_cycle, "team": team, "users": users}


@pytest.fixture
def released(world, clock):
    """The leader's cycle opened, everyone answered, results released."""
    cycle = world["cycle"]
    clock.set(at(2027, 3, 1, 8))
    tick()
    answer_all(cycle, comment="Keep listening")
    committed(lambda: __import__("feedback.services").services.cycle_release(cycle=cycle, by=None))
    cycle.refresh_from_db()
    return cycle


def call(api, world, role, method, url, data=None):
    client = api(world["users"][role])
    return getattr(client, method)(url, data, format="json")


# --- cycles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 2), ("mentor", 1), ("leader", 1), ("other_leader", 1), ("nobody", 0)],
)
def test_cycle_list_is_scoped(api, world, role, expected):
    response = call(api, world, role, "get", "/api/v1/feedback/cycles/")
    assert response.status_code == 200
    assert response.json()["count"] == expected


def test_cycle_list_anonymous_denied(api, world):
    assert call(api, world, "anonymous", "get", "/api/v1/feedback/cycles/").status_code in DENIED


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 200), ("leader", 200), ("other_leader", 404), ("nobody", 404)],
)
def test_cycle_detail_scope(api, world, role, expected):
    url = f"/api/v1/feedback/cycles/{world['cycle'].pk}/"
    assert call(api, world, role, "get", url).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_hr_creates_cycles(api, world, role):
    payload = {
        "name": "Spring round",
        "cohort": world["cycle"].cohort_id,
        "questionnaire": default_questionnaire().pk,
        "opens_at": "2027-04-01T07:00:00Z",
        "due_at": "2027-04-10T07:00:00Z",
        "reminder_every_days": 2,
        "min_raters": {"peer": 3},
        "schedule": True,
    }
    response = call(api, world, role, "post", "/api/v1/feedback/cycles/", payload)
    if role == "hr":
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "scheduled"
        assert response.json()["time_zone"] == "Europe/Berlin"
    else:
        assert response.status_code in DENIED
        assert Cycle.objects.filter(name="Spring round").count() == 0


def test_bad_cycle_input_is_400_with_the_field(api, world):
    payload = {
        "name": "Backwards",
        "cohort": world["cycle"].cohort_id,
        "questionnaire": default_questionnaire().pk,
        "opens_at": "2027-04-10T07:00:00Z",
        "due_at": "2027-04-01T07:00:00Z",
        "min_raters": {"bosses": -1},
    }
    response = call(api, world, "hr", "post", "/api/v1/feedback/cycles/", payload)
    assert response.status_code == 400
    assert "min_raters" in response.json()
    payload["min_raters"] = {}
    response = call(api, world, "hr", "post", "/api/v1/feedback/cycles/", payload)
    assert response.status_code == 400
    assert "due_at" in response.json()
    assert not Cycle.objects.filter(name="Backwards").exists()


def test_cycle_dates_in_year_9999_are_400_naming_the_field(api, world):
    # Found while fuzzing: a cycle opening in 9999 was saved, then its preview (and
    # the tick's reminder schedule) overflowed datetime: a 500.
    payload = {
        "name": "Far future",
        "cohort": world["cycle"].cohort_id,
        "questionnaire": default_questionnaire().pk,
        "opens_at": "9999-12-31T00:00:00Z",
        "due_at": "9999-12-31T23:00:00Z",
    }
    response = call(api, world, "hr", "post", "/api/v1/feedback/cycles/", payload)
    assert response.status_code == 400
    assert {"opens_at", "due_at"} <= set(response.json())
    assert not Cycle.objects.filter(name="Far future").exists()

    payload.update(opens_at="2027-04-01T07:00:00Z", due_at="2027-04-10T07:00:00Z")
    created = call(api, world, "hr", "post", "/api/v1/feedback/cycles/", payload)
    assert created.status_code == 201, created.json()
    url = f"/api/v1/feedback/cycles/{created.json()['id']}/"
    response = call(api, world, "hr", "patch", url, {"due_at": "9999-12-31T23:00:00Z"})
    assert response.status_code == 400
    assert "due_at" in response.json()
    assert Cycle.objects.get(name="Far future").due_at.year == 2027


@pytest.mark.parametrize("verb", ["schedule", "cancel", "release", "preview", "progress"])
@pytest.mark.parametrize("role", ["mentor", "leader", "other_leader", "nobody", "anonymous"])
def test_hr_verbs_refused_to_everyone_else(api, world, verb, role):
    method = "get" if verb in ("preview", "progress") else "post"
    url = f"/api/v1/feedback/cycles/{world['cycle'].pk}/{verb}/"
    assert call(api, world, role, method, url).status_code in DENIED
    world["cycle"].refresh_from_db()
    assert world["cycle"].status == "scheduled"


def test_hr_schedules_previews_cancels(api, world):
    draft = CycleFactory(cohort=world["cycle"].cohort, status=Cycle.Status.DRAFT)
    base = f"/api/v1/feedback/cycles/{draft.pk}"
    assert call(api, world, "hr", "post", f"{base}/schedule/").json()["status"] == "scheduled"
    conflict = call(api, world, "hr", "post", f"{base}/schedule/")
    assert conflict.status_code == 409
    preview = call(api, world, "hr", "get", f"{base}/preview/").json()
    assert len(preview["raters"]) == 6  # self, manager, mentor, 3 direct reports
    assert preview["opens_local"] == "Mon 1 Mar 2027, 09:00"
    assert call(api, world, "hr", "post", f"{base}/cancel/").json()["status"] == "cancelled"


def test_hr_edits_a_draft_but_not_an_open_cycle(api, world, clock):
    url = f"/api/v1/feedback/cycles/{world['cycle'].pk}/"
    response = call(api, world, "hr", "patch", url, {"reminder_every_days": 5})
    assert response.status_code == 200 and response.json()["reminder_every_days"] == 5
    assert call(api, world, "leader", "patch", url, {"reminder_every_days": 1}).status_code == 403
    clock.set(at(2027, 3, 1, 8))
    tick()
    assert call(api, world, "hr", "patch", url, {"reminder_every_days": 1}).status_code == 409


def test_hr_follows_progress(api, world, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    response = call(
        api, world, "hr", "get", f"/api/v1/feedback/cycles/{world['cycle'].pk}/progress/"
    )
    assert response.status_code == 200
    assert response.json()["totals"]["sent"] == 6
    assert response.json()["leaders"][0]["subject_name"] == world["team"].leader.full_name


def test_release_while_answers_can_change_is_409(api, world, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    response = call(
        api, world, "hr", "post", f"/api/v1/feedback/cycles/{world['cycle'].pk}/release/"
    )
    assert response.status_code == 409
    assert response.json()["open_requests"] == 6


@pytest.mark.parametrize(
    ("role", "expected"),
    [("leader", 200), ("other_leader", 404), ("hr", 403), ("mentor", 403), ("nobody", 403)],
)
def test_mine_counts_only(api, world, clock, role, expected):
    clock.set(at(2027, 3, 1, 8))
    tick()
    answer_all(world["cycle"], groups=["manager", "peer"])
    response = call(api, world, role, "get", f"/api/v1/feedback/cycles/{world['cycle'].pk}/mine/")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert body == {
            "total": 5,
            "answered": 1,
            "waiting": 4,
            "shared_with_mentor": False,
            "shared_with_manager": False,
            "report_available": False,
        }


# --- reports --------------------------------------------------------------------------


def report_url(cycle, subject):
    return f"/api/v1/feedback/cycles/{cycle.pk}/reports/{subject.pk}/"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("hr", 200),
        ("leader", 200),
        ("mentor", 404),
        ("other_leader", 404),
        ("nobody", 404),
        ("anonymous", 403),
    ],
)
def test_report_visible_to_subject_and_hr_only(api, world, released, role, expected):
    response = call(api, world, role, "get", report_url(released, world["team"].leader))
    assert response.status_code in (DENIED if expected == 403 else {expected})


def test_mentor_sees_report_only_after_the_leader_shares_it(api, world, released):
    url = report_url(released, world["team"].leader)
    assert call(api, world, "mentor", "get", url).status_code == 404
    share = f"/api/v1/feedback/cycles/{released.pk}/share/"
    assert call(api, world, "leader", "post", share, {"shared": True}).json() == {
        "shared": True,
        "audience": "mentor",
    }
    assert call(api, world, "other_leader", "post", share, {"shared": True}).status_code == 404
    assert call(api, world, "hr", "post", share, {"shared": True}).status_code == 403
    response = call(api, world, "mentor", "get", url)
    assert response.status_code == 200
    assert {g["group"] for g in response.json()["groups"]} == {"self", "manager", "direct_report"}
    call(api, world, "leader", "post", share, {"shared": False})
    assert call(api, world, "mentor", "get", url).status_code == 404
    assert not ReportShare.objects.exists()


def test_report_content(api, world, released):
    body = call(api, world, "leader", "get", report_url(released, world["team"].leader)).json()
    assert body["withheld_groups"] == ["mentor"]
    assert body["overall"][0]["dimension"] == "focus"
    assert body["overall"][0]["balance"] == "0.0"
    direct = next(g for g in body["groups"] if g["group"] == "direct_report")
    assert direct["comments"][0]["text"] == "Keep listening"
    assert "rater" not in str(body).lower()


def test_report_before_release_is_409_even_for_hr(api, world, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    answer_all(world["cycle"])
    response = call(api, world, "hr", "get", report_url(world["cycle"], world["team"].leader))
    assert response.status_code == 409


def test_report_for_someone_not_in_the_cycle_is_404(api, world, released):
    stranger = UserFactory()
    assert call(api, world, "hr", "get", report_url(released, stranger)).status_code == 404
    assert (
        call(
            api, world, "hr", "get", f"/api/v1/feedback/cycles/{released.pk}/reports/999999/"
        ).status_code
        == 404
    )


def test_report_endpoint_query_count_does_not_grow_with_raters(
    api, world, clock, django_assert_num_queries
):
    clock.set(at(2027, 3, 1, 8))
    for _ in range(10):
        UserFactory(manager=world["team"].leader)
    tick()
    answer_all(world["cycle"])
    committed(
        lambda: __import__("feedback.services").services.cycle_release(
            cycle=world["cycle"], by=None
        )
    )
    call(api, world, "hr", "get", "/api/v1/me/")  # the caller's roles are read once
    # The report (10), and the record that HR viewed it (savepoint, insert, release).
    with django_assert_num_queries(13) as captured:
        call(api, world, "hr", "get", report_url(world["cycle"], world["team"].leader))
    small = len(captured.captured_queries)
    other = world["users"]["other_leader"]
    other_cycle = world["other_cycle"]
    clock.set(other_cycle.opens_at)
    tick()
    answer_all(other_cycle)
    committed(
        lambda: __import__("feedback.services").services.cycle_release(cycle=other_cycle, by=None)
    )
    with django_assert_num_queries(small):
        call(api, world, "hr", "get", report_url(other_cycle, other))


# --- nominations ------------------------------------------------------------------------


def test_leader_proposes_a_peer_by_email_and_withdraws_it(api, world, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    url = "/api/v1/feedback/nominations/"
    payload = {"cycle": world["cycle"].pk, "email": "Pat.Peer@Example.com", "full_name": "Pat Peer"}
    response = call(api, world, "leader", "post", url, payload)
    assert response.status_code == 201, response.json()
    assert response.json()["email"] == "pat.peer@example.com"
    assert response.json()["status"] == "proposed"
    assert "rater_email" not in response.json()
    assert call(api, world, "leader", "get", url).json()["count"] == 1
    assert call(api, world, "other_leader", "get", url).json()["count"] == 0
    assert call(api, world, "hr", "get", url).json()["results"][0]["rater"] is None
    nomination = Nomination.objects.get()
    assert call(api, world, "other_leader", "delete", f"{url}{nomination.pk}/").status_code == 404
    assert call(api, world, "leader", "delete", f"{url}{nomination.pk}/").status_code == 204
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.WITHDRAWN
    # Withdrawn is deleted as far as the API's objects go (found by the stateful fuzzer):
    # the row stays in the list, for history, and in the audit trail.
    for caller in ("leader", "hr"):
        assert call(api, world, caller, "get", f"{url}{nomination.pk}/").status_code == 404
        assert call(api, world, caller, "delete", f"{url}{nomination.pk}/").status_code == 404
    listed = call(api, world, "hr", "get", f"{url}?status=withdrawn").json()["results"]
    assert [row["id"] for row in listed] == [nomination.pk]


@pytest.mark.parametrize("role", ["mentor", "nobody", "anonymous"])
def test_nominations_refused_to_others(api, world, role):
    url = "/api/v1/feedback/nominations/"
    assert call(api, world, role, "get", url).status_code in DENIED
    payload = {"cycle": world["cycle"].pk, "email": "x@example.com", "full_name": "X"}
    assert call(api, world, role, "post", url, payload).status_code in DENIED


def test_leader_cannot_nominate_for_another_cycle_or_person(api, world):
    url = "/api/v1/feedback/nominations/"
    other = {"cycle": world["other_cycle"].pk, "email": "x@example.com", "full_name": "X"}
    response = call(api, world, "leader", "post", url, other)
    assert response.status_code == 400 and "cycle" in response.json()
    for_someone = {
        "cycle": world["cycle"].pk,
        "subject": world["users"]["other_leader"].pk,
        "email": "x@example.com",
        "full_name": "X",
    }
    # Someone else is refused like no one at all: 400 naming the field, as for the cycle.
    response = call(api, world, "leader", "post", url, for_someone)
    assert response.status_code == 400 and "subject" in response.json()
    manager = {
        "cycle": world["cycle"].pk,
        "email": UserFactory().email,
        "full_name": "M",
        "group": "manager",
    }
    response = call(api, world, "leader", "post", url, manager)
    assert response.status_code == 400 and "group" in response.json()
    assert not Nomination.objects.exists()


def test_hr_nominates_for_a_leader_and_nominations_close_at_opening(api, world, clock):
    url = "/api/v1/feedback/nominations/"
    payload = {
        "cycle": world["cycle"].pk,
        "subject": world["team"].leader.pk,
        "rater": UserFactory().pk,
        "group": "direct_report",
    }
    assert call(api, world, "hr", "post", url, payload).status_code == 201
    clock.set(at(2027, 3, 1, 8))
    payload["rater"] = UserFactory().pk
    assert call(api, world, "hr", "post", url, payload).status_code == 409


@pytest.fixture
def proposal(world):
    """The leader proposed a colleague (same manager) for the scheduled cycle."""
    leader = world["users"]["leader"]
    colleague = UserFactory(manager=leader.manager, full_name="Cole League")
    return services.nomination_propose(
        cycle=world["cycle"], subject=leader, by=leader, rater=colleague
    )


@pytest.mark.parametrize("verb", ["approve", "reject"])
@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("mentor", 403), ("leader", 403), ("other_leader", 403), ("nobody", 403)],
)
def test_only_hr_decides_proposals(api, world, proposal, verb, role, expected):
    url = f"/api/v1/feedback/nominations/{verb}/"
    response = call(api, world, role, "post", url, {"ids": [proposal.pk]})
    assert response.status_code == expected
    proposal.refresh_from_db()
    decided = {"approve": "approved", "reject": "rejected"}[verb]
    assert proposal.status == (decided if role == "hr" else "proposed")


def test_anonymous_cannot_decide_proposals(api, world, proposal):
    url = "/api/v1/feedback/nominations/approve/"
    assert call(api, world, "anonymous", "post", url, {"ids": [proposal.pk]}).status_code in DENIED


@pytest.mark.parametrize(
    "payload",
    [{}, {"ids": []}, {"ids": "1"}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [987654]}],
)
def test_bad_decisions_are_400_naming_ids_and_change_nothing(api, world, proposal, payload):
    response = call(api, world, "hr", "post", "/api/v1/feedback/nominations/approve/", payload)
    assert response.status_code == 400
    assert "ids" in response.json()
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_a_decision_on_a_decided_nomination_changes_nothing(api, world, proposal, clock):
    url = "/api/v1/feedback/nominations/"
    assert (
        call(api, world, "hr", "post", f"{url}reject/", {"ids": [proposal.pk]}).status_code == 200
    )
    again = call(api, world, "hr", "post", f"{url}approve/", {"ids": [proposal.pk]})
    assert again.status_code == 400 and "ids" in again.json()
    proposal.refresh_from_db()
    assert proposal.status == "rejected"


def test_decisions_close_when_the_cycle_opens(api, world, proposal, clock):
    clock.set(at(2027, 3, 1, 8))
    response = call(
        api, world, "hr", "post", "/api/v1/feedback/nominations/approve/", {"ids": [proposal.pk]}
    )
    assert response.status_code == 409
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("leader", 200), ("other_leader", 404), ("hr", 403), ("mentor", 403), ("nobody", 403)],
)
def test_colleagues_list_is_the_leaders_own(api, world, role, expected):
    leader = world["users"]["leader"]
    UserFactory(manager=leader.manager, full_name="Cole League")
    url = f"/api/v1/feedback/cycles/{world['cycle'].pk}/colleagues/"
    response = call(api, world, role, "get", url)
    assert response.status_code == expected
    if expected == 200:
        assert [row["name"] for row in response.json()] == ["Cole League"]


def test_hr_sees_who_proposed_and_the_directory_record(api, world, proposal):
    rows = call(api, world, "hr", "get", "/api/v1/feedback/nominations/").json()["results"]
    assert rows[0]["rater_email"] == proposal.rater.email
    assert rows[0]["proposed_by"] == world["users"]["leader"].pk
    mine = call(api, world, "leader", "get", "/api/v1/feedback/nominations/").json()["results"]
    assert mine[0]["full_name"] == "Cole League" and mine[0]["email"] == ""
    assert "rater_email" not in mine[0] and "proposed_by" not in mine[0]


@pytest.mark.parametrize("extra", [0, 15])
def test_nomination_list_query_count_is_flat(api, world, hr, extra, django_assert_num_queries):
    cycle = world["cycle"]
    for _ in range(3 + extra):
        services.nomination_create(
            cycle=cycle, subject=world["team"].leader, by=hr, rater=UserFactory()
        )
    client = api(hr)
    client.get("/api/v1/feedback/nominations/")  # the caller's roles are read once
    with django_assert_num_queries(2):  # count, page (with every related row joined)
        response = client.get("/api/v1/feedback/nominations/")
    assert response.json()["count"] == 3 + extra


# --- rater requests ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mentor", "leader", "other_leader", "nobody", "anonymous"])
def test_rater_requests_are_hr_only(api, world, clock, role):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.first()
    base = "/api/v1/feedback/requests/"
    assert call(api, world, role, "get", base).status_code in DENIED
    for verb in ("nudge", "retry"):
        assert call(api, world, role, "post", f"{base}{request.pk}/{verb}/").status_code in DENIED
    response = call(
        api, world, role, "post", f"{base}{request.pk}/extend/", {"due_at": "2027-03-20T08:00:00Z"}
    )
    assert response.status_code in DENIED


def test_hr_nudges_extends_and_lists_requests(api, world, clock, mailoutbox):
    clock.set(at(2027, 3, 1, 8))
    tick()
    base = "/api/v1/feedback/requests/"
    cycle_id = world["cycle"].pk
    listing = call(
        api, world, "hr", "get", f"{base}?cycle={cycle_id}&status=sent&group=direct_report"
    )
    assert listing.json()["count"] == 3
    request = RaterRequest.objects.get(rater=world["team"].manager)
    nudge = f"{base}{request.pk}/nudge/"
    with committed_callbacks():
        assert call(api, world, "hr", "post", nudge).status_code == 200
    assert call(api, world, "hr", "post", nudge).status_code == 409
    assert mailoutbox[-1].subject.startswith("A quick reminder from HR")
    extend = f"{base}{request.pk}/extend/"
    bad = call(api, world, "hr", "post", extend, {"due_at": "2027-03-05T08:00:00Z"})
    assert bad.status_code == 400 and "due_at" in bad.json()
    good = call(api, world, "hr", "post", extend, {"due_at": "2027-03-20T08:00:00Z"})
    assert good.json()["effective_due_at"] == "2027-03-20T08:00:00Z"
    retry = call(api, world, "hr", "post", f"{base}{request.pk}/retry/")
    assert retry.status_code == 409


def committed_callbacks():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_request_list_query_count_does_not_grow(api, world, clock, django_assert_num_queries):
    clock.set(at(2027, 3, 1, 8))
    tick()
    call(api, world, "hr", "get", "/api/v1/me/")  # the caller's roles are read once
    with django_assert_num_queries(2) as captured:
        call(api, world, "hr", "get", "/api/v1/feedback/requests/")
    for _ in range(12):
        team_in(world["cycle"].cohort, reports=2)
    RaterRequest.objects.all().delete()
    Cycle.objects.filter(pk=world["cycle"].pk).update(status="scheduled")
    tick()
    assert RaterRequest.objects.count() > 40
    with django_assert_num_queries(len(captured.captured_queries)):
        call(api, world, "hr", "get", "/api/v1/feedback/requests/")
    with django_assert_num_queries(2) as cycles_small:
        call(api, world, "hr", "get", "/api/v1/feedback/cycles/")
    CycleFactory.create_batch(5, cohort=world["cycle"].cohort)
    with django_assert_num_queries(len(cycles_small.captured_queries)):
        call(api, world, "hr", "get", "/api/v1/feedback/cycles/")


# --- questionnaires ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mentor", "leader", "nobody", "anonymous"])
def test_questionnaires_are_hr_only(api, world, role):
    assert call(api, world, role, "get", "/api/v1/feedback/questionnaires/").status_code in DENIED


def test_hr_copies_a_questionnaire(api, world):
    questionnaire = default_questionnaire()
    response = call(
        api,
        world,
        "hr",
        "post",
        f"/api/v1/feedback/questionnaires/{questionnaire.pk}/copy/",
        {"name": "Balance v2"},
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Balance v2" and len(response.json()["questions"]) == 20


# --- the rater link through the API -------------------------------------------------------


@pytest.fixture
def link(world, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=world["team"].manager)
    return request, f"/api/v1/feedback/respond/{request_token(request)}/"


def test_rater_reads_the_form_and_answers_once_without_login(api, world, link):
    request, url = link
    form = api(None).get(url)
    assert form.status_code == 200
    assert form.json()["subject_name"] == world["team"].leader.full_name
    assert len(form.json()["questions"]) == 20
    answers = [{"question": pk, **value} for pk, value in answers_for(request.cycle).items()]
    assert api(None).post(url, {"answers": answers}, format="json").status_code == 201
    again = api(None).post(url, {"answers": answers}, format="json")
    assert again.status_code == 410 and again.json()["reason"] == "used"
    request.refresh_from_db()
    assert request.status == "completed"


def test_rater_api_validation_names_the_question(api, link):
    request, url = link
    rating = request.cycle.questionnaire.questions.filter(kind="rating").first()
    response = api(None).post(
        url, {"answers": [{"question": rating.pk, "rating": 4}]}, format="json"
    )
    assert response.status_code == 400
    assert len([key for key in response.json() if key.startswith("question_")]) == 17
    response = api(None).post(
        url, {"answers": [{"question": rating.pk, "rating": 9}]}, format="json"
    )
    assert response.status_code == 400


def test_rater_api_decline_and_bad_tokens(api, link):
    _, url = link
    assert api(None).post(url, {"decline": True}, format="json").json() == {"status": "declined"}
    assert api(None).get(url).status_code == 410
    tampered = api(None).get(url.replace("/respond/", "/respond/x"))
    assert tampered.status_code == 400 and tampered.json()["reason"] == "invalid"


@pytest.mark.parametrize("role", ["mentor", "leader", "other_leader", "nobody", "anonymous"])
def test_every_hr_only_endpoint_refuses_other_roles(api, world, clock, role):
    clock.set(at(2027, 3, 1, 8))
    tick()
    cycle = world["cycle"]
    questionnaire = default_questionnaire()
    request = RaterRequest.objects.filter(cycle=cycle).first()
    calls = [
        ("get", f"/api/v1/feedback/questionnaires/{questionnaire.pk}/"),
        ("post", f"/api/v1/feedback/questionnaires/{questionnaire.pk}/copy/"),
        ("get", f"/api/v1/feedback/requests/{request.pk}/"),
        ("patch", f"/api/v1/feedback/cycles/{cycle.pk}/"),
        ("put", f"/api/v1/feedback/cycles/{cycle.pk}/"),
    ]
    for method, url in calls:
        assert call(api, world, role, method, url, {}).status_code in DENIED, (method, url)


def test_nomination_detail_scope_and_list_query_count(api, world, clock, django_assert_num_queries):
    url = "/api/v1/feedback/nominations/"
    leader = world["team"].leader
    first = Nomination.objects.create(
        cycle=world["cycle"], subject=leader, rater=UserFactory(), group="peer"
    )
    assert call(api, world, "leader", "get", f"{url}{first.pk}/").status_code == 200
    assert call(api, world, "other_leader", "get", f"{url}{first.pk}/").status_code == 404
    call(api, world, "hr", "get", "/api/v1/me/")  # the caller's roles are read once
    with django_assert_num_queries(2) as captured:
        call(api, world, "hr", "get", url)
    for _ in range(8):
        Nomination.objects.create(
            cycle=world["cycle"], subject=leader, rater=UserFactory(), group="peer"
        )
    with django_assert_num_queries(len(captured.captured_queries)):
        assert call(api, world, "hr", "get", url).json()["count"] == 9


def test_a_released_report_cannot_change_afterwards(api, world, released, clock):
    """The anonymity rule's last line: once anyone can read figures, no answer can
    arrive that would let them diff the report before and after."""
    url = report_url(released, world["team"].leader)
    before = call(api, world, "hr", "get", url).json()
    expired = RaterRequest.objects.filter(cycle=released).first()
    late = api(None).post(
        f"/api/v1/feedback/respond/{request_token(expired)}/",
        {
            "answers": [
                {"question": q.pk, "rating": 1}
                for q in released.questionnaire.questions.filter(kind="rating")
            ]
        },
        format="json",
    )
    assert late.status_code == 410
    clock.advance(days=30)
    tick()
    assert call(api, world, "hr", "get", url).json() == before

"""Issue 12's acceptance for the audit trail: after a scripted day of HR, mentor and leader
actions through the API (and the tick), HR's audit list shows every one of them with the
right actor and old → new values, and none of them holds an answer, a comment or a
private note written that day.

The day runs on committed transactions (``committed_db``): every request commits on its
own, so an event that were not written inside its change's transaction would fail here
(``audit.record`` refuses to run outside one).
"""

import datetime
import json

import pytest
from django.core import serializers

from common.models import AuditEvent
from feedback import tasks as feedback_tasks
from feedback.links import request_token
from feedback.models import Cycle, RaterRequest
from mentorship.models import MentorProfile
from programs.models import Module
from tests.feedback.factories import default_questionnaire
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import CohortFactory, CohortSessionFactory, ModuleFactory

UTC = datetime.UTC
PRIVATE_NOTE = "PRIVATE-NOTE-SENTINEL: thinking about leaving"
COMMENT = "COMMENT-SENTINEL: avoids hard conversations"
API = "/api/v1"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


@pytest.fixture
def people(committed_db):
    manager = UserFactory(full_name="Rita Regional", email="rita@example.com")
    return {
        "hr": HRFactory(full_name="Hana Reed", email="hana@example.com"),
        "mentor": MentorFactory(full_name="Mia Torres", email="mia@example.com"),
        "leader": LeaderFactory(full_name="Leo Grant", email="leo@example.com", manager=manager),
        "newcomer": UserFactory(full_name="Nia Ode", email="nia@example.com", manager=manager),
        "reports": [UserFactory(email=f"report{n}@example.com") for n in range(3)],
    }


@pytest.fixture
def world(people):
    cohort = CohortFactory(
        name="Spring run",
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 4, 5),
        time_zone="UTC",
        capacity=10,
    )
    for person in people["reports"]:
        person.manager = people["leader"]
        person.save()
    return {
        "cohort": cohort,
        "workshop": ModuleFactory(
            program=cohort.program, title="Coaching conversations", kind=Module.Kind.WORKSHOP
        ),
        "e_learning": ModuleFactory(
            program=cohort.program, title="Hiring sellers", kind=Module.Kind.E_LEARNING
        ),
        "session": CohortSessionFactory(cohort=cohort, title="Kick-off"),
    }


def run_the_day(api, clock, people, world) -> dict:
    """The day through the API; returns the ids the checks need."""
    hr, mentor, leader = (api(people[role]) for role in ("hr", "mentor", "leader"))
    cohort = world["cohort"]
    ids = {}
    clock.set(at(2027, 2, 1, 8))

    # HR enrolls Leo and Nia (who becomes a leader), activates Leo, records a workshop
    # with its score and the kick-off's attendance, pairs Leo with Mia.
    enrollment = ok(
        hr.post(f"{API}/enrollments/", {"cohort": cohort.pk, "leader": people["leader"].pk}), 201
    )
    ids["enrollment"] = enrollment["id"]
    newcomer = {"cohort": cohort.pk, "leader": people["newcomer"].pk}
    ids["newcomer_enrollment"] = ok(hr.post(f"{API}/enrollments/", newcomer), 201)["id"]
    ok(hr.post(f"{API}/enrollments/{ids['enrollment']}/activate/"))
    ids["completion"] = ok(
        hr.post(
            f"{API}/module-completions/",
            {
                "enrollment": ids["enrollment"],
                "module": world["workshop"].pk,
                "completed_on": "2027-01-20",
                "score": 88,
            },
        ),
        201,
    )["id"]
    ids["attendance"] = ok(
        hr.post(
            f"{API}/session-attendance/",
            {"enrollment": ids["enrollment"], "session": world["session"].pk},
        ),
        201,
    )["id"]
    ids["pairing"] = ok(
        hr.post(
            f"{API}/mentorship/pairings/",
            {
                "mentor": people["mentor"].pk,
                "mentee": people["leader"].pk,
                "enrollment": ids["enrollment"],
                "started_on": "2027-01-15",
            },
        ),
        201,
    )["id"]

    # HR sets up a recurring cycle, corrects it, schedules it.
    cycle = ok(
        hr.post(
            f"{API}/feedback/cycles/",
            {
                "name": "Spring feedback",
                "cohort": cohort.pk,
                "questionnaire": default_questionnaire().pk,
                "opens_at": "2027-02-10T08:00:00Z",
                "due_at": "2027-02-20T08:00:00Z",
                "recurrence_days": 30,
            },
            format="json",
        ),
        201,
    )
    ids["cycle"] = cycle["id"]
    ok(
        hr.patch(
            f"{API}/feedback/cycles/{ids['cycle']}/", {"reminder_every_days": 4}, format="json"
        )
    )
    ok(hr.post(f"{API}/feedback/cycles/{ids['cycle']}/schedule/"))

    # Mia logs a session with private notes and an action item, and sets Leo a goal.
    session = ok(
        mentor.post(
            f"{API}/mentorship/sessions/",
            {
                "pairing": ids["pairing"],
                "starts_at": "2027-01-28T15:00:00Z",
                "duration_minutes": 50,
                "shared_notes": "Hiring plan",
                "private_notes": PRIVATE_NOTE,
                "action_items": [
                    {"description": "Book 1:1s with the team", "due_on": "2027-02-08"}
                ],
            },
            format="json",
        ),
        201,
    )
    ids["session"] = session["id"]
    ids["item"] = ok(mentor.get(f"{API}/mentorship/action-items/", {"session": ids["session"]}))[
        "results"
    ][0]["id"]
    ok(
        mentor.patch(
            f"{API}/mentorship/sessions/{ids['session']}/",
            {"private_notes": f"{PRIVATE_NOTE} (later)"},
            format="json",
        )
    )
    ids["goal"] = ok(
        mentor.post(
            f"{API}/mentorship/goals/",
            {"mentee": people["leader"].pk, "pairing": ids["pairing"], "title": "Run weekly 1:1s"},
            format="json",
        ),
        201,
    )["id"]

    # Leo proposes Nia as a peer, records his e-learning, ticks the action item off and
    # reports progress on his goal.
    ids["nomination"] = ok(
        leader.post(
            f"{API}/feedback/nominations/",
            {"cycle": ids["cycle"], "rater": people["newcomer"].pk},
            format="json",
        ),
        201,
    )["id"]
    ids["own_completion"] = ok(
        leader.post(
            f"{API}/module-completions/",
            {
                "enrollment": ids["enrollment"],
                "module": world["e_learning"].pk,
                "completed_on": "2027-01-30",
            },
        ),
        201,
    )["id"]
    ok(leader.post(f"{API}/mentorship/action-items/{ids['item']}/done/"))
    ok(leader.patch(f"{API}/mentorship/goals/{ids['goal']}/", {"progress": 30}, format="json"))

    # HR approves the proposal.
    ok(hr.post(f"{API}/feedback/nominations/approve/", {"ids": [ids["nomination"]]}, format="json"))

    # The tick opens the cycle; HR nudges the manager and gives the mentor more time;
    # every rater answers with a comment; HR releases the results and reads the report,
    # and Leo opens his dashboard with it.
    clock.set(at(2027, 2, 10, 8))
    feedback_tasks.tick()
    requests = {
        r.group: r
        for r in RaterRequest.objects.filter(cycle_id=ids["cycle"], subject=people["leader"])
    }
    ids["nudged"], ids["extended"] = requests["manager"].pk, requests["mentor"].pk
    clock.set(at(2027, 2, 11, 9))
    ok(hr.post(f"{API}/feedback/requests/{ids['nudged']}/nudge/"))
    ok(
        hr.post(
            f"{API}/feedback/requests/{ids['extended']}/extend/",
            {"due_at": "2027-02-22T08:00:00Z"},
            format="json",
        )
    )
    questions = default_questionnaire().questions.all()
    for request in RaterRequest.objects.filter(cycle_id=ids["cycle"]):
        answers = [
            {"question": q.pk, "text": COMMENT}
            if q.kind == "comment"
            else {"question": q.pk, "rating": 4}
            for q in questions
        ]
        ok(
            api(None).post(
                f"{API}/feedback/respond/{request_token(request)}/",
                {"answers": answers},
                format="json",
            ),
            201,
        )
    ok(hr.post(f"{API}/feedback/cycles/{ids['cycle']}/release/"))
    report = ok(hr.get(f"{API}/feedback/cycles/{ids['cycle']}/reports/{people['leader'].pk}/"))
    assert COMMENT in json.dumps(report), "the comments were written, and HR reads them"
    ok(leader.get(f"{API}/dashboards/me/"))

    # The tick opens the next occurrence and closes it at its due time.
    ids["next_cycle"] = Cycle.objects.get(previous_id=ids["cycle"]).pk
    clock.set(at(2027, 3, 12, 8))
    feedback_tasks.tick()
    clock.set(at(2027, 3, 22, 8))
    feedback_tasks.tick()
    return ids


def the_list(api, hr) -> list[dict]:
    """Every event of HR's audit list, page by page."""
    events, url = [], f"{API}/audit/events/"
    while url:
        page = ok(api(hr).get(url))
        events += page["results"]
        url = page["next"]
    return events


def test_a_scripted_day_is_all_in_the_audit_list_with_who_and_old_new(api, clock, people, world):
    ids = run_the_day(api, clock, people, world)
    events = the_list(api, people["hr"])
    hr, mentor, leader = (people[role].pk for role in ("hr", "mentor", "leader"))
    newcomer = people["newcomer"].pk

    def shown(action, actor, object_type, object_id, about=None, **changes):
        """The one event of the list with this action, actor and object; its changes hold
        the given old → new values."""
        found = [
            e
            for e in events
            if e["action"] == action
            and (e["actor"] or {}).get("id", e["actor_kind"]) == actor
            and e["object_type"] == object_type
            and e["object_id"] == str(object_id)
        ]
        assert len(found) == 1, (action, actor, object_type, object_id, found)
        event = found[0]
        for field, old_new in changes.items():
            assert event["changes"][field] == list(old_new), (action, field, event["changes"])
        if about is not None:
            assert (event["subject"] or {}).get("id") == about, (action, event["subject"])
        return event

    enrollment, cycle = ("programs.enrollment", ids["enrollment"]), ("feedback.cycle", ids["cycle"])
    # HR
    shown("enrollment.create", hr, *enrollment, about=leader, status=(None, "invited"))
    shown(
        "enrollment.create",
        hr,
        "programs.enrollment",
        ids["newcomer_enrollment"],
        about=newcomer,
        status=(None, "invited"),
    )
    shown("user.role_grant", hr, "people.user", newcomer, about=newcomer, groups=([], ["Leader"]))
    shown("enrollment.activate", hr, *enrollment, about=leader, status=("invited", "active"))
    shown(
        "module_completion.create",
        hr,
        "programs.modulecompletion",
        ids["completion"],
        about=leader,
        score=(None, 88),
        completed_on=(None, "2027-01-20"),
    )
    shown(
        "session_attendance.create",
        hr,
        "programs.sessionattendance",
        ids["attendance"],
        about=leader,
        session=(None, str(world["session"])),
    )
    shown(
        "pairing.create",
        hr,
        "mentorship.pairing",
        ids["pairing"],
        about=leader,
        mentor=(None, str(people["mentor"])),
        status=(None, "active"),
    )
    profile = MentorProfile.objects.get(user_id=mentor).pk
    shown("mentor_profile.create", hr, "mentorship.mentorprofile", profile, about=mentor)
    shown("cycle.create", hr, *cycle, name=(None, "Spring feedback"), status=(None, "draft"))
    shown("cycle.update", hr, *cycle, reminder_every_days=(3, 4))
    shown("cycle.schedule", hr, *cycle, status=("draft", "scheduled"))
    shown(
        "nomination.approve",
        hr,
        "feedback.nomination",
        ids["nomination"],
        about=leader,
        status=("proposed", "approved"),
    )
    nudged = shown("rater_request.nudge", hr, "feedback.raterrequest", ids["nudged"], about=leader)
    assert nudged["changes"]["nudged_at"] == [None, "2027-02-11T09:00:00+00:00"]
    shown(
        "rater_request.extend",
        hr,
        "feedback.raterrequest",
        ids["extended"],
        about=leader,
        due_at_override=(None, "2027-02-22T08:00:00+00:00"),
    )
    shown(
        "cycle.release",
        hr,
        *cycle,
        status=("open", "closed"),
        released_at=(None, "2027-02-11T09:00:00+00:00"),
    )
    shown("cycle.create", hr, "feedback.cycle", ids["next_cycle"], status=(None, "scheduled"))
    shown("report.view", hr, *cycle, about=leader)
    # The mentor
    session = shown(
        "mentoring_session.create",
        mentor,
        "mentorship.mentoringsession",
        ids["session"],
        about=leader,
        shared_notes=(None, "Hiring plan"),
        duration_minutes=(None, 50),
    )
    assert "private_notes" not in session["changes"]
    shown(
        "action_item.create",
        mentor,
        "mentorship.actionitem",
        ids["item"],
        about=leader,
        description=(None, "Book 1:1s with the team"),
    )
    edited = shown(
        "mentoring_session.update",
        mentor,
        "mentorship.mentoringsession",
        ids["session"],
        about=leader,
    )
    assert edited["changes"] == {}
    shown(
        "goal.create",
        mentor,
        "mentorship.goal",
        ids["goal"],
        about=leader,
        title=(None, "Run weekly 1:1s"),
    )
    # The leader
    shown(
        "nomination.propose",
        leader,
        "feedback.nomination",
        ids["nomination"],
        about=leader,
        rater=(None, str(people["newcomer"])),
        status=(None, "proposed"),
    )
    own = shown(
        "module_completion.create",
        leader,
        "programs.modulecompletion",
        ids["own_completion"],
        about=leader,
        completed_on=(None, "2027-01-30"),
    )
    assert "score" not in own["changes"]
    done = shown("action_item.done", leader, "mentorship.actionitem", ids["item"], about=leader)
    assert done["changes"]["done_at"][0] is None
    shown(
        "goal.update",
        leader,
        "mentorship.goal",
        ids["goal"],
        about=leader,
        progress=(0, 30),
        status=("not_started", "in_progress"),
    )
    shown("report.view", leader, *cycle, about=leader)
    # The schedule
    shown(
        "cycle.open",
        "schedule",
        *cycle,
        status=("scheduled", "open"),
        opened_at=(None, "2027-02-10T08:00:00+00:00"),
    )
    shown(
        "cycle.open", "schedule", "feedback.cycle", ids["next_cycle"], status=("scheduled", "open")
    )
    shown(
        "cycle.close",
        "schedule",
        "feedback.cycle",
        ids["next_cycle"],
        status=("open", "closed"),
        closed_at=(None, "2027-03-22T08:00:00+00:00"),
    )

    # Nothing else happened that day, and nothing happened twice.
    assert len(events) == 29, sorted(e["action"] for e in events)


def test_no_event_of_the_day_holds_an_answer_a_comment_or_a_private_note(
    api, client, clock, people, world
):
    run_the_day(api, clock, people, world)

    dump = serializers.serialize("json", AuditEvent.objects.all())
    listed = json.dumps(the_list(api, people["hr"]))
    client.force_login(people["hr"])
    page = client.get("/audit/").content.decode()
    for text in (dump, listed, page):
        assert PRIVATE_NOTE not in text
        assert "PRIVATE-NOTE-SENTINEL" not in text
        assert "COMMENT-SENTINEL" not in text
        assert "private_notes" not in text
    recorded_types = set(AuditEvent.objects.values_list("object_type__model", flat=True))
    assert recorded_types.isdisjoint({"response", "answer"})

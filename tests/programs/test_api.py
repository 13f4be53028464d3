"""The programs API: permission matrix per endpoint and role, behaviour, query counts."""

import datetime

import pytest
from icalendar import Calendar

from programs.models import Cohort, Enrollment, Module, ModuleCompletion, Program
from tests.mentorship.factories import PairingFactory
from tests.openapi import assert_matches_schema
from tests.people.factories import LeaderFactory, MentorFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db
API = "/api/v1"
# Anonymous callers get 403: session authentication comes first and sends no challenge.


@pytest.fixture
def world(hr, leader, other_leader, mentor):
    """Leader in cohort A (paired with `mentor`), other leader in cohort B of the same program."""
    program = ProgramFactory(name="Sales Leadership Essentials")
    workshop = ModuleFactory(program=program, title="Kick-off workshop", kind=Module.Kind.WORKSHOP)
    elearning = ModuleFactory(program=program, title="Coaching basics", kind=Module.Kind.E_LEARNING)
    cohort_a = CohortFactory(program=program, name="April 2024", seats_taken=1)
    cohort_b = CohortFactory(program=program, name="June 2024", seats_taken=1)
    session_a = CohortSessionFactory(cohort=cohort_a, module=workshop)
    mine = EnrollmentFactory(cohort=cohort_a, leader=leader)
    theirs = EnrollmentFactory(cohort=cohort_b, leader=other_leader)
    PairingFactory(mentor=mentor, mentee=leader)
    return {
        "program": program,
        "workshop": workshop,
        "elearning": elearning,
        "cohort_a": cohort_a,
        "cohort_b": cohort_b,
        "session_a": session_a,
        "mine": mine,
        "theirs": theirs,
    }


@pytest.fixture
def callers(hr, leader, other_leader, mentor):
    return {
        "hr": hr,
        "leader": leader,
        "other_leader": other_leader,
        "mentor": mentor,
        "unpaired_mentor": MentorFactory(),
        "anonymous": None,
    }


def status_of(api, user, method, url, data=None, **kwargs):
    return getattr(api(user), method)(url, data, **kwargs).status_code


# --- catalogue: any authenticated user reads, HR writes -------------------------------

CATALOGUE_READ = {
    "hr": 200,
    "leader": 200,
    "other_leader": 200,
    "mentor": 200,
    "unpaired_mentor": 200,
    "anonymous": 401,
}
WRITE_HR_ONLY = {
    "hr": 201,
    "leader": 403,
    "other_leader": 403,
    "mentor": 403,
    "unpaired_mentor": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize("role", CATALOGUE_READ)
@pytest.mark.parametrize("path", ["competencies/", "programs/", "modules/"])
def test_catalogue_is_readable_by_every_authenticated_user(api, world, callers, role, path):
    assert status_of(api, callers[role], "get", f"{API}/{path}") == CATALOGUE_READ[role]


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_creates_programs(api, world, callers, role):
    data = {"name": f"Program by {role}", "slug": f"program-{role}".replace("_", "-")}
    assert status_of(api, callers[role], "post", f"{API}/programs/", data) == WRITE_HR_ONLY[role]


def test_created_program_matches_the_documented_schema(api, hr):
    # Found by schemathesis: the 201 body lacked module_count, which the schema requires.
    response = api(hr).post(f"{API}/programs/", {"name": "Coaching", "slug": "coaching"})

    assert response.status_code == 201
    assert response.json()["module_count"] == 0
    assert_matches_schema(response, path=f"{API}/programs/", method="post")


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_creates_modules(api, world, callers, role):
    data = {
        "program": world["program"].pk,
        "title": "Forecasting",
        "kind": "assignment",
        "competency": world["workshop"].competency_id,
        "expected_hours": "1.5",
    }
    assert status_of(api, callers[role], "post", f"{API}/modules/", data) == WRITE_HR_ONLY[role]


def test_deleting_a_program_in_use_is_a_409_not_a_500(api, world, hr):
    response = api(hr).delete(f"{API}/programs/{world['program'].pk}/")
    assert response.status_code == 409
    assert Program.objects.filter(pk=world["program"].pk).exists()


# --- cohorts and sessions: HR all; leaders their own; mentors their mentees' ------------

SCOPED_READ_OF_LEADERS_DATA = {
    "hr": 200,
    "leader": 200,
    "other_leader": 404,
    "mentor": 200,
    "unpaired_mentor": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("role", SCOPED_READ_OF_LEADERS_DATA)
@pytest.mark.parametrize(
    "url",
    [
        "cohorts/{cohort_a.pk}/",
        "cohorts/{cohort_a.pk}/calendar.ics",
        "cohort-sessions/{session_a.pk}/",
        "enrollments/{mine.pk}/",
        "enrollments/{mine.pk}/progress/",
    ],
)
def test_reads_of_a_leaders_data_are_scoped(api, world, callers, role, url):
    expected = SCOPED_READ_OF_LEADERS_DATA[role]
    assert status_of(api, callers[role], "get", f"{API}/" + url.format(**world)) == expected


@pytest.mark.parametrize(
    ("role", "cohorts", "enrollments"),
    [
        ("hr", {"April 2024", "June 2024"}, 2),
        ("leader", {"April 2024"}, 1),
        ("other_leader", {"June 2024"}, 1),
        ("mentor", {"April 2024"}, 1),
        ("unpaired_mentor", set(), 0),
    ],
)
def test_lists_only_show_what_the_caller_may_see(api, world, callers, role, cohorts, enrollments):
    client = api(callers[role])
    listed = client.get(f"{API}/cohorts/").json()["results"]
    assert {row["name"] for row in listed} == cohorts
    assert client.get(f"{API}/enrollments/").json()["count"] == enrollments
    sessions = client.get(f"{API}/cohort-sessions/").json()["count"]
    assert sessions == (1 if "April 2024" in cohorts else 0)


def test_mentor_whose_pairing_ended_no_longer_sees_the_mentee(api, world, mentor):
    mentor.mentor_pairings.update(status="ended", ended_on=datetime.date(2024, 6, 1))
    assert api(mentor).get(f"{API}/enrollments/{world['mine'].pk}/").status_code == 404


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_creates_cohorts(api, world, callers, role):
    data = {
        "program": world["program"].pk,
        "name": "Autumn",
        "starts_on": "2026-11-02",
        "ends_on": "2027-01-29",
        "time_zone": "Europe/London",
        "capacity": 12,
    }
    assert status_of(api, callers[role], "post", f"{API}/cohorts/", data) == WRITE_HR_ONLY[role]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ends_on": "2024-04-01"}, "ends_on"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_bad_cohort_input_is_a_400_naming_the_field(api, world, hr, data, field):
    response = api(hr).patch(f"{API}/cohorts/{world['cohort_a'].pk}/", data)
    assert response.status_code == 400
    assert field in response.json()


def test_capacity_cannot_drop_below_seats_taken(api, world, hr):
    cohort = world["cohort_a"]
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=3)
    response = api(hr).patch(f"{API}/cohorts/{cohort.pk}/", {"capacity": 2})
    assert response.status_code == 400
    assert "capacity" in response.json()
    response = api(hr).patch(f"{API}/cohorts/{cohort.pk}/", {"capacity": 3, "name": "Renamed"})
    assert response.status_code == 200
    cohort.refresh_from_db()
    assert (cohort.capacity, cohort.seats_taken, cohort.name) == (3, 3, "Renamed")


def test_program_of_a_cohort_with_enrollments_is_fixed(api, world, hr):
    response = api(hr).patch(
        f"{API}/cohorts/{world['cohort_a'].pk}/", {"program": ProgramFactory().pk}
    )
    assert response.status_code == 400
    assert "program" in response.json()


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_creates_sessions(api, world, callers, role):
    data = {
        "cohort": world["cohort_a"].pk,
        "title": "Live Q&A",
        "starts_at": "2024-04-09T08:00:00Z",
        "ends_at": "2024-04-09T09:00:00Z",
    }
    expected = WRITE_HR_ONLY[role]
    assert status_of(api, callers[role], "post", f"{API}/cohort-sessions/", data) == expected


def test_session_module_must_belong_to_the_cohorts_program(api, world, hr):
    data = {
        "cohort": world["cohort_a"].pk,
        "module": ModuleFactory().pk,
        "title": "Wrong module",
        "starts_at": "2024-04-09T08:00:00Z",
        "ends_at": "2024-04-09T07:00:00Z",
    }
    response = api(hr).post(f"{API}/cohort-sessions/", data)
    assert response.status_code == 400
    assert {"ends_at", "module"} & set(response.json())


def test_calendar_ics_lists_the_cohorts_sessions(api, world, leader):
    CohortSessionFactory(
        cohort=world["cohort_a"],
        title="Day 2",
        starts_at=datetime.datetime(2024, 4, 9, 7, tzinfo=datetime.UTC),
    )
    response = api(leader).get(f"{API}/cohorts/{world['cohort_a'].pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 2
    assert events[1]["SUMMARY"] == "Sales Leadership Essentials: Day 2"
    assert events[1].decoded("DTSTART") == datetime.datetime(2024, 4, 9, 7, tzinfo=datetime.UTC)


# --- enrollments ------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_enrolls(api, world, callers, role):
    data = {"cohort": world["cohort_a"].pk, "leader": LeaderFactory().pk}
    assert status_of(api, callers[role], "post", f"{API}/enrollments/", data) == WRITE_HR_ONLY[role]


def test_enrolling_returns_the_enrollment_and_takes_a_seat(api, world, hr):
    newcomer = LeaderFactory(full_name="Nia Park")
    response = api(hr).post(
        f"{API}/enrollments/", {"cohort": world["cohort_a"].pk, "leader": newcomer.pk}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invited"
    assert body["leader"]["full_name"] == "Nia Park"
    assert body["progress_percent"] == "0.0"
    world["cohort_a"].refresh_from_db()
    assert world["cohort_a"].seats_taken == 2


def test_enrolling_into_a_full_cohort_is_a_409(api, world, hr):
    Cohort.objects.filter(pk=world["cohort_a"].pk).update(capacity=1)
    response = api(hr).post(
        f"{API}/enrollments/", {"cohort": world["cohort_a"].pk, "leader": LeaderFactory().pk}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "capacity_full"


def test_enrolling_an_unknown_leader_is_a_400(api, world, hr):
    response = api(hr).post(f"{API}/enrollments/", {"cohort": world["cohort_a"].pk, "leader": 0})
    assert response.status_code == 400
    assert "leader" in response.json()


TRANSITION_BY_ROLE = {
    "hr": 200,
    "leader": 403,
    "other_leader": 403,
    "mentor": 403,
    "unpaired_mentor": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize("role", TRANSITION_BY_ROLE)
@pytest.mark.parametrize("verb", ["activate", "withdraw"])
def test_only_hr_changes_enrollment_status(api, world, callers, role, verb):
    Enrollment.objects.filter(pk=world["mine"].pk).update(status="invited")
    url = f"{API}/enrollments/{world['mine'].pk}/{verb}/"
    assert status_of(api, callers[role], "post", url) == TRANSITION_BY_ROLE[role]


def test_complete_with_missing_modules_is_a_409_naming_them(api, world, hr):
    ModuleCompletionFactory(enrollment=world["mine"], module=world["workshop"])
    response = api(hr).post(f"{API}/enrollments/{world['mine'].pk}/complete/")
    assert response.status_code == 409
    assert "Coaching basics" in response.json()["detail"]
    assert response.json()["missing_modules"] == [
        {"id": world["elearning"].pk, "title": "Coaching basics"}
    ]
    ModuleCompletionFactory(enrollment=world["mine"], module=world["elearning"])
    response = api(hr).post(f"{API}/enrollments/{world['mine'].pk}/complete/")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["progress_percent"] == "100.0"


def test_invalid_transition_is_a_409(api, world, hr):
    response = api(hr).post(f"{API}/enrollments/{world['mine'].pk}/activate/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_withdraw_frees_the_seat(api, world, hr):
    response = api(hr).post(f"{API}/enrollments/{world['mine'].pk}/withdraw/")
    assert response.status_code == 200
    world["cohort_a"].refresh_from_db()
    assert world["cohort_a"].seats_taken == 0


def test_enrollment_filters_and_ordering(api, world, hr, leader):
    client = api(hr)
    by_cohort = client.get(f"{API}/enrollments/", {"cohort": world["cohort_b"].pk}).json()
    assert [row["id"] for row in by_cohort["results"]] == [world["theirs"].pk]
    by_leader = client.get(f"{API}/enrollments/", {"leader": leader.pk}).json()
    assert [row["id"] for row in by_leader["results"]] == [world["mine"].pk]
    assert client.get(f"{API}/enrollments/", {"status": "completed"}).json()["count"] == 0
    by_program = client.get(f"{API}/enrollments/", {"program": world["program"].pk}).json()
    assert by_program["count"] == 2
    ordered = client.get(f"{API}/enrollments/", {"ordering": "-leader__full_name"}).json()
    names = [row["leader"]["full_name"] for row in ordered["results"]]
    assert names == sorted(names, reverse=True)
    assert client.get(f"{API}/enrollments/", {"status": "bogus"}).status_code == 400


def test_progress_endpoint_overall_and_per_competency(api, world, leader):
    ModuleCompletionFactory(enrollment=world["mine"], module=world["elearning"])
    body = api(leader).get(f"{API}/enrollments/{world['mine'].pk}/progress/").json()
    assert body["required_total"] == 2
    assert body["required_done"] == 1
    assert body["percent"] == "50.0"
    assert body["competencies"] == [
        {
            "competency_id": world["workshop"].competency_id,
            "competency": "Communication",
            "required_total": 2,
            "required_done": 1,
            "percent": "50.0",
        }
    ]
    assert body["missing_required_modules"] == [
        {"id": world["workshop"].pk, "title": "Kick-off workshop"}
    ]


@pytest.mark.parametrize("rows", [3, 15])
def test_enrollment_list_query_count_does_not_grow(api, hr, rows, django_assert_num_queries):
    program = ProgramFactory()
    ModuleFactory.create_batch(3, program=program)
    cohort = CohortFactory(program=program, capacity=50)
    for enrollment in EnrollmentFactory.create_batch(rows, cohort=cohort):
        ModuleCompletionFactory(enrollment=enrollment, module=program.modules.first())
    client = api(hr)
    with django_assert_num_queries(3):
        response = client.get(f"{API}/enrollments/")
    assert response.json()["count"] == rows
    assert {row["required_done"] for row in response.json()["results"]} == {1}


@pytest.mark.parametrize("rows", [3, 15])
def test_other_list_query_counts_do_not_grow(api, hr, rows, django_assert_num_queries):
    program = ProgramFactory()
    for _ in range(rows):
        cohort = CohortFactory(program=program)
        CohortSessionFactory(cohort=cohort)
        enrollment = EnrollmentFactory(cohort=cohort)
        ModuleCompletionFactory(enrollment=enrollment, module=ModuleFactory(program=program))
    client = api(hr)
    exact = {
        "programs/": 3,
        "modules/": 2,
        "cohorts/": 3,
        "cohort-sessions/": 2,
        "module-completions/": 2,
    }
    for path, queries in exact.items():
        with django_assert_num_queries(queries):
            assert client.get(f"{API}/{path}").status_code == 200


# --- module completions -----------------------------------------------------------------


def completion_data(enrollment, module) -> dict:
    return {"enrollment": enrollment.pk, "module": module.pk, "completed_on": "2024-04-09"}


@pytest.mark.parametrize(
    ("role", "module", "expected"),
    [
        ("hr", "workshop", 201),
        ("hr", "elearning", 201),
        ("leader", "elearning", 201),
        ("leader", "workshop", 403),
        ("other_leader", "elearning", 400),  # someone else's enrollment does not exist for them
        ("mentor", "elearning", 403),
        ("unpaired_mentor", "elearning", 403),
        ("anonymous", "elearning", 401),
    ],
)
def test_who_records_module_completions(api, world, callers, role, module, expected):
    data = completion_data(world["mine"], world[module])
    response = api(callers[role]).post(f"{API}/module-completions/", data)
    assert response.status_code == expected
    assert ModuleCompletion.objects.exists() == (expected == 201)
    if expected == 201:
        assert response.json()["recorded_by"] == callers[role].pk


def test_completion_of_a_module_from_another_program_is_a_400(api, world, hr):
    response = api(hr).post(
        f"{API}/module-completions/", completion_data(world["mine"], ModuleFactory())
    )
    assert response.status_code == 400
    assert "module" in response.json()


def test_recording_a_completion_twice_is_a_409(api, world, hr):
    data = completion_data(world["mine"], world["workshop"])
    assert api(hr).post(f"{API}/module-completions/", data).status_code == 201
    assert api(hr).post(f"{API}/module-completions/", data).status_code == 409


def test_completion_score_out_of_range_is_a_400(api, world, hr):
    data = {**completion_data(world["mine"], world["workshop"]), "score": 120}
    response = api(hr).post(f"{API}/module-completions/", data)
    assert response.status_code == 400
    assert "score" in response.json()


@pytest.mark.parametrize(
    ("role", "visible"),
    [("hr", 2), ("leader", 1), ("other_leader", 1), ("mentor", 1), ("unpaired_mentor", 0)],
)
def test_completions_list_is_scoped(api, world, callers, role, visible):
    ModuleCompletionFactory(enrollment=world["mine"], module=world["workshop"])
    ModuleCompletionFactory(enrollment=world["theirs"], module=world["workshop"])
    assert api(callers[role]).get(f"{API}/module-completions/").json()["count"] == visible


def test_a_completed_module_cannot_move_to_another_program(api, world, hr):
    ModuleCompletionFactory(enrollment=world["mine"], module=world["workshop"])
    response = api(hr).patch(
        f"{API}/modules/{world['workshop'].pk}/", {"program": ProgramFactory().pk}
    )
    assert response.status_code == 400
    assert "program" in response.json()


def test_calendar_of_a_cohort_out_of_scope_is_a_readable_404(api, world, other_leader):
    response = api(other_leader).get(f"{API}/cohorts/{world['cohort_a'].pk}/calendar.ics")
    assert response.status_code == 404
    assert b"No Cohort matches" in response.content or b"Not found" in response.content


# --- session attendance -----------------------------------------------------------------


@pytest.mark.parametrize("role", WRITE_HR_ONLY)
def test_only_hr_records_attendance(api, world, callers, role):
    data = {"enrollment": world["mine"].pk, "session": world["session_a"].pk}
    expected = WRITE_HR_ONLY[role]
    assert status_of(api, callers[role], "post", f"{API}/session-attendance/", data) == expected


def test_attendance_of_another_cohorts_session_is_a_400(api, world, hr):
    data = {"enrollment": world["theirs"].pk, "session": world["session_a"].pk}
    response = api(hr).post(f"{API}/session-attendance/", data)
    assert response.status_code == 400
    assert "session" in response.json()


@pytest.mark.parametrize(
    ("role", "visible"),
    [("hr", 1), ("leader", 1), ("other_leader", 0), ("mentor", 1), ("unpaired_mentor", 0)],
)
def test_attendance_list_is_scoped(api, world, callers, hr, role, visible):
    data = {"enrollment": world["mine"].pk, "session": world["session_a"].pk}
    assert api(hr).post(f"{API}/session-attendance/", data).status_code == 201
    assert api(callers[role]).get(f"{API}/session-attendance/").json()["count"] == visible

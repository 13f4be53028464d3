"""HR's everyday programs work in the pages: the catalogue (competencies, programs,
modules), cohorts and their sessions, enrollment status, module completions and
attendance. HR can; leaders and mentors get 403 and change nothing; bad input shows the
field's error and changes nothing."""

import datetime

import pytest
from django.urls import reverse

from common.models import AuditEvent
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    ModuleCompletion,
    Program,
    SessionAttendance,
)
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
    competency,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(leader):
    """A program with two modules, a cohort of it with a session, and the leader in it."""
    program = ProgramFactory(name="Sales Leadership Essentials", slug="sle")
    kickoff = ModuleFactory(program=program, title="Kick-off", position=1)
    coaching = ModuleFactory(program=program, title="Coaching basics", position=2)
    cohort = CohortFactory(program=program, name="April 2024", capacity=5, seats_taken=1)
    session = CohortSessionFactory(cohort=cohort, title="Opening call")
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    return {
        "program": program,
        "module": kickoff,
        "modules": [kickoff, coaching],
        "cohort": cohort,
        "session": session,
        "enrollment": enrollment,
        "competency": competency("communication"),
    }


def url(name: str, *args) -> str:
    return reverse(f"programs:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def errors_of(response) -> dict:
    return response.context["form"].errors


# (url name, the world's objects its path names)
PAGES = [
    ("program-list", []),
    ("program-create", []),
    ("program-detail", ["program"]),
    ("program-edit", ["program"]),
    ("module-create", ["program"]),
    ("module-edit", ["program", "module"]),
    ("competency-list", []),
    ("competency-create", []),
    ("competency-edit", ["competency"]),
    ("cohort-create", []),
    ("cohort-edit", ["cohort"]),
    ("cohort-session-create", ["cohort"]),
    ("cohort-session-edit", ["cohort", "session"]),
    ("enrollment-detail", ["enrollment"]),
    ("enrollment-withdraw", ["enrollment"]),
]


def page_url(world, name: str, keys: list[str]) -> str:
    return url(name, *(world[key].pk for key in keys))


@pytest.mark.parametrize(("name", "keys"), PAGES)
@pytest.mark.parametrize(("role", "expected"), [("leader", 403), ("mentor", 403), ("hr", 200)])
def test_every_page_is_for_hr(client, request, world, name, keys, role, expected):
    user = request.getfixturevalue(role)
    response = as_user(client, user).get(page_url(world, name, keys))
    assert response.status_code == expected


# Every write, with input that would work for HR: (url name, path keys, POST data).
WRITES = [
    ("program-create", [], {"name": "New", "slug": "new"}),
    ("program-edit", ["program"], {"name": "Renamed", "slug": "sle"}),
    (
        "module-create",
        ["program"],
        {"title": "New", "position": 3, "kind": "workshop", "expected_hours": 1},
    ),
    ("competency-create", [], {"name": "Negotiation"}),
    ("enrollment-withdraw", ["enrollment"], {}),
    ("enrollment-module-done", ["enrollment", "module"], {}),
    ("enrollment-session-attendance", ["enrollment", "session"], {"attended": "1"}),
]


@pytest.mark.parametrize(("name", "keys", "data"), WRITES)
@pytest.mark.parametrize("role", ["leader", "mentor"])
def test_leaders_and_mentors_cannot_write(client, request, world, name, keys, data, role):
    data = dict(data, competency=world["competency"].pk) if name == "module-create" else data
    before = AuditEvent.objects.count()
    response = as_user(client, request.getfixturevalue(role)).post(
        page_url(world, name, keys), data
    )
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    assert not Program.objects.filter(name__in=["New", "Renamed"]).exists()
    assert world["enrollment"].completions.count() == 0
    assert world["enrollment"].attendance.count() == 0
    world["enrollment"].refresh_from_db()
    assert world["enrollment"].status == Enrollment.Status.ACTIVE


@pytest.mark.parametrize("verb", ["activate", "complete"])
@pytest.mark.parametrize("role", ["leader", "mentor"])
def test_leaders_and_mentors_cannot_change_an_enrollments_status(
    client, request, world, verb, role
):
    Enrollment.objects.filter(pk=world["enrollment"].pk).update(status=Enrollment.Status.INVITED)
    response = as_user(client, request.getfixturevalue(role)).post(
        url("enrollment-action", world["enrollment"].pk, verb)
    )
    assert response.status_code == 403
    world["enrollment"].refresh_from_db()
    assert world["enrollment"].status == Enrollment.Status.INVITED


def test_something_that_does_not_exist_is_a_404(client, hr, world):
    client = as_user(client, hr)
    assert client.get(url("program-detail", 999999)).status_code == 404
    assert client.get(url("module-edit", world["program"].pk, 999999)).status_code == 404
    other_module = ModuleFactory()  # of another program
    assert client.get(url("module-edit", world["program"].pk, other_module.pk)).status_code == 404
    assert client.get(url("enrollment-detail", 999999)).status_code == 404
    assert client.post(url("enrollment-action", world["enrollment"].pk, "promote")).status_code == (
        404
    )


# --- programs and modules ------------------------------------------------------------


def test_hr_creates_a_program_and_its_slug_is_made_from_the_name(client, hr, world):
    response = as_user(client, hr).post(
        url("program-create"),
        {
            "name": "Coaching Academy",
            "slug": "",
            "description": "For new coaches.",
            "competencies": [world["competency"].pk],
            "is_active": "on",
        },
    )
    program = Program.objects.get(name="Coaching Academy")
    assert response.status_code == 302
    assert response["Location"] == url("program-detail", program.pk)
    assert program.slug == "coaching-academy"
    assert list(program.competencies.all()) == [world["competency"]]
    assert AuditEvent.objects.filter(action="program.create", actor=hr).exists()


def test_hr_edits_a_program_and_the_audit_keeps_old_and_new(client, hr, world):
    program = world["program"]
    response = as_user(client, hr).post(
        url("program-edit", program.pk),
        {"name": "Sales Leadership Basics", "slug": "sle", "description": "", "is_active": ""},
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.name, program.is_active) == ("Sales Leadership Basics", False)
    event = AuditEvent.objects.get(action="program.update")
    assert event.changes["name"] == ["Sales Leadership Essentials", "Sales Leadership Basics"]


def test_program_edit_shows_the_current_values(client, hr, world):
    html = as_user(client, hr).get(url("program-edit", world["program"].pk)).content.decode()
    assert 'value="Sales Leadership Essentials"' in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "slug": "x"}, "name", "This field is required."),
        ({"name": "Dup", "slug": "sle"}, "slug", "already exists"),
    ],
)
def test_a_bad_program_shows_the_fields_error_and_creates_nothing(
    client, hr, world, data, field, message
):
    before = Program.objects.count()
    response = as_user(client, hr).post(url("program-create"), data)
    assert response.status_code == 400
    assert message in " ".join(errors_of(response)[field])
    assert message in response.content.decode()
    assert Program.objects.count() == before


def test_hr_adds_a_module_and_edits_its_order(client, hr, world):
    program = world["program"]
    client = as_user(client, hr)
    data = {
        "title": "Difficult conversations",
        "description": "Role play.",
        "position": 3,
        "kind": "workshop",
        "competency": world["competency"].pk,
        "is_required": "on",
        "expected_hours": "2.5",
    }
    response = client.post(url("module-create", program.pk), data)
    assert response["Location"] == url("program-detail", program.pk)
    module = program.modules.get(title="Difficult conversations")
    assert module.expected_hours == 2.5

    client.post(url("module-edit", program.pk, module.pk), dict(data, position=0))
    module.refresh_from_db()
    assert module.position == 0
    assert AuditEvent.objects.get(action="module.update").changes["position"] == [3, 0]
    html = client.get(url("program-detail", program.pk)).content.decode()
    assert html.index("Difficult conversations") < html.index("Kick-off")


def test_hr_tags_a_module_with_the_dimensions_it_develops(client, hr, world):
    module = world["module"]
    data = {
        "title": module.title,
        "position": module.position,
        "kind": module.kind,
        "competency": world["competency"].pk,
        "expected_hours": "2",
        "dimensions": ["relationships", "communication"],
    }
    client = as_user(client, hr)
    edit = url("module-edit", world["program"].pk, module.pk)
    assert client.post(edit, data).status_code == 302
    assert set(module.dimension_tags.values_list("dimension", flat=True)) == {
        "relationships",
        "communication",
    }
    event = AuditEvent.objects.filter(action="module.update").latest("pk")
    assert event.changes["dimensions"] == [[], ["communication", "relationships"]]
    shown = client.get(edit).context["form"].initial["dimensions"]
    assert sorted(shown) == ["communication", "relationships"], "the edit page shows them"
    bad = client.post(edit, dict(data, dimensions=["charisma"]))
    assert bad.status_code == 400 and "dimensions" in errors_of(bad)
    assert module.dimension_tags.count() == 2


def test_a_module_with_negative_hours_shows_the_error_and_changes_nothing(client, hr, world):
    module = world["module"]
    response = as_user(client, hr).post(
        url("module-edit", world["program"].pk, module.pk),
        {
            "title": "Kick-off, renamed",
            "position": 1,
            "kind": "workshop",
            "competency": world["competency"].pk,
            "expected_hours": "-1",
        },
    )
    assert response.status_code == 400
    assert "expected_hours" in errors_of(response)
    module.refresh_from_db()
    assert module.title == "Kick-off"


# --- competencies ----------------------------------------------------------------------


def test_hr_creates_and_edits_a_competency(client, hr):
    client = as_user(client, hr)
    response = client.post(url("competency-create"), {"name": "Negotiation", "description": ""})
    assert response["Location"] == url("competency-list")
    created = Competency.objects.get(name="Negotiation")
    assert created.slug == "negotiation"
    client.post(
        url("competency-edit", created.pk),
        {"name": "Negotiation", "slug": "negotiation", "description": "Win-win deals."},
    )
    created.refresh_from_db()
    assert created.description == "Win-win deals."
    assert "Negotiation" in client.get(url("competency-list")).content.decode()


def test_a_duplicate_competency_shows_the_error_and_creates_nothing(client, hr, world):
    before = Competency.objects.count()
    response = as_user(client, hr).post(
        url("competency-create"), {"name": world["competency"].name, "slug": "another"}
    )
    assert response.status_code == 400
    assert "name" in errors_of(response)
    assert Competency.objects.count() == before


# --- cohorts and sessions -------------------------------------------------------------


def cohort_data(world, **changes) -> dict:
    return {
        "program": world["program"].pk,
        "name": "June 2024",
        "starts_on": "2024-06-03",
        "ends_on": "2024-06-07",
        "delivery": "hybrid",
        "time_zone": "Europe/Madrid",
        "capacity": 12,
        "facilitator": "",
        **changes,
    }


def test_hr_opens_a_cohort(client, hr, world):
    client = as_user(client, hr)
    form = client.get(url("cohort-create") + f"?program={world['program'].pk}")
    assert form.context["form"].initial["program"] == world["program"]
    response = client.post(url("cohort-create"), cohort_data(world))
    cohort = Cohort.objects.get(name="June 2024")
    assert response["Location"] == url("cohort-detail", cohort.pk)
    assert (cohort.capacity, cohort.time_zone, cohort.seats_taken) == (12, "Europe/Madrid", 0)
    assert AuditEvent.objects.filter(action="cohort.create", actor=hr).exists()


def test_hr_edits_a_cohort_and_its_seats_are_kept(client, hr, world):
    cohort = world["cohort"]
    as_user(client, hr).post(
        url("cohort-edit", cohort.pk), cohort_data(world, name="April 2024 (moved)", capacity=8)
    )
    cohort.refresh_from_db()
    assert (cohort.name, cohort.capacity, cohort.seats_taken) == ("April 2024 (moved)", 8, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2024-06-01"}, "ends_on"),
        ({"capacity": 0}, "capacity"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"starts_on": "not a date"}, "starts_on"),
    ],
)
def test_a_bad_cohort_shows_the_fields_error_and_changes_nothing(client, hr, world, changes, field):
    cohort = world["cohort"]
    response = as_user(client, hr).post(
        url("cohort-edit", cohort.pk), cohort_data(world, **changes)
    )
    assert response.status_code == 400
    assert field in errors_of(response)
    cohort.refresh_from_db()
    assert cohort.name == "April 2024"


def test_cohort_capacity_cannot_go_below_the_seats_taken(client, hr, world):
    cohort = world["cohort"]
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=3)
    response = as_user(client, hr).post(
        url("cohort-edit", cohort.pk), cohort_data(world, capacity=2)
    )
    assert response.status_code == 400
    assert "3 seats are taken" in " ".join(errors_of(response)["capacity"])
    cohort.refresh_from_db()
    assert cohort.capacity == 5


def test_hr_schedules_a_session_on_the_cohorts_clock(client, hr, world):
    cohort = world["cohort"]  # Europe/Berlin, summer time in April: UTC+2
    client = as_user(client, hr)
    response = client.post(
        url("cohort-session-create", cohort.pk),
        {
            "title": "Role play",
            "module": world["module"].pk,
            "starts_at": "2024-04-09T09:00",
            "ends_at": "2024-04-09T11:00",
            "location": "",
            "meeting_url": "meet.example.com/role-play",
        },
    )
    assert response["Location"] == url("cohort-detail", cohort.pk)
    session = cohort.sessions.get(title="Role play")
    assert session.starts_at == datetime.datetime(2024, 4, 9, 7, 0, tzinfo=datetime.UTC)
    assert session.meeting_url == "https://meet.example.com/role-play"
    edit = client.get(url("cohort-session-edit", cohort.pk, session.pk)).content.decode()
    assert 'value="2024-04-09T09:00' in edit


def test_a_session_ending_before_it_starts_shows_the_error_and_changes_nothing(client, hr, world):
    session = world["session"]
    response = as_user(client, hr).post(
        url("cohort-session-edit", world["cohort"].pk, session.pk),
        {"title": "Moved", "starts_at": "2024-04-09T11:00", "ends_at": "2024-04-09T09:00"},
    )
    assert response.status_code == 400
    assert "ends_at" in errors_of(response)
    session.refresh_from_db()
    assert session.title == "Opening call"


def test_a_session_module_of_another_program_is_refused(client, hr, world):
    response = as_user(client, hr).post(
        url("cohort-session-create", world["cohort"].pk),
        {
            "title": "Elsewhere",
            "module": ModuleFactory().pk,
            "starts_at": "2024-04-09T09:00",
            "ends_at": "2024-04-09T10:00",
        },
    )
    assert response.status_code == 400
    assert "module" in errors_of(response)
    assert not CohortSession.objects.filter(title="Elsewhere").exists()


def test_cohort_pages_link_to_the_new_pages(client, hr, world):
    client = as_user(client, hr)
    listing = client.get(url("cohort-list")).content.decode()
    assert url("cohort-create") in listing
    assert f'href="{url("program-list")}"' in listing  # and the "Programs" menu entry
    detail = client.get(url("cohort-detail", world["cohort"].pk)).content.decode()
    enrollment = world["enrollment"].pk
    for link in (
        url("cohort-edit", world["cohort"].pk),
        url("cohort-session-create", world["cohort"].pk),
        url("cohort-session-edit", world["cohort"].pk, world["session"].pk),
        url("enrollment-detail", enrollment),
        url("enrollment-withdraw", enrollment),
        url("enrollment-action", enrollment, "complete"),
    ):
        assert link in detail


# --- enrollment status ----------------------------------------------------------------


def test_hr_activates_an_invited_enrollment(client, hr, world):
    enrollment = world["enrollment"]
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.INVITED)
    response = as_user(client, hr).post(url("enrollment-action", enrollment.pk, "activate"))
    assert response["Location"] == url("cohort-detail", world["cohort"].pk)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert AuditEvent.objects.filter(action="enrollment.activate", actor=hr).exists()


def test_completing_with_modules_missing_is_refused_and_says_which(client, hr, world):
    enrollment = world["enrollment"]
    response = as_user(client, hr).post(
        url("enrollment-action", enrollment.pk, "complete"), follow=True
    )
    assert "2 required modules are not complete" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE


def test_hr_completes_an_enrollment_with_every_required_module_done(client, hr, world):
    enrollment = world["enrollment"]
    for module in world["modules"]:
        ModuleCompletionFactory(enrollment=enrollment, module=module)
    response = as_user(client, hr).post(
        url("enrollment-action", enrollment.pk, "complete"), {"next": "enrollment"}
    )
    assert response["Location"] == url("enrollment-detail", enrollment.pk)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(client, hr, world):
    enrollment, cohort = world["enrollment"], world["cohort"]
    client = as_user(client, hr)
    confirm = client.get(url("enrollment-withdraw", enrollment.pk))
    assert "cannot be undone" in confirm.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE

    response = client.post(url("enrollment-withdraw", enrollment.pk))
    assert response["Location"] == url("cohort-detail", cohort.pk)
    enrollment.refresh_from_db()
    cohort.refresh_from_db()
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    assert cohort.seats_taken == 0  # the seat is given back

    again = client.post(url("enrollment-withdraw", enrollment.pk), follow=True)
    assert "cannot become withdrawn" in again.content.decode()
    assert AuditEvent.objects.filter(action="enrollment.withdraw").count() == 1


# --- module completions and attendance ------------------------------------------------


def test_hr_marks_a_module_done_with_a_score_and_takes_it_back(client, hr, world):
    enrollment, module = world["enrollment"], world["module"]
    client = as_user(client, hr)
    prefix = f"m{module.pk}"
    response = client.post(
        url("enrollment-module-done", enrollment.pk, module.pk),
        {f"{prefix}-completed_on": "2024-04-10", f"{prefix}-score": "85"},
    )
    assert response["Location"] == url("enrollment-detail", enrollment.pk)
    completion = ModuleCompletion.objects.get(enrollment=enrollment, module=module)
    assert (completion.completed_on, completion.score, completion.recorded_by) == (
        datetime.date(2024, 4, 10),
        85,
        hr,
    )
    page = client.get(url("enrollment-detail", enrollment.pk)).content.decode()
    assert "Done 10 Apr 2024" in page

    client.post(url("enrollment-module-undone", enrollment.pk, module.pk))
    assert not ModuleCompletion.objects.filter(pk=completion.pk).exists()
    assert AuditEvent.objects.get(action="module_completion.delete").actor == hr


@pytest.mark.parametrize(
    ("completed_on", "score", "field"),
    [
        ("2024-05-01", "", "completed_on"),  # after the cohort ended
        ("yesterday", "", "completed_on"),
        ("2024-04-10", "101", "score"),
    ],
)
def test_a_bad_completion_shows_the_error_next_to_the_field_and_records_nothing(
    client, hr, world, completed_on, score, field
):
    enrollment, module = world["enrollment"], world["module"]
    prefix = f"m{module.pk}"
    response = as_user(client, hr).post(
        url("enrollment-module-done", enrollment.pk, module.pk),
        {f"{prefix}-completed_on": completed_on, f"{prefix}-score": score},
    )
    assert response.status_code == 400
    row = next(r for r in response.context["modules"] if r["module"] == module)
    assert field in row["form"].errors
    assert not enrollment.completions.exists()


def test_a_completed_enrollment_keeps_its_completions(client, hr, world):
    enrollment = world["enrollment"]
    completion = ModuleCompletionFactory(enrollment=enrollment, module=world["module"])
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    response = as_user(client, hr).post(
        url("enrollment-module-undone", enrollment.pk, world["module"].pk), follow=True
    )
    assert "can no longer be taken back" in response.content.decode()
    assert ModuleCompletion.objects.filter(pk=completion.pk).exists()


def test_hr_marks_attendance_and_takes_it_back(client, hr, world):
    enrollment, session = world["enrollment"], world["session"]
    client = as_user(client, hr)
    attendance_url = url("enrollment-session-attendance", enrollment.pk, session.pk)
    client.post(attendance_url, {"attended": "1"})
    assert SessionAttendance.objects.filter(enrollment=enrollment, session=session).exists()
    assert "Present" in client.get(url("enrollment-detail", enrollment.pk)).content.decode()
    client.post(attendance_url, {"attended": "0"})
    assert not SessionAttendance.objects.filter(enrollment=enrollment).exists()


def test_attendance_at_another_cohorts_session_is_a_404(client, hr, world):
    elsewhere = CohortSessionFactory()
    response = as_user(client, hr).post(
        url("enrollment-session-attendance", world["enrollment"].pk, elsewhere.pk),
        {"attended": "1"},
    )
    assert response.status_code == 404
    assert not SessionAttendance.objects.exists()

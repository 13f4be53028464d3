"""Every programs write records who did it and old → new: enrollments and their import,
completions, attendance, cohorts, sessions and the catalogue (API, pages and admin)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from people.models import User
from programs import services
from programs.models import Enrollment
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory, CohortSessionFactory, ModuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_each_enrollment_step_names_who_and_the_status_it_left(hr, leader):
    enrollment = services.enrollment_create(
        cohort=CohortFactory(name="Spring run"), leader=leader, by=hr
    )
    services.enrollment_activate(enrollment=enrollment, by=hr)
    services.enrollment_withdraw(enrollment=enrollment, by=hr)

    created, activated, withdrawn = (
        events("enrollment.create")[0],
        events("enrollment.activate")[0],
        events("enrollment.withdraw")[0],
    )
    assert created.changes == {
        "cohort": [None, "Spring run"],
        "leader": [None, str(leader)],
        "status": [None, "invited"],
    }
    assert activated.changes["status"] == ["invited", "active"]
    assert activated.changes["activated_at"][0] is None
    assert withdrawn.changes["status"] == ["active", "withdrawn"]
    for event in (created, activated, withdrawn):
        assert (event.actor, event.subject) == (hr, leader)
        assert event.object_id == str(enrollment.pk)


def test_a_refused_transition_records_nothing(hr, leader):
    enrollment = services.enrollment_create(cohort=CohortFactory(), leader=leader, by=hr)
    with pytest.raises(services.TransitionError):
        services.enrollment_complete(enrollment=enrollment, by=hr)
    assert events("enrollment.complete") == []


def test_an_import_records_every_person_line_and_enrollment_and_itself(hr):
    cohort = CohortFactory(capacity=5)
    LeaderFactory(email="ana.lima@example.com", manager=None)
    csv = (
        "email,full_name,title,manager_email\r\n"
        "ana.lima@example.com,Ana Lima,Team Lead,rita.boss@example.com\r\n"
        "ben.ode@example.com,Ben Ode,Sales Manager,rita.boss@example.com\r\n"
    )

    services.enrollment_import(
        cohort=cohort, file=SimpleUploadedFile("people.csv", csv.encode()), dry_run=False, by=hr
    )

    assert {e.object_repr for e in events("user.create")} == {
        str(User.objects.get(email="ben.ode@example.com")),
        str(User.objects.get(email="rita.boss@example.com")),
    }
    lines = events("user.manager_change")
    assert [e.subject.email for e in lines] == ["ana.lima@example.com", "ben.ode@example.com"]
    assert lines[0].changes == {"manager": [None, "Rita Boss <rita.boss@example.com>"]}
    assert len(events("enrollment.create")) == 2
    assert [e.subject.email for e in events("user.role_grant")] == ["ben.ode@example.com"]
    (summary,) = events("enrollment.import")
    assert summary.object_id == str(cohort.pk)
    assert summary.changes["enrolled"] == [None, 2]
    assert {e.actor for e in AuditEvent.objects.all()} == {hr}

    # The same file again changes nothing, and records only that it was imported.
    before = AuditEvent.objects.count()
    services.enrollment_import(
        cohort=cohort, file=SimpleUploadedFile("people.csv", csv.encode()), dry_run=False, by=hr
    )
    assert AuditEvent.objects.count() == before + 1
    assert events("enrollment.import")[-1].changes["unchanged"] == [None, 2]


def test_a_dry_run_records_nothing(hr):
    csv = "email,full_name\r\nana.lima@example.com,Ana Lima\r\n"
    services.enrollment_import(
        cohort=CohortFactory(), file=SimpleUploadedFile("p.csv", csv.encode()), dry_run=True, by=hr
    )
    assert not AuditEvent.objects.exists()


def test_completions_and_attendance_are_recorded_about_the_leader(hr, leader, clock):
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 3, 1))
    enrollment = services.enrollment_create(cohort=cohort, leader=leader, by=hr)
    module = ModuleFactory(program=cohort.program, title="Coaching")
    session = CohortSessionFactory(cohort=cohort, title="Kick-off")
    services.module_completion_record(
        enrollment=enrollment, module=module, completed_on=datetime.date(2027, 1, 20), by=hr
    )
    attendance = services.session_attendance_record(enrollment=enrollment, session=session, by=hr)
    services.session_attendance_record(enrollment=enrollment, session=session, by=hr)  # again
    attendance_id = attendance.pk
    services.session_attendance_delete(attendance=attendance, by=hr)

    (completed,) = events("module_completion.create")
    assert completed.changes == {
        "completed_on": [None, "2027-01-20"],
        "module": [None, "Coaching"],
    }
    assert completed.subject == leader
    assert len(events("session_attendance.create")) == 1
    (deleted,) = events("session_attendance.delete")
    assert deleted.object_id == str(attendance_id)
    assert deleted.subject == leader


def test_the_catalogue_api_records_create_update_and_delete(api, hr):
    client = api(hr)
    created = client.post(f"{API}/competencies/", {"name": "Negotiation", "slug": "negotiation"})
    pk = created.json()["id"]
    client.patch(f"{API}/competencies/{pk}/", {"name": "Negotiating"}, format="json")
    client.delete(f"{API}/competencies/{pk}/")

    assert events("competency.create")[0].changes["name"] == [None, "Negotiation"]
    assert events("competency.update")[0].changes == {"name": ["Negotiation", "Negotiating"]}
    assert events("competency.delete")[0].object_repr == "Negotiating"


def test_cohort_changes_through_the_api_record_old_and_new(api, hr):
    cohort = CohortFactory(capacity=10)
    response = api(hr).patch(f"{API}/cohorts/{cohort.pk}/", {"capacity": 12}, format="json")
    assert response.status_code == 200
    (event,) = events("cohort.update")
    assert (event.actor, event.changes) == (hr, {"capacity": [10, 12]})
    assert Enrollment.objects.count() == 0

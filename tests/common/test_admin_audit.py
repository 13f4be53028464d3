"""HR's admin edits are audited like every other write (common.admin.AuditedAdminMixin),
and each change page's History shows the object's audit trail."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from common.models import AuditEvent, Email
from common.outbox import Owed, emails_owe
from mentorship.models import MentoringSession
from programs.models import Competency, Module, Program
from tests.conftest import broker_down
from tests.mentorship.factories import MentoringSessionFactory
from tests.people.factories import HRFactory, LeaderFactory, UserFactory
from tests.programs.factories import EnrollmentFactory, ModuleFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_hr(db):
    return HRFactory(
        email="admin.hr@example.com", full_name="Ada Admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def hr_admin(admin_hr):
    client = Client()
    client.force_login(admin_hr)
    return client


def events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _program_form(program: Program, **changes) -> dict:
    data = {
        "name": program.name,
        "slug": program.slug,
        "description": program.description,
        "competencies": [c.pk for c in program.competencies.all()],
        "is_active": "on" if program.is_active else "",
        "modules-TOTAL_FORMS": "0",
        "modules-INITIAL_FORMS": "0",
        "modules-MIN_NUM_FORMS": "0",
        "modules-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_an_admin_edit_records_old_and_new_including_many_to_many(hr_admin, admin_hr):
    program = ProgramFactory(name="Sales Basics")
    communication = Competency.objects.get(slug="communication")
    url = f"/admin/programs/program/{program.pk}/change/"

    response = hr_admin.post(
        url, _program_form(program, name="Sales Leadership", competencies=[communication.pk])
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    (event,) = events("program.update")
    assert (event.actor, event.actor_kind) == (admin_hr, "person")
    assert event.changes == {
        "competencies": [[], ["Communication"]],
        "name": ["Sales Basics", "Sales Leadership"],
    }


def test_an_admin_save_that_changes_nothing_records_nothing(hr_admin):
    program = ProgramFactory()
    hr_admin.post(f"/admin/programs/program/{program.pk}/change/", _program_form(program))
    assert events("program.update") == []


def test_inline_rows_are_audited_when_added_changed_or_deleted(hr_admin):
    program = ProgramFactory()
    kept = ModuleFactory(program=program, title="Coaching", position=1)
    dropped = ModuleFactory(program=program, title="Old module", position=2)
    competency = kept.competency
    rows = {
        "modules-TOTAL_FORMS": "3",
        "modules-INITIAL_FORMS": "2",
        "modules-0-id": kept.pk,
        "modules-0-program": program.pk,
        "modules-0-position": "1",
        "modules-0-title": "Coaching conversations",
        "modules-0-kind": kept.kind,
        "modules-0-competency": competency.pk,
        "modules-0-is_required": "on",
        "modules-0-expected_hours": "3",
        "modules-1-id": dropped.pk,
        "modules-1-program": program.pk,
        "modules-1-position": "2",
        "modules-1-title": "Old module",
        "modules-1-kind": dropped.kind,
        "modules-1-competency": competency.pk,
        "modules-1-is_required": "on",
        "modules-1-expected_hours": "0",
        "modules-1-DELETE": "on",
        "modules-2-program": program.pk,
        "modules-2-position": "3",
        "modules-2-title": "New module",
        "modules-2-kind": "e_learning",
        "modules-2-competency": competency.pk,
        "modules-2-expected_hours": "1",
    }
    response = hr_admin.post(
        f"/admin/programs/program/{program.pk}/change/", {**_program_form(program), **rows}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    (changed,) = events("module.update")
    assert changed.changes["title"] == ["Coaching", "Coaching conversations"]
    (added,) = events("module.create")
    assert added.object_id == str(Module.objects.get(title="New module").pk)
    (deleted,) = events("module.delete")
    assert deleted.object_id == str(dropped.pk)
    assert deleted.changes["title"] == ["Old module", None]


def test_roles_and_reporting_lines_changed_in_the_user_admin_are_audited(hr_admin, admin_hr):
    manager = UserFactory(full_name="Rita Regional", email="rita@example.com")
    joined = datetime.datetime(2026, 5, 4, 9, 30, tzinfo=datetime.UTC)
    person = LeaderFactory(full_name="Leo Lead", manager=None, date_joined=joined)
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "job_title": person.job_title,
        "region": person.region,
        "manager": manager.pk,
        "groups": [Group.objects.get(name="Leader").pk, Group.objects.get(name="Mentor").pk],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
    }

    response = hr_admin.post(f"/admin/people/user/{person.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = events("user.update")
    assert event.subject == person
    assert event.changes == {"groups": [["Leader"], ["Leader", "Mentor"]]}
    assert "password" not in str(event.changes)
    # The reporting line goes through people.services, which keeps its history.
    (line,) = events("user.manager_change")
    assert line.subject == person
    assert line.changes == {"manager": [None, "Rita Regional <rita@example.com>"]}
    assert person.reporting_history.get().manager == manager


def test_an_admin_delete_is_audited_with_what_was_deleted(hr_admin):
    competency = Competency.objects.create(name="Negotiation", slug="negotiation")
    response = hr_admin.post(f"/admin/programs/competency/{competency.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (event,) = events("competency.delete")
    assert event.object_repr == "Negotiation"
    assert event.changes["name"] == ["Negotiation", None]


def test_a_session_edited_in_the_admin_never_records_its_private_notes(hr_admin):
    session = MentoringSessionFactory(private_notes="NOTE-SENTINEL", shared_notes="")
    url = f"/admin/mentorship/mentoringsession/{session.pk}/change/"
    data = {
        "status": session.status,
        "starts_at_0": session.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": session.starts_at.strftime("%H:%M:%S"),
        "duration_minutes": "50",
        "format": session.format,
        "shared_notes": "Agenda for next time",
        "action_items-TOTAL_FORMS": "0",
        "action_items-INITIAL_FORMS": "0",
        "action_items-MIN_NUM_FORMS": "0",
        "action_items-MAX_NUM_FORMS": "1000",
    }
    response = hr_admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (event,) = events("mentoring_session.update")
    assert event.subject == session.pairing.mentee
    assert event.changes["shared_notes"] == ["", "Agenda for next time"]
    assert "NOTE-SENTINEL" not in str(list(AuditEvent.objects.values()))
    assert MentoringSession.objects.get(pk=session.pk).private_notes == "NOTE-SENTINEL"


def test_an_email_retried_from_the_outbox_admin_is_audited(
    hr_admin, admin_hr, django_capture_on_commit_callbacks
):
    with broker_down():
        emails_owe([Owed(kind="programs.welcome", ref=1, to=["a@example.com"])])
    email = Email.objects.get()
    Email.objects.filter(pk=email.pk).update(status="failed", attempts=5)
    with broker_down():
        hr_admin.post("/admin/common/email/", {"action": "retry", "_selected_action": [email.pk]})
    (event,) = events("email.retry")
    assert event.actor == admin_hr
    assert event.changes["status"] == ["failed", "queued"]
    assert event.changes["attempts"] == [5, 0]


def test_the_change_page_history_is_the_audit_trail(hr_admin):
    program = ProgramFactory(name="Sales Basics")
    hr_admin.post(
        f"/admin/programs/program/{program.pk}/change/",
        _program_form(program, name="Sales Leadership"),
    )

    page = hr_admin.get(f"/admin/programs/program/{program.pk}/history/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "program.update" in html
    assert "Ada Admin" in html
    assert "Sales Basics → Sales Leadership" in html


def test_the_admin_history_is_for_staff_with_access_only(client):
    enrollment = EnrollmentFactory()
    url = f"/admin/programs/enrollment/{enrollment.pk}/history/"
    client.force_login(LeaderFactory())
    assert client.get(url).status_code == 302  # to the admin's sign-in: not staff
    client.force_login(UserFactory(is_staff=True))  # staff without rights on enrollments
    assert client.get(url).status_code == 403

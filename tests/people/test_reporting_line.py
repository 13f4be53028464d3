"""The reporting line's dated history (people.models.ReportingLine): every way a manager
changes or a person leaves -- the services, the enrollment import, HR's admin, erasure --
keeps it, and each change is in the audit trail."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from common.models import AuditEvent
from people.models import ReportingLine
from people.services import reporting_line_record, user_left_on_set, user_manager_set
from personal_data.services import person_erase
from programs.services import enrollment_import
from tests.people.factories import HRFactory, LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db

JAN_5 = datetime.date(2026, 1, 5)
MAR_10 = datetime.date(2026, 3, 10)


def lines(person) -> list[tuple]:
    return [
        (line.manager.full_name, line.started_on, line.ended_on)
        for line in ReportingLine.objects.filter(person=person).select_related("manager")
    ]


@pytest.fixture
def team(db):
    """Lea leads; Tom has reported to her since 5 January 2026."""
    lea = LeaderFactory(full_name="Lea Lead", manager=None)
    tom = UserFactory(
        full_name="Tom Team",
        manager=lea,
        date_joined=datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC),
    )
    return lea, tom


def test_a_new_manager_closes_the_old_line_that_day_and_opens_the_new_one(team, hr):
    lea, tom = team
    max_ = UserFactory(full_name="Max Other")

    user_manager_set(user=tom, manager=max_, by=hr, on=MAR_10)

    assert lines(tom) == [("Lea Lead", JAN_5, MAR_10), ("Max Other", MAR_10, None)]
    tom.refresh_from_db()
    assert tom.manager == max_
    (event,) = AuditEvent.objects.filter(action="user.manager_change")
    assert event.subject == tom and event.actor == hr
    assert event.changes == {"manager": [str(lea), str(max_)]}


def test_removing_the_manager_closes_the_line_and_opens_none(team, hr):
    _, tom = team
    user_manager_set(user=tom, manager=None, by=hr, on=MAR_10)
    assert lines(tom) == [("Lea Lead", JAN_5, MAR_10)]


def test_setting_the_same_manager_again_changes_nothing(team, hr):
    lea, tom = team
    user_manager_set(user=tom, manager=lea, by=hr, on=MAR_10)
    reporting_line_record(lines={tom: lea}, on=MAR_10)
    assert lines(tom) == [("Lea Lead", JAN_5, None)]
    assert not AuditEvent.objects.filter(action="user.manager_change").exists()


def test_two_changes_on_one_day_leave_no_overlap(team, hr):
    _, tom = team
    max_, ona = UserFactory(full_name="Max Other"), UserFactory(full_name="Ona Third")
    user_manager_set(user=tom, manager=max_, by=hr, on=MAR_10)
    user_manager_set(user=tom, manager=ona, by=hr, on=MAR_10)
    assert lines(tom) == [
        ("Lea Lead", JAN_5, MAR_10),
        ("Max Other", MAR_10, MAR_10),  # a stretch of no days, kept as a record
        ("Ona Third", MAR_10, None),
    ]


def test_a_leaver_is_deactivated_and_their_line_closes_on_the_day_they_left(team, hr):
    lea, tom = team

    user_left_on_set(user=tom, left_on=MAR_10, by=hr)

    tom.refresh_from_db()
    assert (tom.left_on, tom.is_active) == (MAR_10, False)
    assert tom.manager == lea  # who they last reported to
    assert lines(tom) == [("Lea Lead", JAN_5, MAR_10)]
    (event,) = AuditEvent.objects.filter(action="user.leave")
    assert event.subject == tom
    assert event.changes == {"left_on": [None, "2026-03-10"], "is_active": [True, False]}


def test_a_corrected_leaving_date_moves_the_end_of_the_line(team, hr):
    _, tom = team
    user_left_on_set(user=tom, left_on=MAR_10, by=hr)
    user_left_on_set(user=tom, left_on=datetime.date(2026, 2, 27), by=hr)
    assert lines(tom) == [("Lea Lead", JAN_5, datetime.date(2026, 2, 27))]


def test_a_leaver_who_comes_back_reports_to_their_manager_again_from_today(team, hr, clock):
    _, tom = team
    user_left_on_set(user=tom, left_on=MAR_10, by=hr)
    clock.set(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC))

    user_left_on_set(user=tom, left_on=None, by=hr)

    tom.refresh_from_db()
    assert (tom.left_on, tom.is_active) == (None, True)
    assert lines(tom) == [
        ("Lea Lead", JAN_5, MAR_10),
        ("Lea Lead", datetime.date(2026, 6, 1), None),
    ]
    assert AuditEvent.objects.filter(action="user.return", subject=tom).exists()


def test_a_leaver_given_a_manager_gets_no_open_line(team, hr):
    _, tom = team
    user_left_on_set(user=tom, left_on=MAR_10, by=hr)
    user_manager_set(user=tom, manager=UserFactory(), by=hr, on=datetime.date(2026, 4, 1))
    assert not ReportingLine.objects.filter(person=tom, ended_on__isnull=True).exists()


def test_the_enrollment_import_opens_the_lines_of_the_managers_it_records(hr, clock):
    clock.set(datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC))
    rita = UserFactory(email="rita.boss@example.com", full_name="Rita Boss")
    text = (
        "email,full_name,title,manager_email\r\n"
        "ana.lima@example.com,Ana Lima,Team Lead,rita.boss@example.com\r\n"
        "ben.ode@example.com,Ben Ode,Sales Manager,new.boss@example.com\r\n"
    )
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")

    enrollment_import(cohort=CohortFactory(capacity=5), file=upload, dry_run=False, by=hr)

    opened = {
        (line.person.email, line.manager.email, line.started_on)
        for line in ReportingLine.objects.select_related("person", "manager")
        if line.ended_on is None and line.person.email != rita.email
    }
    april_2 = datetime.date(2026, 4, 2)
    assert opened == {
        ("ana.lima@example.com", "rita.boss@example.com", april_2),
        ("ben.ode@example.com", "new.boss@example.com", april_2),
    }
    assert AuditEvent.objects.filter(action="user.manager_change").count() == 2


@pytest.fixture
def admin_hr(db):
    return HRFactory(email="admin.hr@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def hr_admin(admin_hr):
    client = Client()
    client.force_login(admin_hr)
    return client


def _change_form(person, **changes) -> dict:
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "job_title": person.job_title,
        "region": person.region,
        "manager": person.manager_id or "",
        "groups": list(person.groups.values_list("pk", flat=True)),
        "is_active": "on",
        "left_on": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_hr_marks_a_leaver_with_a_date_in_the_admin(team, hr_admin, admin_hr):
    _, tom = team

    response = hr_admin.post(
        f"/admin/people/user/{tom.pk}/change/", _change_form(tom, left_on="2026-03-10")
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    tom.refresh_from_db()
    assert (tom.left_on, tom.is_active) == (MAR_10, False)
    assert lines(tom) == [("Lea Lead", JAN_5, MAR_10)]
    (event,) = AuditEvent.objects.filter(action="user.leave")
    assert event.actor == admin_hr
    assert not AuditEvent.objects.filter(action="user.update", subject=tom).exists()


def test_deactivating_someone_in_the_admin_counts_as_leaving_today(team, hr_admin, clock):
    clock.set(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC))
    _, tom = team

    response = hr_admin.post(
        f"/admin/people/user/{tom.pk}/change/", _change_form(tom, is_active=None)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    tom.refresh_from_db()
    assert (tom.left_on, tom.is_active) == (datetime.date(2026, 5, 20), False)
    assert lines(tom) == [("Lea Lead", JAN_5, datetime.date(2026, 5, 20))]


def test_a_new_manager_in_the_admin_keeps_the_history(team, hr_admin, clock):
    clock.set(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC))
    _, tom = team
    max_ = UserFactory(full_name="Max Other")

    response = hr_admin.post(
        f"/admin/people/user/{tom.pk}/change/", _change_form(tom, manager=max_.pk)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    may_20 = datetime.date(2026, 5, 20)
    assert lines(tom) == [("Lea Lead", JAN_5, may_20), ("Max Other", may_20, None)]


def test_the_admin_refuses_an_active_leaver(team, hr_admin):
    _, tom = team
    user_left_on_set(user=tom, left_on=MAR_10, by=None)
    tom.refresh_from_db()

    response = hr_admin.post(
        f"/admin/people/user/{tom.pk}/change/",
        _change_form(tom, left_on="2026-03-10", is_active="on"),
    )

    assert response.status_code == 200
    assert "clear the leaving date" in response.content.decode()
    tom.refresh_from_db()
    assert not tom.is_active


def test_the_admin_action_marks_the_selected_people_as_left_today(team, hr_admin, clock):
    clock.set(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC))
    _, tom = team
    response = hr_admin.post(
        "/admin/people/user/", {"action": "mark_left_today", "_selected_action": [tom.pk]}
    )
    assert response.status_code == 302
    tom.refresh_from_db()
    assert tom.left_on == datetime.date(2026, 5, 20)


def test_a_person_added_in_the_admin_with_a_manager_starts_a_line(team, hr_admin, clock):
    clock.set(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC))
    lea, _ = team
    response = hr_admin.post(
        "/admin/people/user/add/",
        {
            "email": "new.person@example.com",
            "full_name": "New Person",
            "job_title": "",
            "manager": lea.pk,
            "groups": [Group.objects.get(name="Leader").pk],
            "usable_password": "false",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ReportingLine.objects.get(person__email="new.person@example.com").manager == lea


def test_erasing_someone_still_on_a_team_lets_them_leave_today(team, hr, clock):
    clock.set(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC))
    _, tom = team

    person_erase(person=tom, by=hr, confirm=tom.email)

    tom.refresh_from_db()
    assert tom.left_on == datetime.date(2026, 5, 20)
    assert lines(tom) == [("Lea Lead", JAN_5, datetime.date(2026, 5, 20))]

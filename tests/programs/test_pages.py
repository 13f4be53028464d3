"""HR cohort pages, the CSV import flow, the leader's page and the admin."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Cohort, Enrollment, Module
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    cohort = CohortFactory(name="April 2024", capacity=3, seats_taken=1)
    ModuleFactory(program=cohort.program, title="Kick-off")
    ModuleFactory(program=cohort.program, title="Coaching basics", kind=Module.Kind.E_LEARNING)
    return cohort


def page(client, user, url, **kwargs):
    if user is not None:
        client.force_login(user)
    return client.get(url, **kwargs)


@pytest.mark.parametrize("name", ["cohort-list", "cohort-detail", "cohort-enroll", "cohort-import"])
@pytest.mark.parametrize(("role", "expected"), [("leader", 403), ("mentor", 403), ("hr", 200)])
def test_hr_pages_are_for_hr(client, request, cohort, name, role, expected):
    args = [] if name == "cohort-list" else [cohort.pk]
    user = request.getfixturevalue(role)
    assert page(client, user, reverse(f"programs:{name}", args=args)).status_code == expected


def test_anonymous_is_sent_to_login(client, cohort):
    response = client.get(reverse("programs:cohort-list"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_unknown_cohort_is_a_404(client, hr):
    assert page(client, hr, reverse("programs:cohort-detail", args=[999999])).status_code == 404


def test_cohort_detail_shows_leaders_status_progress_and_capacity(client, hr, cohort):
    enrollment = EnrollmentFactory(cohort=cohort, leader=LeaderFactory(full_name="Nia Park"))
    ModuleCompletionFactory(enrollment=enrollment, module=cohort.program.modules.first())
    html = page(client, hr, reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    assert "Nia Park" in html
    assert "Active" in html
    assert "1 / 2" in html
    assert 'aria-valuenow="50"' in html
    assert "<strong>2</strong> of 3 seats left" in html


def test_cohort_list_and_navigation(client, hr, cohort):
    html = page(client, hr, reverse("programs:cohort-list")).content.decode()
    assert "April 2024" in html
    assert f'href="{reverse("programs:cohort-list")}"' in html  # the "Cohorts" nav entry


def test_home_sends_hr_to_cohorts_and_leaders_to_their_program(client, hr, leader):
    client.force_login(hr)
    assert client.get("/")["Location"] == reverse("programs:cohort-list")
    client.force_login(leader)
    assert client.get("/")["Location"] == reverse("programs:my-program")


def test_enroll_form_enrolls_and_grants_the_role(client, hr, cohort):
    person = UserFactory(full_name="Ravi Shah")
    client.force_login(hr)
    url = reverse("programs:cohort-enroll", args=[cohort.pk])
    response = client.post(url, {"leader": person.pk})
    assert response.status_code == 302
    assert Enrollment.objects.filter(cohort=cohort, leader=person).exists()


def test_enroll_form_shows_a_full_cohort_as_an_error(client, hr, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(capacity=1)
    client.force_login(hr)
    url = reverse("programs:cohort-enroll", args=[cohort.pk])
    response = client.post(url, {"leader": LeaderFactory().pk})
    assert response.status_code == 200
    assert "is full" in response.content.decode()
    assert not cohort.enrollments.exists()


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", content, content_type="text/csv")


def test_import_preview_then_confirm(client, hr, cohort):
    client.force_login(hr)
    url = reverse("programs:cohort-import", args=[cohort.pk])
    content = b"email,full_name\nana@example.com,Ana Lima\nben@example.com,Ben Ode\n"
    preview = client.post(url, {"file": upload(content)})
    html = preview.content.decode()
    assert "Preview of people.csv" in html
    assert "2 to enroll" in html
    assert "Confirm import" in html
    assert not cohort.enrollments.exists()

    confirmed = client.post(url, {"confirm": "1"})
    assert confirmed.status_code == 302
    assert cohort.enrollments.count() == 2
    # The stored upload is used once.
    again = client.post(url, {"confirm": "1"}, follow=True)
    assert "Upload the file again" in again.content.decode()
    assert cohort.enrollments.count() == 2


def test_a_preview_is_confirmed_only_into_the_cohort_it_was_made_for(client, hr, cohort):
    client.force_login(hr)
    other = CohortFactory(program=cohort.program, name="May 2024")
    content = b"email,full_name\nana@example.com,Ana Lima\n"
    client.post(reverse("programs:cohort-import", args=[cohort.pk]), {"file": upload(content)})
    url = reverse("programs:cohort-import", args=[other.pk])
    refused = client.post(url, {"confirm": "1"}, follow=True)
    assert refused.redirect_chain == [(url, 302)]
    assert "Upload the file again" in refused.content.decode()
    assert not Enrollment.objects.exists()


def test_import_preview_lists_row_errors_without_a_confirm_button(client, hr, cohort):
    client.force_login(hr)
    url = reverse("programs:cohort-import", args=[cohort.pk])
    html = client.post(url, {"file": upload(b"email,full_name\nnope,Nope\n")}).content.decode()
    assert "is not a valid email address" in html
    assert "Confirm import" not in html


def test_import_page_shows_file_errors(client, hr, cohort):
    client.force_login(hr)
    url = reverse("programs:cohort-import", args=[cohort.pk])
    bad = "email,full_name\nz@example.com,Zoë\n".encode("cp1252")
    html = client.post(url, {"file": upload(bad)}).content.decode()
    assert "CSV UTF-8" in html


def test_my_program_shows_modules_sessions_and_progress(client, leader, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(time_zone="Europe/London")
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    ModuleCompletionFactory(
        enrollment=enrollment,
        module=cohort.program.modules.get(title="Kick-off"),
        completed_on=datetime.date(2026, 11, 3),
    )
    CohortSessionFactory(
        cohort=cohort,
        title="Past session",
        starts_at=datetime.datetime(2024, 4, 8, 8, tzinfo=datetime.UTC),
    )
    CohortSessionFactory(
        cohort=cohort,
        title="Future session",
        starts_at=datetime.datetime(2027, 1, 12, 15, tzinfo=datetime.UTC),
    )
    response = page(client, leader, reverse("programs:my-program"))
    html = response.content.decode()
    assert "Kick-off" in html
    assert "Done 3 Nov 2026" in html
    assert "Coaching basics" in html
    assert "Not done" in html
    assert "1 of 2 required modules done (50%)" in html
    assert "Future session" in html
    assert "Tue 12 Jan 2027, 15:00 GMT" in html
    assert "Past session" not in html


def test_my_program_is_only_for_leaders(client, hr, other_leader):
    assert page(client, hr, reverse("programs:my-program")).status_code == 403
    html = page(client, other_leader, reverse("programs:my-program")).content.decode()
    assert "not enrolled" in html


# --- admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, hr):
    hr.is_staff = True
    hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    return client


@pytest.mark.parametrize(
    "model", ["competency", "program", "module", "cohort", "enrollment", "modulecompletion"]
)
def test_admin_pages_render(admin_client, cohort, model):
    EnrollmentFactory(cohort=cohort)
    assert admin_client.get(reverse(f"admin:programs_{model}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:programs_{model}_changelist"), {"q": "a"}).status_code
        == 200
    )


def test_admin_cohort_page_has_sessions_and_enrollments(admin_client, cohort):
    EnrollmentFactory(cohort=cohort, leader=LeaderFactory(full_name="Nia Park"))
    html = admin_client.get(reverse("admin:programs_cohort_change", args=[cohort.pk])).content
    assert b"Nia Park" in html
    assert b"Cohort sessions" in html


def cohort_form(cohort, **changes) -> dict:
    data = {
        "program": cohort.program_id,
        "name": cohort.name,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "delivery": cohort.delivery,
        "time_zone": cohort.time_zone,
        "capacity": cohort.capacity,
        "facilitator": "",
    }
    for prefix in ("sessions", "enrollments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_admin_refuses_capacity_below_seats_taken(admin_client, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=2)
    url = reverse("admin:programs_cohort_change", args=[cohort.pk])
    response = admin_client.post(url, cohort_form(cohort, capacity=1))
    assert response.status_code == 200
    assert "2 seats are taken" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.capacity == 3


def test_admin_edit_never_overwrites_the_seat_count(admin_client, cohort):
    url = reverse("admin:programs_cohort_change", args=[cohort.pk])
    response = admin_client.post(url, cohort_form(cohort, name="Renamed", capacity=5))
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.name, cohort.capacity, cohort.seats_taken) == ("Renamed", 5, 1)


def test_admin_withdraw_action_uses_the_service(admin_client, cohort):
    enrollment = EnrollmentFactory(cohort=cohort)
    response = admin_client.post(
        reverse("admin:programs_enrollment_changelist"),
        {"action": "withdraw", "_selected_action": [enrollment.pk]},
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    cohort.refresh_from_db()
    assert enrollment.status == "withdrawn"
    assert cohort.seats_taken == 0


def test_leader_marks_own_elearning_done_from_my_program(client, leader, cohort, clock):
    clock.set(datetime.datetime(2024, 4, 10, 12, tzinfo=datetime.UTC))
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    elearning = cohort.program.modules.get(title="Coaching basics")
    workshop = cohort.program.modules.get(title="Kick-off")
    client.force_login(leader)
    html = client.get(reverse("programs:my-program")).content.decode()
    assert html.count("Mark as done") == 1  # workshops are recorded by HR
    url = reverse("programs:my-module-done", args=[enrollment.pk, elearning.pk])
    assert client.post(url).status_code == 302
    assert enrollment.completions.filter(module=elearning, recorded_by=leader).exists()
    workshop_url = reverse("programs:my-module-done", args=[enrollment.pk, workshop.pk])
    assert client.post(workshop_url).status_code == 403


def test_leader_cannot_mark_someone_elses_module(client, leader, other_leader, cohort):
    enrollment = EnrollmentFactory(cohort=cohort, leader=other_leader)
    elearning = cohort.program.modules.get(title="Coaching basics")
    client.force_login(leader)
    url = reverse("programs:my-module-done", args=[enrollment.pk, elearning.pk])
    assert client.post(url).status_code == 404
    assert not enrollment.completions.exists()


@pytest.mark.parametrize("rows", [2, 12])
def test_cohort_pages_query_counts_do_not_grow(client, hr, rows, django_assert_num_queries):
    cohort = CohortFactory(capacity=20)
    modules = ModuleFactory.create_batch(3, program=cohort.program)
    for enrollment in EnrollmentFactory.create_batch(rows, cohort=cohort):
        ModuleCompletionFactory(enrollment=enrollment, module=modules[0])
        CohortSessionFactory(cohort=cohort, module=modules[1])
        CohortFactory(program=cohort.program)
    client.force_login(hr)
    with django_assert_num_queries(6):
        assert client.get(reverse("programs:cohort-detail", args=[cohort.pk])).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("programs:cohort-list")).status_code == 200


@pytest.mark.parametrize("modules", [2, 12])
def test_my_program_query_count_does_not_grow(client, leader, modules, django_assert_num_queries):
    cohort = CohortFactory()
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    for module in ModuleFactory.create_batch(modules, program=cohort.program):
        ModuleCompletionFactory(enrollment=enrollment, module=module)
        CohortSessionFactory(
            cohort=cohort, starts_at=datetime.datetime(2027, 1, 5, 9, tzinfo=datetime.UTC)
        )
    client.force_login(leader)
    with django_assert_num_queries(10):
        assert client.get(reverse("programs:my-program")).status_code == 200

"""Bulk enrollment from an HR-system CSV: rules per row, atomicity, dry run, idempotency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.csv_import import RowErrorsFound
from people.models import User
from people.roles import Role, has_role
from programs.models import Enrollment
from programs.services import enrollment_import
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "email,full_name,title,manager_email\r\n"
    "ana.lima@example.com,Ana Lima,Team Lead,rita.boss@example.com\r\n"
    "ben.ode@example.com,Ben Ode,Sales Manager,rita.boss@example.com\r\n"
)


def upload(text: str, encoding: str = "utf-8", name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def cohort():
    return CohortFactory(capacity=5)


def errors_of(cohort, text, hr, **kwargs) -> list[dict]:
    report = enrollment_import(cohort=cohort, file=upload(text, **kwargs), dry_run=True, by=hr)
    return [error.as_dict() for error in report.errors]


def test_real_run_creates_people_links_managers_and_enrolls(cohort, hr):
    report = enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=False, by=hr)
    assert report.enrolled == ["ana.lima@example.com", "ben.ode@example.com"]
    assert report.created_users == ["ana.lima@example.com", "ben.ode@example.com"]
    assert report.created_managers == ["rita.boss@example.com"]
    ana = User.objects.get(email="ana.lima@example.com")
    assert (ana.full_name, ana.job_title, ana.manager.email) == (
        "Ana Lima",
        "Team Lead",
        "rita.boss@example.com",
    )
    assert ana.manager.full_name == "Rita Boss"
    assert has_role(ana, Role.LEADER)
    assert not has_role(ana.manager, Role.LEADER)
    assert cohort.enrollments.filter(status=Enrollment.Status.INVITED).count() == 2
    cohort.refresh_from_db()
    assert cohort.seats_taken == 2


def test_existing_people_are_enrolled_and_keep_their_details(cohort, hr):
    ana = LeaderFactory(email="ana.lima@example.com", full_name="Ana L.", job_title="VP")
    report = enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=False, by=hr)
    assert report.created_users == ["ben.ode@example.com"]
    ana.refresh_from_db()
    assert (ana.full_name, ana.job_title) == ("Ana L.", "VP")
    assert cohort.enrollments.filter(leader=ana).exists()


def test_dry_run_reports_and_writes_nothing(cohort, hr):
    users_before = User.objects.count()
    report = enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=True, by=hr)
    assert report.as_dict()["counts"] == {
        "created_users": 2,
        "created_managers": 1,
        "enrolled": 2,
        "unchanged": 0,
        "errors": 0,
    }
    assert User.objects.count() == users_before
    assert not Enrollment.objects.exists()
    cohort.refresh_from_db()
    assert cohort.seats_taken == 0


def test_importing_the_same_file_twice_changes_nothing(cohort, hr):
    enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=False, by=hr)
    users = User.objects.count()
    again = enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=False, by=hr)
    assert again.unchanged == ["ana.lima@example.com", "ben.ode@example.com"]
    assert again.enrolled == again.created_users == again.created_managers == []
    assert User.objects.count() == users
    cohort.refresh_from_db()
    assert cohort.seats_taken == 2


def test_excel_export_with_bom_semicolons_crlf_and_odd_headers(cohort, hr):
    text = (
        "\ufeffEmployee No;E-Mail;Full Name;Job Title;Manager Email\r\n"
        "17;Zoe.Muller@Example.com;Zoë Müller;Directrice, Ventes;\r\n"
    )
    report = enrollment_import(cohort=cohort, file=upload(text), dry_run=False, by=hr)
    assert report.enrolled == ["zoe.muller@example.com"]
    zoe = User.objects.get(email="zoe.muller@example.com")
    assert (zoe.full_name, zoe.job_title, zoe.manager) == ("Zoë Müller", "Directrice, Ventes", None)


def test_columns_in_any_order_and_without_optional_ones(cohort, hr):
    report = enrollment_import(
        cohort=cohort,
        file=upload("FULL_NAME,Email\nAna Lima,ana@example.com\n"),
        dry_run=True,
        by=hr,
    )
    assert report.enrolled == ["ana@example.com"]


def test_every_row_error_is_listed_and_a_real_run_writes_nothing(cohort, hr):
    text = (
        "email,full_name,title,manager_email\n"
        "good@example.com,Good Person,,\n"  # row 2: fine
        "not-an-email,Bad Email,,\n"  # row 3
        "good@example.com,Twice,,\n"  # row 4: duplicate of row 2
        "new@example.com,,,\n"  # row 5: new person without a name
        "self@example.com,Self,,self@example.com\n"  # row 6: own manager
        ",Nobody,,\n"  # row 7: empty email
        "boss@example.com,Boss,,bad manager\n"  # row 8
    )
    with pytest.raises(RowErrorsFound) as info:
        enrollment_import(cohort=cohort, file=upload(text), dry_run=False, by=hr)
    errors = [(e.row, e.column) for e in info.value.errors]
    assert errors == [
        (3, "email"),
        (4, "email"),
        (5, "full_name"),
        (6, "manager_email"),
        (7, "email"),
        (8, "manager_email"),
    ]
    assert "row 2" in info.value.errors[1].message
    assert not User.objects.filter(email="good@example.com").exists()
    assert not Enrollment.objects.exists()


def test_rows_beyond_capacity_are_errors(hr):
    cohort = CohortFactory(capacity=2, seats_taken=1)
    text = "email,full_name\na@example.com,A\nb@example.com,B\nc@example.com,C\n"
    errors = errors_of(cohort, text, hr)
    assert [(e["row"], e["column"]) for e in errors] == [(3, "email"), (4, "email")]
    assert "capacity of 2" in errors[0]["message"]
    assert "only 1 seat left" in errors[0]["message"]


def test_already_enrolled_rows_do_not_count_against_capacity(hr):
    cohort = CohortFactory(capacity=1, seats_taken=1)
    EnrollmentFactory(cohort=cohort, leader=LeaderFactory(email="a@example.com"))
    report = enrollment_import(
        cohort=cohort, file=upload("email,full_name\na@example.com,A\n"), dry_run=False, by=hr
    )
    assert report.unchanged == ["a@example.com"]


def test_open_enrollment_in_another_cohort_of_the_program_is_an_error(cohort, hr):
    other = CohortFactory(program=cohort.program, name="June run")
    EnrollmentFactory(cohort=other, leader=LeaderFactory(email="a@example.com"))
    errors = errors_of(cohort, "email,full_name\na@example.com,A\n", hr)
    assert errors[0]["column"] == "email"
    assert "June run" in errors[0]["message"]


def test_withdrawn_from_this_cohort_is_an_error(cohort, hr):
    EnrollmentFactory(
        cohort=cohort, leader=LeaderFactory(email="a@example.com"), status="withdrawn"
    )
    errors = errors_of(cohort, "email,full_name\na@example.com,A\n", hr)
    assert "withdrew" in errors[0]["message"]


def test_a_person_without_the_leader_role_gets_it(cohort, hr):
    person = UserFactory(email="a@example.com")
    enrollment_import(
        cohort=cohort, file=upload("email,full_name\nA@Example.com,A\n"), dry_run=False, by=hr
    )
    person.refresh_from_db()
    assert has_role(person, Role.LEADER)


# --- the endpoint -----------------------------------------------------------------------


def post_import(api, user, cohort, content: bytes, dry_run=None, name="people.csv"):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if dry_run is not None:
        data["dry_run"] = "true" if dry_run else "false"
    return api(user).post(
        f"/api/v1/cohorts/{cohort.pk}/enrollments/import/", data, format="multipart"
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("hr", 200), ("leader", 403), ("mentor", 403), ("nobody", 403)],
)
def test_only_hr_imports(api, cohort, request, role, expected):
    user = request.getfixturevalue(role)
    assert post_import(api, user, cohort, GOOD.encode(), dry_run=True).status_code == expected


def test_anonymous_cannot_import(api, cohort):
    assert post_import(api, None, cohort, GOOD.encode()).status_code == 401


def test_import_into_an_unknown_cohort_is_a_404(api, hr):
    response = api(hr).post(
        "/api/v1/cohorts/999999/enrollments/import/",
        {"file": SimpleUploadedFile("a.csv", GOOD.encode())},
        format="multipart",
    )
    assert response.status_code == 404


def test_endpoint_dry_run_then_real_run(api, hr, cohort):
    preview = post_import(api, hr, cohort, GOOD.encode(), dry_run=True)
    assert preview.status_code == 200
    assert preview.json()["counts"]["enrolled"] == 2
    assert preview.json()["applied"] is False
    assert not Enrollment.objects.exists()
    done = post_import(api, hr, cohort, GOOD.encode())
    assert done.status_code == 200
    assert done.json()["applied"] is True
    assert Enrollment.objects.count() == 2
    again = post_import(api, hr, cohort, GOOD.encode())
    assert again.json()["counts"]["unchanged"] == 2


def test_endpoint_real_run_with_row_errors_is_a_400_listing_them(api, hr, cohort):
    content = b"email,full_name\nok@example.com,Ok\nnope,Nope\n"
    response = api(hr).post(
        f"/api/v1/cohorts/{cohort.pk}/enrollments/import/",
        {"file": SimpleUploadedFile("a.csv", content), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert body["errors"] == [
        {"row": 3, "column": "email", "message": '"nope" is not a valid email address.'}
    ]
    assert not User.objects.filter(email="ok@example.com").exists()


def test_endpoint_dry_run_with_row_errors_is_a_200_report(api, hr, cohort):
    response = post_import(api, hr, cohort, b"email,full_name\nnope,Nope\n", dry_run=True)
    assert response.status_code == 200
    assert response.json()["counts"]["errors"] == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"email,full_name\r\n", "no data rows"),
        (b"mail,person\nx@example.com,X\n", "Missing required columns: email, full_name"),
        ("email,full_name\nz@example.com,Zoë\n".encode("cp1252"), "CSV UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\x00\x01\x02binary", "not a text CSV"),
    ],
)
def test_bad_files_are_a_400_with_a_clear_message(api, hr, cohort, content, says):
    response = post_import(api, hr, cohort, content, dry_run=True)
    assert response.status_code == 400
    assert says in response.json()["file"][0]


def test_file_over_5_mb_is_refused(api, hr, cohort):
    row = b"someone.with.a.long.name@example.com,Someone With A Long Name,Sales Team Lead,\n"
    content = b"email,full_name,title,manager_email\n" + row * (5 * 1024 * 1024 // len(row) + 1)
    response = post_import(api, hr, cohort, content, dry_run=True)
    assert response.status_code == 400
    assert "larger than 5 MB" in response.json()["file"][0]


def test_file_over_10000_rows_is_refused(api, hr, cohort):
    content = b"email,full_name\n" + b"a@b.co,A\n" * 10_001
    response = post_import(api, hr, cohort, content, dry_run=True)
    assert response.status_code == 400
    assert "more than 10,000 rows" in response.json()["file"][0]


def test_missing_file_field_is_a_400(api, hr, cohort):
    response = api(hr).post(
        f"/api/v1/cohorts/{cohort.pk}/enrollments/import/", {"dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_manager_listed_in_the_same_file_is_created_once_with_their_name(cohort, hr):
    text = (
        "email,full_name,manager_email\n"
        "team.lead@example.com,Tess Lead,head@example.com\n"
        "head@example.com,Hal Head,\n"
    )
    report = enrollment_import(cohort=cohort, file=upload(text), dry_run=False, by=hr)
    assert report.created_managers == []
    tess = User.objects.get(email="team.lead@example.com")
    assert tess.manager.full_name == "Hal Head"


def test_an_existing_manager_is_never_replaced(cohort, hr):
    boss = UserFactory(email="boss@example.com")
    ana = LeaderFactory(email="ana.lima@example.com", manager=boss)
    enrollment_import(cohort=cohort, file=upload(GOOD), dry_run=False, by=hr)
    ana.refresh_from_db()
    assert ana.manager == boss
    ben = User.objects.get(email="ben.ode@example.com")
    assert ben.manager.email == "rita.boss@example.com"


def import_rows(count: int, *, start: int = 0) -> str:
    """``count`` new leaders, half with an existing manager, every tenth manager new."""
    lines = ["email,full_name,title,manager_email"]
    for n in range(start, start + count):
        manager = f"new.boss{n}@example.com" if n % 10 == 0 else "rita.boss@example.com"
        lines.append(f"leader{n}@example.com,Leader {n},Sales Lead,{manager}")
    return "\r\n".join(lines) + "\r\n"


def test_an_import_costs_about_the_same_queries_for_10_rows_as_for_300(hr):
    # HR's limit is 10,000 rows: a few round trips per row (there were ~40) took minutes
    # for a full file, far beyond a web request's time.
    UserFactory(email="rita.boss@example.com")
    with CaptureQueriesContext(connection) as ten:
        enrollment_import(
            cohort=CohortFactory(capacity=10),
            file=upload(import_rows(10)),
            dry_run=False,
            by=hr,
        )
    large = CohortFactory(capacity=300)
    with CaptureQueriesContext(connection) as three_hundred:
        report = enrollment_import(
            cohort=large, file=upload(import_rows(300, start=1000)), dry_run=False, by=hr
        )
    # The same statements; only the backend's batching of long inserts may add some
    # (SQLite binds at most 999 parameters per statement), never one per row.
    assert len(ten) < 40 and len(three_hundred) < len(ten) + 20
    assert len(report.enrolled) == large.enrollments.count() == 300
    assert len(report.created_managers) == 30
    leader = User.objects.get(email="leader1010@example.com")
    assert leader.manager.email == "new.boss1010@example.com" and has_role(leader, Role.LEADER)

import datetime

import pytest

from people import demo as people_demo
from programs import demo
from programs.models import (
    Cohort,
    CohortSession,
    Enrollment,
    ModuleCompletion,
    Program,
    SessionAttendance,
)
from programs.selectors import with_progress

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)


def snapshot():
    return (
        sorted(Program.objects.values_list("slug", "name")),
        sorted(Cohort.objects.values_list("name", "starts_on", "ends_on", "seats_taken")),
        sorted(CohortSession.objects.values_list("cohort__name", "title", "starts_at")),
        sorted(
            Enrollment.objects.values_list(
                "cohort__name", "leader__email", "status", "created_at", "completed_at"
            )
        ),
        sorted(ModuleCompletion.objects.values_list("enrollment_id", "module_id", "completed_on")),
        SessionAttendance.objects.count(),
    )


def test_demo_program_cohorts_and_enrollments(mailoutbox):
    people_demo.seed(today=TODAY)
    demo.seed(today=TODAY)
    program = Program.objects.get(slug="sales-leadership-essentials")
    assert 8 <= program.modules.count() <= 12
    assert program.modules.values("competency").distinct().count() == 5
    april, current = Cohort.objects.order_by("starts_on")
    assert (april.starts_on.isoformat(), april.ends_on.isoformat()) == ("2024-04-08", "2024-04-12")
    assert april.sessions.count() == 5
    assert current.sessions.count() >= 6
    assert set(april.enrollments.values_list("status", flat=True)) == {"completed", "withdrawn"}
    assert april.seats_taken == 5
    statuses = list(current.enrollments.values_list("status", flat=True))
    assert statuses.count("active") == 5
    assert statuses.count("invited") == 1
    assert Enrollment.objects.count() == 12
    progress = {
        e.leader.email: e.progress_percent
        for e in with_progress(Enrollment.objects.select_related("leader"))
    }
    assert progress["aisha.bello@example.com"] == 100
    assert 0 < progress["leader@example.com"] < 100


def test_demo_seed_twice_changes_nothing():
    people_demo.seed(today=TODAY)
    demo.seed(today=TODAY)
    first = snapshot()
    demo.seed(today=TODAY)
    assert snapshot() == first

import datetime

from metrics import demo
from metrics.models import Observation, Target
from metrics.selectors import program_impact
from people import demo as people_demo
from people.models import User
from tests.programs.factories import CohortFactory, EnrollmentFactory

TODAY = datetime.date(2026, 11, 28)


def test_demo_is_idempotent_and_shows_a_program_effect(db):
    people_demo.seed(today=TODAY)
    cohort = CohortFactory(starts_on=datetime.date(2024, 4, 8), ends_on=datetime.date(2024, 4, 12))
    for email, _, _ in people_demo.LEADERS[:6]:
        EnrollmentFactory(cohort=cohort, leader=User.objects.get(email=email))

    demo.seed(today=TODAY)
    counts = (Observation.objects.count(), Target.objects.count(), User.objects.count())
    demo.seed(today=TODAY)
    assert (Observation.objects.count(), Target.objects.count(), User.objects.count()) == counts

    latest = Observation.objects.filter(metric__code="sales_attainment").latest("period_start")
    assert latest.period_start == datetime.date(2026, 10, 1)
    assert Observation.objects.filter(leader__email="pablo.ruiz@example.com").exists()

    impact = program_impact(program=cohort.program, as_of=TODAY)
    for row in impact["metrics"]:
        assert row["enrolled_leaders"] == 6
        assert row["comparison_leaders"] == 26  # 20 comparison + 6 demo leaders not enrolled
        assert row["improved"] is True, row
        assert row["caution"] == ""  # both groups have at least 5 leaders

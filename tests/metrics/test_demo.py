import datetime

from metrics import demo
from metrics.models import Observation, Target
from metrics.selectors import program_impact
from people import demo as people_demo
from people.models import User
from tests.programs.factories import CohortFactory, EnrollmentFactory

TODAY = datetime.date(2026, 11, 28)


def demo_emails() -> list[str]:
    return [email for email, _, _ in people_demo.LEADERS]


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

    # The latest three months of retention are measured from the reporting line, where
    # a few team members left.
    assert User.objects.filter(left_on__isnull=False, is_active=False).count() == len(
        people_demo.LEAVERS
    )
    measured = Observation.objects.filter(
        metric__code="retention_rate", period_start=datetime.date(2026, 10, 1)
    )
    assert {o.source for o in measured.filter(leader__email__in=demo_emails())} == {
        Observation.Source.REPORTING_LINE
    }
    assert measured.filter(source="reporting_line", value__lt=100).count() >= 2
    months = Observation.objects.filter(source="reporting_line").values_list(
        "period_start__month", flat=True
    )
    assert set(months) == {8, 9, 10}

    impact = program_impact(program=cohort.program, as_of=TODAY)
    for row in impact["metrics"]:
        assert row["enrolled_leaders"] == 6
        assert row["comparison_leaders"] == 26  # 20 comparison + 6 demo leaders not enrolled
        assert row["improved"] is True, row
        assert row["caution"] == ""  # both groups have at least 5 leaders

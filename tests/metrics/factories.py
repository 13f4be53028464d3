import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from metrics.models import MetricDefinition, Observation, Target
from tests.people.factories import LeaderFactory
from tests.programs.factories import EnrollmentFactory


def metric(code: str) -> MetricDefinition:
    """One of the six metrics seeded by migration."""
    return MetricDefinition.objects.get(code=code)


class MetricDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricDefinition

    code = factory.Sequence(lambda n: f"metric_{n}")
    name = factory.Sequence(lambda n: f"Metric {n}")
    category = MetricDefinition.Category.SALES
    unit = MetricDefinition.Unit.PERCENT
    direction = MetricDefinition.Direction.HIGHER_IS_BETTER
    aggregation = MetricDefinition.Aggregation.AVERAGE
    period = MetricDefinition.Period.MONTH


class ObservationFactory(factory.django.DjangoModelFactory):
    """Writes the row directly (no validation or history): for fixtures, not for rules."""

    class Meta:
        model = Observation

    leader = factory.SubFactory(LeaderFactory)
    metric = factory.LazyFunction(lambda: metric("sales_attainment"))
    period_start = datetime.date(2024, 3, 1)
    period = factory.LazyAttribute(lambda o: o.metric.period)
    value = Decimal("90")
    source = Observation.Source.IMPORT
    recorded_at = factory.LazyFunction(timezone.now)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    metric = factory.LazyFunction(lambda: metric("sales_attainment"))
    leader = factory.SubFactory(LeaderFactory)
    cohort = None
    valid_from = datetime.date(2024, 1, 1)
    value = Decimal("95")


def observe(leader, code: str, period: str, value) -> Observation:
    """observe(leader, "sales_attainment", "2024-03", 80)"""
    year, month = (int(part) for part in period.split("-"))
    return ObservationFactory(
        leader=leader,
        metric=metric(code),
        period_start=datetime.date(year, month, 1),
        value=Decimal(str(value)),
    )


def grow(world, *, leaders: int, months: int) -> None:
    """More enrolled and comparison leaders, each with more months of every metric."""
    cohort = world["cohort"]
    for index in range(leaders):
        enrolled = LeaderFactory()
        EnrollmentFactory(cohort=cohort, leader=enrolled)
        comparison = LeaderFactory()
        for person in (enrolled, comparison):
            for month in range(1, months + 1):
                observe(person, "sales_attainment", f"2024-{month:02d}", 80 + index)
                observe(person, "regretted_attrition", f"2024-{month:02d}", index % 3)
    ada_retention = Observation.objects.filter(leader=world["ada"], metric__code="retention_rate")
    for month in range(ada_retention.count() + 1, months + 1):
        observe(world["ada"], "retention_rate", f"2024-{month:02d}", 90)

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from metrics.models import MetricDefinition, Observation, Target
from tests.people.factories import LeaderFactory


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

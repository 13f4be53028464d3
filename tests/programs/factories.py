import datetime

import factory

from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleCompletion,
    Program,
)
from tests.people.factories import LeaderFactory


def competency(slug: str) -> Competency:
    """One of the competencies seeded by migration."""
    return Competency.objects.get(slug=slug)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Leadership Program {n}")
    slug = factory.Sequence(lambda n: f"leadership-program-{n}")
    description = "Develops new sales leaders."


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    kind = Module.Kind.WORKSHOP
    competency = factory.LazyFunction(lambda: competency("communication"))
    is_required = True
    position = factory.Sequence(lambda n: n)
    expected_hours = 2


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = datetime.date(2024, 4, 8)
    ends_on = datetime.date(2024, 4, 12)
    delivery = Cohort.Delivery.VIRTUAL
    time_zone = "Europe/Berlin"
    capacity = 20


class CohortSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortSession

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"Live session {n}")
    starts_at = datetime.datetime(2024, 4, 8, 7, 0, tzinfo=datetime.UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    meeting_url = "https://meet.example.com/lodestar"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """Writes the row directly (no capacity counting): for fixtures, not for rules."""

    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    program = factory.LazyAttribute(lambda o: o.cohort.program)
    leader = factory.SubFactory(LeaderFactory)
    status = Enrollment.Status.ACTIVE


class ModuleCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleCompletion

    enrollment = factory.SubFactory(EnrollmentFactory)
    module = factory.SubFactory(ModuleFactory)
    completed_on = datetime.date(2024, 4, 9)

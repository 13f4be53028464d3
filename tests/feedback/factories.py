import datetime
import importlib

import factory
from django.apps import apps as django_apps

from feedback.models import Cycle, Nomination, Questionnaire, RaterRequest
from tests.people.factories import UserFactory
from tests.programs.factories import CohortFactory

DEFAULT_QUESTIONNAIRE = "Management\u2013Leadership Balance"


def default_questionnaire() -> Questionnaire:
    """The questionnaire seeded by migration (seeded again after a transactional test's flush)."""
    questionnaire = Questionnaire.objects.filter(name=DEFAULT_QUESTIONNAIRE).first()
    if questionnaire is None:
        migration = importlib.import_module("feedback.migrations.0002_default_questionnaire")
        migration.seed(django_apps, None)
        questionnaire = Questionnaire.objects.get(name=DEFAULT_QUESTIONNAIRE)
    return questionnaire


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    name = factory.Sequence(lambda n: f"Questionnaire {n}")


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    cohort = factory.SubFactory(
        CohortFactory,
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 12, 31),
    )
    questionnaire = factory.LazyFunction(default_questionnaire)
    name = factory.Sequence(lambda n: f"Feedback round {n}")
    opens_at = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)
    due_at = factory.LazyAttribute(lambda o: o.opens_at + datetime.timedelta(days=10))
    reminder_every_days = 3
    status = Cycle.Status.SCHEDULED


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    cycle = factory.SubFactory(CycleFactory)
    subject = factory.SubFactory(UserFactory)
    rater = factory.SubFactory(UserFactory)
    group = "peer"


class RaterRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaterRequest

    cycle = factory.SubFactory(CycleFactory, status=Cycle.Status.OPEN)
    subject = factory.SubFactory(UserFactory)
    rater = factory.SubFactory(UserFactory)
    group = "peer"
    status = RaterRequest.Status.SENT

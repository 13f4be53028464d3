import datetime

import factory
from django.utils import timezone

from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from tests.people.factories import LeaderFactory, MentorFactory


class MentorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentorProfile

    user = factory.SubFactory(MentorFactory)
    capacity = 3


class PairingFactory(factory.django.DjangoModelFactory):
    """Writes the row directly (no capacity counting): for fixtures, not for rules."""

    class Meta:
        model = Pairing

    mentor = factory.SubFactory(MentorFactory)
    mentee = factory.SubFactory(LeaderFactory)
    started_on = datetime.date(2024, 4, 1)
    status = Pairing.Status.ACTIVE


class MentoringSessionFactory(factory.django.DjangoModelFactory):
    """A held session a week ago by default; written directly, for fixtures."""

    class Meta:
        model = MentoringSession
        skip_postgeneration_save = True

    pairing = factory.SubFactory(PairingFactory)
    status = MentoringSession.Status.HELD
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    duration_minutes = 45
    format = MentoringSession.Format.VIDEO
    shared_notes = "Discussed pipeline reviews."
    private_notes = "PRIVATE-NOTE-SENTINEL: seems anxious about the team."
    logged_by = factory.LazyAttribute(lambda o: o.pairing.mentor)


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    session = factory.SubFactory(MentoringSessionFactory)
    description = factory.Sequence(lambda n: f"Action item {n}")
    owner = ActionItem.Owner.MENTEE
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    mentee = factory.SubFactory(LeaderFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    status = Goal.Status.IN_PROGRESS
    progress = 40

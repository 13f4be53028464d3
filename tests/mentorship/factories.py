import datetime

import factory

from mentorship.models import MentorProfile, Pairing
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

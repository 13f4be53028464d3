"""A pairing that has not started yet can be called off (a leaver's, before erasure)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentorship import services
from mentorship.models import MentorProfile, Pairing

pytestmark = pytest.mark.django_db


def test_a_pairing_that_has_not_started_ends_on_the_day_it_would_have_started(
    clock, mentor, leader
):
    starts = timezone.localdate() + datetime.timedelta(days=20)
    pairing = services.pairing_create(mentor=mentor, mentee=leader, started_on=starts, by=None)

    services.pairing_end(pairing=pairing, by=None)

    assert (pairing.status, pairing.ended_on) == (Pairing.Status.ENDED, starts)
    assert MentorProfile.objects.get(user=mentor).active_mentees == 0


def test_it_cannot_be_ended_after_the_day_it_would_have_started(clock, mentor, leader):
    starts = timezone.localdate() + datetime.timedelta(days=20)
    pairing = services.pairing_create(mentor=mentor, mentee=leader, started_on=starts, by=None)

    with pytest.raises(ValidationError, match="future"):
        services.pairing_end(pairing=pairing, by=None, ended_on=starts + datetime.timedelta(days=1))

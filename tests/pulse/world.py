"""A small organisation for pulse tests: HR, a cohort of three leaders with teams of
4, 2 and 3 active members (and one member who left), and a quarterly default pulse for
the cohort starting on the clock's day (1 February 2027, round period 2027-Q1)."""

from __future__ import annotations

import dataclasses
import datetime

from people.models import User
from pulse import services
from pulse.links import invite_token
from pulse.models import DEFAULT_TEMPLATE, Pulse, PulseInvite, PulseRound, PulseTemplate
from pulse.selectors import statements_of
from tests.people.factories import HRFactory, LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory, EnrollmentFactory

START = datetime.date(2027, 2, 1)
OPENED = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=datetime.UTC)


@dataclasses.dataclass
class World:
    hr: User
    cohort: object
    big: User  # 4 members
    small: User  # 2 members
    three: User  # exactly 3 members
    pulse: Pulse

    @property
    def leaders(self) -> list[User]:
        return [self.big, self.small, self.three]


def team(leader: User, size: int, *, prefix: str) -> list[User]:
    return [
        UserFactory(
            email=f"{prefix}{n}@example.com",
            full_name=f"{prefix.title()} Member{n}",
            manager=leader,
        )
        for n in range(size)
    ]


def build_world(*, cohort_pulse: bool = True) -> World:
    hr = HRFactory(email="hr.pulse@example.com", full_name="Hana Pulse")
    cohort = CohortFactory(name="Pulse cohort")
    big = LeaderFactory(email="big.leader@example.com", full_name="Bea Big")
    small = LeaderFactory(email="small.leader@example.com", full_name="Sam Small")
    three = LeaderFactory(email="three.leader@example.com", full_name="Theo Three")
    for leader in (big, small, three):
        EnrollmentFactory(cohort=cohort, leader=leader)
    team(big, 4, prefix="big")
    team(small, 2, prefix="small")
    team(three, 3, prefix="three")
    UserFactory(email="gone@example.com", manager=big, is_active=False)
    pulse = services.pulse_create(
        name="Q pulse",
        template=PulseTemplate.objects.get(name=DEFAULT_TEMPLATE),
        cohort=cohort if cohort_pulse else None,
        cadence="quarter",
        starts_on=START,
        answer_days=14,
        remind_after_days=5,
        by=hr,
    )
    return World(hr=hr, cohort=cohort, big=big, small=small, three=three, pulse=pulse)


def values(pulse: Pulse, *, scale: int = 4, enps: int = 9) -> dict[str, int]:
    return {str(s.pk): (enps if s.is_enps else scale) for s in statements_of(pulse)}


def answer_all(
    pulse_round: PulseRound, leader: User, count: int, *, scale: int = 4, enps: int = 9, comment=""
) -> list[PulseInvite]:
    """``count`` of the leader's team answer (the same values)."""
    invites = list(
        PulseInvite.objects.filter(
            round=pulse_round, leader=leader, status__in=PulseInvite.OPEN_STATUSES
        ).order_by("pk")[:count]
    )
    assert len(invites) == count
    for invite in invites:
        services.response_submit(
            invite=PulseInvite.objects.select_related("round__pulse").get(pk=invite.pk),
            values=values(pulse_round.pulse, scale=scale, enps=enps),
            comment=comment,
        )
    return invites


def token_of(invite: PulseInvite) -> str:
    return invite_token(invite)

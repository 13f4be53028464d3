"""Demo team pulse: the default engagement pulse for the current cohort, quarterly, with
last quarter's round closed. Most leaders' teams answered three times or more, so those
leaders have a team_engagement value for the quarter with source "Team pulse"; one
leader's team answered only twice, and HR sees "below threshold" for them.

The round runs as it would have: the tick opens it (invites, no email reaches anyone:
each is skipped once answered or expired), team members answer, the tick closes it.
Idempotent: a pulse of that name for the cohort is left alone.
"""

from __future__ import annotations

import datetime

from metrics.periods import Period, last_complete_period
from people.models import User
from programs.demo import current_cohort_spec
from programs.models import Cohort
from pulse import services
from pulse.models import DEFAULT_TEMPLATE, Pulse, PulseInvite, PulseTemplate
from pulse.selectors import statements_of

PULSE_NAME = "Quarterly team pulse"
# The leader whose team answered only twice (below the threshold).
BELOW_THRESHOLD_LEADER = "hannah.schmidt@example.com"
COMMENTS = [
    "Our weekly huddles keep everyone on the same page.",
    "More time for coaching on bigger deals would help.",
    "I feel trusted to run my accounts my way.",
    "",
]


def seed(*, today: datetime.date) -> dict:
    cohort = Cohort.objects.filter(name=current_cohort_spec(today)["name"]).first()
    template = PulseTemplate.objects.filter(name=DEFAULT_TEMPLATE).first()
    hr = User.objects.filter(email="hr@example.com").first()
    if cohort is None or template is None or hr is None:
        return {}
    if Pulse.objects.filter(name=PULSE_NAME, cohort=cohort).exists():
        return {}
    period_start = last_complete_period(today, Period.QUARTER)
    pulse = services.pulse_create(
        name=PULSE_NAME,
        template=template,
        cohort=cohort,
        cadence=Period.QUARTER,
        starts_on=period_start,
        answer_days=14,
        remind_after_days=7,
        by=hr,
    )
    opens_at, closes_at = services.round_window(pulse, period_start)
    services.pulse_tick(now=opens_at + datetime.timedelta(minutes=5))
    pulse_round = pulse.rounds.get(period_start=period_start)
    _answers(pulse_round, answered_at=opens_at + datetime.timedelta(days=2))
    services.pulse_tick(now=closes_at + datetime.timedelta(minutes=5))
    return {"pulse": pulse}


def _answers(pulse_round, *, answered_at: datetime.datetime) -> None:
    """Each team answers all but one or two of its members (deterministically); the
    below-threshold leader's team answers twice."""
    statements = statements_of(pulse_round.pulse)
    invites = list(
        PulseInvite.objects.filter(round=pulse_round)
        .select_related("leader", "round__pulse")
        .order_by("leader__email", "member__email")
    )
    by_leader: dict[int, list[PulseInvite]] = {}
    for invite in invites:
        by_leader.setdefault(invite.leader_id, []).append(invite)
    for team in by_leader.values():
        leader = team[0].leader
        count = (
            2 if leader.email == BELOW_THRESHOLD_LEADER else max(3, len(team) - 1 - len(team) % 2)
        )
        for number, invite in enumerate(team[:count]):
            mood = (leader.pk + number) % 3  # 0, 1 or 2: a spread of answers per team
            values = {
                str(statement.pk): (
                    7 + mood
                    if statement.is_enps
                    # 2 to 5, leaning a little differently in each team
                    else min(5, 2 + (mood + position) % 3 + (leader.pk + position) % 2)
                )
                for position, statement in enumerate(statements)
            }
            services.response_submit(
                invite=invite,
                values=values,
                comment=COMMENTS[(leader.pk + number) % len(COMMENTS)],
                now=answered_at,
            )

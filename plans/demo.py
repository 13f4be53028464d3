"""Demo development plans: three leaders of the April 2024 cohort built plans from their
April report, and the cohort's six-month follow-up (October 2024, released) shows their
focus dimensions moving: each plan's page has before → after, HR's program impact the
same across the cohort. The current cohort's leaders have a released baseline report and
no plan yet: leader@example.com builds one from *My feedback*.

Idempotent: a plan that exists (leader and report) or the follow-up cycle is left alone.
"""

from __future__ import annotations

import datetime

from feedback.demo import APRIL_CYCLE, closed_cycle
from feedback.models import DEFAULT_QUESTIONNAIRE, Cycle, Questionnaire
from people.models import User
from plans.models import Plan
from plans.services import FocusInput, plan_create, plan_outcomes_record
from programs.models import Module

FOLLOW_UP_CYCLE = "Six-month 360° follow-up"
# (leader, [(dimension, what they will do differently, how they will know)])
APRIL_PLANS = [
    (
        "aisha.bello@example.com",
        [
            (
                "relationships",
                "A weekly one-to-one with every seller",
                "Pulse: 'my leader knows me' ≥ 4",
            ),
            (
                "communication",
                "Open each team meeting with the why",
                "Two sellers can say the quarter's aim",
            ),
        ],
    ),
    (
        "liam.oconnor@example.com",
        [
            (
                "development",
                "Coach one deal a week instead of closing it",
                "Two sellers close without me",
            ),
            (
                "risk_tolerance",
                "Let the team pilot one new approach a quarter",
                "One pilot run and reviewed",
            ),
        ],
    ),
    (
        "mei.chen@example.com",
        [("focus", "Write a one-page team plan for the next year", "Shared and discussed by June")],
    ),
]


def seed(*, today: datetime.date) -> dict:
    april = Cycle.objects.filter(name=APRIL_CYCLE, released_at__isnull=False).first()
    questionnaire = Questionnaire.objects.filter(name=DEFAULT_QUESTIONNAIRE).first()
    hr = User.objects.filter(email="hr@example.com").first()
    if april is None or questionnaire is None:
        return {}
    built = _april_plans(april)
    follow_up = Cycle.objects.filter(cohort=april.cohort, name=FOLLOW_UP_CYCLE).first()
    if follow_up is None:
        lift = {
            plan.leader_id: frozenset(plan.focuses.values_list("dimension", flat=True))
            for plan in Plan.objects.filter(cycle=april)
        }
        follow_up = closed_cycle(
            april.cohort,
            questionnaire,
            hr,
            name=FOLLOW_UP_CYCLE,
            opens_on=april.cohort.ends_on + datetime.timedelta(weeks=26),
            lift=lift,
        )
    plan_outcomes_record()  # what the nightly task would do: program impact reads it
    return {"plans": built, "follow_up": follow_up}


def _april_plans(april: Cycle) -> list[Plan]:
    built_at = april.released_at + datetime.timedelta(days=7)
    target = built_at.date() + datetime.timedelta(weeks=20)
    built = []
    for email, focuses in APRIL_PLANS:
        leader = User.objects.filter(email=email).first()
        if leader is None or Plan.objects.filter(leader=leader, cycle=april).exists():
            continue
        built.append(
            plan_create(
                leader=leader,
                cycle=april,
                focuses=[
                    FocusInput(
                        dimension,
                        goal,
                        measure,
                        target,
                        modules=list(
                            Module.objects.filter(
                                program=april.cohort.program, dimension_tags__dimension=dimension
                            )[:2]
                        ),
                    )
                    for dimension, goal, measure in focuses
                ],
                by=leader,
                now=built_at,
            )
        )
    return built

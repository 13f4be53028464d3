"""A small, hand-computable world for the dashboard figures.

Program "Essentials", cohort 2024-04-08 → 2024-04-12 (4 days), modules in order:

    M1 Listening       required  communication
    M2 Hiring          required  talent-management
    M3 Reading list    optional  communication
    M4 Feedback        required  communication

    leader        completions           mentor        sales_attainment (target 110 own)
    Leo (active)  M1 04-09, M2 04-11    Mia, paired   2024-03: 80, 2024-06: 100
                  M3 04-12              04-01; held   team_engagement 2024-Q2: 60 (target 70)
                                        04-10
    Olga (active) M1 04-10              none          2024-06: 90 (target 95), engagement 60 (70)
    Walt (withdrawn)                     —             —

On 2024-04-10 half the run has elapsed: floor(3 * 0.5) = 1 required module expected.
From 2024-04-12 on, all 3 are expected.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from mentorship.models import MentoringSession
from programs.models import Enrollment
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    PairingFactory,
)
from tests.metrics.factories import TargetFactory, metric, observe
from tests.people.factories import LeaderFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
    competency,
)


def aware(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@dataclass
class World:
    program: object
    cohort: object
    modules: list
    leo: object
    olga: object
    walt: object
    mia: object
    pairing: object


def build_world(*, leader, other_leader, mentor) -> World:
    program = ProgramFactory(name="Essentials")
    communication, talent = competency("communication"), competency("talent-management")
    modules = [
        ModuleFactory(program=program, title="Listening", competency=communication, position=1),
        ModuleFactory(program=program, title="Hiring", competency=talent, position=2),
        ModuleFactory(
            program=program,
            title="Reading list",
            competency=communication,
            position=3,
            is_required=False,
        ),
        ModuleFactory(program=program, title="Feedback", competency=communication, position=4),
    ]
    cohort = CohortFactory(program=program, name="Spring 2024")
    created = aware(2024, 3, 20, 9, 0)
    leo_enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    olga_enrollment = EnrollmentFactory(cohort=cohort, leader=other_leader)
    walt = LeaderFactory(full_name="Walt Wren")
    walt_enrollment = EnrollmentFactory(
        cohort=cohort, leader=walt, status=Enrollment.Status.WITHDRAWN
    )
    Enrollment.objects.filter(pk__in=[leo_enrollment.pk, olga_enrollment.pk]).update(
        created_at=created, activated_at=aware(2024, 4, 8, 8, 0)
    )
    Enrollment.objects.filter(pk=walt_enrollment.pk).update(
        created_at=created, withdrawn_at=aware(2024, 4, 9, 12, 0)
    )
    for module, day in [(modules[0], 9), (modules[1], 11), (modules[2], 12)]:
        ModuleCompletionFactory(
            enrollment=leo_enrollment, module=module, completed_on=datetime.date(2024, 4, day)
        )
    ModuleCompletionFactory(
        enrollment=olga_enrollment, module=modules[0], completed_on=datetime.date(2024, 4, 10)
    )
    CohortSessionFactory(
        cohort=cohort,
        title="Kick-off",
        starts_at=aware(2024, 4, 8, 7),
        ends_at=aware(2024, 4, 8, 9),
    )
    CohortSessionFactory(
        cohort=cohort,
        title="Wrap-up",
        starts_at=aware(2024, 4, 12, 7),
        ends_at=aware(2024, 4, 12, 9),
    )

    pairing = PairingFactory(mentor=mentor, mentee=leader, started_on=datetime.date(2024, 4, 1))
    held = MentoringSessionFactory(pairing=pairing, starts_at=aware(2024, 4, 10, 15))
    MentoringSessionFactory(
        pairing=pairing,
        status=MentoringSession.Status.PLANNED,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    ActionItemFactory(
        session=held, description="Shadow a pipeline review", due_on=datetime.date(2024, 4, 20)
    )
    ActionItemFactory(
        session=held,
        description="Read the hiring guide",
        due_on=datetime.date(2024, 4, 15),
        done_at=aware(2024, 4, 14, 10),
    )
    GoalFactory(mentee=leader, pairing=pairing, title="Run a calm forecast call", progress=40)

    observe(leader, "sales_attainment", "2024-03", 80)
    observe(leader, "sales_attainment", "2024-06", 100)
    observe(leader, "team_engagement", "2024-04", 60)  # quarterly: Q2
    observe(other_leader, "sales_attainment", "2024-06", 90)
    observe(other_leader, "team_engagement", "2024-04", 60)
    TargetFactory(leader=leader, metric=metric("sales_attainment"), value=Decimal(110))
    TargetFactory(leader=None, cohort=cohort, metric=metric("sales_attainment"), value=Decimal(95))
    TargetFactory(leader=None, cohort=cohort, metric=metric("team_engagement"), value=Decimal(70))
    return World(
        program=program,
        cohort=cohort,
        modules=modules,
        leo=leader,
        olga=other_leader,
        walt=walt,
        mia=mentor,
        pairing=pairing,
    )


def grow(world, extra: int) -> None:
    """More leaders in the cohort, each with completions, a mentor, sessions and metrics."""
    for n in range(extra):
        newcomer = LeaderFactory()
        enrollment = EnrollmentFactory(cohort=world.cohort, leader=newcomer)
        for module in world.modules[:2]:
            ModuleCompletionFactory(enrollment=enrollment, module=module)
        pairing = PairingFactory(mentor=world.mia, mentee=newcomer)
        MentoringSessionFactory.create_batch(2, pairing=pairing)
        for month in ("2024-03", "2024-05", "2024-06"):
            observe(newcomer, "sales_attainment", month, 90 + n)
        for quarter_start in ("2024-01", "2024-04"):
            observe(newcomer, "team_engagement", quarter_start, 60 + n)


def grow_cohorts(world, extra: int) -> None:
    """More cohorts of the program, each starting in a month of its own with two leaders
    of its own and their metrics, and another program with a cohort: nothing about the
    world's own leaders, mentor or cohort changes."""
    other_program = ProgramFactory()
    CohortFactory(program=other_program, starts_on=datetime.date(2024, 2, 5))
    for n in range(extra):
        cohort = CohortFactory(
            program=world.program,
            starts_on=datetime.date(2023, 1 + n % 12, 8),
            ends_on=datetime.date(2023, 1 + n % 12, 28),
        )
        for _ in range(2):
            newcomer = LeaderFactory()
            EnrollmentFactory(cohort=cohort, leader=newcomer)
            for month in ("2022-12", "2024-05", "2024-06"):
                observe(newcomer, "sales_attainment", month, 85 + n)

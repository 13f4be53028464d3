"""The people and things the drills work on, made through Lodestar's own services (so
every email is owed exactly as in production). Import only after ``Stack.django()``."""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from feedback import services as feedback
from feedback.models import Cycle, Questionnaire
from mentorship import services as mentorship
from mentorship.models import MentoringSession, MentorProfile, Pairing
from people import services as people
from people.models import User
from people.roles import Role
from programs import services as programs
from programs.models import Cohort

# The questionnaire feedback's migration seeds.
DEFAULT_QUESTIONNAIRE = "Management\u2013Leadership Balance"
DOMAIN = "drill.test"


def cohort_with_leaders(*, label: str, leaders: int, days: int = 120) -> tuple[Cohort, list[User]]:
    """A program and a cohort running from today, and ``leaders`` leaders (each with a
    manager) imported into it from a CSV: one welcome email each."""
    today = timezone.localdate()
    program = programs.program_create(by=None, name=f"Drill {label}", slug=f"drill-{label}")
    cohort = programs.cohort_create(
        by=None,
        program=program,
        name=f"Drill {label} cohort",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=days),
        capacity=leaders,
    )
    rows = ["email,full_name,manager_email"]
    rows += [
        f"leader{n}.{label}@{DOMAIN},Leader {n} {label},manager{n % 20}.{label}@{DOMAIN}"
        for n in range(leaders)
    ]
    programs.enrollment_import(cohort=cohort, file="\n".join(rows).encode(), dry_run=False, by=None)
    members = list(User.objects.filter(enrollments__cohort=cohort).order_by("pk"))
    return cohort, members


def mentors_pair(*, label: str, leaders: list[User], per_mentor: int = 10) -> list[Pairing]:
    """Mentors (``per_mentor`` mentees each) paired with every leader."""
    pairings = []
    for start in range(0, len(leaders), per_mentor):
        mentor = people.user_create(
            email=f"mentor{start}.{label}@{DOMAIN}", full_name=f"Mentor {start}", by=None
        )
        people.user_role_grant(user=mentor, role=Role.MENTOR, by=None)
        MentorProfile.objects.create(user=mentor, capacity=per_mentor)
        pairings += [
            mentorship.pairing_create(
                mentor=mentor, mentee=leader, started_on=timezone.localdate(), by=None
            )
            for leader in leaders[start : start + per_mentor]
        ]
    return pairings


def sessions_plan(*, pairings: list[Pairing], each: int = 1) -> list[MentoringSession]:
    """``each`` planned sessions per pairing, a week apart from next week: one calendar
    invitation each."""
    starts_at = timezone.now() + datetime.timedelta(days=7)
    return [
        mentorship.session_create(
            pairing=pairing,
            by=pairing.mentor,
            starts_at=starts_at + datetime.timedelta(weeks=week),
            status=MentoringSession.Status.PLANNED,
        )
        for pairing in pairings
        for week in range(each)
    ]


def cycle_schedule(
    *,
    cohort: Cohort,
    opens_at: datetime.datetime,
    due_at: datetime.datetime,
    reminder_every_days: int = 1,
) -> Cycle:
    """A scheduled 360 cycle of the default questionnaire (the tick opens it)."""
    return feedback.cycle_create(
        cohort=cohort,
        questionnaire=Questionnaire.objects.get(name=DEFAULT_QUESTIONNAIRE),
        name=f"{cohort.name} 360",
        opens_at=opens_at,
        due_at=due_at,
        reminder_every_days=reminder_every_days,
        by=None,
        schedule=True,
    )


def direct_reports(*, label: str, leaders: list[User], each: int) -> int:
    """``each`` people reporting to every leader, loaded into the directory in one go (as
    an HR-system sync would): each is asked about their leader when a cycle opens."""
    people_ = [
        User(
            email=f"report{n}.{leader.pk}.{label}@{DOMAIN}",
            full_name=f"Report {n} of {leader.full_name}",
            manager=leader,
            password=make_password(None),
        )
        for leader in leaders
        for n in range(each)
    ]
    return len(User.objects.bulk_create(people_))

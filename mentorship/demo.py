"""Demo mentoring: every demo leader paired with one of the three mentors, months of
held sessions with topics, notes and action items (some overdue), a session planned
for next week, two or three goals each, and one pairing that has gone quiet.

Everything goes through the services, so the demo obeys the same rules as real
use (checked against the real clock). Idempotent: a leader who already has a
pairing is left alone, so seeding twice changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from common.models import Email
from mentorship import emails, services
from mentorship.models import Goal, MentorDimension, MentoringSession, MentorProfile, Pairing
from people.demo import LEADERS, MENTORS
from people.models import User
from programs.models import Competency, Enrollment

# Helen mentors Sam Rivera (leader@example.com), as the README promises; the others rotate.
EXPERTISE = {
    "mentor@example.com": ["communication", "relationships", "talent-management"],
    "daniel.kowalski@example.com": ["problem-solving", "team-optimization"],
    "grace.lindqvist@example.com": ["talent-management", "communication", "team-optimization"],
}
# The balance dimensions each mentor is strong at developing (matching with plans).
DIMENSION_EXPERTISE = {
    "mentor@example.com": ["relationships", "communication", "development"],
    "daniel.kowalski@example.com": ["decision_making", "risk_tolerance", "goal_orientation"],
    "grace.lindqvist@example.com": ["focus", "approach", "success"],
}
BIOS = {
    "mentor@example.com": "Built the enterprise team from 6 to 40 people across three regions.",
    "daniel.kowalski@example.com": "Turns around struggling territories; loves a good pipeline.",
    "grace.lindqvist@example.com": "Runs sales enablement; coaches first-time managers.",
}
QUIET_LEADER = "jonas.weber@example.com"  # last session 45 days ago
CAPACITY = 5

TOPIC_ROTATION = [
    "communication",
    "talent-management",
    "problem-solving",
    "relationships",
    "team-optimization",
]
SHARED_NOTES = [
    "Went through the first team meeting agenda; agreed to keep it to 30 minutes.",
    "Reviewed how to give feedback on a missed quota without losing the rep.",
    "Talked about delegating forecast calls and what to keep.",
    "Planned the hiring loop for the open AE role.",
    "Discussed handling a top performer who resists coaching.",
    "Mapped key relationships with peers in marketing and customer success.",
]
PRIVATE_NOTES = [
    "Seems stretched; check workload next time.",
    "Confident with customers, less so with the team. Keep pushing on 1:1s.",
    "Tension with a peer lead; do not raise it with HR yet.",
]
ACTIONS = [
    ("Hold a 1:1 with every rep and write down one goal each", "mentee"),
    ("Share the feedback framework slides", "mentor"),
    ("Draft the hiring scorecard", "mentee"),
    ("Shadow a pipeline review in another region", "mentee"),
    ("Introduce to the customer success lead", "mentor"),
]
GOALS = [
    ("Run weekly 1:1s with every rep", "communication", 35),
    ("Hire and onboard one account executive", "talent-management", 60),
    ("Rebalance territories for next quarter", "team-optimization", 20),
    ("Build a peer network across regions", "relationships", 45),
]


def seed(*, today: datetime.date) -> None:
    now = timezone.now()
    competencies = {c.slug: c for c in Competency.objects.all()}
    mentors = [User.objects.get(email=email) for email, *_ in MENTORS]
    for mentor in mentors:
        profile, created = MentorProfile.objects.get_or_create(
            user=mentor, defaults={"capacity": CAPACITY, "bio": BIOS[mentor.email]}
        )
        if created:
            profile.expertise.set([competencies[s] for s in EXPERTISE[mentor.email]])
            MentorDimension.objects.bulk_create(
                MentorDimension(profile=profile, dimension=dimension)
                for dimension in DIMENSION_EXPERTISE[mentor.email]
            )

    for index, (email, *_rest) in enumerate(LEADERS):
        leader = User.objects.get(email=email)
        if Pairing.objects.filter(mentee=leader).exists():
            continue
        mentor = mentors[index % len(mentors)]
        _seed_pairing(index, mentor, leader, competencies, now=now, today=today)


def _seed_pairing(index, mentor, leader, competencies, *, now, today) -> None:
    enrollment = (
        Enrollment.objects.filter(leader=leader, status__in=Enrollment.OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )
    pairing = services.pairing_create(
        mentor=mentor,
        mentee=leader,
        enrollment=enrollment,
        started_on=today - datetime.timedelta(days=160),
        objectives="Settle into the new role: run the team, hire well, hit the number.",
        by=None,
    )
    quiet = leader.email == QUIET_LEADER
    held_count = 4 if quiet else 3 + (index * 5) % 8  # 3 to 10 sessions
    latest_days_ago = 45 if quiet else 3 + index % 6
    for number in range(held_count):
        days_ago = latest_days_ago + 14 * (held_count - 1 - number)
        is_latest = number == held_count - 1
        starts_at = (now - datetime.timedelta(days=days_ago)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
        session = services.session_create(
            pairing=pairing,
            by=mentor,
            status=MentoringSession.Status.HELD,
            starts_at=starts_at,
            duration_minutes=(30, 45, 60)[(index + number) % 3],
            format=MentoringSession.Format.values[(index + number) % 3],
            topics=[
                competencies[TOPIC_ROTATION[(index + number) % 5]],
                competencies[TOPIC_ROTATION[(index + number + 2) % 5]],
            ],
            shared_notes=SHARED_NOTES[(index + number) % len(SHARED_NOTES)],
            private_notes=PRIVATE_NOTES[(index + number) % len(PRIVATE_NOTES)],
            action_items=_actions(index, number, starts_at.date(), today, is_latest),
        )
        if not is_latest:
            # Earlier promises were kept.
            session.action_items.update(done_at=starts_at + datetime.timedelta(days=6))
    if not quiet:
        _plan_next_week(index, pairing, mentor, competencies, now)
    for title, slug, progress in _goals(index):
        services.goal_create(
            mentee=leader,
            pairing=pairing,
            title=title,
            competency=competencies[slug],
            target_date=today + datetime.timedelta(days=60 + 15 * index % 90),
            status=Goal.Status.IN_PROGRESS,
            progress=(progress + 7 * index) % 95,
            by=mentor,
        )


def _actions(index, number, held_on, today, is_latest) -> list[services.ActionItemInput]:
    description, owner = ACTIONS[(index + number) % len(ACTIONS)]
    # Due five days after the session: for the latest one that is usually overdue by now.
    due_on = held_on + datetime.timedelta(days=5)
    if is_latest and index % 4 == 1:
        due_on = today + datetime.timedelta(days=1)  # some are due tomorrow instead
    items = [services.ActionItemInput(description, owner, due_on)]
    if is_latest:
        follow_up, _ = ACTIONS[(index + number + 2) % len(ACTIONS)]
        items.append(
            services.ActionItemInput(follow_up, "mentee", today + datetime.timedelta(days=14))
        )
    return items


def _plan_next_week(index, pairing, mentor, competencies, now) -> None:
    starts_at = (now + datetime.timedelta(days=7 + index % 3)).replace(
        hour=9 + index % 7, minute=0, second=0, microsecond=0
    )
    session = services.session_create(
        pairing=pairing,
        by=mentor,
        status=MentoringSession.Status.PLANNED,
        starts_at=starts_at,
        duration_minutes=45,
        topics=[competencies[TOPIC_ROTATION[index % 5]]],
    )
    # Demo data emails nobody: record this invitation as already sent.
    Email.objects.about(kinds=[emails.SESSION_INVITATION], refs=[session.pk]).update(
        status=Email.Status.SENT, sent_at=timezone.now()
    )


def _goals(index) -> list[tuple[str, str, int]]:
    count = 2 + index % 2  # 2 or 3 goals
    return [GOALS[(index + offset) % len(GOALS)] for offset in range(count)]

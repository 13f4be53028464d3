"""Demo programs: "Sales Leadership Essentials", its April 2024 virtual cohort (done) and
the current cohort (its dates derived from the day the demo is seeded), with the 12 demo
leaders at realistic stages.

Idempotent: everything is looked up by natural keys and only missing rows are
created, through the same services HR uses (seats, roles, transitions). Only
the current cohort's enrollments send welcome emails (six of them), so a demo
with a worker running shows the email without flooding var/mail.
"""

import datetime
import zoneinfo

from django.utils import timezone

from people.models import User
from programs import services
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleDimension,
    Program,
)

PROGRAM = {
    "slug": "sales-leadership-essentials",
    "name": "Sales Leadership Essentials",
    "description": (
        "A practical program for newly promoted sales leaders: from top seller to leader "
        "of sellers. Covers hiring and growing people, running the team, solving "
        "pipeline problems, communicating with purpose and building trust."
    ),
}

# (title, kind, competency slug, required, expected hours)
MODULES = [
    ("From seller to leader: the first 90 days", "workshop", "team-optimization", True, 3),
    ("Hiring and onboarding sellers", "e_learning", "talent-management", True, 2),
    ("Coaching conversations that stick", "workshop", "talent-management", True, 3),
    ("Territory and workload design", "assignment", "team-optimization", True, 4),
    ("Pipeline reviews and forecast accuracy", "workshop", "problem-solving", True, 3),
    ("Diagnosing a missed quarter", "assignment", "problem-solving", True, 4),
    ("Feedback and difficult conversations", "e_learning", "communication", True, 2),
    ("Running a weekly sales meeting", "coaching", "communication", True, 1.5),
    ("Trust with customers, peers and leadership", "e_learning", "relationships", False, 1.5),
    ("Leading through change", "coaching", "relationships", False, 1),
]

# The balance dimensions each module develops (development plans offer them per dimension).
MODULE_DIMENSIONS = {
    "From seller to leader: the first 90 days": ("focus", "success"),
    "Hiring and onboarding sellers": ("development",),
    "Coaching conversations that stick": ("development", "relationships"),
    "Territory and workload design": ("approach", "decision_making"),
    "Pipeline reviews and forecast accuracy": ("goal_orientation", "decision_making"),
    "Diagnosing a missed quarter": ("risk_tolerance", "decision_making"),
    "Feedback and difficult conversations": ("communication", "relationships"),
    "Running a weekly sales meeting": ("communication", "focus"),
    "Trust with customers, peers and leadership": ("relationships",),
    "Leading through change": ("risk_tolerance", "approach", "focus"),
}

APRIL = {
    "name": "Virtual cohort, April 2024",
    "starts_on": datetime.date(2024, 4, 8),
    "ends_on": datetime.date(2024, 4, 12),
    "delivery": Cohort.Delivery.VIRTUAL,
    "time_zone": "Europe/London",
    "capacity": 12,
}
# The current cohort runs twelve weeks from the Monday four weeks before the seeding day.
CURRENT_WEEKS_AGO = 4
CURRENT_WEEKS = 12


def current_cohort_spec(today: datetime.date) -> dict:
    starts_on = today - datetime.timedelta(weeks=CURRENT_WEEKS_AGO, days=today.weekday())
    return {
        "name": f"Cohort of {starts_on:%B %Y}",
        "starts_on": starts_on,
        "ends_on": starts_on + datetime.timedelta(weeks=CURRENT_WEEKS, days=-3),  # a Friday
        "delivery": Cohort.Delivery.HYBRID,
        "time_zone": "America/New_York",
        "capacity": 12,
        # A development plan within three weeks of a report, a check-in every two weeks.
        "plan_due_days": 21,
        "checkin_weeks": 2,
    }


# April 2024: five completed everything, one withdrew after two days.
APRIL_COMPLETED = [
    "aisha.bello@example.com",
    "liam.oconnor@example.com",
    "mei.chen@example.com",
    "jonas.weber@example.com",
    "fatima.haddad@example.com",
]
APRIL_WITHDRAWN = ["noah.kim@example.com"]
# Current cohort: (email, required modules done so far); the last one is still invited.
CURRENT_LEADERS = [
    ("leader@example.com", 3),
    ("sofia.rossi@example.com", 5),
    ("kwame.mensah@example.com", 2),
    ("elena.petrova@example.com", 4),
    ("diego.santos@example.com", 1),
    ("hannah.schmidt@example.com", 0),
]


def _program() -> Program:
    program, _ = Program.objects.get_or_create(
        slug=PROGRAM["slug"],
        defaults={"name": PROGRAM["name"], "description": PROGRAM["description"]},
    )
    program.competencies.add(*Competency.objects.all())
    competencies = {c.slug: c for c in Competency.objects.all()}
    for position, (title, kind, competency, required, hours) in enumerate(MODULES, start=1):
        module, _ = Module.objects.get_or_create(
            program=program,
            title=title,
            defaults={
                "kind": kind,
                "competency": competencies[competency],
                "is_required": required,
                "position": position,
                "expected_hours": hours,
            },
        )
        for dimension in MODULE_DIMENSIONS.get(title, ()):
            ModuleDimension.objects.get_or_create(module=module, dimension=dimension)
    return program


def _cohort(program: Program, spec: dict, facilitator: User | None, hr: User | None) -> Cohort:
    cohort = Cohort.objects.filter(program=program, name=spec["name"]).first()
    if cohort is None:
        cohort = services.cohort_create(program=program, facilitator=facilitator, by=hr, **spec)
    return cohort


def _session(cohort: Cohort, title: str, day: datetime.date, hour: int, hours: float, module):
    zone = zoneinfo.ZoneInfo(cohort.time_zone)
    starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
    CohortSession.objects.get_or_create(
        cohort=cohort,
        title=title,
        starts_at=starts_at,
        defaults={
            "ends_at": starts_at + datetime.timedelta(hours=hours),
            "module": module,
            "meeting_url": "https://meet.example.com/sales-leadership-essentials",
            "location": "" if cohort.delivery == Cohort.Delivery.VIRTUAL else "Chicago office",
        },
    )


def _april_sessions(cohort: Cohort, workshops: list[Module]) -> None:
    """One live session a day, 09:00 to 12:00 London time."""
    for offset in range(5):
        day = cohort.starts_on + datetime.timedelta(days=offset)
        module = workshops[offset % len(workshops)]
        _session(cohort, f"Day {offset + 1}: {module.title}", day, 9, 3, module)


def _current_sessions(cohort: Cohort, workshops: list[Module]) -> None:
    """A kick-off, then a live session every other Tuesday at 11:00 New York time."""
    _session(cohort, "Kick-off", cohort.starts_on, 10, 2, workshops[0])
    day = cohort.starts_on + datetime.timedelta(days=1)
    number = 1
    while day <= cohort.ends_on:
        module = workshops[number % len(workshops)]
        _session(cohort, f"Live session {number}: {module.title}", day, 11, 1.5, module)
        day += datetime.timedelta(days=14)
        number += 1


def _enroll(cohort: Cohort, leader: User, hr: User | None, *, welcome: bool) -> Enrollment | None:
    """The enrollment, created invited if missing; None if this run did not create it."""
    if Enrollment.objects.filter(cohort=cohort, leader=leader).exists():
        return None
    return services.enrollment_create(cohort=cohort, leader=leader, by=hr, send_welcome=welcome)


def _complete_modules(
    enrollment: Enrollment, modules: list[Module], first_day, hr, *, half_days_apart: int, today
) -> None:
    for index, module in enumerate(modules):
        offset = datetime.timedelta(days=index * half_days_apart // 2)
        completed_on = min(first_day + offset, today)
        services.module_completion_record(
            enrollment=enrollment,
            module=module,
            completed_on=completed_on,
            score=70 + (enrollment.leader_id * 7 + index * 11) % 29,
            by=hr,
        )


def _at(day: datetime.date, hour: int = 17) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def seed(*, today: datetime.date) -> dict:
    hr = User.objects.filter(email="hr@example.com").first()
    facilitator = User.objects.filter(email="grace.lindqvist@example.com").first()
    leaders = {user.email: user for user in User.objects.filter(groups__name="Leader")}
    program = _program()
    modules = list(program.modules.order_by("position"))
    required = [m for m in modules if m.is_required]
    workshops = [m for m in modules if m.kind == Module.Kind.WORKSHOP]

    april = _cohort(program, APRIL, facilitator, hr)
    _april_sessions(april, workshops)
    current = _cohort(program, current_cohort_spec(today), facilitator, hr)
    _current_sessions(current, workshops)

    april_sessions = list(april.sessions.all())
    for email in APRIL_COMPLETED + APRIL_WITHDRAWN:
        if email not in leaders:
            continue
        enrollment = _enroll(april, leaders[email], hr, welcome=False)
        if enrollment is None:
            continue
        services.enrollment_activate(enrollment=enrollment, by=hr)
        withdrew = email in APRIL_WITHDRAWN
        for session in april_sessions[:2] if withdrew else april_sessions:
            services.session_attendance_record(enrollment=enrollment, session=session, by=hr)
        if withdrew:
            _complete_modules(
                enrollment, required[:2], april.starts_on, hr, half_days_apart=1, today=today
            )
            services.enrollment_withdraw(enrollment=enrollment, by=hr)
            ended = {"withdrawn_at": _at(april.starts_on + datetime.timedelta(days=1))}
        else:
            _complete_modules(
                enrollment, modules, april.starts_on, hr, half_days_apart=1, today=today
            )
            services.enrollment_complete(enrollment=enrollment, by=hr)
            ended = {"completed_at": _at(april.ends_on)}
        # The story happened in April 2024, not today.
        Enrollment.objects.filter(pk=enrollment.pk).update(
            created_at=_at(datetime.date(2024, 3, 18)),
            activated_at=_at(april.starts_on, 8),
            **ended,
        )

    past_sessions = list(current.sessions.filter(ends_at__lte=timezone.now()))
    for position, (email, done) in enumerate(CURRENT_LEADERS):
        if email not in leaders:
            continue
        enrollment = _enroll(current, leaders[email], hr, welcome=True)
        if enrollment is None:
            continue
        if position == len(CURRENT_LEADERS) - 1:
            continue  # still invited: has not confirmed yet
        services.enrollment_activate(enrollment=enrollment, by=hr)
        _complete_modules(
            enrollment, required[:done], current.starts_on, hr, half_days_apart=10, today=today
        )
        for session in past_sessions[: 1 + done]:
            services.session_attendance_record(enrollment=enrollment, session=session, by=hr)
    return {"program": program, "cohorts": [april, current]}

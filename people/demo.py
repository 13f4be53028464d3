"""Demo people: one HR user, 3 mentors, 12 new sales leaders with managers and teams; the
North director signs in as the demo manager.

Every record is keyed by email and created with get_or_create, so seeding twice
changes nothing the second time. Names are fixed (no randomness) so the demo
reads the same on every machine. The reporting lines began two years before the
seeding day; in the last three months a few team members left the company and one
moved to another team, so the measured retention rate (metrics.demo) has something
to count.
"""

import datetime

from people.models import User
from people.roles import Role, grant_role
from people.services import reporting_line_record, user_left_on_set, user_manager_set

TEAMS_SINCE_DAYS = 730  # the reporting lines began this long before the seeding day
# (leader index, team member index, months before the seeding month, day of that month)
# In the teams of leaders who have not been through a program yet (the program impact
# page compares them with those who have).
LEAVERS = [(6, 1, 1, 12), (7, 0, 2, 20), (9, 3, 1, 5), (10, 2, 3, 28), (11, 0, 2, 1)]
# (leader index, team member index, new leader index, months before, day): a transfer.
TRANSFERS = [(8, 2, 9, 1, 15)]

DEMO_PASSWORD = "lodestar-demo"  # noqa: S105 — published in the README for the demo only

DIRECTORS = [
    # The demo manager: the four North leaders report to her.
    ("manager@example.com", "Morgan Blake", "Regional Sales Director", "North"),
    ("priya.natarajan@example.com", "Priya Natarajan", "Regional Sales Director", "South"),
    ("tomas.herrera@example.com", "Tomás Herrera", "Regional Sales Director", "West"),
]

MENTORS = [
    ("mentor@example.com", "Helen Okafor", "VP Enterprise Sales", "East"),
    ("daniel.kowalski@example.com", "Daniel Kowalski", "Senior Sales Director", "Central"),
    ("grace.lindqvist@example.com", "Grace Lindqvist", "Head of Sales Enablement", "East"),
]

LEADERS = [
    ("leader@example.com", "Sam Rivera", "North"),
    ("aisha.bello@example.com", "Aisha Bello", "North"),
    ("liam.oconnor@example.com", "Liam O'Connor", "North"),
    ("mei.chen@example.com", "Mei Chen", "North"),
    ("jonas.weber@example.com", "Jonas Weber", "South"),
    ("fatima.haddad@example.com", "Fatima Haddad", "South"),
    ("noah.kim@example.com", "Noah Kim", "South"),
    ("sofia.rossi@example.com", "Sofia Rossi", "South"),
    ("kwame.mensah@example.com", "Kwame Mensah", "West"),
    ("elena.petrova@example.com", "Elena Petrova", "West"),
    ("diego.santos@example.com", "Diego Santos", "West"),
    ("hannah.schmidt@example.com", "Hannah Schmidt", "West"),
]

FIRST_NAMES = [
    "Alex",
    "Jordan",
    "Taylor",
    "Casey",
    "Riley",
    "Avery",
    "Quinn",
    "Jamie",
    "Drew",
    "Rowan",
    "Emery",
    "Harper",
    "Parker",
    "Reese",
    "Skyler",
    "Dakota",
    "Finley",
    "Hayden",
    "Kendall",
    "Logan",
    "Micah",
    "Peyton",
    "Sage",
    "Toby",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Carter",
    "Diaz",
    "Evans",
    "Foster",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Okoro",
    "Patel",
    "Reyes",
    "Silva",
    "Turner",
    "Usman",
    "Vargas",
    "Walsh",
    "Young",
    "Zhou",
]
TEAM_TITLES = ["Account Executive", "Senior Account Executive", "Sales Development Representative"]


def _person(email, full_name, title, region, *, manager=None, password=None, role=None) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "job_title": title, "region": region, "manager": manager},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    if role:
        grant_role(user, role)
    return user


def seed(*, today: datetime.date) -> dict[str, User]:
    """The demo people, their reporting lines since two years before ``today``, and
    the leavers and the transfer of the last three months."""
    hr = _person(
        "hr@example.com",
        "Jordan Ellis",
        "HR Business Partner, Sales",
        "HQ",
        password=DEMO_PASSWORD,
        role=Role.HR,
    )
    if not hr.is_staff:
        hr.is_staff = True
        hr.is_superuser = True
        hr.save(update_fields=["is_staff", "is_superuser"])

    vp = _person("cso@example.com", "Catherine Moore", "Chief Sales Officer", "HQ")
    # HR granted the North director a login: the demo's manager account.
    directors = {
        region: _person(
            email,
            name,
            title,
            region,
            manager=vp,
            **({"password": DEMO_PASSWORD, "role": Role.MANAGER} if region == "North" else {}),
        )
        for email, name, title, region in DIRECTORS
    }
    for email, name, title, region in MENTORS:
        _person(email, name, title, region, manager=vp, password=DEMO_PASSWORD, role=Role.MENTOR)

    manager_for_region = {
        "North": directors["North"],
        "South": directors["South"],
        "West": directors["West"],
    }
    leaders, teams = [], []
    for index, (email, name, region) in enumerate(LEADERS):
        leader = _person(
            email,
            name,
            "Sales Team Lead",
            region,
            manager=manager_for_region[region],
            password=DEMO_PASSWORD,
            role=Role.LEADER,
        )
        team_size = 5 + (index * 3) % 5  # 5 to 9 people, the same on every run
        team = []
        for member in range(team_size):
            first = FIRST_NAMES[(index * 7 + member) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5 + member * 3) % len(LAST_NAMES)]
            slug = email.split("@")[0].replace(".", "-")
            team.append(
                _person(
                    f"{first}.{last}.{slug}@example.com".lower(),
                    f"{first} {last}",
                    TEAM_TITLES[member % len(TEAM_TITLES)],
                    region,
                    manager=leader,
                )
            )
        leaders.append(leader)
        teams.append(team)
    everyone = User.objects.filter(manager__isnull=False, left_on__isnull=True)
    reporting_line_record(
        lines={person: person.manager for person in everyone.select_related("manager")},
        on=today - datetime.timedelta(days=TEAMS_SINCE_DAYS),
    )
    _moves(leaders, teams, today=today)
    return {"hr": hr}


def _day(today: datetime.date, months_before: int, day: int) -> datetime.date:
    """``day`` of the month ``months_before`` the one ``today`` falls in."""
    index = today.year * 12 + today.month - 1 - months_before
    return datetime.date(index // 12, index % 12 + 1, day)


def _moves(leaders: list[User], teams: list[list[User]], *, today: datetime.date) -> None:
    """The leavers and the transfer, once: people who already left or moved stay put."""
    for leader, member, months_before, day in LEAVERS:
        person = teams[leader][member]
        if person.left_on is None:
            user_left_on_set(user=person, left_on=_day(today, months_before, day), by=None)
    for leader, member, to, months_before, day in TRANSFERS:
        person = teams[leader][member]
        if person.manager_id == leaders[leader].pk:
            user_manager_set(
                user=person, manager=leaders[to], by=None, on=_day(today, months_before, day)
            )

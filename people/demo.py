"""Demo people: one HR user, 3 mentors, 12 new sales leaders with managers and teams; the
North director signs in as the demo manager.

Every record is keyed by email and created with get_or_create, so seeding twice
changes nothing the second time. Names are fixed (no randomness) so the demo
reads the same on every machine.
"""

import datetime

from people.models import User
from people.roles import Role, grant_role

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
    """The demo people (``today`` is unused: people carry no dates of their own)."""
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
        for member in range(team_size):
            first = FIRST_NAMES[(index * 7 + member) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5 + member * 3) % len(LAST_NAMES)]
            slug = email.split("@")[0].replace(".", "-")
            _person(
                f"{first}.{last}.{slug}@example.com".lower(),
                f"{first} {last}",
                TEAM_TITLES[member % len(TEAM_TITLES)],
                region,
                manager=leader,
            )
    return {"hr": hr}

"""The web navigation, by role: one list, read by the base template.

Each entry is (role, label, url name). A page belongs here once it exists.
"""

from django.urls import reverse

from people.roles import Role, role_names

NAVIGATION: list[tuple[Role, str, str]] = [
    (Role.HR, "Cohorts", "programs:cohort-list"),
    (Role.LEADER, "My program", "programs:my-program"),
]

# Where each role works; the home page sends a user to the first that applies.
LANDING: list[tuple[Role, str]] = [
    (Role.HR, "programs:cohort-list"),
    (Role.LEADER, "programs:my-program"),
]

# Mentorship (mentorship/urls.py)
NAVIGATION += [
    (Role.MENTOR, "My mentees", "mentorship:my-mentees"),
    (Role.LEADER, "My mentoring", "mentorship:my-mentoring"),
    (Role.HR, "Pairings", "mentorship:pairings"),
]
LANDING += [(Role.MENTOR, "mentorship:my-mentees")]

# Metrics (metrics/urls.py)
NAVIGATION += [
    (Role.LEADER, "My scorecard", "metrics:my-scorecard"),
    (Role.HR, "Metrics", "metrics:index"),
]

# Feedback (feedback/urls.py)
NAVIGATION += [
    (Role.HR, "Feedback", "feedback:cycles"),
    (Role.LEADER, "My feedback", "feedback:mine"),
]


def nav_items(user) -> list[dict]:
    roles = role_names(user)
    return [
        {"label": label, "url": reverse(url_name)}
        for role, label, url_name in NAVIGATION
        if role in roles
    ]


def landing_url(user) -> str | None:
    roles = role_names(user)
    for role, url_name in LANDING:
        if role in roles:
            return reverse(url_name)
    return None


# Dashboards (dashboards/urls.py): first in the menu, the overview of each role's work.
NAVIGATION[:0] = [
    (Role.LEADER, "Dashboard", "dashboards:leader_home"),
    (Role.MENTOR, "Dashboard", "dashboards:mentor_home"),
    (Role.HR, "Cohort dashboards", "dashboards:cohort_list"),
]

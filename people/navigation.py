"""The web navigation, by role: one list, read by the base template.

Each entry is (role, label, url name), in menu order. A person with several
roles sees every entry of each of their roles.
"""

from django.urls import reverse

from people.roles import Role, role_names

NAVIGATION: list[tuple[Role, str, str]] = [
    # HR
    (Role.HR, "Cohort dashboards", "dashboards:cohort_list"),
    (Role.HR, "Cohorts", "programs:cohort-list"),
    (Role.HR, "Programs", "programs:program-list"),
    (Role.HR, "Pairings", "mentorship:pairings"),
    (Role.HR, "Mentors", "mentorship:mentors"),
    (Role.HR, "Managers", "managers"),
    (Role.HR, "Directory", "directory:syncs"),
    (Role.HR, "Metrics", "metrics:index"),
    (Role.HR, "Feedback", "feedback:cycles"),
    (Role.HR, "Team pulse", "pulse:list"),
    (Role.HR, "Audit", "audit"),
    (Role.HR, "Personal data", "personal_data:search"),
    # Mentor
    (Role.MENTOR, "Dashboard", "dashboards:mentor_home"),
    (Role.MENTOR, "My mentees", "mentorship:my-mentees"),
    # Manager
    (Role.MANAGER, "My leaders", "dashboards:manager_home"),
    # Leader
    (Role.LEADER, "Dashboard", "dashboards:leader_home"),
    (Role.LEADER, "My program", "programs:my-program"),
    (Role.LEADER, "My mentoring", "mentorship:my-mentoring"),
    (Role.LEADER, "My feedback", "feedback:mine"),
    (Role.LEADER, "My plan", "plans:mine"),
    (Role.LEADER, "My team pulse", "pulse:mine"),
]

# Where each role works; the home page sends a user to the first that applies.
LANDING: list[tuple[Role, str]] = [
    (Role.HR, "programs:cohort-list"),
    (Role.LEADER, "programs:my-program"),
    (Role.MENTOR, "mentorship:my-mentees"),
    (Role.MANAGER, "dashboards:manager_home"),
]


def nav_items(user) -> list[dict]:
    roles = role_names(user)
    items, seen = [], set()
    for role, label, url_name in NAVIGATION:
        if role in roles and url_name not in seen:
            seen.add(url_name)
            items.append({"label": label, "url": reverse(url_name)})
    return items


def landing_url(user) -> str | None:
    roles = role_names(user)
    for role, url_name in LANDING:
        if role in roles:
            return reverse(url_name)
    return None

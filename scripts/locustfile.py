"""The users of ``make bench-locust`` (scripts/bench_locust.py): leaders, mentors and HR
calling the API the way their pages do, each with a token of their own. The tokens and the
ids come from the JSON file named by LOCUST_PEOPLE; requests go to gunicorn with the
public Host header and X-Forwarded-Proto: https, as the load balancer sends them.
"""

import json
import os
import random

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["LOCUST_PEOPLE"]).read())  # noqa: SIM115
HOST = PEOPLE["host"]


class _Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    role = ""

    def on_start(self) -> None:
        me = random.choice(PEOPLE[self.role])
        self.me = me
        self.client.headers.update(
            {
                "Host": HOST,
                "X-Forwarded-Proto": "https",
                "Accept": "application/json",
                "Authorization": f"Token {me['token']}",
            }
        )

    def get(self, path: str, name: str) -> None:
        self.client.get(path, name=name)


class Leader(_Person):
    weight = 6
    role = "leaders"

    @task(3)
    def dashboard(self) -> None:
        self.get("/api/v1/dashboards/me/", "leader dashboard")

    @task(2)
    def scorecard(self) -> None:
        self.get(f"/api/v1/metrics/scorecards/{self.me['id']}/", "scorecard")

    @task(1)
    def sessions(self) -> None:
        self.get("/api/v1/mentorship/sessions/", "sessions (own)")


class Mentor(_Person):
    weight = 3
    role = "mentors"

    @task(3)
    def dashboard(self) -> None:
        self.get("/api/v1/dashboards/mentors/me/", "mentor dashboard")

    @task(1)
    def mentee_scorecard(self) -> None:
        if self.me["mentees"]:
            mentee = random.choice(self.me["mentees"])
            self.get(f"/api/v1/metrics/scorecards/{mentee}/", "scorecard (mentee)")


class HR(_Person):
    weight = 1
    role = "hr"

    @task(3)
    def cohort(self) -> None:
        cohort = random.choice(PEOPLE["cohorts"])
        self.get(f"/api/v1/dashboards/cohorts/{cohort}/", "cohort dashboard (30)")

    @task(2)
    def enrollments(self) -> None:
        self.get("/api/v1/enrollments/", "enrollments")

    @task(1)
    def impact(self) -> None:
        self.get(f"/api/v1/metrics/programs/{PEOPLE['program']}/impact/", "program impact")

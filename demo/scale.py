"""Company-sized data for the benchmark (issue 14, ``manage.py seed_scale``): the demo plus
N leaders of the demo program, shaped like a company.

- The leaders in cohorts of ``cohort_size`` (starting over the last two years, a few each
  month, the way a company starts cohorts) and one
  large cohort of ``large_cohort`` leaders that is running now; each leader has a manager,
  three team members and an active mentor (1,000 mentors at 10,000 leaders).
- Per leader: module completions, 11 held mentoring sessions and one planned, 5 action
  items, two closed and released 360° cycles with 10 raters each (self, manager, mentor,
  4 classmates, 3 team members) and their answers, ``months`` months of every metric;
  per cohort: a target for every metric.

Deterministic: every value comes from ``random.Random`` seeded with ``seed`` or from the
row's position, every date from ``today``; ids are allocated in blocks after the highest
existing one, so rows refer to each other by arithmetic, not by lookups. Rows are
generated as they are written (demo/bulk.py), so memory does not grow with N.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models

from demo.bulk import TableWriter
from feedback.demo import KEEP, START
from feedback.models import (
    DEFAULT_QUESTIONNAIRE,
    Answer,
    Cycle,
    Question,
    Questionnaire,
    RaterGroup,
    RaterRequest,
    Response,
)
from mentorship.demo import ACTIONS, SHARED_NOTES, TOPIC_ROTATION
from mentorship.models import ActionItem, MentoringSession, MentorProfile, Pairing
from metrics.demo import COHORT_TARGETS, PROFILES, RAMP_MONTHS, Profile
from metrics.models import MetricDefinition, Observation, Target
from metrics.periods import Period, last_complete_period, period_floor, period_shift
from people.demo import DIRECTORS, FIRST_NAMES, LAST_NAMES, TEAM_TITLES
from people.models import ReportingLine, User
from people.roles import Role
from programs.demo import PROGRAM
from programs.models import Cohort, Competency, Enrollment, ModuleCompletion, Program

EMAIL_DOMAIN = "scale.example.com"
MAX_MENTORS = 1000
TEAM_MEMBERS = 3  # per leader; they rate as direct reports
PEERS = 4  # classmates who rate each leader
HELD_SESSIONS = 11  # plus one planned: 12 mentoring sessions per leader
SESSION_EVERY_DAYS = 14
ACTION_ITEMS = 5  # one on each of the last five held sessions
CYCLES = 2
START_MONTHS = 24  # the cohorts of the program started over the last two years
LARGE_COHORT_NAME = "Company-wide cohort"  # then "(1,000 leaders)"
UNUSABLE_PASSWORD = "!"  # noqa: S105 — nobody seeded here signs in with a password


def scale_leader_email(index: int) -> str:
    return f"leader{index}@{EMAIL_DOMAIN}"


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def stable_uuid(*parts) -> uuid.UUID:
    """The same random-looking id for the same parts (responses are named twice)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


@dataclass(frozen=True)
class CohortSpec:
    index: int
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    first: int  # index of its first leader
    size: int

    def completed(self, today: datetime.date) -> bool:
        return self.ends_on < today


@dataclass(frozen=True)
class Shape:
    """What to make, and the arithmetic that ties the rows together."""

    leaders: int
    seed: int
    cohort_size: int
    large_cohort: int
    months: int
    today: datetime.date

    @property
    def large(self) -> int:
        return min(self.large_cohort, self.leaders)

    @property
    def mentors(self) -> int:
        return min(MAX_MENTORS, max(1, self.leaders // 10))

    @property
    def managers(self) -> int:
        return max(1, self.leaders // 10)

    def rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}:{table}")  # noqa: S311 — seed data, not secrets

    @cached_property
    def cohorts(self) -> list[CohortSpec]:
        """Cohorts of ``cohort_size`` starting in the START_MONTHS months before the demo's
        current one (cohort n in month n mod START_MONTHS, so a few start each month, as in
        a company), then the large cohort, running now."""
        current = Cohort.objects.filter(program__slug=PROGRAM["slug"]).order_by("-starts_on")
        latest = current.values_list("starts_on", flat=True).first() or self.today
        month = period_floor(latest, Period.MONTH)
        in_small = self.leaders - self.large
        specs = []
        for n, first in enumerate(range(0, in_small, self.cohort_size)):
            starts_on = period_shift(month, Period.MONTH, -(n % START_MONTHS) - 1)
            specs.append(
                CohortSpec(
                    n,
                    f"Scale cohort {n + 1} ({starts_on:%B %Y})",
                    starts_on,
                    period_shift(month, Period.MONTH, -(n % START_MONTHS)),
                    first,
                    min(self.cohort_size, in_small - first),
                )
            )
        if self.large:
            starts_on = period_shift(period_floor(self.today, Period.MONTH), Period.MONTH, -3)
            specs.append(
                CohortSpec(
                    len(specs),
                    f"{LARGE_COHORT_NAME} ({self.large:,} leaders)",
                    starts_on,
                    self.today + datetime.timedelta(days=60),
                    in_small,
                    self.large,
                )
            )
        return specs

    def cohort_of(self, leader: int) -> CohortSpec:
        in_small = self.leaders - self.large
        if leader >= in_small:
            return self.cohorts[-1]
        return self.cohorts[leader // self.cohort_size]

    def cycle_dates(self, cohort: CohortSpec) -> list[tuple[datetime.datetime, ...]]:
        """(opens_at, due_at) of the cohort's two cycles: a week after it starts, and two
        months after it ends (or just before today); both closed by ``today``."""
        first_opens = cohort.starts_on + datetime.timedelta(days=7)
        first_due = first_opens + datetime.timedelta(days=14)
        second_opens = max(
            first_due + datetime.timedelta(days=7),
            min(
                cohort.ends_on + datetime.timedelta(days=60),
                self.today - datetime.timedelta(days=16),
            ),
        )
        second_due = second_opens + datetime.timedelta(days=14)
        if second_due >= self.today:
            raise ValueError(f"{cohort.name} started too recently for two closed cycles")
        return [(at(first_opens), at(first_due, 17)), (at(second_opens), at(second_due, 17))]


@dataclass(frozen=True)
class Ids:
    """Where each block of explicit ids starts (tables nobody refers to get the
    database's own ids)."""

    user: int
    profile: int
    cohort: int
    enrollment: int
    pairing: int
    session: int
    cycle: int

    @classmethod
    def after_existing(cls) -> Ids:
        return cls(
            user=next_id(User),
            profile=next_id(MentorProfile),
            cohort=next_id(Cohort),
            enrollment=next_id(Enrollment),
            pairing=next_id(Pairing),
            session=next_id(MentoringSession),
            cycle=next_id(Cycle),
        )


class People:
    """User ids: managers, mentors, leaders, then each leader's team members."""

    def __init__(self, shape: Shape, ids: Ids):
        self.shape, self.base = shape, ids.user

    def manager(self, k: int) -> int:
        return self.base + k

    def mentor(self, m: int) -> int:
        return self.base + self.shape.managers + m

    def leader(self, i: int) -> int:
        return self.base + self.shape.managers + self.shape.mentors + i

    def member(self, i: int, j: int) -> int:
        return self.leader(self.shape.leaders) + i * TEAM_MEMBERS + j

    def manager_of(self, i: int) -> int:
        return self.manager(i % self.shape.managers)

    def mentor_of(self, i: int) -> int:
        return self.mentor(i % self.shape.mentors)

    def mentees_of(self, m: int) -> int:
        shape = self.shape
        return shape.leaders // shape.mentors + (1 if m < shape.leaders % shape.mentors else 0)


class ScaleSeeder:
    """Writes the shape table by table (call ``run``)."""

    def __init__(self, shape: Shape, writer: TableWriter):
        self.shape, self.writer = shape, writer
        self.ids = Ids.after_existing()
        self.people = People(shape, self.ids)
        self.hr = User.objects.filter(email="hr@example.com").values_list("pk", flat=True).first()
        self.program = Program.objects.get(slug=PROGRAM["slug"])
        self.joined = at(shape.today - datetime.timedelta(days=400))
        # Read before any rows are written: a row generator cannot query while the
        # connection is busy copying.
        self.directors = list(
            User.objects.filter(email__in=[d[0] for d in DIRECTORS]).values_list("pk", flat=True)
        )
        self.modules = list(
            self.program.modules.order_by("position").values_list("pk", "is_required")
        )
        self.cohorts = shape.cohorts

    def run(self) -> None:
        self.users()
        self.cohorts_and_enrollments()
        self.mentoring()
        self.feedback()
        self.metrics()
        self.reset_sequences()

    # --- people -------------------------------------------------------------------------

    def users(self) -> None:
        fields = [
            "id",
            "password",
            "is_superuser",
            "email",
            "full_name",
            "job_title",
            "region",
            "manager",
            "is_active",
            "is_staff",
            "date_joined",
        ]
        self.writer.write("users", User, fields, self._user_rows())
        # The reporting line's history, as people.services keeps it: from the day they joined.
        lines = (
            (person, manager, self.joined.date())
            for person, _, _, _, manager in self._people()
            if manager is not None
        )
        self.writer.write(
            "reporting lines", ReportingLine, ["person", "manager", "started_on"], lines
        )
        groups = dict(Group.objects.values_list("name", "pk"))
        people, shape = self.people, self.shape
        memberships = [
            *((people.leader(i), groups[Role.LEADER]) for i in range(shape.leaders)),
            *((people.mentor(m), groups[Role.MENTOR]) for m in range(shape.mentors)),
        ]
        self.writer.write("role memberships", User.groups.through, ["user", "group"], memberships)

    def _user_rows(self):
        rng = self.shape.rng("users")
        for pk, email, title, region, manager in self._people():
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            yield (
                pk,
                UNUSABLE_PASSWORD,
                False,
                email,
                name,
                title,
                region,
                manager,
                True,
                False,
                self.joined,
            )

    def _people(self):
        """(id, email, title, region, manager) of every user the seed writes."""
        shape, people, directors = self.shape, self.people, self.directors
        regions = [d[3] for d in DIRECTORS]
        for k in range(shape.managers):
            director = directors[k % len(directors)] if directors else None
            email, region = f"manager{k}@{EMAIL_DOMAIN}", regions[k % len(regions)]
            yield people.manager(k), email, "Sales Manager", region, director
        for m in range(shape.mentors):
            email = f"mentor{m}@{EMAIL_DOMAIN}"
            yield people.mentor(m), email, "Senior Sales Director", "HQ", None
        for i in range(shape.leaders):
            region = regions[i % shape.managers % len(regions)]
            email, manager = scale_leader_email(i), people.manager_of(i)
            yield people.leader(i), email, "Sales Team Lead", region, manager
        for i in range(shape.leaders):
            for j in range(TEAM_MEMBERS):
                email, title = f"member{i}.{j}@{EMAIL_DOMAIN}", TEAM_TITLES[j % len(TEAM_TITLES)]
                yield people.member(i, j), email, title, "", people.leader(i)

    # --- programs -----------------------------------------------------------------------

    def cohorts_and_enrollments(self) -> None:
        shape, ids = self.shape, self.ids
        fields = ["id", "program", "name", "starts_on", "ends_on", "delivery", "time_zone"]
        fields += ["capacity", "seats_taken"]
        rows = (
            (
                ids.cohort + c.index,
                self.program.pk,
                c.name,
                c.starts_on,
                c.ends_on,
                Cohort.Delivery.VIRTUAL,
                "UTC",
                c.size,
                c.size,
            )
            for c in shape.cohorts
        )
        self.writer.write("cohorts", Cohort, fields, rows)
        fields = ["id", "cohort", "program", "leader", "status", "enrolled_by", "created_at"]
        fields += ["activated_at", "completed_at", "withdrawal_reason"]
        self.writer.write("enrollments", Enrollment, fields, self._enrollment_rows())
        fields = ["enrollment", "module", "completed_on", "score", "recorded_by", "recorded_at"]
        self.writer.write("module completions", ModuleCompletion, fields, self._completion_rows())

    def _enrollment_rows(self):
        shape, ids = self.shape, self.ids
        for i in range(shape.leaders):
            cohort = shape.cohort_of(i)
            done = cohort.completed(shape.today)
            yield (
                ids.enrollment + i,
                ids.cohort + cohort.index,
                self.program.pk,
                self.people.leader(i),
                Enrollment.Status.COMPLETED if done else Enrollment.Status.ACTIVE,
                self.hr,
                at(cohort.starts_on - datetime.timedelta(days=14)),
                at(cohort.starts_on, 8),
                at(cohort.ends_on, 17) if done else None,
                "",
            )

    def _completion_rows(self):
        shape, rng = self.shape, self.shape.rng("completions")
        modules = self.modules
        required = [pk for pk, is_required in modules if is_required]
        optional = [pk for pk, is_required in modules if not is_required]
        for i in range(shape.leaders):
            cohort = shape.cohort_of(i)
            if cohort.completed(shape.today):
                done = required + [pk for pk in optional if rng.random() < 0.5]
            else:
                done = required[: rng.randint(0, len(required))]
            for n, module in enumerate(done):
                day = min(cohort.starts_on + datetime.timedelta(days=2 * n), shape.today)
                yield (
                    self.ids.enrollment + i,
                    module,
                    day,
                    rng.randint(60, 100),
                    self.hr,
                    at(day, 17),
                )

    # --- mentoring ----------------------------------------------------------------------

    def mentoring(self) -> None:
        shape, people, ids = self.shape, self.people, self.ids
        fields = ["id", "user", "capacity", "active_mentees", "bio", "is_active"]
        profiles = (
            (
                ids.profile + m,
                people.mentor(m),
                max(3, people.mentees_of(m)),
                people.mentees_of(m),
                "Mentors new sales leaders.",
                True,
            )
            for m in range(shape.mentors)
        )
        self.writer.write("mentor profiles", MentorProfile, fields, profiles)
        fields = ["id", "mentor", "mentee", "enrollment", "started_on", "status", "objectives"]
        fields += ["created_by", "created_at"]
        started_on = shape.today - datetime.timedelta(days=SESSION_EVERY_DAYS * HELD_SESSIONS + 30)
        pairings = (
            (
                ids.pairing + i,
                people.mentor_of(i),
                people.leader(i),
                ids.enrollment + i,
                started_on,
                Pairing.Status.ACTIVE,
                "Settle into the new role.",
                self.hr,
                at(started_on),
            )
            for i in range(shape.leaders)
        )
        self.writer.write("pairings", Pairing, fields, pairings)
        fields = ["id", "pairing", "status", "starts_at", "duration_minutes", "format"]
        fields += ["shared_notes", "private_notes", "logged_by", "sequence", "created_at"]
        fields += ["updated_at", "dimension"]
        self.writer.write("mentoring sessions", MentoringSession, fields, self._session_rows())
        topics = list(
            Competency.objects.filter(slug__in=TOPIC_ROTATION).values_list("pk", flat=True)
        )
        through = MentoringSession.topics.through
        self.writer.write(
            "session topics",
            through,
            ["mentoringsession", "competency"],
            (
                (self._session_id(i, s), topics[(i + s + k) % len(topics)])
                for i in range(shape.leaders)
                for s in range(HELD_SESSIONS + 1)
                for k in range(1 + (i + s) % 2)
            ),
        )
        fields = ["session", "description", "owner", "due_on", "done_at", "created_by"]
        fields += ["created_at", "dimension", "closed_reason"]
        self.writer.write("action items", ActionItem, fields, self._action_rows())

    def _session_id(self, i: int, s: int) -> int:
        return self.ids.session + i * (HELD_SESSIONS + 1) + s

    def _held_at(self, i: int, s: int) -> datetime.datetime:
        """Held session ``s`` of leader ``i`` (0 the earliest), the latest 1-9 days ago."""
        days_ago = 1 + i % 9 + SESSION_EVERY_DAYS * (HELD_SESSIONS - 1 - s)
        return at(self.shape.today - datetime.timedelta(days=days_ago), 14)

    def _session_rows(self):
        shape, rng = self.shape, self.shape.rng("sessions")
        formats = MentoringSession.Format.values
        for i in range(shape.leaders):
            mentor = self.people.mentor_of(i)
            for s in range(HELD_SESSIONS + 1):
                if s < HELD_SESSIONS:
                    status, starts_at = MentoringSession.Status.HELD, self._held_at(i, s)
                    notes, logged_at = SHARED_NOTES[rng.randrange(len(SHARED_NOTES))], starts_at
                else:
                    planned = shape.today + datetime.timedelta(days=3 + i % 7)
                    status, starts_at = MentoringSession.Status.PLANNED, at(planned, 15)
                    notes, logged_at = "", at(shape.today)
                duration, kind = rng.choice((30, 45, 60)), formats[(i + s) % len(formats)]
                yield (
                    *(self._session_id(i, s), self.ids.pairing + i, status, starts_at, duration),
                    *(kind, notes, "", mentor, 0, logged_at, logged_at, ""),
                )

    def _action_rows(self):
        shape = self.shape
        for i in range(shape.leaders):
            mentor = self.people.mentor_of(i)
            for n in range(ACTION_ITEMS):
                s = HELD_SESSIONS - ACTION_ITEMS + n
                held = self._held_at(i, s)
                description, owner = ACTIONS[(i + n) % len(ACTIONS)]
                latest = n == ACTION_ITEMS - 1
                done_at = None if latest else held + datetime.timedelta(days=4)
                due_on = held.date() + datetime.timedelta(days=5)
                yield (
                    *(self._session_id(i, s), description, owner, due_on, done_at, mentor),
                    *(held, "", ""),
                )

    # --- feedback -----------------------------------------------------------------------

    def feedback(self) -> None:
        shape, ids = self.shape, self.ids
        questionnaire = Questionnaire.objects.get(name=DEFAULT_QUESTIONNAIRE)
        if questionnaire.frozen_at is None:  # a cycle has opened on it (as cycle_open does)
            Questionnaire.objects.filter(pk=questionnaire.pk).update(frozen_at=at(shape.today))
        self.questions = list(
            questionnaire.questions.order_by("position").values_list("pk", "kind", "side", "text")
        )
        fields = ["id", "cohort", "questionnaire", "name", "opens_at", "due_at", "min_raters"]
        fields += ["status", "opened_at", "closed_at", "released_at", "created_by", "created_at"]
        rows = (
            (
                self._cycle_id(c, k),
                ids.cohort + c.index,
                questionnaire.pk,
                f"{c.name}: 360° feedback {k + 1}",
                opens_at,
                due_at,
                {"peer": 3, "direct_report": 3},
                Cycle.Status.CLOSED,
                opens_at,
                due_at,
                due_at,
                self.hr,
                opens_at,
            )
            for c in shape.cohorts
            for k, (opens_at, due_at) in enumerate(shape.cycle_dates(c))
        )
        self.writer.write("feedback cycles", Cycle, fields, rows)
        fields = ["cycle", "subject", "rater", "group", "status", "sent_at", "attempts"]
        fields += ["last_error", "reminders_sent", "created_at"]
        self.writer.write("rater requests", RaterRequest, fields, self._request_rows())
        fields = ["id", "cycle", "subject", "group"]
        responses = (
            (response_id, cycle, self.people.leader(i), group)
            for i, cycle, group, response_id in self._responses()
        )
        self.writer.write("responses", Response, fields, responses)
        fields = ["id", "response", "question", "rating", "cant_say", "text"]
        self.writer.write("answers", Answer, fields, self._answer_rows())

    def _cycle_id(self, cohort: CohortSpec, k: int) -> int:
        return self.ids.cycle + CYCLES * cohort.index + k

    def _raters(self, i: int) -> list[tuple[str, int]]:
        """Leader ``i``'s ten raters: (group, user id)."""
        people, cohort = self.people, self.shape.cohort_of(i)
        position = i - cohort.first
        peers = [
            cohort.first + (position + step) % cohort.size
            for step in range(1, 1 + min(PEERS, cohort.size - 1))
        ]
        return [
            (RaterGroup.SELF, people.leader(i)),
            (RaterGroup.MANAGER, people.manager_of(i)),
            (RaterGroup.MENTOR, people.mentor_of(i)),
            *((RaterGroup.PEER, people.leader(peer)) for peer in peers),
            *((RaterGroup.DIRECT_REPORT, people.member(i, j)) for j in range(TEAM_MEMBERS)),
        ]

    def _requests(self):
        """(leader, cycle id, k, group, rater, answered) for every request, the same on
        every call: one peer in twenty declined."""
        shape = self.shape
        for i in range(shape.leaders):
            cohort = shape.cohort_of(i)
            for k in range(CYCLES):
                for n, (group, rater) in enumerate(self._raters(i)):
                    answered = group != RaterGroup.PEER or (i * 7 + k * 3 + n) % 20 != 0
                    yield i, self._cycle_id(cohort, k), n, group, rater, answered

    def _request_rows(self):
        dates = {c.index: self.shape.cycle_dates(c) for c in self.shape.cohorts}
        for i, cycle, _n, group, rater, answered in self._requests():
            k = (cycle - self.ids.cycle) % CYCLES
            opens_at = dates[self.shape.cohort_of(i).index][k][0]
            status = RaterRequest.Status.COMPLETED if answered else RaterRequest.Status.DECLINED
            yield (cycle, self.people.leader(i), rater, group, status, opens_at, 1, "", 0, opens_at)

    def _responses(self):
        seed = self.shape.seed
        for i, cycle, n, group, _rater, answered in self._requests():
            if answered:
                yield i, cycle, group, stable_uuid(seed, "response", cycle, i, n)

    def _answer_rows(self):
        rng = self.shape.rng("answers")
        for i, cycle, _group, response_id in self._responses():
            # New leaders lean to management; the second cycle shows leadership growing.
            growth = (cycle - self.ids.cycle) % CYCLES * 0.4 + (i % 5) * 0.1
            for question, kind, side, text in self.questions:
                answer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                if kind == Question.Kind.COMMENT:
                    if rng.random() < 1 / 3:
                        comment = rng.choice(KEEP if "keep" in text else START)
                        yield (answer_id, response_id, question, None, False, comment)
                elif rng.random() < 0.05:
                    yield (answer_id, response_id, question, None, True, "")
                else:
                    base = 3.8 if side == "management" else 2.9 + growth
                    rating = max(1, min(5, round(base + rng.gauss(0, 0.7))))
                    yield (answer_id, response_id, question, rating, False, "")

    # --- metrics ------------------------------------------------------------------------

    def metrics(self) -> None:
        metrics = list(MetricDefinition.objects.filter(is_active=True).order_by("code"))
        fields = ["leader", "metric", "period_start", "period", "value", "source"]
        fields += ["note", "recorded_by", "recorded_at"]
        self.writer.write("observations", Observation, fields, self._observation_rows(metrics))
        fields = ["metric", "cohort", "valid_from", "value", "created_by", "created_at"]
        since = self._window(Period.MONTH)[0]
        valid_from = datetime.date(since.year, 1, 1)
        rows = (
            (
                metric.pk,
                self.ids.cohort + cohort.index,
                valid_from,
                Decimal(COHORT_TARGETS.get(metric.code, _profile(metric).level)),
                self.hr,
                at(cohort.starts_on),
            )
            for cohort in self.shape.cohorts
            for metric in metrics
        )
        self.writer.write("targets", Target, fields, rows)

    def _window(self, period: str) -> list[datetime.date]:
        end = last_complete_period(self.shape.today, period)
        steps = self.shape.months if period == Period.MONTH else max(1, self.shape.months // 3)
        return [period_shift(end, period, -step) for step in range(steps - 1, -1, -1)]

    def _observation_rows(self, metrics):
        shape, rng = self.shape, self.shape.rng("observations")
        recorded_at = at(shape.today, 6)
        for metric in metrics:
            profile, periods = _profile(metric), self._window(metric.period)
            for i in range(shape.leaders):
                started = period_floor(shape.cohort_of(i).starts_on, metric.period)
                level = profile.level + rng.gauss(0, profile.between_leaders)
                for period_start in periods:
                    years = (period_start - periods[0]).days / 365.25
                    expected = level + profile.drift_per_year * years
                    if period_start >= started:
                        months_in = (period_start - started).days / 30.4
                        ramp = max(0.0, min(1.0, months_in / RAMP_MONTHS))
                        expected += profile.program_effect * ramp
                    if profile.is_count:
                        value = int(max(0.0, expected) + rng.random())
                    else:
                        value = round(expected + rng.gauss(0, profile.noise), profile.decimals)
                    value = min(max(value, profile.low), profile.high)
                    yield (
                        *(self.people.leader(i), metric.pk, period_start, metric.period),
                        *(Decimal(str(value)), Observation.Source.IMPORT, "", self.hr, recorded_at),
                    )

    def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind: set them past the new rows."""
        tables = [User, MentorProfile, Cohort, Enrollment, Pairing, MentoringSession, Cycle]
        statements = connection.ops.sequence_reset_sql(no_style(), tables)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _profile(metric: MetricDefinition) -> Profile:
    """How the metric's values behave: the demo's profile, or a plain one in its range."""
    if metric.code in PROFILES:
        return PROFILES[metric.code]
    low = float(metric.min_value if metric.min_value is not None else 0)
    high = float(metric.max_value if metric.max_value is not None else low + 100)
    middle, spread = (low + high) / 2, (high - low) / 10
    return Profile(middle, spread, spread / 2, 0, spread, low, high)

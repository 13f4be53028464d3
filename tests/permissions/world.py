"""The world the permission matrix and the field-level checks are tried in: one leader
who owns one of everything a route can address, their mentor, and a second leader with
a second mentor who own the same things on their side (the "other" callers).

Unique marker strings are planted where nothing may show them to the wrong caller:
the mentor's private notes, raters' names, and the comments of a rater group that is
below the anonymity threshold. Built once per test module (conftest.py)."""

import dataclasses
import datetime
from decimal import Decimal

import time_machine

from directory.models import DirectorySync
from directory.scim.tokens import scim_token_create
from feedback.links import request_token
from feedback.models import Cycle, Nomination, Question, RaterRequest
from feedback.services import cycle_release, request_decline, response_submit
from mentorship.models import ActionItem, MentoringSession
from people.roles import Role, grant_role
from people.tokens import token_issue
from plans.services import FocusInput, plan_create
from programs.models import SessionAttendance
from pulse.links import invite_token
from pulse.models import DEFAULT_TEMPLATE, Pulse, PulseInvite, PulseRound, PulseTemplate
from tests.feedback.factories import CycleFactory, NominationFactory, RaterRequestFactory
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    PairingFactory,
)
from tests.metrics.factories import TargetFactory, metric, observe
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
    ProgramFactory,
)

# The day every test of the matrix runs on (the world is built before it).
TODAY = datetime.datetime(2027, 2, 1, 8, 0, tzinfo=datetime.UTC)
# The first cycle is answered and released while it is open.
ANSWERED_AT = datetime.datetime(2027, 1, 15, 9, 0, tzinfo=datetime.UTC)

# Markers: each appears in exactly one private place of the world.
PRIVATE_NOTE = "MARK-PRIVATE-NOTE-q7Zr"  # the leader's mentor's private notes
OTHER_PRIVATE_NOTE = "MARK-OTHER-PRIVATE-NOTE-k2Vw"  # the other mentor's private notes
RATER_NAMES = ("MARK-RATER-Peer-h3Lc", "MARK-RATER-Report-p8Xd")  # prefixes of raters' names
SHARED_NOTE = "MARK-SHARED-NOTE-v4Qe"  # the leader's session's shared notes (not the manager's)
GOAL_NOTE = "MARK-GOAL-NOTE-t6Ha"  # the leader's goal's notes (not the manager's)
HIDDEN_COMMENT = "MARK-HIDDEN-COMMENT-w5Jt"  # the one peer's comment: below the threshold
SHOWN_COMMENT = "MARK-SHOWN-COMMENT-b9Fm"  # the direct reports' comments: shown (3 answered)


@dataclasses.dataclass
class Side:
    """One leader's side of the world: the leader, their mentor and their objects."""

    leader: object
    mentor: object
    objects: dict  # key → the object (enrollment, pairing, session, cycle...)
    manager: object = None  # the leader's manager, who may sign in (Role.MANAGER)


@dataclasses.dataclass
class World:
    hr: object
    nobody: object
    own: Side
    other: Side
    program: object
    module: object
    competency: object
    token: str  # the rater link of an open request about the leader
    pulse_token: str = ""  # the pulse link of the leader's team member (pending invite)
    directory_sync: object = None  # a directory file held for HR's approval
    scim_token: object = None  # a live SCIM token (HR's token page names it)

    @property
    def metric_definition(self):
        return self.own.objects["target"].metric

    @property
    def questionnaire(self):
        """The released cycle's: frozen, so its questions' edit pages refuse."""
        return self.own.objects["cycle"].questionnaire

    @property
    def question(self):
        return self.questionnaire.questions.order_by("position").first()

    @property
    def callers(self) -> dict:
        """Caller name → user (None: not signed in)."""
        return {
            "anonymous": None,
            "no role": self.nobody,
            "leader": self.own.leader,
            "other leader": self.other.leader,
            "mentor": self.own.mentor,
            "other mentor": self.other.mentor,
            "manager": self.own.manager,
            "other manager": self.other.manager,
            "HR": self.hr,
            "rater link": None,
        }


def _answers(questionnaire, *, rating: int, comment: str) -> dict:
    answers = {}
    for question in questionnaire.questions.all():
        if question.kind == Question.Kind.COMMENT:
            answers[question.pk] = {"text": comment}
        else:
            answers[question.pk] = {"rating": rating}
    return answers


def _released_cycle(cohort, leader, mentor, *, marked: bool) -> Cycle:
    """Self, manager and three direct reports answered (shown); one peer answered and two
    declined (hidden: below the threshold of 3); the mentor declined. Released. Only the
    leader's side carries the markers."""
    cycle = CycleFactory(
        cohort=cohort,
        name="Released round",
        status=Cycle.Status.OPEN,
        opens_at=datetime.datetime(2027, 1, 10, 8, 0, tzinfo=datetime.UTC),
        due_at=datetime.datetime(2027, 1, 25, 8, 0, tzinfo=datetime.UTC),
    )
    peer_name, report_name = RATER_NAMES if marked else ("Other peer", "Other report")
    shown, hidden = (SHOWN_COMMENT, HIDDEN_COMMENT) if marked else ("Shown", "Hidden")
    raters = [("self", leader, 4, "Self view."), ("manager", leader.manager, 3, "Manager view.")]
    raters += [
        (
            "direct_report",
            UserFactory(full_name=f"{report_name} {n}", manager=leader),
            4,
            f"{shown} {n}",
        )
        for n in range(1, 4)
    ]
    raters.append(("peer", UserFactory(full_name=f"{peer_name} 1"), 2, hidden))
    for group, rater, rating, comment in raters:
        request = RaterRequestFactory(cycle=cycle, subject=leader, rater=rater, group=group)
        response_submit(
            request=request,
            answers=_answers(cycle.questionnaire, rating=rating, comment=comment),
        )
    declined = [("peer", UserFactory(full_name=f"{peer_name} {n}")) for n in (2, 3)]
    for group, rater in [*declined, ("mentor", mentor)]:
        request_decline(
            request=RaterRequestFactory(cycle=cycle, subject=leader, rater=rater, group=group)
        )
    return cycle_release(cycle=cycle, by=None)


def _side(*, leader, mentor, program, module, hr, private_note: str, name: str) -> Side:
    cohort = CohortFactory(
        program=program,
        name=f"{name} cohort",
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 12, 31),
    )
    enrollment = EnrollmentFactory(cohort=cohort, leader=leader)
    completion = ModuleCompletionFactory(
        enrollment=enrollment, module=module, completed_on=datetime.date(2027, 1, 12)
    )
    cohort_session = CohortSessionFactory(
        cohort=cohort,
        module=module,
        starts_at=datetime.datetime(2027, 1, 11, 8, 0, tzinfo=datetime.UTC),
    )
    attendance = SessionAttendance.objects.create(
        enrollment=enrollment, session=cohort_session, recorded_by=hr
    )
    pairing = PairingFactory(mentor=mentor, mentee=leader, started_on=datetime.date(2027, 1, 4))
    session = MentoringSessionFactory(
        pairing=pairing,
        starts_at=datetime.datetime(2027, 1, 20, 9, 0, tzinfo=datetime.UTC),
        private_notes=private_note,
        shared_notes=SHARED_NOTE if private_note == PRIVATE_NOTE else "Shared words.",
    )
    planned = MentoringSessionFactory(
        pairing=pairing,
        status=MentoringSession.Status.PLANNED,
        starts_at=datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC),
        private_notes=private_note,
    )
    action_item = ActionItemFactory(
        session=session, owner=ActionItem.Owner.MENTEE, due_on=datetime.date(2027, 3, 1)
    )
    goal = GoalFactory(
        mentee=leader,
        pairing=pairing,
        notes=GOAL_NOTE if private_note == PRIVATE_NOTE else "Goal words.",
    )
    observation = observe(leader, "sales_attainment", "2027-01", 90)
    target = TargetFactory(leader=leader, metric=metric("sales_attainment"), value=Decimal(100))
    peer_name, report_name = RATER_NAMES if private_note == PRIVATE_NOTE else ("Peer", "Report")
    released = _released_cycle(cohort, leader, mentor, marked=private_note == PRIVATE_NOTE)
    open_cycle = CycleFactory(
        cohort=cohort,
        name="Open round",
        status=Cycle.Status.OPEN,
        opens_at=datetime.datetime(2027, 1, 28, 8, 0, tzinfo=datetime.UTC),
        due_at=datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC),
    )
    pending = RaterRequestFactory(
        cycle=open_cycle,
        subject=leader,
        rater=UserFactory(full_name=f"{peer_name} open"),
        group="peer",
        status=RaterRequest.Status.SENT,
    )
    not_yet_invited = RaterRequestFactory(
        cycle=open_cycle,
        subject=leader,
        rater=UserFactory(full_name=f"{report_name} open"),
        group="direct_report",
        status=RaterRequest.Status.PENDING,
    )
    plan = plan_create(
        leader=leader,
        cycle=released,
        focuses=[
            FocusInput(
                "relationships", "Weekly 1:1s", "Each report has one", datetime.date(2027, 6, 30)
            )
        ],
        by=leader,
    )
    upcoming = CycleFactory(cohort=cohort, name="Upcoming round")
    nomination = NominationFactory(
        cycle=upcoming,
        subject=leader,
        rater=UserFactory(full_name=f"{name} proposed peer"),
        created_by=leader,
        status=Nomination.Status.PROPOSED,
    )
    return Side(
        leader=leader,
        mentor=mentor,
        objects={
            "leader": leader,
            "mentor": mentor,
            "cohort": cohort,
            "enrollment": enrollment,
            "completion": completion,
            "cohort_session": cohort_session,
            "attendance": attendance,
            "pairing": pairing,
            "session": session,
            "planned_session": planned,
            "action_item": action_item,
            "goal": goal,
            "observation": observation,
            "target": target,
            "cycle": released,
            "open_cycle": open_cycle,
            "upcoming_cycle": upcoming,
            "request": pending,
            "pending_request": not_yet_invited,
            "nomination": nomination,
            "plan": plan,
            "focus": plan.focuses.get(),
            "check_in": plan.check_ins.create(due_on=datetime.date(2027, 1, 29)),
            "plan_comment": plan.comments.create(author=mentor, body="Start with one report."),
        },
    )


def world_build() -> World:
    hr = HRFactory(email="hr.matrix@example.com", full_name="Hana Matrix")
    nobody = UserFactory(email="nobody.matrix@example.com", full_name="Nora Nobody")
    program = ProgramFactory(name="Matrix Program")
    module = ModuleFactory(program=program)
    with time_machine.travel(ANSWERED_AT, tick=False):
        own = _side(
            leader=LeaderFactory(email="leader.matrix@example.com", full_name="Leo Matrix"),
            mentor=MentorFactory(email="mentor.matrix@example.com", full_name="Mia Matrix"),
            program=program,
            module=module,
            hr=hr,
            private_note=PRIVATE_NOTE,
            name="Own",
        )
        other = _side(
            leader=LeaderFactory(email="other.leader.matrix@example.com", full_name="Olga Other"),
            mentor=MentorFactory(email="other.mentor.matrix@example.com", full_name="Otto Other"),
            program=program,
            module=module,
            hr=hr,
            private_note=OTHER_PRIVATE_NOTE,
            name="Other",
        )
    for side in (own, other):  # issued today: a token lives for hours
        side.objects["api_token"] = token_issue(user=side.leader)
    # Each leader's manager (the factory's) signs in; the leader is below them.
    for side, email, name in (
        (own, "manager.matrix@example.com", "Max Matrix"),
        (other, "other.manager.matrix@example.com", "Oona Other"),
    ):
        side.manager = side.objects["manager"] = side.leader.manager
        side.manager.email, side.manager.full_name = email, name
        side.manager.save()
        grant_role(side.manager, Role.MANAGER)
    pending_invite = _pulse(own, hr)
    return World(
        hr=hr,
        nobody=nobody,
        own=own,
        other=other,
        program=program,
        module=module,
        competency=module.competency,
        token=request_token(own.objects["request"]),
        pulse_token=invite_token(pending_invite),
        directory_sync=DirectorySync.objects.create(
            source=DirectorySync.Source.UPLOAD,
            file_name="people.csv",
            digest="0" * 64,
            status=DirectorySync.Status.HELD,
            created_by=hr,
        ),
        # No caller holds its secret: SCIM answers every one of them 401.
        scim_token=scim_token_create(name="Okta", by=hr)[0],
    )


def _pulse(own: Side, hr) -> PulseInvite:
    """A pulse of every leader's team with an open round: two of the leader's team are
    asked (one invitation still owed, one sent and owed a reminder)."""
    pulse = Pulse.objects.create(
        name="Matrix pulse",
        template=PulseTemplate.objects.get(name=DEFAULT_TEMPLATE),
        starts_on=TODAY.date() - datetime.timedelta(days=1),
        created_by=hr,
    )
    pulse_round = PulseRound.objects.create(
        pulse=pulse,
        period_start=datetime.date(2027, 1, 1),
        opens_at=TODAY - datetime.timedelta(days=1),
        closes_at=TODAY + datetime.timedelta(days=13),
        status=PulseRound.Status.OPEN,
    )
    members = [
        UserFactory(email=f"team{n}.matrix@example.com", manager=own.leader) for n in range(2)
    ]
    pending = PulseInvite.objects.create(round=pulse_round, leader=own.leader, member=members[0])
    sent = PulseInvite.objects.create(
        round=pulse_round,
        leader=own.leader,
        member=members[1],
        status=PulseInvite.Status.SENT,
        sent_at=TODAY - datetime.timedelta(days=1),
    )
    own.objects.update(pulse=pulse, pulse_invite=pending, pulse_invite_sent=sent)
    return pending

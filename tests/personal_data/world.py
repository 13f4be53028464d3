"""A person every kind of row in Lodestar refers to, for the export and erasure tests:
Pat Quinlan, a leader who also mentors and records things for HR."""

import dataclasses
import datetime
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from common import audit
from common.models import Email
from directory.models import DirectorySync, JitDomain, ScimIdentity, ScimToken
from feedback.models import Answer, Cycle, Nomination, Question, RaterRequest, ReportShare, Response
from metrics.models import ObservationChange
from metrics.services import cohort_rankings_refresh
from people.models import ReportingLine, User
from people.roles import Role, grant_role
from people.tokens import token_issue
from plans.services import FocusInput, plan_create
from programs.models import Cohort, SessionAttendance
from pulse.models import (
    DEFAULT_TEMPLATE,
    Pulse,
    PulseAnswer,
    PulseInvite,
    PulseResponse,
    PulseRound,
    PulseShare,
    PulseTemplate,
)
from tests.feedback.factories import CycleFactory, NominationFactory, RaterRequestFactory
from tests.mentorship.factories import (
    ActionItemFactory,
    GoalFactory,
    MentoringSessionFactory,
    MentorProfileFactory,
    PairingFactory,
)
from tests.metrics.factories import TargetFactory, observe
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrollmentFactory,
    ModuleCompletionFactory,
    ModuleFactory,
)

PAT = "Pat Quinlan"
PAT_EMAIL = "pat.quinlan@example.com"


@dataclasses.dataclass
class Everywhere:
    person: User  # Pat: a leader who also mentors, and records things for HR
    mentor: User  # Pat's mentor
    mentee: User  # the leader Pat mentors
    cycle: Cycle  # released, with answers about Pat
    raters: list  # who was asked about Pat


def answered(cycle: Cycle, subject: User, group: str, rating: int, comment: str = "") -> None:
    response = Response.objects.create(cycle=cycle, subject=subject, group=group)
    for question in cycle.questionnaire.questions.all():
        if question.kind == Question.Kind.COMMENT:
            if comment:
                Answer.objects.create(response=response, question=question, text=comment)
        else:
            Answer.objects.create(response=response, question=question, rating=rating)


def build_everywhere(*, hr, now) -> Everywhere:
    """Every reference in personal_data.registry, pointing at Pat (and the free text
    Pat wrote, and text others wrote that names Pat)."""
    person = LeaderFactory(
        email=PAT_EMAIL, full_name=PAT, job_title="Sales Team Lead", roles=[Role.LEADER]
    )
    grant_role(person, Role.MENTOR)
    person.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    UserFactory(manager=person, full_name="Dana Report")
    token_issue(user=person)
    # directory: Pat's identity provider id, and a SCIM token Pat (as HR) made
    ScimIdentity.objects.create(user=person, external_id="00u-pat")
    ScimToken.objects.create(name="Okta", digest="0" * 64, prefix="abcdefgh", created_by=person)
    mentor = MentorFactory(full_name="Mia Torres", email="mia.torres@example.com")
    mentee = LeaderFactory(full_name="Olga Berg", email="olga.berg@example.com")

    # programs
    cohort = CohortFactory(
        facilitator=person, starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31)
    )
    module = ModuleFactory(program=cohort.program)
    enrollment = EnrollmentFactory(cohort=cohort, leader=person)
    other_enrollment = EnrollmentFactory(cohort=cohort, leader=mentee, enrolled_by=person)
    ModuleCompletionFactory(enrollment=enrollment, module=module, completed_on=cohort.starts_on)
    ModuleCompletionFactory(
        enrollment=other_enrollment,
        module=module,
        completed_on=cohort.starts_on,
        recorded_by=person,
    )
    live = CohortSessionFactory(cohort=cohort, module=module)
    SessionAttendance.objects.create(enrollment=enrollment, session=live, recorded_by=person)

    # mentoring: Pat is mentored by Mia, and mentors Olga
    MentorProfileFactory(user=person, bio=f"{PAT}: twenty years in enterprise sales.")
    as_mentee = PairingFactory(
        mentor=mentor, mentee=person, objectives=f"Help {PAT} run the team.", created_by=mentor
    )
    as_mentor = PairingFactory(mentor=person, mentee=mentee, created_by=person)
    with_mia = MentoringSessionFactory(
        pairing=as_mentee,
        shared_notes=f"{PAT} reviewed the pipeline.",
        private_notes=f"MIA-PRIVATE: {PAT} ({PAT_EMAIL}) seems tired.",
    )
    MentoringSessionFactory(
        pairing=as_mentor,
        shared_notes="PAT-SHARED: we planned Q3.",
        private_notes="PAT-PRIVATE: Olga is ready for more.",
    )
    ActionItemFactory(session=with_mia, created_by=person, description="PAT-ITEM: call Ana")
    ActionItemFactory(session=with_mia, created_by=mentor, description="Mia sends the deck")
    own_goal = GoalFactory(mentee=person, title="PAT-GOAL: hire two AEs", notes="By June.")
    olgas_goal = GoalFactory(
        mentee=mentee, pairing=as_mentor, created_by=person, title="Olga's goal"
    )

    # feedback: a released cycle about Pat, Pat rating Olga, Pat's own proposals
    cycle = CycleFactory(
        cohort=cohort,
        created_by=person,
        status=Cycle.Status.CLOSED,
        opened_at=datetime.datetime(2027, 3, 1, 8, tzinfo=datetime.UTC),
        closed_at=datetime.datetime(2027, 3, 11, 8, tzinfo=datetime.UTC),
        released_at=datetime.datetime(2027, 3, 11, 8, tzinfo=datetime.UTC),
    )
    raters = [UserFactory(full_name=f"Peer Rater {n}") for n in range(3)]
    for rater in raters:
        NominationFactory(
            cycle=cycle, subject=person, rater=rater, full_name=rater.full_name, created_by=person
        )
        RaterRequestFactory(
            cycle=cycle, subject=person, rater=rater, status=RaterRequest.Status.COMPLETED
        )
        answered(cycle, person, "peer", 4, comment=f"Learns fast, {PAT} does.")
    NominationFactory(
        cycle=cycle,
        subject=person,
        rater=None,
        email="outside.peer@example.com",
        full_name="Outside Peer",
        created_by=person,
        status=Nomination.Status.REJECTED,
    )
    NominationFactory(
        cycle=cycle,
        subject=mentee,
        rater=person,
        full_name=PAT,
        created_by=mentee,
        decided_by=person,
        status=Nomination.Status.APPROVED,
    )
    RaterRequestFactory(
        cycle=cycle,
        subject=mentee,
        rater=person,
        status=RaterRequest.Status.COMPLETED,
        last_error=f"550 <{PAT_EMAIL}>: mailbox full",
    )
    ReportShare.objects.create(cycle=cycle, subject=person, pairing=as_mentee)
    # Pat as a manager: a leader shared a report with Pat; the reporting line's history
    ReportShare.objects.create(cycle=cycle, subject=mentee, manager=person)
    ReportingLine.objects.create(
        person=person,
        manager=UserFactory(full_name="Former Boss"),
        started_on=datetime.date(2025, 1, 1),
        ended_on=datetime.date(2026, 6, 30),
    )
    # (Dana Report's line to Pat, opened by the factory, is the other end.)

    # the audit trail: by Pat, about Pat, and about Pat but not Pat's to see
    with transaction.atomic():
        audit.record(
            action="goal.update",
            by=person,
            obj=olgas_goal,
            changes={"status": ["open", "achieved"]},
            about=mentee,
        )
        audit.record(
            action="goal.create",
            by=mentor,
            obj=own_goal,
            changes=audit.created(own_goal, ["title", "notes"]),
            about=person,
        )
        audit.record(action="report.view", by=hr, obj=cycle, about=person)
        audit.record(
            action="rater_request.nudge",
            by=hr,
            obj=RaterRequest.objects.filter(subject=person).first(),
            about=person,
        )

    # metrics
    observation = observe(person, "sales_attainment", "2027-01", 90)
    observation.note = "From the CRM export."
    observation.save()
    recorded = observe(mentee, "sales_attainment", "2027-01", 80)
    recorded.recorded_by = person
    recorded.save()
    ObservationChange.objects.create(
        observation=recorded,
        old_value=Decimal(70),
        new_value=Decimal(80),
        old_source="import",
        new_source="manual",
        changed_by=person,
        changed_at=now,
    )
    TargetFactory(leader=person, value=Decimal(100))
    TargetFactory(leader=mentee, created_by=person, value=Decimal(90))
    # their place in the cohort's ranking, a roll-up of the values above
    cohort_rankings_refresh(cohort_ids=[cohort.pk], as_of=datetime.date(2027, 2, 1))

    # the outbox and the admin's log
    Email.objects.create(
        kind="programs.welcome",
        key=f"programs.welcome:{enrollment.pk}",
        ref=enrollment.pk,
        to=PAT_EMAIL,
        status=Email.Status.FAILED,
        last_error=f"SMTPRecipientsRefused: {{'{PAT_EMAIL}': (550, b'unknown')}}",
    )
    Email.objects.create(
        kind="mentorship.session_invitation",
        key=f"mentorship.session_invitation:{with_mia.pk}:1",
        ref=with_mia.pk,
        to=f"{mentor.email}, {PAT_EMAIL}",
        params={"sequence": 1},
    )
    Email.objects.create(
        kind="programs.welcome",
        key="programs.welcome:999",
        ref=999,
        to="another.pat.quinlan@example.com",
    )
    LogEntry.objects.create(
        user=person,
        content_type=ContentType.objects.get_for_model(Cohort),
        object_id=str(cohort.pk),
        object_repr=str(cohort),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Capacity"]}}]',
    )
    LogEntry.objects.create(
        user=hr,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Job title"]}}]',
    )
    # development plans: Pat's plan from the released report (topics, a check-in note, a
    # comment by Pat's mentor and Pat's reply)
    plan = plan_create(
        leader=person,
        cycle=cycle,
        focuses=[
            FocusInput(
                "relationships",
                "PAT-PLAN: weekly one-to-ones",
                "Each seller has one",
                now.date() + datetime.timedelta(days=90),
                topics="PAT-TOPICS: delegation",
            )
        ],
        by=person,
    )
    plan.check_ins.create(due_on=now.date(), note="PAT-CHECK-IN: going well")
    plan.comments.create(author=mentor, body=f"Good start, {PAT}.")
    plan.comments.create(author=person, body="PAT-COMMENT: thanks")
    _pulse(person, now=now)
    _directory(person)
    return Everywhere(person=person, mentor=mentor, mentee=mentee, cycle=cycle, raters=raters)


def _directory(person: User) -> None:
    """Pat uploaded a directory file and decided another, and turned on just-in-time
    accounts for a domain."""
    DirectorySync.objects.create(
        source=DirectorySync.Source.UPLOAD,
        file_name="people.csv",
        digest="1" * 64,
        status=DirectorySync.Status.APPLIED,
        created_by=person,
    )
    DirectorySync.objects.create(
        source=DirectorySync.Source.FOLDER,
        file_name="people-2.csv",
        digest="2" * 64,
        status=DirectorySync.Status.REJECTED,
        decided_by=person,
        decided_at=timezone.now(),
    )
    JitDomain.objects.create(domain="pat.example", created_by=person)


def _pulse(person: User, *, now) -> None:
    """A closed pulse round Pat created: three of Pat's team answered about Pat, and Pat
    was asked about their own manager."""
    pulse = Pulse.objects.create(
        name="Pat's pulse",
        template=PulseTemplate.objects.get(name=DEFAULT_TEMPLATE),
        starts_on=now.date(),
        created_by=person,
    )
    pulse_round = PulseRound.objects.create(
        pulse=pulse,
        period_start=now.date().replace(day=1, month=1 + 3 * ((now.month - 1) // 3)),
        opens_at=now - datetime.timedelta(days=20),
        closes_at=now - datetime.timedelta(days=6),
        status=PulseRound.Status.CLOSED,
    )
    # Dana and two who have moved to another team since (the export lists Dana only).
    team = [*person.direct_reports.all()]
    team += [UserFactory(full_name=f"Former report {n}") for n in range(3 - len(team))]
    for member in team:
        PulseInvite.objects.create(
            round=pulse_round, leader=person, member=member, status=PulseInvite.Status.ANSWERED
        )
        response = PulseResponse.objects.create(round=pulse_round, leader=person, comment="Fine")
        PulseAnswer.objects.bulk_create(
            PulseAnswer(response=response, statement=statement, kind=statement.kind, value=4)
            for statement in pulse.template.statements.all()
        )
    PulseInvite.objects.create(
        round=pulse_round, leader=person.manager, member=person, status=PulseInvite.Status.EXPIRED
    )
    PulseShare.objects.create(leader=person, audience=PulseShare.Audience.MANAGER)

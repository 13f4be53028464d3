"""A leaver (directory.services.person_leave): their pairings end and the one who stays is
told, their enrollments are withdrawn, their rater requests expire and HR hears of a
rater group left short, the action items they own close, their reporting line ends and
their manager's measured retention counts them; every step in the audit trail, once."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from common import audit
from common.models import AuditEvent, Email
from directory.services import person_leave
from feedback.models import Cycle, RaterRequest
from mentorship.models import ActionItem, MentoringSession, MentorProfile, Pairing
from mentorship.services import action_item_set_done, mentor_profile_for, pairing_create
from metrics.models import Observation
from metrics.services import retention_measure
from people.models import ReportingLine
from programs.models import Enrollment
from programs.services import enrollment_create
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.mentorship.factories import ActionItemFactory, MentoringSessionFactory
from tests.people.factories import HRFactory, LeaderFactory, MentorFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db

JAN_5 = datetime.datetime(2027, 1, 5, 9, tzinfo=datetime.UTC)
FEB_1 = datetime.date(2027, 2, 1)
LEAVER_EVENTS = (
    "person.leave",
    "user.leave",
    "pairing.end",
    "enrollment.withdraw",
    "rater_request.expire",
    "action_item.close",
    "mentoring_session.cancel",
)


class World:
    """Lea leads a team of four; one of them, Tom, is mentored by Mia, enrolled in a
    cohort, asked to rate a peer in an open cycle that needs two peers, and owns an
    action item (Mia owns another)."""

    def __init__(self, hr):
        self.hr = hr
        self.lea = LeaderFactory(full_name="Lea Lead", manager=None, date_joined=JAN_5)
        self.tom, *self.team = (
            LeaderFactory(full_name=name, manager=self.lea, date_joined=JAN_5)
            for name in ("Tom Leaver", "Ivo Stay", "Jan Stay", "Kim Stay")
        )
        self.mia = MentorFactory(full_name="Mia Mentor", email="mia@example.com")
        self.profile = mentor_profile_for(self.mia, by=hr)
        self.cohort = CohortFactory(
            starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31), capacity=5
        )
        self.enrollment = enrollment_create(
            cohort=self.cohort, leader=self.tom, by=hr, send_welcome=False
        )
        self.pairing = pairing_create(
            mentor=self.mia, mentee=self.tom, started_on=datetime.date(2027, 1, 11), by=hr
        )
        held = MentoringSessionFactory(pairing=self.pairing)
        self.planned = MentoringSessionFactory(
            pairing=self.pairing,
            status=MentoringSession.Status.PLANNED,
            starts_at=datetime.datetime(2027, 2, 8, 9, tzinfo=datetime.UTC),
        )
        self.toms_item = ActionItemFactory(session=held, owner=ActionItem.Owner.MENTEE)
        self.mias_item = ActionItemFactory(session=held, owner=ActionItem.Owner.MENTOR)
        self.cycle = CycleFactory(
            cohort=self.cohort,
            name="Spring round",
            status=Cycle.Status.OPEN,
            min_raters={"peer": 2},
        )
        self.peer_subject = self.team[0]
        self.request = RaterRequestFactory(
            cycle=self.cycle, subject=self.peer_subject, rater=self.tom, group="peer"
        )
        RaterRequestFactory(cycle=self.cycle, subject=self.peer_subject, group="peer")


@pytest.fixture
def world(clock, hr):
    return World(hr)


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_a_mentee_leaving_ends_their_open_business(world, hr, clock):
    departure = person_leave(person=world.tom, by=hr, source="admin")

    world.tom.refresh_from_db()
    assert (world.tom.is_active, world.tom.left_on) == (False, FEB_1)
    assert list(
        ReportingLine.objects.filter(person=world.tom).values_list("manager", "ended_on")
    ) == [(world.lea.pk, FEB_1)]

    world.pairing.refresh_from_db()
    assert (world.pairing.status, world.pairing.ended_on) == (Pairing.Status.ENDED, FEB_1)
    world.profile.refresh_from_db()
    assert world.profile.active_mentees == 0, "the mentor's seat is free again"
    world.planned.refresh_from_db()
    assert world.planned.status == MentoringSession.Status.CANCELLED

    world.enrollment.refresh_from_db()
    assert world.enrollment.status == Enrollment.Status.WITHDRAWN
    assert world.enrollment.withdrawal_reason == "left the company"
    world.cohort.refresh_from_db()
    assert world.cohort.seats_taken == 0

    world.request.refresh_from_db()
    assert world.request.status == RaterRequest.Status.EXPIRED

    world.toms_item.refresh_from_db()
    assert world.toms_item.closed_reason == "left the company"
    assert world.toms_item.done_at == clock.now
    world.mias_item.refresh_from_db()
    assert (world.mias_item.done_at, world.mias_item.closed_reason) == (None, "")

    assert departure.shortfalls == [
        {
            "cycle": world.cycle.pk,
            "cycle_name": "Spring round",
            "subject": world.peer_subject.pk,
            "subject_name": "Ivo Stay",
            "group": "peer",
            "group_label": "Peer",
            "wanted": 2,
            "left": 1,
        }
    ]


def test_every_step_is_audited_with_who_reported_it(world, hr):
    person_leave(person=world.tom, by=hr, source="admin")

    (leave,) = events("person.leave")
    assert (leave.actor, leave.actor_kind, leave.subject) == (hr, "person", world.tom)
    recorded = leave.changes["departure"][1]
    assert {name: recorded[name] for name in recorded if name != "shortfalls"} == {
        "person_id": world.tom.pk,
        "left_on": "2027-02-01",
        "source": "admin",
        "deactivated": True,
        "pairings_ended": 1,
        "enrollments_withdrawn": 1,
        "requests_cancelled": 1,
        "nominations_withdrawn": 0,
        "action_items_closed": 1,
    }
    for action, object_id in (
        ("pairing.end", world.pairing.pk),
        ("enrollment.withdraw", world.enrollment.pk),
        ("rater_request.expire", world.request.pk),
        ("action_item.close", world.toms_item.pk),
    ):
        (event,) = events(action)
        assert (event.object_id, event.actor, event.actor_kind) == (str(object_id), hr, "person")


def test_a_leaver_reported_by_the_directory_is_audited_as_the_directory(world):
    person_leave(person=world.tom, by=audit.DIRECTORY, source="scim")

    recorded = AuditEvent.objects.filter(action__in=LEAVER_EVENTS)
    assert set(recorded.values_list("action", flat=True)) == set(LEAVER_EVENTS)
    assert set(recorded.values_list("actor", "actor_kind")) == {(None, "directory")}


def test_the_mentor_is_emailed_once_that_a_seat_is_free(
    world, hr, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        person_leave(person=world.tom, by=hr)

    (owed,) = Email.objects.filter(kind="mentorship.partner_left")
    assert (owed.to, owed.ref, owed.status) == ("mia@example.com", world.pairing.pk, "sent")
    (message,) = (m for m in mailoutbox if m.to == ["mia@example.com"])
    assert "Tom Leaver has left the company" in message.subject
    assert "Tom Leaver has left the company" in message.body
    assert "You now mentor 0 of 3: a seat is free for another leader." in message.body


def test_hr_is_emailed_of_the_rater_group_left_short(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    other_hr = HRFactory(email="second.hr@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        person_leave(person=world.tom, by=audit.DIRECTORY)

    owed = Email.objects.filter(kind="directory.rater_shortfall")
    assert sorted(owed.values_list("to", flat=True)) == sorted([world.hr.email, other_hr.email])
    (message,) = (m for m in mailoutbox if m.to == [other_hr.email])
    assert message.subject == "Tom Leaver left: 1 feedback rater group now short of raters"
    assert 'Ivo Stay, peer raters in "Spring round": 1 of 2' in message.body


def test_no_shortfall_when_the_group_still_has_enough(world, hr):
    RaterRequestFactory(cycle=world.cycle, subject=world.peer_subject, group="peer")

    departure = person_leave(person=world.tom, by=hr)

    assert departure.shortfalls == []
    assert not Email.objects.filter(kind="directory.rater_shortfall").exists()


def test_leaving_twice_records_and_emails_nothing_new(world, hr):
    person_leave(person=world.tom, by=hr)
    recorded, owed = AuditEvent.objects.count(), Email.objects.count()

    again = person_leave(person=world.tom, by=audit.DIRECTORY)

    assert not again.changed
    assert (AuditEvent.objects.count(), Email.objects.count()) == (recorded, owed)
    world.tom.refresh_from_db()
    assert world.tom.left_on == FEB_1


def test_a_mentor_leaving_tells_each_mentee_and_takes_no_more(
    world, hr, django_capture_on_commit_callbacks, mailoutbox
):
    second = LeaderFactory(full_name="Sam Second", email="sam@example.com")
    pairing_create(mentor=world.mia, mentee=second, started_on=datetime.date(2027, 1, 11), by=hr)

    with django_capture_on_commit_callbacks(execute=True):
        departure = person_leave(person=world.mia, by=hr)

    assert departure.pairings_ended == 2
    owed = Email.objects.filter(kind="mentorship.partner_left")
    assert sorted(owed.values_list("to", flat=True)) == sorted([world.tom.email, "sam@example.com"])
    (to_sam,) = (m for m in mailoutbox if m.to == ["sam@example.com"])
    assert "Mia Mentor has left the company" in to_sam.body
    assert "HR will talk to you about a new mentor" in to_sam.body
    assert not MentorProfile.objects.get(user=world.mia).is_active
    world.mias_item.refresh_from_db()
    world.toms_item.refresh_from_db()
    assert world.mias_item.closed_reason == "left the company"
    assert (world.toms_item.done_at, world.toms_item.closed_reason) == (None, "")
    world.enrollment.refresh_from_db()
    assert world.enrollment.status in Enrollment.OPEN_STATUSES, "the mentee stays enrolled"


def test_reopening_a_closed_item_clears_why_it_was_closed(world, hr):
    person_leave(person=world.tom, by=hr)
    item = ActionItem.objects.get(pk=world.toms_item.pk)

    action_item_set_done(item=item, done=False, by=hr)

    item.refresh_from_db()
    assert (item.done_at, item.closed_reason) == (None, "")
    (event,) = events("action_item.reopen")
    assert event.changes["closed_reason"] == ["left the company", ""]


@pytest.fixture
def hr_admin(db):
    client = Client()
    client.force_login(HRFactory(email="admin.hr@example.com", is_staff=True, is_superuser=True))
    return client


def test_the_admin_action_mark_left_today_runs_the_cascade(world, hr_admin):
    response = hr_admin.post(
        "/admin/people/user/", {"action": "mark_left_today", "_selected_action": [world.tom.pk]}
    )

    assert response.status_code == 302
    (leave,) = events("person.leave")
    assert leave.changes["departure"][1]["source"] == "admin"
    world.pairing.refresh_from_db()
    world.enrollment.refresh_from_db()
    assert (world.pairing.status, world.enrollment.status) == ("ended", "withdrawn")
    assert Email.objects.filter(kind="mentorship.partner_left").count() == 1


def test_unticking_active_in_the_admin_runs_the_cascade(world, hr_admin):
    tom = world.tom
    form = {
        "email": tom.email,
        "full_name": tom.full_name,
        "job_title": tom.job_title,
        "region": tom.region,
        "manager": tom.manager_id,
        "groups": list(tom.groups.values_list("pk", flat=True)),
        "left_on": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": tom.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": tom.date_joined.strftime("%H:%M:%S"),
    }

    response = hr_admin.post(f"/admin/people/user/{tom.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    tom.refresh_from_db()
    assert (tom.is_active, tom.left_on) == (False, FEB_1)
    world.pairing.refresh_from_db()
    world.enrollment.refresh_from_db()
    world.request.refresh_from_db()
    assert (world.pairing.status, world.enrollment.status, world.request.status) == (
        "ended",
        "withdrawn",
        "expired",
    )
    assert events("person.leave").count() == 1


def test_measured_retention_counts_the_departure_for_the_managers_team(world, hr, clock):
    clock.set(datetime.datetime(2027, 2, 10, 9, tzinfo=datetime.UTC))
    person_leave(person=world.tom, by=hr)
    UserFactory(manager=world.lea, date_joined=clock.now)  # a newcomer: not kept, not lost
    clock.set(datetime.datetime(2027, 3, 2, 9, tzinfo=datetime.UTC))

    retention_measure(month=FEB_1, by=None)

    value = Observation.objects.get(leader=world.lea, metric__code="retention_rate")
    assert value.value == Decimal("75.00")
    assert value.note == "reporting line: 3 of 4 stayed"

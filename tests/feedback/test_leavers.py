"""A leaver (or a person about to be erased) is asked nothing more and nobody more is
asked about them: open requests expire, standing nominations are withdrawn, and an
inactive person is never planned as a subject or a rater."""

import datetime

import pytest

from common.models import AuditEvent, Email
from feedback.models import Nomination, RaterRequest
from feedback.selectors import cycle_planned_raters
from feedback.services import nominations_withdraw_for, requests_expire_for
from tests.feedback.factories import CycleFactory, NominationFactory
from tests.feedback.helpers import answer_all, feedback_emails, team_in, tick
from tests.people.factories import LeaderFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(db):
    return CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))


def test_a_leavers_open_requests_expire_about_them_and_by_them(clock, cohort, hr):
    leaver, other = team_in(cohort, reports=2), team_in(cohort, reports=2)
    cycle = CycleFactory(cohort=cohort)
    NominationFactory(
        cycle=cycle,
        subject=other.leader,
        rater=leaver.leader,
        status=Nomination.Status.APPROVED,
    )
    clock.set(cycle.opens_at + datetime.timedelta(minutes=1))
    tick()
    answer_all(cycle, subject=leaver.leader, groups=["manager"])
    RaterRequest.objects.filter(group="self").update(status="pending")  # its invitation waits
    waiting = feedback_emails(cycle).filter(ref__in=RaterRequest.objects.filter(group="self"))
    waiting.update(status=Email.Status.QUEUED)

    expired = requests_expire_for(person=leaver.leader, by=hr)

    theirs = RaterRequest.objects.filter(cycle=cycle, subject=leaver.leader)
    assert expired == 4 + 1, "about them, all but the answered one; and theirs about another"
    assert set(theirs.values_list("group", "status")) == {
        ("self", "expired"),
        ("manager", "completed"),
        ("mentor", "expired"),
        ("direct_report", "expired"),
    }
    assert RaterRequest.objects.get(subject=other.leader, rater=leaver.leader).status == "expired"
    assert RaterRequest.objects.filter(subject=other.leader, status="sent").count() == 4
    assert set(waiting.values_list("to", "status")) == {
        (leaver.leader.email, Email.Status.SKIPPED),
        (other.leader.email, Email.Status.QUEUED),
    }, "the leaver's own invitation is no longer owed; the other leader's still is"
    events = AuditEvent.objects.filter(action="rater_request.expire")
    assert events.count() == 5
    assert {(e.actor, e.changes["status"][1]) for e in events} == {(hr, "expired")}


def test_a_leavers_standing_nominations_are_withdrawn_with_who_and_when(clock, cohort, hr):
    leaver, other = team_in(cohort, reports=1), team_in(cohort, reports=1)
    cycle = CycleFactory(cohort=cohort)
    about = NominationFactory(
        cycle=cycle, subject=leaver.leader, rater=other.leader, status="proposed"
    )
    by = NominationFactory(cycle=cycle, subject=other.leader, rater=leaver.leader)
    rejected = NominationFactory(
        cycle=cycle, subject=other.leader, rater=leaver.leader, status="rejected"
    )
    opened = CycleFactory(cohort=cohort, status="open")
    in_open_cycle = NominationFactory(cycle=opened, subject=leaver.leader)

    assert nominations_withdraw_for(person=leaver.leader, by=hr) == 2

    for nomination in (about, by):
        nomination.refresh_from_db()
        assert (nomination.status, nomination.decided_by, nomination.decided_at) == (
            "withdrawn",
            hr,
            clock.now,
        )
    events = AuditEvent.objects.filter(action="nomination.withdraw")
    assert {(e.object_id, e.actor) for e in events} == {(str(about.pk), hr), (str(by.pk), hr)}
    rejected.refresh_from_db()
    in_open_cycle.refresh_from_db()
    assert (rejected.status, in_open_cycle.status) == ("rejected", "approved")


def test_an_inactive_person_is_neither_asked_about_nor_asked(cohort):
    leaver, other = team_in(cohort, reports=2), team_in(cohort, reports=2)
    cycle = CycleFactory(cohort=cohort)
    NominationFactory(cycle=cycle, subject=other.leader, rater=leaver.leader, status="approved")
    LeaderFactory(manager=other.leader)  # a new direct report of the other leader
    for person in (leaver.leader, leaver.mentor):
        person.is_active = False
        person.save()

    planned = {(p.subject.pk, p.rater.pk) for p in cycle_planned_raters(cycle=cycle)}

    assert leaver.leader.pk not in {subject for subject, _ in planned}
    assert leaver.leader.pk not in {rater for _, rater in planned}
    assert (other.leader.pk, other.leader.pk) in planned

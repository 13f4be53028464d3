"""The audit trail's own rules (common/audit.py): who acted, only what changed, readable
old → new, never a private field, and never outside the transaction of the change."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from common import audit
from common.models import AuditEvent
from mentorship.models import MentoringSession
from people.models import User
from programs import services as programs_services
from programs.models import Competency, Enrollment
from tests.mentorship.factories import MentoringSessionFactory
from tests.metrics.factories import TargetFactory
from tests.people.factories import LeaderFactory, UserFactory
from tests.programs.factories import CohortFactory

pytestmark = pytest.mark.django_db


def test_only_the_fields_that_changed_are_recorded_with_related_objects_by_name(hr):
    old_manager = UserFactory(full_name="Olive Oak", email="olive@example.com")
    new_manager = UserFactory(full_name="Noah North", email="noah@example.com")
    person = UserFactory(manager=old_manager, job_title="Team Lead", region="North")
    before = audit.snapshot(person)

    person.manager, person.job_title = new_manager, "Senior Team Lead"
    person.save()

    assert audit.changed(person, before) == {
        "job_title": ["Team Lead", "Senior Team Lead"],
        "manager": ["Olive Oak <olive@example.com>", "Noah North <noah@example.com>"],
    }


def test_values_are_readable_json_dates_decimals_and_many_to_many_names(hr):
    target = TargetFactory(value=Decimal("87.50"), valid_from=datetime.date(2027, 1, 1))
    created = audit.created(target, ["value", "valid_from", "valid_to"])
    assert created == {"value": [None, "87.50"], "valid_from": [None, "2027-01-01"]}
    session = MentoringSessionFactory()
    before = audit.snapshot(session, ["topics"])
    session.topics.set(Competency.objects.filter(slug__in=["communication", "relationships"]))
    assert audit.changed(session, before) == {"topics": [[], ["Communication", "Relationships"]]}


def test_private_fields_are_never_snapshotted_nor_recorded(hr):
    session = MentoringSessionFactory(private_notes="thinking about quitting")
    assert "private_notes" not in audit.snapshot(session)
    assert "private_notes" not in audit.snapshot(session, ["private_notes", "status"])
    assert "private_notes" not in audit.created(session)
    assert "password" not in audit.created(hr, m2m=True)

    with transaction.atomic():
        event = audit.record(
            action="mentoring_session.update",
            by=hr,
            obj=session,
            changes={"private_notes": ["", "thinking about quitting"], "status": ["a", "b"]},
        )
    assert AuditEvent.objects.get(pk=event.pk).changes == {"status": ["a", "b"]}
    assert MentoringSession.private_fields == ("private_notes",)


def test_who_acted_a_person_the_schedule_or_the_system(hr):
    leader = LeaderFactory()
    with transaction.atomic():
        by_hr = audit.record(action="user.update", by=hr, obj=leader, about=leader)
        by_tick = audit.record(action="user.update", by=audit.SCHEDULE, obj=leader)
        by_nobody = audit.record(action="user.update", by=None, obj=leader)
    assert (by_hr.actor, by_hr.actor_kind, by_hr.subject) == (hr, "person", leader)
    assert (by_tick.actor, by_tick.actor_kind) == (None, "schedule")
    assert (by_nobody.actor, by_nobody.actor_kind) == (None, "system")
    assert by_tick.actor_label == "schedule"
    assert by_hr.object_repr == str(leader)
    assert by_hr.object_id == str(leader.pk)
    with pytest.raises(ValueError, match="saved user"), transaction.atomic():
        audit.record(action="user.update", by=AnonymousUser(), obj=leader)


def test_an_event_is_only_written_inside_the_transaction_of_its_change(committed_db):
    person = UserFactory()
    with pytest.raises(audit.AuditOutsideTransaction):
        audit.record(action="user.update", by=None, obj=person)
    assert not AuditEvent.objects.exists()


def test_a_write_that_fails_after_its_change_leaves_no_event(committed_db, monkeypatch):
    """The enrollment and its event are written together, or neither is: the welcome
    email (owed after the event) fails, and nothing of the enrollment remains."""
    hr = UserFactory(email="hr.rollback@example.com")
    cohort = CohortFactory()
    leader = LeaderFactory()

    def broken(owed):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(programs_services.outbox, "email_owe", broken)
    with pytest.raises(RuntimeError):
        programs_services.enrollment_create(cohort=cohort, leader=leader, by=hr)

    assert not Enrollment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="enrollment.").exists()
    assert not AuditEvent.objects.filter(action="user.role_grant").exists()


def test_a_transition_that_fails_after_its_change_leaves_no_event(committed_db, monkeypatch):
    hr = UserFactory(email="hr.rollback@example.com")
    enrollment = programs_services.enrollment_create(
        cohort=CohortFactory(), leader=LeaderFactory(), by=hr, send_welcome=False
    )
    recorded = AuditEvent.objects.count()
    real_record = audit.record

    def record_then_fail(**kwargs):
        real_record(**kwargs)
        raise RuntimeError("after the event, before the commit")

    monkeypatch.setattr(programs_services.audit, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        programs_services.enrollment_withdraw(enrollment=enrollment, by=hr)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.INVITED
    assert AuditEvent.objects.count() == recorded


def test_an_object_history_is_newest_first(hr):
    person = User.objects.get(pk=UserFactory().pk)
    with transaction.atomic():
        first = audit.record(action="user.update", by=hr, obj=person)
        second = audit.record(action="user.role_grant", by=hr, obj=person)
        audit.record(action="user.update", by=hr, obj=hr)
    assert list(audit.events_for(person)) == [second, first]

"""The pulse's services: scheduling, the tick (open, remind, close, exactly once), answers."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from common.models import AuditEvent, Email
from feedback.links import LinkError
from metrics.models import Observation
from pulse import emails as pulse_emails
from pulse import services
from pulse.models import DEFAULT_TEMPLATE, PulseInvite, PulseResponse, PulseRound, PulseTemplate
from tests.pulse.world import OPENED, START, answer_all, values


def _close(clock, pulse_round, capture):
    clock.set(pulse_round.closes_at + datetime.timedelta(minutes=1))
    with capture(execute=True):
        return services.pulse_tick()


def test_scheduling_refuses_bad_input_by_field(world):
    with pytest.raises(ValidationError) as error:
        services.pulse_create(
            name="",
            template=PulseTemplate.objects.get(name=DEFAULT_TEMPLATE),
            starts_on=START,
            answer_days=10,
            remind_after_days=10,
            cadence="weekly",
            by=world.hr,
        )
    assert set(error.value.message_dict) == {"name", "cadence", "remind_after_days"}


def test_scheduling_is_audited(world):
    event = AuditEvent.objects.get(action="pulse.create")
    assert event.changes["cadence"] == [None, "quarter"]


def test_the_tick_opens_the_round_and_emails_each_team_member_once(
    world, clock, django_capture_on_commit_callbacks
):
    clock.set(OPENED)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.pulse_tick()
    assert (result.created, result.opened) == (1, 1)
    pulse_round = PulseRound.objects.get()
    assert pulse_round.period_start == datetime.date(2027, 1, 1)
    assert pulse_round.status == PulseRound.Status.OPEN
    # 4 + 2 + 3 active members; the one who left is not asked.
    assert PulseInvite.objects.filter(round=pulse_round).count() == 9
    assert not PulseInvite.objects.filter(member__email="gone@example.com").exists()
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert len(recipients) == 9 == len(set(recipients))
    assert set(PulseInvite.objects.values_list("status", flat=True)) == {"sent"}
    big_mail = next(m for m in mail.outbox if m.to == ["big0@example.com"])
    assert "Bea Big" in big_mail.subject
    assert "/pulse/answer/" in big_mail.body

    # A doubled tick (or two beats at once): nothing opens, nothing is sent again.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.pulse_tick()
    assert (again.created, again.opened, again.reminders) == (0, 0, 0)
    assert len(mail.outbox) == 9
    assert Email.objects.filter(kind=pulse_emails.INVITATION).count() == 9


def test_a_pulse_before_its_start_opens_nothing(world, clock):
    clock.set(datetime.datetime(2027, 1, 20, 10, tzinfo=datetime.UTC))
    assert services.pulse_tick().created == 0
    assert not PulseRound.objects.exists()


def test_one_reminder_to_those_who_have_not_answered(
    world, opened, clock, django_capture_on_commit_callbacks
):
    answer_all(opened, world.big, 1)
    mail.outbox.clear()
    clock.set(OPENED + datetime.timedelta(days=5, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.pulse_tick()
        second = services.pulse_tick()
    assert (first.reminders, second.reminders) == (8, 0)
    assert len(mail.outbox) == 8
    assert all(message.subject.startswith("Reminder") for message in mail.outbox)
    clock.set(OPENED + datetime.timedelta(days=9))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pulse_tick().reminders == 0
    assert len(mail.outbox) == 8
    assert PulseInvite.objects.filter(status="reminded").count() == 8


def test_an_answer_is_taken_once(world, opened):
    invite = PulseInvite.objects.filter(leader=world.big).first()
    services.response_submit(invite=invite, values=values(world.pulse), comment="Good team")
    assert PulseResponse.objects.count() == 1
    invite.refresh_from_db()
    with pytest.raises(LinkError) as error:
        services.response_submit(invite=invite, values=values(world.pulse))
    assert (error.value.reason, error.value.status_code) == ("used", 410)
    assert PulseResponse.objects.count() == 1


def test_bad_values_are_field_errors_and_change_nothing(world, opened):
    invite = PulseInvite.objects.filter(leader=world.big).first()
    statements = list(world.pulse.template.statements.order_by("position"))
    bad = values(world.pulse)
    bad[str(statements[0].pk)] = 6
    bad[str(statements[-1].pk)] = "eleven"
    del bad[str(statements[1].pk)]
    with pytest.raises(ValidationError) as error:
        services.response_submit(invite=invite, values=bad, comment="x" * 1001)
    assert set(error.value.message_dict) == {
        f"statement_{statements[0].pk}",
        f"statement_{statements[1].pk}",
        f"statement_{statements[-1].pk}",
        "comment",
    }
    invite.refresh_from_db()
    assert invite.status == PulseInvite.Status.SENT
    assert not PulseResponse.objects.exists()


def test_a_response_cannot_be_tied_to_its_member(world, opened):
    field_names = {field.name for field in PulseResponse._meta.get_fields()}
    assert field_names == {"id", "round", "leader", "comment", "answers"}
    assert PulseResponse._meta.ordering == ["id"]  # a random key, never arrival
    # An invite says whether it was answered, never when.
    assert "answered_at" not in {field.name for field in PulseInvite._meta.fields}


def test_closing_writes_team_engagement_at_the_threshold_only(
    world, opened, clock, django_capture_on_commit_callbacks
):
    answer_all(opened, world.big, 4, scale=4, enps=9)  # 75.0, eNPS +100
    answer_all(opened, world.small, 2, scale=5)  # below the threshold
    answer_all(opened, world.three, 3, scale=2, enps=5)  # 25.0
    result = _close(clock, opened, django_capture_on_commit_callbacks)
    assert result.closed == 1
    opened.refresh_from_db()
    assert opened.status == PulseRound.Status.CLOSED
    values_by_leader = {
        o.leader_id: o for o in Observation.objects.filter(metric__code="team_engagement")
    }
    assert set(values_by_leader) == {world.big.pk, world.three.pk}
    big = values_by_leader[world.big.pk]
    assert (big.value, big.source, big.note) == (
        75,
        Observation.Source.PULSE,
        "team pulse, 4 answers",
    )
    assert big.period_start == datetime.date(2027, 1, 1)
    assert values_by_leader[world.three.pk].value == 25
    # A doubled tick closes nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pulse_tick().closed == 0


def test_closing_expires_open_invites_and_skips_their_owed_emails(
    world, opened, clock, django_capture_on_commit_callbacks
):
    clock.set(OPENED + datetime.timedelta(days=5, minutes=1))
    services.pulse_tick()  # reminders owed, not yet sent (no commit callbacks here)
    _close(clock, opened, django_capture_on_commit_callbacks)
    assert set(PulseInvite.objects.values_list("status", flat=True)) == {"expired"}
    assert not Email.objects.filter(kind=pulse_emails.REMINDER, status=Email.Status.QUEUED).exists()


def test_a_late_answer_after_close_is_refused(
    world, opened, clock, django_capture_on_commit_callbacks
):
    invite = PulseInvite.objects.filter(leader=world.big).first()
    _close(clock, opened, django_capture_on_commit_callbacks)
    invite = PulseInvite.objects.select_related("round__pulse").get(pk=invite.pk)
    with pytest.raises(LinkError) as error:
        services.response_submit(invite=invite, values=values(world.pulse))
    assert (error.value.reason, error.value.status_code) == ("closed", 410)
    assert not PulseResponse.objects.exists()


def test_an_answer_racing_the_close_is_refused(world, opened, clock):
    """The round's deadline passed but the tick has not closed it yet: still refused."""
    invite = PulseInvite.objects.select_related("round__pulse").filter(leader=world.big).first()
    clock.set(opened.closes_at + datetime.timedelta(seconds=1))
    with pytest.raises(LinkError):
        services.response_submit(invite=invite, values=values(world.pulse))

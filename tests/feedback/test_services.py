import datetime
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from common.errors import ApplicationError, NotAllowedError, TransitionError
from common.models import Email
from common.outbox import email_send
from common.tasks import send_email
from feedback import services
from feedback.links import request_for_token
from feedback.models import Cycle, Nomination, Question, RaterRequest, Response
from feedback.services import cycle_open, feedback_tick, nomination_create
from people.models import User
from tests.backends import FlakyBackend
from tests.conftest import broker_down
from tests.feedback.factories import DEFAULT_QUESTIONNAIRE, CycleFactory, default_questionnaire
from tests.feedback.helpers import (
    answer_all,
    answers_for,
    committed,
    feedback_emails,
    recipients,
    sent_count,
    team_in,
    tick,
)
from tests.people.factories import UserFactory

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def cycle(db, clock):
    """Berlin cohort; opens Mon 1 March 2027 09:00 local (08:00 UTC), due 11 March."""
    return CycleFactory(
        opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8), reminder_every_days=3
    )


@pytest.fixture
def team(cycle):
    return team_in(cycle.cohort, reports=3)


def test_full_lifecycle_open_remind_close_recur(cycle, team, clock, mailoutbox, hr):
    cycle.recurrence_days = 30
    cycle.save()
    peer = UserFactory()
    clock.set(at(2027, 2, 20, 9))
    nomination_create(cycle=cycle, subject=team.leader, by=hr, rater=peer)

    clock.set(at(2027, 3, 1, 7, 59))
    assert tick().opened == 0
    assert mailoutbox == []

    clock.set(at(2027, 3, 1, 8, 0))
    result = tick()
    assert result.opened == 1
    expected = sorted(
        [team.leader.email, team.manager.email, team.mentor.email, peer.email]
        + [person.email for person in team.reports]
    )
    assert recipients(mailoutbox) == expected
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"sent"}
    assert dict(RaterRequest.objects.values_list("rater__email", "group"))[peer.email] == "peer"
    cycle.refresh_from_db()
    assert cycle.status == "open" and cycle.questionnaire.is_frozen

    clock.advance(minutes=1)
    tick()
    assert len(mailoutbox) == 7, "a second tick sends nothing again"

    answer_all(cycle, groups=["self", "manager"])
    services.request_decline(request=RaterRequest.objects.get(rater=peer))

    # First cadence reminder: 4 March 09:00 Berlin = 08:00 UTC; only the 4 who have not answered.
    clock.set(at(2027, 3, 4, 7, 59))
    tick()
    assert len(mailoutbox) == 7
    clock.set(at(2027, 3, 4, 8, 0))
    assert tick().reminders == 4
    tick()
    reminded = mailoutbox[7:]
    assert recipients(reminded) == sorted(
        [team.mentor.email] + [person.email for person in team.reports]
    )
    assert all(m.subject.startswith("Reminder") for m in reminded)

    clock.set(at(2027, 3, 7, 8, 0))
    tick()
    assert len(mailoutbox) == 15
    assert RaterRequest.objects.get(rater=team.mentor).reminders_sent == 2

    # 10 March 09:00 local would be a third cadence point, but the last 24 hours
    # belong to the single "closing tomorrow" reminder.
    clock.set(at(2027, 3, 10, 8, 0))
    result = tick()
    assert (result.reminders, result.closing_reminders) == (0, 4)
    tick()
    clock.advance(hours=12)
    tick()
    closing = mailoutbox[15:]
    assert len(closing) == 4 and all(m.subject.startswith("Closing tomorrow") for m in closing)
    assert RaterRequest.objects.filter(closing_reminder_sent_at__isnull=False).count() == 4

    clock.set(at(2027, 3, 11, 8, 0))
    assert tick().closed == 1
    cycle.refresh_from_db()
    assert cycle.status == "closed" and cycle.released_at == clock.now
    statuses = dict(RaterRequest.objects.values_list("rater__email", "status"))
    assert statuses[team.mentor.email] == "expired"
    assert statuses[team.leader.email] == "completed"
    assert statuses[peer.email] == "declined"

    # Recurs 30 days later at 09:00 Berlin, which is summer time by then (07:00 UTC).
    following = Cycle.objects.get(previous=cycle)
    assert following.status == "scheduled"
    assert following.opens_at == at(2027, 3, 31, 7, 0)
    assert following.due_at == at(2027, 4, 10, 7, 0)
    assert following.nominations.filter(rater=peer).exists()

    clock.advance(days=2)
    tick()
    assert len(mailoutbox) == 19, "nothing is sent after the due date"
    assert Cycle.objects.filter(previous=cycle).count() == 1


def test_recurrence_stops_when_the_cohort_ends(cycle, team, clock):
    cycle.recurrence_days = 30
    cycle.cohort.ends_on = datetime.date(2027, 3, 20)
    cycle.cohort.save()
    cycle.save()
    clock.set(at(2027, 3, 1, 8))
    tick()
    clock.set(at(2027, 3, 11, 8))
    tick()
    assert not Cycle.objects.filter(previous=cycle).exists()


def test_invitation_due_at_nine_local_goes_out_once_across_spring_forward(db, clock, mailoutbox):
    # 28 March 2027: Berlin moves from UTC+1 to UTC+2 at 02:00.
    cycle = CycleFactory(
        opens_at=at(2027, 3, 25, 8), due_at=at(2027, 4, 5, 7), reminder_every_days=3
    )
    team_in(cycle.cohort, reports=0)
    minute = at(2027, 3, 25, 7, 58)
    while minute <= at(2027, 3, 25, 8, 3):
        clock.set(minute)
        tick()
        minute += datetime.timedelta(minutes=1)
    assert len(mailoutbox) == 3
    # The reminder falls at 09:00 local on 28 March = 07:00 UTC (an hour earlier in UTC).
    clock.set(at(2027, 3, 28, 6, 59))
    assert tick().reminders == 0
    clock.set(at(2027, 3, 28, 7, 0))
    assert tick().reminders == 3
    for _ in range(3):
        clock.advance(minutes=30)
        tick()
    assert len(mailoutbox) == 6


def test_reminder_at_nine_local_after_fall_back_is_an_hour_later_in_utc(db, clock, mailoutbox):
    # 31 October 2027: Berlin moves from UTC+2 back to UTC+1 at 03:00.
    cycle = CycleFactory(
        opens_at=at(2027, 10, 28, 7), due_at=at(2027, 11, 8, 8), reminder_every_days=3
    )
    team_in(cycle.cohort, reports=1)
    clock.set(at(2027, 10, 28, 7))
    tick()
    assert len(mailoutbox) == 4
    clock.set(at(2027, 10, 31, 7, 0))  # 08:00 local: not yet
    assert tick().reminders == 0
    clock.set(at(2027, 10, 31, 8, 0))  # 09:00 local
    assert tick().reminders == 4
    clock.advance(minutes=1)
    tick()
    assert len(mailoutbox) == 8


def test_times_typed_in_local_time_become_utc_around_fall_back():
    from zoneinfo import ZoneInfo

    from feedback.scheduling import local_to_utc, shift_local

    berlin = ZoneInfo("Europe/Berlin")
    before = local_to_utc(datetime.datetime(2027, 10, 30, 9, 0), berlin)  # noqa: DTZ001
    after = local_to_utc(datetime.datetime(2027, 10, 31, 9, 0), berlin)  # noqa: DTZ001
    assert (before, after) == (at(2027, 10, 30, 7), at(2027, 10, 31, 8))
    assert shift_local(before, days=1, tz=berlin) == after
    new_york = ZoneInfo("America/New_York")
    assert shift_local(at(2027, 3, 13, 14), days=1, tz=new_york) == at(2027, 3, 14, 13)


def test_a_cycle_does_not_open_before_its_time_or_twice(cycle, team, clock):
    clock.set(at(2027, 3, 1, 7))
    assert cycle_open(cycle_id=cycle.pk) is False
    clock.set(at(2027, 3, 1, 8))
    assert cycle_open(cycle_id=cycle.pk) is True
    assert cycle_open(cycle_id=cycle.pk) is False
    assert RaterRequest.objects.filter(cycle=cycle).count() == 6


def test_draft_and_cancelled_cycles_never_open(cycle, team, clock, mailoutbox, hr):
    draft = CycleFactory(cohort=cycle.cohort, status=Cycle.Status.DRAFT)
    services.cycle_cancel(cycle=cycle, by=hr)
    clock.set(at(2027, 3, 2))
    tick()
    assert mailoutbox == []
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_withdrawn_leaders_are_not_subjects(cycle, team, clock):
    team.enrollment.status = "withdrawn"
    team.enrollment.save()
    clock.set(at(2027, 3, 1, 8))
    tick()
    assert not RaterRequest.objects.filter(cycle=cycle).exists()


def test_redelivered_task_sends_nothing_twice(cycle, team, clock, mailoutbox):
    clock.set(at(2027, 3, 1, 8))
    tick()
    assert len(mailoutbox) == 6
    for email in Email.objects.all():
        send_email.apply(args=[email.pk])
        send_email.apply(args=[email.pk])
    assert len(mailoutbox) == 6


def test_claim_left_by_a_dead_worker_is_retried_once_after_the_timeout(
    cycle, team, clock, mailoutbox, settings
):
    # The broker is down while the cycle opens: nothing is published.
    clock.set(at(2027, 3, 1, 8))
    with broker_down():
        tick()
    email = Email.objects.first()
    # A worker claimed one and died before SMTP acceptance was recorded.
    Email.objects.filter(pk=email.pk).update(status="sending", claimed_at=clock.now)
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)
    tick()
    assert len(mailoutbox) == 5, "the fresh claim is left alone"
    clock.advance(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    tick()
    tick()
    assert len(mailoutbox) == 6
    assert sent_count("invitation") == 6


def test_redis_down_while_cycle_opens_then_back_everything_is_sent(
    cycle, team, clock, mailoutbox, settings
):
    clock.set(at(2027, 3, 1, 8))
    with broker_down():
        assert tick().opened == 1  # does not raise, does not hang
        clock.advance(minutes=1)
        tick()
    assert mailoutbox == []
    assert Email.objects.filter(status="queued").count() == 6
    clock.advance(seconds=settings.OUTBOX_REQUEUE_AFTER)
    tick()
    tick()
    assert len(mailoutbox) == 6
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"sent"}


def test_smtp_failing_then_recovering_retries_with_backoff(
    cycle, team, clock, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "tests.backends.FlakyBackend"
    FlakyBackend.failures_left = 6 + 6  # every invitation fails twice
    clock.set(at(2027, 3, 1, 8))
    tick()
    assert mailoutbox == []
    email = Email.objects.first()
    assert email.status == "queued" and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    first_wait = email.next_attempt_at - clock.now
    base = datetime.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)
    assert base <= first_wait <= base * 1.3
    assert "SMTPServerDisconnected" in RaterRequest.objects.first().last_error

    clock.set(email.next_attempt_at + datetime.timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER))
    tick()
    email.refresh_from_db()
    assert email.attempts == 2
    assert 2 * base <= email.next_attempt_at - clock.now <= 2 * base * 1.3

    for _ in range(2):
        clock.advance(hours=1)
        tick()
    assert len(mailoutbox) == 6
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"sent"}
    assert set(RaterRequest.objects.values_list("last_error", flat=True)) == {""}


def test_smtp_failing_for_good_marks_failed_then_hr_can_retry(
    cycle,
    team,
    clock,
    mailoutbox,
    settings,
    hr,
):
    settings.EMAIL_BACKEND = "tests.backends.FlakyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    FlakyBackend.failures_left = 12
    clock.set(at(2027, 3, 1, 8))
    tick()
    clock.advance(hours=1)
    tick()
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"failed"}
    request = RaterRequest.objects.first()
    assert "Connection unexpectedly closed" in request.last_error
    assert Email.objects.filter(status="failed").count() == 6

    clock.advance(hours=1)
    tick()
    assert mailoutbox == [], "failed sends wait for HR"
    FlakyBackend.failures_left = 0
    committed(services.request_retry, request=request, by=hr)
    assert recipients(mailoutbox) == [request.rater.email]
    request.refresh_from_db()
    assert request.status == "sent"
    with pytest.raises(TransitionError):
        committed(services.request_retry, request=request, by=hr)


@pytest.mark.django_db(transaction=True)
def test_two_beats_ticking_at_once_send_each_email_once(clock, mailoutbox):
    cycle = CycleFactory(opens_at=at(2027, 3, 1, 8), due_at=at(2027, 3, 11, 8))
    for _ in range(3):
        team_in(cycle.cohort, reports=2)
    clock.set(at(2027, 3, 1, 8))
    errors = []

    def beat():
        try:
            feedback_tick()  # real commits here (transactional test)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tick()
    assert errors == []
    assert len(mailoutbox) == 15
    assert len(set(recipients(mailoutbox))) == 15
    assert Cycle.objects.get().status == "open"


def test_reminders_and_closing_skip_answered_and_declined(cycle, team, clock, mailoutbox):
    clock.set(at(2027, 3, 1, 8))
    tick()
    # A reminder owed before the rater answered is not sent after they did.
    clock.set(at(2027, 3, 4, 8))
    with broker_down():
        tick()
    answer_all(cycle)
    clock.advance(hours=1)
    tick()
    assert len(mailoutbox) == 6
    reminders = feedback_emails(cycle).filter(kind="feedback.reminder")
    assert set(reminders.values_list("status", flat=True)) == {"skipped"}


def test_send_after_due_is_skipped(cycle, team, clock, mailoutbox):
    clock.set(at(2027, 3, 1, 8))
    with broker_down():
        tick()
    email = Email.objects.first()
    clock.set(at(2027, 3, 11, 9))
    assert email_send(email_id=email.pk)[0] == "skipped"
    assert mailoutbox == []


def test_email_names_the_subject_due_date_in_cohort_time_and_the_link(
    cycle, team, clock, mailoutbox
):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=team.manager)
    message = next(m for m in mailoutbox if m.to == [team.manager.email])
    assert team.leader.full_name in message.subject
    assert "Thursday 11 March 2027, 09:00 (Europe/Berlin)" in message.body
    # The signed token carries a timestamp, so read it from the email, don't rebuild it.
    token = re.search(r"/feedback/r/([^/\s]+)/", message.body).group(1)
    assert request_for_token(token, now=clock.now) == request
    assert "manager's view" in message.body and "anonymous" not in message.body
    report_email = next(m for m in mailoutbox if m.to == [team.reports[0].email])
    assert "Your answers are anonymous" in report_email.body
    html = message.alternatives[0][0]
    assert team.leader.full_name in html and f"/feedback/r/{token}/" in html


def test_hr_nudge_at_most_once_per_24_hours(cycle, team, clock, mailoutbox, hr):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=team.manager)
    committed(services.request_nudge, request=request, by=hr)
    assert mailoutbox[-1].subject.startswith("A quick reminder from HR")
    clock.advance(hours=23)
    with pytest.raises(ApplicationError, match="24 hours"):
        committed(services.request_nudge, request=request, by=hr)
    clock.advance(hours=1)
    committed(services.request_nudge, request=request, by=hr)
    assert len(mailoutbox) == 8
    answer_all(cycle, subject=team.leader, groups=["manager"])
    clock.advance(days=2)
    with pytest.raises(TransitionError):
        committed(services.request_nudge, request=request, by=hr)


def test_extended_request_keeps_its_link_and_holds_the_close(cycle, team, clock, mailoutbox, hr):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=team.manager)
    with pytest.raises(ValidationError):
        services.request_extend(request=request, due_at=at(2027, 3, 10), by=hr)
    services.request_extend(request=request, due_at=at(2027, 3, 14, 8), by=hr)
    clock.set(at(2027, 3, 11, 8))
    tick()
    request.refresh_from_db()
    cycle.refresh_from_db()
    assert request.status == "sent" and cycle.status == "open"
    assert RaterRequest.objects.filter(status="expired").count() == 5
    # Their own "closing tomorrow" reminder comes 24 hours before their deadline.
    clock.set(at(2027, 3, 13, 8))
    tick()
    assert mailoutbox[-1].to == [team.manager.email]
    assert mailoutbox[-1].subject.startswith("Closing tomorrow")
    services.response_submit(request=request, answers=answers_for(cycle))
    clock.set(at(2027, 3, 14, 8))
    tick()
    cycle.refresh_from_db()
    assert cycle.status == "closed"


def test_release_early_only_when_no_answer_can_change(cycle, team, clock, hr):
    clock.set(at(2027, 3, 1, 8))
    tick()
    answer_all(cycle, groups=["self", "manager", "mentor"])
    with pytest.raises(TransitionError, match="can still be answered"):
        services.cycle_release(cycle=cycle, by=hr)
    answer_all(cycle)
    services.cycle_release(cycle=cycle, by=hr)
    cycle.refresh_from_db()
    assert cycle.status == "closed" and cycle.released_at == clock.now


def test_answers_are_stored_without_the_rater(cycle, team, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=team.manager)
    response = services.response_submit(request=request, answers=answers_for(cycle, rating=2))
    field_names = {field.name for field in Response._meta.get_fields()}
    assert field_names == {"id", "cycle", "subject", "group", "answers"}
    assert response.group == "manager"
    assert response.answers.filter(rating=2).count() == 18


def test_submission_needs_a_rating_or_cant_say_for_every_statement(cycle, team, clock):
    clock.set(at(2027, 3, 1, 8))
    tick()
    request = RaterRequest.objects.get(rater=team.manager)
    answers = answers_for(cycle)
    first = cycle.questionnaire.questions.filter(kind="rating").first()
    answers[first.pk] = {"rating": 7}
    with pytest.raises(ValidationError) as error:
        services.response_submit(request=request, answers=answers)
    assert f"question_{first.pk}" in error.value.message_dict
    answers[first.pk] = {"cant_say": True}
    services.response_submit(request=request, answers=answers)
    assert Response.objects.get().answers.get(question=first).cant_say


def test_hr_adds_an_outside_rater_and_the_nomination_rules_hold(
    cycle, team, other_leader, clock, hr
):
    clock.set(at(2027, 2, 20))
    external = nomination_create(
        cycle=cycle,
        subject=team.leader,
        by=hr,
        email="Outside.Peer@Example.com",
        full_name="Outside Peer",
    )
    assert external.status == Nomination.Status.APPROVED
    assert external.rater.email == "outside.peer@example.com"
    assert not external.rater.has_usable_password()
    with pytest.raises(ValidationError, match="already nominated"):
        nomination_create(
            cycle=cycle,
            subject=team.leader,
            by=hr,
            email="outside.peer+again@example.com",
            full_name="Outside Peer",
        )
    with pytest.raises(ValidationError) as error:
        nomination_create(cycle=cycle, subject=team.leader, by=hr, email="", full_name="")
    assert set(error.value.message_dict) == {"email", "full_name"}
    with pytest.raises(ValidationError, match="group"):
        nomination_create(
            cycle=cycle, subject=team.leader, by=hr, rater=UserFactory(), group="manager"
        )
    with pytest.raises(ValidationError, match="cohort"):
        nomination_create(cycle=cycle, subject=other_leader, by=hr, rater=UserFactory())
    with pytest.raises(NotAllowedError):
        nomination_create(cycle=cycle, subject=team.leader, by=team.leader, rater=UserFactory())
    clock.set(at(2027, 3, 1, 8))
    with pytest.raises(TransitionError, match="opened"):
        nomination_create(cycle=cycle, subject=team.leader, by=hr, rater=UserFactory())


def test_a_proposal_waits_for_hr_and_approval_creates_the_person(cycle, team, clock, hr, settings):
    settings.FEEDBACK_RATER_DOMAINS = ["example.com"]
    clock.set(at(2027, 2, 20))
    proposal = services.nomination_propose(
        cycle=cycle,
        subject=team.leader,
        by=team.leader,
        email="new.peer@example.com",
        full_name="New Peer",
    )
    assert (proposal.status, proposal.rater) == (Nomination.Status.PROPOSED, None)
    assert not User.objects.filter(email="new.peer@example.com").exists()
    with pytest.raises(ValidationError, match="Someone else"):
        services.nominations_decide(nominations=[proposal], by=team.leader, approve=True)

    [approved] = services.nominations_decide(nominations=[proposal], by=hr, approve=True)

    assert approved.status == Nomination.Status.APPROVED
    assert (approved.rater.email, approved.rater.full_name) == ("new.peer@example.com", "New Peer")
    assert not approved.rater.has_usable_password()
    assert (approved.decided_by, approved.decided_at) == (hr, at(2027, 2, 20))
    with pytest.raises(ValidationError, match="Not awaiting"):
        services.nominations_decide(nominations=[approved], by=hr, approve=False)
    withdrawn = services.nomination_withdraw(nomination=approved, by=team.leader)
    assert (withdrawn.status, withdrawn.decided_by) == (Nomination.Status.WITHDRAWN, team.leader)
    again = services.nomination_propose(
        cycle=cycle,
        subject=team.leader,
        by=team.leader,
        email="new.peer@example.com",
        full_name="New Peer",
    )
    assert again.status == Nomination.Status.PROPOSED


def test_frozen_questionnaire_refuses_edits_and_can_be_copied(cycle, team, clock, hr):
    questionnaire = default_questionnaire()
    question = questionnaire.questions.first()
    question.full_clean()  # editable before any cycle opens
    clock.set(at(2027, 3, 1, 8))
    tick()
    questionnaire.refresh_from_db()
    question.refresh_from_db()
    question.text = "Changed"
    with pytest.raises(ValidationError, match="frozen"):
        question.full_clean()
    with pytest.raises(ValidationError, match="frozen"):
        questionnaire.full_clean()
    with pytest.raises(ApplicationError, match="Copy it"):
        services.questionnaire_ensure_editable(questionnaire=questionnaire)
    copy = services.questionnaire_copy(questionnaire=questionnaire, by=hr)
    assert copy.name == f"{DEFAULT_QUESTIONNAIRE} (copy)"
    assert not copy.is_frozen
    assert copy.questions.count() == 20
    new_question = copy.questions.first()
    new_question.text = "Changed"
    new_question.full_clean()


def test_default_questionnaire_rates_both_sides_of_nine_dimensions(db):
    questionnaire = default_questionnaire()
    ratings = questionnaire.questions.filter(kind=Question.Kind.RATING)
    assert ratings.count() == 18
    assert {(q.dimension, q.side) for q in ratings} == {
        (d, s)
        for d in [
            "focus",
            "approach",
            "decision_making",
            "goal_orientation",
            "risk_tolerance",
            "communication",
            "relationships",
            "development",
            "success",
        ]
        for s in ["management", "leadership"]
    }
    assert questionnaire.questions.filter(kind="comment").count() == 2


def test_cycle_due_must_follow_opening(db):
    cycle = CycleFactory.build(opens_at=at(2027, 3, 1), due_at=at(2027, 3, 1), cohort=None)
    with pytest.raises(ValidationError) as error:
        cycle.clean()
    assert "due_at" in error.value.message_dict


def test_tick_task_runs_the_tick(cycle, team, clock, mailoutbox):
    from django.test import TestCase

    from feedback.tasks import tick as tick_task

    clock.set(at(2027, 3, 1, 8))
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = tick_task.apply().get()
    assert result["opened"] == 1 and len(mailoutbox) == 6


def test_beat_runs_the_tick_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["feedback-tick"]
    assert entry == {"task": "feedback.tick", "schedule": 60.0}


def test_cancelling_an_open_cycle_stops_every_email(cycle, team, clock, mailoutbox, hr):
    clock.set(at(2027, 3, 1, 8))
    tick()
    services.cycle_cancel(cycle=cycle, by=hr)
    for day in (4, 7, 10, 11, 12):
        clock.set(at(2027, 3, day, 8))
        tick()
    assert len(mailoutbox) == 6
    assert set(RaterRequest.objects.values_list("status", flat=True)) == {"expired"}
    cycle.refresh_from_db()
    assert cycle.status == "cancelled" and cycle.released_at is None


def _shown(message) -> tuple | None:
    return message and (message.subject, message.to, message.body, message.alternatives)


def test_invitations_built_in_a_batch_are_those_built_one_at_a_time(
    cycle, team, clock, django_assert_num_queries
):
    from feedback.emails import request_email_build, request_emails_build

    clock.set(at(2027, 3, 1, 8))
    cycle_open(cycle_id=cycle.pk)  # owed, not sent: nothing here runs the commit callbacks
    rows = list(Email.objects.filter(kind="feedback.invitation").order_by("pk"))
    RaterRequest.objects.filter(pk=rows[0].ref).update(status=RaterRequest.Status.DECLINED)

    with django_assert_num_queries(2):
        many = request_emails_build(rows)

    assert len(rows) == 6 and many[rows[0].pk] is None
    assert [_shown(many[email.pk]) for email in rows] == [
        _shown(request_email_build(email)) for email in rows
    ]

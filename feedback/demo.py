"""Demo feedback: a closed, released cycle for the April 2024 cohort with every answer in
(reports show), an open cycle for the current cohort with about half the answers in, and
a scheduled one whose peer proposals partly wait for HR's approval.

Everything goes through the services (with the historic ``now`` for April), so the
demo obeys the real rules. The open cycle's invitations are sent through the normal
send path, so they land in var/mail/ (about one per rater, a few dozen). The April
invitations are history: recorded as sent, not emailed again.

Idempotent: a cycle that already exists (by cohort and name) is left alone.
Cohorts come from programs/demo.py; if they are missing, nothing is created.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.db.models import Q
from django.utils import timezone

from common import outbox
from common.models import Email
from feedback import emails, services
from feedback.models import (
    DEFAULT_QUESTIONNAIRE,
    Cycle,
    Question,
    Questionnaire,
    RaterRequest,
)
from feedback.scheduling import local_to_utc
from feedback.selectors import cycle_subjects
from people.emails import on_company_domain
from people.models import User
from programs.models import Cohort

PROGRAM_NAME = "Sales Leadership Essentials"
APRIL_CYCLE = "April 2024 360° feedback"
# The current cohort's baseline, answered and released in its first two weeks: the
# report its leaders build their development plans from.
BASELINE_CYCLE = "Baseline 360° feedback"
CURRENT_CYCLE = "First-month 360° feedback"
NEXT_CYCLE = "Mid-program 360° feedback"
# Their proposals for the next cycle wait in HR's approval queue.
UNDECIDED = ("leader@example.com", "aisha.bello@example.com")
# A colleague leader@example.com proposes by address: not in the directory yet.
NEW_COLLEAGUE = ("Priya Nair", "priya.nair@example.com")

KEEP = [
    "Runs a tight pipeline review; everyone knows where they stand.",
    "Always makes time for a one-to-one, even in quarter-end weeks.",
    "Explains the why behind targets, not only the numbers.",
    "Backs the team in front of customers.",
    "Shares wins with the whole team.",
]
START = [
    "Delegating deals instead of closing them personally.",
    "Sharing where the team is heading over the next year.",
    "Asking for input before deciding territory changes.",
    "Letting us try new approaches without a full plan first.",
    "Coaching on the call, not only after it.",
]


def seed(*, today: datetime.date) -> dict:
    questionnaire = Questionnaire.objects.filter(name=DEFAULT_QUESTIONNAIRE).first()
    hr = User.objects.filter(email="hr@example.com").first()
    cohorts = Cohort.objects.filter(program__name__icontains=PROGRAM_NAME)
    april = cohorts.filter(starts_on__year=2024, starts_on__month=4).first()
    current = (
        cohorts.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on").first()
    )
    created = {}
    if questionnaire is None:
        return created
    if april is not None and not Cycle.objects.filter(cohort=april, name=APRIL_CYCLE).exists():
        created["april"] = closed_cycle(
            april,
            questionnaire,
            hr,
            name=APRIL_CYCLE,
            opens_on=april.ends_on + datetime.timedelta(days=3),
        )
    baseline_opens = current.starts_on + datetime.timedelta(days=1) if current else None
    if (
        current is not None
        and baseline_opens + datetime.timedelta(days=CLOSED_CYCLE_DAYS + 1) < today
        and not Cycle.objects.filter(cohort=current, name=BASELINE_CYCLE).exists()
    ):
        created["baseline"] = closed_cycle(
            current, questionnaire, hr, name=BASELINE_CYCLE, opens_on=baseline_opens
        )
    if (
        current is not None
        and not Cycle.objects.filter(cohort=current, name=CURRENT_CYCLE).exists()
    ):
        created["current"] = _open_cycle(current, questionnaire, hr)
    if current is not None and not Cycle.objects.filter(cohort=current, name=NEXT_CYCLE).exists():
        created["next"] = _upcoming_cycle(current, questionnaire, hr)
    return created


def _local(cohort: Cohort, day: datetime.date, hour: int) -> datetime.datetime:
    return local_to_utc(datetime.datetime.combine(day, datetime.time(hour)), _tz(cohort))


def _tz(cohort: Cohort) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(cohort.time_zone)


def _nominate_peers(
    cycle: Cycle, hr: User | None, *, now: datetime.datetime, undecided: tuple[str, ...] = ()
) -> None:
    """Each leader proposes the two classmates next to them as peers; HR approves every
    proposal except those of the leaders named in ``undecided`` (left for HR's queue)."""
    leaders = list(cycle_subjects(cycle=cycle).order_by("email"))
    proposals = []
    for index, leader in enumerate(leaders):
        for offset in (1, 2):
            peer = leaders[(index + offset) % len(leaders)]
            if peer != leader:
                proposals.append(
                    services.nomination_propose(
                        cycle=cycle, subject=leader, by=leader, rater=peer, now=now
                    )
                )
    decided = [n for n in proposals if n.subject.email not in undecided]
    if hr is not None and decided:
        services.nominations_decide(nominations=decided, by=hr, approve=True, now=now)


def _answers(cycle: Cycle, *, seed: int, lift: frozenset[str] = frozenset()) -> dict:
    """Deterministic ratings: new leaders score higher on management than leadership,
    with some spread between dimensions, raters and leaders. The dimensions in ``lift``
    (a development plan's focus) are rated a point higher on leadership."""
    answers = {}
    for index, question in enumerate(cycle.questionnaire.questions.order_by("position")):
        if question.kind == Question.Kind.COMMENT:
            pool = KEEP if "keep" in question.text else START
            answers[question.pk] = {"text": pool[seed % len(pool)] if seed % 3 else ""}
            continue
        base = 4 if question.side == "management" else 3
        if question.side == "leadership" and question.dimension in lift:
            base += 1
        wobble = (seed + index) % 3 - 1  # -1, 0 or +1
        rating = max(1, min(5, base + wobble))
        answers[question.pk] = (
            {"cant_say": True} if (seed + index) % 17 == 0 else {"rating": rating}
        )
    return answers


CLOSED_CYCLE_DAYS = 14  # a past cycle's run, from opening to its due day


def closed_cycle(
    cohort: Cohort,
    questionnaire: Questionnaire,
    hr: User | None,
    *,
    name: str,
    opens_on: datetime.date,
    lift: dict[int, frozenset[str]] | None = None,
) -> Cycle:
    """A past cycle, every answer in (a few peers declined), closed and released. ``lift``
    maps a subject's id to the dimensions their raters see more leadership on."""
    opens_at = _local(cohort, opens_on, 9)
    due_at = _local(cohort, opens_on + datetime.timedelta(days=CLOSED_CYCLE_DAYS), 17)
    cycle = services.cycle_create(
        cohort=cohort,
        questionnaire=questionnaire,
        name=name,
        opens_at=opens_at,
        due_at=due_at,
        min_raters={"peer": 2, "direct_report": 3},
        by=hr,
        schedule=True,
    )
    _nominate_peers(cycle, hr, now=opens_at - datetime.timedelta(days=2))
    services.cycle_open(cycle_id=cycle.pk, now=opens_at)
    # History: the invitations went out when the cycle opened (not emailed again today).
    emails.request_emails(RaterRequest.objects.filter(cycle=cycle)).update(
        status=Email.Status.SENT, sent_at=opens_at, attempts=1
    )
    RaterRequest.objects.filter(cycle=cycle).update(
        status=RaterRequest.Status.SENT, sent_at=opens_at, attempts=1
    )
    answered_at = opens_at + datetime.timedelta(days=4)
    for seed, request in enumerate(
        RaterRequest.objects.filter(cycle=cycle)
        .select_related("cycle__questionnaire")
        .order_by("pk")
    ):
        if request.group == "peer" and seed % 7 == 0:
            services.request_decline(request=request, now=answered_at)
            continue
        lifted = (lift or {}).get(request.subject_id, frozenset())
        services.response_submit(
            request=request, answers=_answers(cycle, seed=seed, lift=lifted), now=answered_at
        )
    services.cycle_close(cycle_id=cycle.pk, now=due_at)
    cycle.refresh_from_db()
    return cycle


def _upcoming_cycle(cohort: Cohort, questionnaire: Questionnaire, hr: User | None) -> Cycle | None:
    """A scheduled cycle three weeks out: leaders have proposed peers, HR has approved
    most of them; two leaders' proposals are still waiting on the cycle page."""
    now = timezone.now()
    local_today = now.astimezone(_tz(cohort)).date()
    if local_today + datetime.timedelta(days=21) > cohort.ends_on:
        return None
    cycle = services.cycle_create(
        cohort=cohort,
        questionnaire=questionnaire,
        name=NEXT_CYCLE,
        opens_at=_local(cohort, local_today + datetime.timedelta(days=21), 9),
        due_at=_local(cohort, local_today + datetime.timedelta(days=35), 17),
        reminder_every_days=4,
        min_raters={"peer": 3, "direct_report": 3},
        by=hr,
        schedule=True,
    )
    _nominate_peers(cycle, hr, now=now, undecided=UNDECIDED)
    leader = User.objects.filter(email=UNDECIDED[0]).first()
    name, email = NEW_COLLEAGUE
    if leader is not None and on_company_domain(email):
        services.nomination_propose(
            cycle=cycle, subject=leader, by=leader, email=email, full_name=name, now=now
        )
    return cycle


def _open_cycle(cohort: Cohort, questionnaire: Questionnaire, hr: User | None) -> Cycle:
    now = timezone.now()
    local_today = now.astimezone(_tz(cohort)).date()
    opens_at = _local(cohort, local_today - datetime.timedelta(days=2), 9)
    due_at = _local(cohort, local_today + datetime.timedelta(days=12), 17)
    cycle = services.cycle_create(
        cohort=cohort,
        questionnaire=questionnaire,
        name=CURRENT_CYCLE,
        opens_at=opens_at,
        due_at=due_at,
        reminder_every_days=4,
        min_raters={"peer": 2, "direct_report": 3},
        by=hr,
        schedule=True,
    )
    _nominate_peers(cycle, hr, now=opens_at - datetime.timedelta(days=3))
    services.cycle_open(cycle_id=cycle.pk, now=opens_at)
    # Send the invitations through the normal path: they land in var/mail/.
    invitations = emails.request_emails(RaterRequest.objects.filter(cycle=cycle))
    for email_id in invitations.values_list("pk", flat=True):
        outbox.email_send(email_id=email_id, now=now)
    # About half have answered so far; the rest are pending (reminders follow on cadence).
    for seed, request in enumerate(
        RaterRequest.objects.filter(cycle=cycle, status=RaterRequest.Status.SENT)
        .filter(~Q(group="self") | Q(subject__email="leader@example.com"))
        .select_related("cycle__questionnaire")
        .order_by("pk")
    ):
        if seed % 2 == 0:
            services.response_submit(request=request, answers=_answers(cycle, seed=seed), now=now)
    return cycle

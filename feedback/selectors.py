"""Reads for feedback, scoped through ``leaders_visible_to``; reports aggregated in the database.

Reports exist only once the cycle's answers are final (closed, or released when nobody
can answer any more), so nobody can compare a report before and after one more answer.
Which figures a report shows is decided by one rule, in ``feedback/anonymity.py``;
scores are averages rounded to one decimal; comments are listed alphabetically, never
in the order they arrived (docs/privacy.md).
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import dateformat

from common.dates import end_of_day
from common.shaping import percent, rounded
from feedback.anonymity import ANONYMOUS_GROUPS, OTHERS, Cell, Layout, cell_shown, layout
from feedback.models import (
    Answer,
    Cycle,
    Nomination,
    Question,
    Questionnaire,
    RaterGroup,
    RaterRequest,
    ReportShare,
    Response,
    Side,
)
from feedback.scheduling import closing_reminder_at, reminder_points
from mentorship.models import Pairing
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from people.models import User
from people.roles import Role, has_role
from programs.models import Dimension, Enrollment

# --- scoping --------------------------------------------------------------------


def cycle_list(*, user) -> QuerySet[Cycle]:
    """Cycles of the cohorts the caller may see (HR: every cohort)."""
    return Cycle.objects.select_related("cohort", "questionnaire").filter(
        cohort__in=cohorts_visible_to(user)
    )


def nomination_list(*, user) -> QuerySet[Nomination]:
    """HR: every nomination. A leader: the nominations about themselves (their own
    proposals and the raters HR added). Mentors do not see who rates their mentee."""
    nominations = Nomination.objects.select_related(
        "cycle", "subject", "rater", "created_by", "decided_by"
    )
    if has_role(user, Role.HR):
        return nominations
    return nominations.filter(subject=user) if has_role(user, Role.LEADER) else nominations.none()


def questionnaire_list() -> QuerySet[Questionnaire]:
    """Every questionnaire (HR's), with how many questions it has and cycles use it."""
    return Questionnaire.objects.annotate(
        question_count=Count("questions", distinct=True),
        cycle_count=Count("cycles", distinct=True),
    )


def nomination_subjects(*, user) -> QuerySet[User]:
    """Whom the caller may nominate raters for: HR any leader they may see and
    themselves; anyone else only themselves."""
    if has_role(user, Role.HR):
        return User.objects.filter(Q(pk__in=leaders_visible_to(user).values("pk")) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def nomination_colleagues(*, cycle: Cycle, subject: User) -> QuerySet[User]:
    """Whom a leader may pick as a peer from the directory, by name: active people who
    report to the same manager, and the other leaders of the cycle's cohort."""
    same_manager = Q(manager_id=subject.manager_id) if subject.manager_id else Q(pk__in=[])
    return (
        User.objects.filter(is_active=True)
        .filter(same_manager | Q(pk__in=cycle_subjects(cycle=cycle).values("pk")))
        .exclude(pk=subject.pk)
        .order_by("full_name", "pk")
    )


def proposals_awaiting(*, cycle: Cycle) -> list[dict]:
    """HR's approval queue for a cycle: per leader, the proposals awaiting approval."""
    leaders: dict[int, dict] = {}
    for nomination in (
        Nomination.objects.filter(cycle=cycle, status=Nomination.Status.PROPOSED)
        .select_related("subject", "rater")
        .order_by("subject__full_name", "subject_id", "created_at", "pk")
    ):
        entry = leaders.setdefault(
            nomination.subject_id, {"subject": nomination.subject, "proposals": []}
        )
        entry["proposals"].append(nomination)
    return list(leaders.values())


def request_list(*, user) -> QuerySet[RaterRequest]:
    """Rater requests with names: HR only (to nudge and retry). Leaders get counts only."""
    if not has_role(user, Role.HR):
        return RaterRequest.objects.none()
    return RaterRequest.objects.select_related("cycle__cohort", "subject", "rater")


def requests_to_answer(*, rater: User, viewer) -> QuerySet[RaterRequest] | None:
    """The requests ``rater`` must still answer in open cycles, the soonest due first:
    for the rater themselves and for HR (who nudges); None for anyone else, who may not
    know whom the rater is asked about."""
    if viewer.pk != rater.pk and not has_role(viewer, Role.HR):
        return None
    return (
        RaterRequest.objects.filter(
            rater=rater, status__in=RaterRequest.OPEN_STATUSES, cycle__status=Cycle.Status.OPEN
        )
        .select_related("cycle", "subject")
        .order_by("cycle__due_at", "pk")
    )


def report_visible_to(*, user, cycle: Cycle, subject: User) -> bool:
    """The subject and HR see a report; a mentor only while the pairing the subject
    shared it with lasts, a manager only while the subject who shared it with them still
    reports to them (what the subject's switch says), and both only until the retention
    purge: without the purged who-rated-whom links the report could no longer hold back
    the groups the viewer answered in (feedback/retention.py)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not leaders_visible_to(user).filter(pk=subject.pk).exists():
        return False
    if has_role(user, Role.HR) or user.pk == subject.pk:
        return True
    if cycle.raters_purged_at is not None:
        return False
    return (
        _active_shares(cycle, subject)
        .filter(Q(pairing__mentor=user) | Q(manager=user, manager__is_active=True))
        .exists()
    )


def _active_shares(cycle: Cycle, subject: User) -> QuerySet[ReportShare]:
    """Shares with a mentor whose pairing lasts, and with the manager the subject reports
    to today: a share with an earlier manager ends when the reporting line changes, even
    if that manager is still above the subject (the switch would read "not shared")."""
    with_their_manager = (
        Q(manager_id=subject.manager_id) if subject.manager_id is not None else Q(pk__in=[])
    )
    return ReportShare.objects.filter(cycle=cycle, subject=subject).filter(
        Q(pairing__status=Pairing.Status.ACTIVE) | with_their_manager
    )


def report_shared_with_mentor(*, cycle: Cycle, subject: User) -> bool:
    """Does the subject's current mentor see this report (the leader's share switch)?"""
    return _active_shares(cycle, subject).filter(pairing__isnull=False).exists()


def report_shared_with_manager(*, cycle: Cycle, subject: User) -> bool:
    """Does the subject's manager see this report (the second share switch)?"""
    return _active_shares(cycle, subject).filter(manager__isnull=False).exists()


def cycle_subjects_for_report(*, cycle: Cycle) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=RaterRequest.objects.filter(cycle=cycle).values("subject_id")
    ).order_by("full_name")


def cycle_subjects(*, cycle: Cycle):
    """The leaders a cycle is about: everyone enrolled in the cohort and not withdrawn,
    while they are active (a leaver, or an erased person, is not asked about)."""
    return User.objects.filter(
        is_active=True,
        enrollments__cohort_id=cycle.cohort_id,
        enrollments__status__in=Enrollment.TAKING_PART_STATUSES,
    ).distinct()


@dataclasses.dataclass(frozen=True)
class PlannedRater:
    subject: User
    rater: User
    group: str


def cycle_planned_raters(*, cycle: Cycle) -> list[PlannedRater]:
    """Who will be asked about whom: self, manager, active mentors, direct reports,
    then the approved nominations (a proposal nobody approved is never asked); only
    active people, on either side. One entry per (subject, rater), the first group wins.
    A fixed number of queries, whatever the cohort's size."""
    subjects = list(cycle_subjects(cycle=cycle).select_related("manager").order_by("full_name"))
    subject_ids = [subject.pk for subject in subjects]
    mentors: dict[int, list[User]] = {}
    for pairing in Pairing.objects.filter(
        mentee_id__in=subject_ids, status=Pairing.Status.ACTIVE, mentor__is_active=True
    ).select_related("mentor"):
        mentors.setdefault(pairing.mentee_id, []).append(pairing.mentor)
    reports: dict[int, list[User]] = {}
    for person in User.objects.filter(manager_id__in=subject_ids, is_active=True):
        reports.setdefault(person.manager_id, []).append(person)
    nominated: dict[int, list[Nomination]] = {}
    for nomination in Nomination.objects.filter(
        cycle=cycle, status=Nomination.Status.APPROVED, rater__is_active=True
    ).select_related("rater"):
        nominated.setdefault(nomination.subject_id, []).append(nomination)

    planned: list[PlannedRater] = []
    for subject in subjects:
        candidates = [(subject, RaterGroup.SELF)]
        if subject.manager is not None and subject.manager.is_active:
            candidates.append((subject.manager, RaterGroup.MANAGER))
        candidates += [(mentor, RaterGroup.MENTOR) for mentor in mentors.get(subject.pk, [])]
        candidates += [(person, RaterGroup.DIRECT_REPORT) for person in reports.get(subject.pk, [])]
        candidates += [(n.rater, n.group) for n in nominated.get(subject.pk, [])]
        seen: set[int] = set()
        for rater, group in candidates:
            if rater.pk not in seen:
                seen.add(rater.pk)
                planned.append(PlannedRater(subject=subject, rater=rater, group=str(group)))
    return planned


def _local(moment, tz) -> str:
    return dateformat.format(moment.astimezone(tz), "D j M Y, H:i")


def cycle_preview(*, cycle: Cycle) -> dict:
    """Who will be asked and when, in the cohort's local time, before the cycle opens;
    plus the leaders whose nominations fall short of the cycle's minimum per group."""
    tz = cycle.tz
    raters = cycle_planned_raters(cycle=cycle)
    planned: dict[tuple[int, str], int] = {}
    names: dict[int, str] = {}
    for entry in raters:
        planned[(entry.subject.pk, entry.group)] = (
            planned.get((entry.subject.pk, entry.group), 0) + 1
        )
        names[entry.subject.pk] = entry.subject.full_name
    shortfalls = [
        {
            "subject_id": subject_id,
            "subject_name": name,
            "group": group,
            "wanted": wanted,
            "planned": planned.get((subject_id, group), 0),
        }
        for subject_id, name in names.items()
        for group, wanted in sorted((cycle.min_raters or {}).items())
        if planned.get((subject_id, group), 0) < wanted
    ]
    return {
        "opens_at": cycle.opens_at,
        "opens_local": _local(cycle.opens_at, tz),
        "due_at": cycle.due_at,
        "due_local": _local(cycle.due_at, tz),
        "reminders_local": [
            _local(point, tz)
            for point in reminder_points(
                opens_at=cycle.opens_at,
                due_at=cycle.due_at,
                every_days=cycle.reminder_every_days,
                tz=tz,
            )
        ],
        "closing_reminder_local": _local(closing_reminder_at(cycle.due_at, tz), tz),
        "raters": raters,
        "shortfalls": shortfalls,
    }


# --- progress -------------------------------------------------------------------


def cycle_progress(*, cycle: Cycle) -> dict:
    """Per group and per leader: asked, pending, sent, completed, declined, expired, failed."""
    by_group = _counts(RaterRequest.objects.filter(cycle=cycle), "group")
    by_subject = _counts(
        RaterRequest.objects.filter(cycle=cycle), "subject_id", "subject__full_name"
    )
    totals = _blank_counts()
    for row in by_group:
        for status in RaterRequest.Status.values:
            totals[status] += row[status]
        totals["total"] += row["total"]
    return {
        "totals": totals,
        "groups": [{"group": row["group"], **_only_counts(row)} for row in by_group],
        "leaders": [
            {
                "subject_id": row["subject_id"],
                "subject_name": row["subject__full_name"],
                **_only_counts(row),
            }
            for row in by_subject
        ],
    }


def _blank_counts() -> dict:
    return dict.fromkeys([*RaterRequest.Status.values, "total"], 0)


def _only_counts(row: dict) -> dict:
    return {key: row[key] for key in [*RaterRequest.Status.values, "total"]}


def _counts(queryset, *fields: str) -> list[dict]:
    annotations = {
        status: Count("pk", filter=Q(status=status)) for status in RaterRequest.Status.values
    }
    return list(
        queryset.values(*fields).annotate(total=Count("pk"), **annotations).order_by(*fields)
    )


def subject_request_counts(*, cycle: Cycle, subject: User) -> dict:
    """What a leader may know about their own raters: counts, never who answered.
    Their own self-assessment is not counted among the raters."""
    row = (
        RaterRequest.objects.filter(cycle=cycle, subject=subject)
        .exclude(group=RaterGroup.SELF)
        .aggregate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(status=RaterRequest.Status.COMPLETED)),
            waiting=Count("pk", filter=Q(status__in=RaterRequest.OPEN_STATUSES)),
        )
    )
    own = RaterRequest.objects.filter(
        cycle=cycle, subject=subject, rater=subject, status__in=RaterRequest.OPEN_STATUSES
    ).first()
    return {**row, "self_request": own}


# --- reports --------------------------------------------------------------------


def _own_responses(*, cycle: Cycle, subject: User, viewer) -> dict[str, int]:
    """The viewer's own answers about the subject in this cycle, per group (as a rater)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return {}
    return dict(
        RaterRequest.objects.filter(
            cycle=cycle, subject=subject, rater=viewer, status=RaterRequest.Status.COMPLETED
        )
        .values("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )


def _cells(cycle: Cycle, subject: User, shown: Layout) -> dict[tuple[str, str, str], Cell]:
    """Sum the ratings of the shown groups into cells: (shown group, dimension, side)."""
    sums = (
        Answer.objects.filter(
            response__cycle=cycle, response__subject=subject, rating__isnull=False
        )
        .values("response__group", "question__dimension", "question__side")
        .annotate(total=Sum("rating"), count=Count("pk"), raters=Count("response", distinct=True))
    )
    cells: dict[tuple[str, str, str], Cell] = {}
    for row in sums:
        name = shown.shown_as.get(row["response__group"])
        if name is None:
            continue  # withheld: in no figure at all
        cell = cells.setdefault((name, row["question__dimension"], row["question__side"]), Cell())
        cell.total += row["total"]
        cell.count += row["count"]
        if row["response__group"] in ANONYMOUS_GROUPS:
            cell.anonymous_raters += row["raters"]
    return cells


def _profiles(cells, shown: Layout, threshold: int) -> dict[str, list[dict]]:
    """Management and leadership score and balance per dimension, for each shown group
    and "overall". The overall adds up only the shown cells of groups other than self,
    so every figure rests on shown ratings alone."""
    visible = {
        key: cell
        for key, cell in cells.items()
        if cell_shown(cell, own=shown.own.get(key[0], 0), threshold=threshold)
    }
    for (name, dimension, side), cell in list(visible.items()):
        if name != RaterGroup.SELF:
            overall = visible.setdefault(("overall", dimension, side), Cell())
            overall.total += cell.total
            overall.count += cell.count

    def score(name: str, dimension: str, side: str) -> Decimal | None:
        cell = visible.get((name, dimension, side))
        return rounded(Decimal(cell.total) / cell.count) if cell else None

    def profile(name: str) -> list[dict]:
        rows = []
        for dimension in Dimension:
            management = score(name, dimension.value, Side.MANAGEMENT)
            leadership = score(name, dimension.value, Side.LEADERSHIP)
            rows.append(
                {
                    "dimension": dimension.value,
                    "label": dimension.label,
                    "management": management,
                    "leadership": leadership,
                    "balance": leadership - management
                    if None not in (leadership, management)
                    else None,
                }
            )
        return rows

    names = {"overall", *shown.shown_as.values()}
    return {name: profile(name) for name in names}


def _response_rates(cycle: Cycle, subject: User) -> list[dict]:
    rates = {
        row["group"]: row
        for row in RaterRequest.objects.filter(cycle=cycle, subject=subject)
        .values("group")
        .annotate(
            asked=Count("pk"),
            answered=Count("pk", filter=Q(status=RaterRequest.Status.COMPLETED)),
        )
    }
    return [
        {
            "group": group,
            "label": GROUP_LABELS[group],
            "asked": row["asked"],
            "answered": row["answered"],
            "rate": percent(row["answered"], row["asked"]),
        }
        for group in RaterGroup.values
        if (row := rates.get(group))
    ]


GROUP_LABELS = dict(RaterGroup.choices) | {OTHERS: "Others (pooled)"}
GROUP_ORDER = [RaterGroup.SELF, RaterGroup.MANAGER, *ANONYMOUS_GROUPS, OTHERS]


def report_build(*, cycle: Cycle, subject: User, viewer, with_previous: bool = True) -> dict:
    """The subject's report for a cycle as ``viewer`` may see it: response rates,
    management and leadership score per dimension (overall and per shown group),
    balance index, comments, trend. Every figure goes through feedback.anonymity.

    ``viewer`` matters twice: a group holding the viewer's own response needs the
    threshold of *other* raters, and the trend (the previous cycle) is included only
    when the viewer may see that report too. ``None`` is nobody in particular.

    A fixed number of queries, whatever the number of raters.
    """
    threshold = cycle.anonymity_threshold
    responses = dict(
        Response.objects.filter(cycle=cycle, subject=subject)
        .values("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )
    shown = layout(
        responses,
        threshold=threshold,
        own=_own_responses(cycle=cycle, subject=subject, viewer=viewer),
    )
    profiles = _profiles(_cells(cycle, subject, shown), shown, threshold)
    comments = _comments(cycle, subject, shown.shown_as)
    report = {
        "cycle": {"id": cycle.pk, "name": cycle.name, "released_at": cycle.released_at},
        "subject": {"id": subject.pk, "name": subject.full_name},
        "anonymity_threshold": threshold,
        "response_rates": _response_rates(cycle, subject),
        "overall": profiles["overall"],
        "groups": [
            {
                "group": str(name),
                "label": GROUP_LABELS[name],
                "respondents": sum(responses[group] for group in shown.members(name)),
                "profile": profiles[name],
                "comments": comments.get(str(name), []),
            }
            for name in GROUP_ORDER
            if name in profiles
        ],
        "withheld_groups": [str(group) for group in shown.withheld],
        "previous": _previous(cycle, subject, viewer) if with_previous else None,
    }
    return report


def _previous(cycle: Cycle, subject: User, viewer) -> dict | None:
    """The previous released cycle's overall figures, if the viewer may see that report.
    The subject sees their previous report whenever they see this one (also once erased:
    the figures of a report never change)."""
    previous = previous_cycle(cycle=cycle, subject=subject)
    if previous is None:
        return None
    if (
        viewer is not None
        and viewer.pk != subject.pk
        and not report_visible_to(user=viewer, cycle=previous, subject=subject)
    ):
        return None
    earlier = report_build(cycle=previous, subject=subject, viewer=viewer, with_previous=False)
    return {"cycle": earlier["cycle"], "overall": earlier["overall"]}


def _comments(cycle: Cycle, subject: User, shown_as: dict[str, str]) -> dict[str, list[dict]]:
    rows = (
        Answer.objects.filter(
            response__cycle=cycle,
            response__subject=subject,
            question__kind=Question.Kind.COMMENT,
            response__group__in=list(shown_as),
        )
        .exclude(text="")
        .values("response__group", "question__position", "question__text", "text")
        # Alphabetical, never by arrival, so order gives nothing away.
        .order_by("question__position", "text")
    )
    result: dict[str, list[dict]] = {}
    for row in rows:
        result.setdefault(shown_as[row["response__group"]], []).append(
            {"question": row["question__text"], "text": row["text"]}
        )
    return result


def latest_released_cycle(*, subject: User, day: datetime.date) -> Cycle | None:
    """The subject's most recent cycle whose results were released by the end of ``day``."""
    return (
        Cycle.objects.filter(released_at__lt=end_of_day(day), requests__subject=subject)
        .order_by("-opens_at", "-pk")
        .distinct()
        .first()
    )


def latest_opened_cycle(*, cohort, day: datetime.date) -> Cycle | None:
    """The cohort's most recent cycle that had opened by the end of ``day``."""
    return (
        Cycle.objects.filter(cohort=cohort, opened_at__lt=end_of_day(day))
        .order_by("-opens_at", "-pk")
        .first()
    )


def subjects_asked_about(*, cohort, day: datetime.date) -> set[int]:
    """Ids of the leaders asked about in a cycle of the cohort due to open by ``day``."""
    return set(
        RaterRequest.objects.filter(
            cycle__cohort=cohort, cycle__opens_at__lt=end_of_day(day)
        ).values_list("subject_id", flat=True)
    )


def previous_cycle(*, cycle: Cycle, subject: User) -> Cycle | None:
    """The subject's last released cycle before this one, for the trend."""
    return (
        Cycle.objects.filter(
            released_at__isnull=False,
            opens_at__lt=cycle.opens_at,
            requests__subject=subject,
        )
        .exclude(pk=cycle.pk)
        .order_by("-opens_at")
        .distinct()
        .first()
    )


def mentor_ids_of(subject: User) -> list[int]:
    return list(
        Pairing.objects.filter(mentee=subject, status=Pairing.Status.ACTIVE).values_list(
            "mentor_id", flat=True
        )
    )

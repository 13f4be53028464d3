"""Reads for mentorship, and the one answer to "whose data may this caller see".

``leaders_visible_to`` (and ``cohorts_visible_to``, built on it) is the scope every
layer uses: the web layer passes it down to programs' and metrics' list selectors as
``leaders=`` (or ``cohorts=``); mentorship and feedback selectors call it with the user.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from common.dates import end_of_day, moment_of
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from people.models import User
from people.roles import Role, active_role_holders, role_group_id, role_names
from people.selectors import below_in_reporting_line
from programs.models import Cohort, Competency, Dimension, Enrollment
from programs.selectors import cohorts_of


def leaders_visible_to(user) -> QuerySet[User]:
    """Leaders whose development data the caller may see.

    HR: every leader. Mentor: their active mentees. Manager: the leaders below them in
    the reporting line, at any depth (a regional director sees the leaders under their
    managers). Leader: themselves. A person with several roles sees the union. Everyone
    else: nobody.
    Every scoped query in Lodestar filters through this.
    """
    roles = role_names(user)
    leader_group = role_group_id(Role.LEADER, reader=user) if roles else None
    if leader_group is None:
        return User.objects.none()
    leaders = User.objects.filter(groups=leader_group)
    if Role.HR in roles:
        return leaders
    scope = Q(pk__in=[])
    if Role.MENTOR in roles:
        scope |= Q(
            pk__in=Pairing.objects.filter(mentor=user, status=Pairing.Status.ACTIVE).values(
                "mentee_id"
            )
        )
    if Role.MANAGER in roles:
        scope |= Q(pk__in=below_in_reporting_line(user))
    if Role.LEADER in roles:
        scope |= Q(pk=user.pk)
    return leaders.filter(scope)


def leaders_below(*, manager) -> QuerySet[User]:
    """The leaders a manager sees *as their manager*: those below them in the reporting
    line (a manager who also mentors sees their mentees in ``leaders_visible_to`` too,
    but not on their manager's dashboard). Active people only."""
    return leaders_visible_to(manager).filter(
        pk__in=below_in_reporting_line(manager), is_active=True
    )


def cohorts_visible_to(user) -> QuerySet[Cohort]:
    """Cohorts the caller may see: HR every cohort (also one nobody is enrolled in yet);
    anyone else the cohorts of the leaders they may see."""
    if Role.HR in role_names(user):
        return Cohort.objects.all()
    return cohorts_of(leaders_visible_to(user))


def reporting_line(user: User) -> list[User]:
    """The user's managers, nearest first, at any depth.

    Walks ``manager`` upwards; a cycle in HR data (A reports to B reports to A)
    stops the walk instead of looping forever.
    """
    managers: list[User] = []
    seen = {user.pk}
    current = user.manager
    while current is not None and current.pk not in seen:
        managers.append(current)
        seen.add(current.pk)
        current = current.manager
    return managers


# ---------------------------------------------------------------- scoped querysets


def pairings_visible_to(user) -> QuerySet[Pairing]:
    """HR: every pairing. A manager: every pairing of the leaders below them. Others: the
    pairings they are part of, for leaders they may see (so a mentor's view of a pairing
    ends with the pairing; HR keeps the history)."""
    pairings = Pairing.objects.filter(mentee__in=leaders_visible_to(user))
    roles = role_names(user)
    if Role.HR in roles:
        return pairings
    theirs = Q(mentor=user) | Q(mentee=user)
    if Role.MANAGER in roles:
        # A manager follows the mentoring of the leaders below them (never its notes).
        theirs |= Q(mentee__in=below_in_reporting_line(user))
    return pairings.filter(theirs)


def pairing_list(*, user) -> QuerySet[Pairing]:
    return pairings_with_last_contact(
        pairings_visible_to(user).select_related("mentor", "mentee", "enrollment__cohort")
    )


def pairings_with_last_contact(pairings: QuerySet[Pairing]) -> QuerySet[Pairing]:
    """Annotate ``last_contact``: when the latest held session started (or None)."""
    return pairings.annotate(
        last_contact=Subquery(
            MentoringSession.objects.filter(
                pairing=OuterRef("pk"), status=MentoringSession.Status.HELD
            )
            .order_by("-starts_at")
            .values("starts_at")[:1]
        )
    )


# ---------------------------------------------------------------- the quiet rule

# Mentoring has gone quiet when the last held session (or, before the first one, the
# pairing's start) is this many days or more in the past. One rule, in two forms that
# are tested together: ``quiet_since`` / ``is_quiet`` in Python, ``with_quiet`` in SQL.
QUIET_AFTER_DAYS = 30


def quiet_since(*, last_contact: datetime.datetime | None, started_on: datetime.date):
    """The day the current quiet spell began: the last held session's, or the start."""
    return timezone.localdate(last_contact) if last_contact else started_on


def is_quiet(
    *, last_contact: datetime.datetime | None, started_on: datetime.date, day: datetime.date
) -> bool:
    since = quiet_since(last_contact=last_contact, started_on=started_on)
    return (day - since).days >= QUIET_AFTER_DAYS


def with_quiet(pairings: QuerySet[Pairing], *, day: datetime.date) -> QuerySet[Pairing]:
    """Annotate ``last_contact``, ``quiet_since`` and ``is_quiet`` (as of ``day``)."""
    return pairings_with_last_contact(pairings).annotate(
        quiet_since=Coalesce(TruncDate("last_contact"), F("started_on")),
        is_quiet=ExpressionWrapper(
            Q(quiet_since__lte=day - datetime.timedelta(days=QUIET_AFTER_DAYS)),
            output_field=BooleanField(),
        ),
    )


def session_list(*, user) -> QuerySet[MentoringSession]:
    return (
        MentoringSession.objects.filter(pairing__in=pairings_visible_to(user))
        .select_related("pairing__mentor", "pairing__mentee", "logged_by")
        .prefetch_related(
            "topics",
            Prefetch("action_items", queryset=ActionItem.objects.order_by("id")),
        )
    )


def action_item_list(*, user) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(session__pairing__in=pairings_visible_to(user)).select_related(
        "session__pairing__mentor", "session__pairing__mentee"
    )


def goal_list(*, user) -> QuerySet[Goal]:
    return Goal.objects.filter(mentee__in=leaders_visible_to(user)).select_related(
        "mentee", "competency", "pairing"
    )


def calendar_sessions(*, user) -> QuerySet[MentoringSession]:
    """The caller's own planned and held sessions, as mentor or as mentee."""
    return (
        MentoringSession.objects.filter(pairing__in=pairings_visible_to(user))
        .filter(Q(pairing__mentor=user) | Q(pairing__mentee=user))
        .filter(status__in=[MentoringSession.Status.PLANNED, MentoringSession.Status.HELD])
        .select_related("pairing__mentor", "pairing__mentee")
        .prefetch_related("topics")
        .order_by("starts_at")
    )


def active_mentor_of(*, mentor, mentee) -> bool:
    return Pairing.objects.filter(
        mentor=mentor, mentee=mentee, status=Pairing.Status.ACTIVE
    ).exists()


def mentor_list() -> QuerySet[User]:
    """HR's list of mentors: everyone active with the Mentor role, with their profile (None
    before their first pairing), expertise and strong dimensions. Three queries."""
    return (
        active_role_holders(Role.MENTOR)
        .select_related("mentor_profile")
        .prefetch_related("mentor_profile__expertise", "mentor_profile__dimension_expertise")
        .order_by("full_name", "email")
    )


# ---------------------------------------------------------------- overviews for pages


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def mentee_overview(*, mentor, today: datetime.date | None = None) -> QuerySet[Pairing]:
    """The mentor's active pairings with last session, sessions this quarter, open action
    items and the mean progress of the mentee's open goals; a fixed number of queries."""
    today = today or timezone.localdate()
    held = MentoringSession.objects.filter(
        pairing=OuterRef("pk"), status=MentoringSession.Status.HELD
    )
    quarter_began = datetime.datetime.combine(
        quarter_start(today), datetime.time.min, tzinfo=datetime.UTC
    )
    next_planned = MentoringSession.objects.filter(
        pairing=OuterRef("pk"), status=MentoringSession.Status.PLANNED
    ).order_by("starts_at")
    return (
        pairings_with_last_contact(
            pairings_visible_to(mentor).filter(mentor=mentor, status=Pairing.Status.ACTIVE)
        )
        .select_related("mentee")
        .annotate(
            next_session_id=Subquery(next_planned.values("pk")[:1]),
            next_session_at=Subquery(next_planned.values("starts_at")[:1]),
            sessions_this_quarter=_grouped_count(
                held.filter(starts_at__gte=quarter_began), "pairing"
            ),
            open_action_items=_grouped_count(
                ActionItem.objects.filter(session__pairing=OuterRef("pk"), done_at__isnull=True),
                "session__pairing",
            ),
            goals_progress=Subquery(
                Goal.objects.filter(mentee=OuterRef("mentee"), status__in=Goal.OPEN_STATUSES)
                .order_by()
                .values("mentee")
                .annotate(mean=Avg("progress"))
                .values("mean")[:1]
            ),
            open_goals=_grouped_count(
                Goal.objects.filter(mentee=OuterRef("mentee"), status__in=Goal.OPEN_STATUSES),
                "mentee",
            ),
        )
        .order_by("mentee__full_name")
    )


def _grouped_count(queryset: QuerySet, group_by: str):
    return Coalesce(
        Subquery(
            queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_overdue_action_items(
    pairings: QuerySet[Pairing], *, day: datetime.date
) -> QuerySet[Pairing]:
    """Annotate ``overdue_action_items``: open items of the pairing due before ``day``."""
    return pairings.annotate(
        overdue_action_items=_grouped_count(
            ActionItem.objects.filter(
                session__pairing=OuterRef("pk"), done_at__isnull=True, due_on__lt=day
            ),
            "session__pairing",
        )
    )


def upcoming_sessions(*, user, limit: int = 5) -> QuerySet[MentoringSession]:
    return calendar_sessions(user=user).filter(
        status=MentoringSession.Status.PLANNED, starts_at__gte=timezone.now()
    )[:limit]


# ---------------------------------------------------------------- as of a day
# Sessions count from when they were held, action items from their session (even when
# logged later) until done; goals keep no history, so they show their current state.


def open_action_items_on(day: datetime.date) -> Q:
    """Action items agreed by ``day`` (at their session, even when logged later) and not
    done by then."""
    end = end_of_day(day)
    return Q(session__starts_at__lt=end) & (Q(done_at__isnull=True) | Q(done_at__gte=end))


def action_items_by_mentee(*, leader_ids, day: datetime.date) -> dict[int, tuple[int, int]]:
    """Leader id → (open, overdue) action items of their pairings on ``day``; one query."""
    counts = {
        row["session__pairing__mentee_id"]: (row["open"], row["overdue"])
        for row in ActionItem.objects.filter(
            open_action_items_on(day), session__pairing__mentee_id__in=leader_ids
        )
        .values("session__pairing__mentee_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=day)))
        .order_by()
    }
    return {leader_id: counts.get(leader_id, (0, 0)) for leader_id in leader_ids}


def _current_pairing_on(day: datetime.date) -> Q:
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


@dataclass
class MentoringOnDay:
    """A leader's mentoring as one viewer may see it on a day."""

    pairing: Pairing | None
    sessions_held: int
    last_session_at: datetime.datetime | None
    next_session: MentoringSession | None
    open_action_items: list[ActionItem]
    goals: QuerySet[Goal]


def mentoring_on(*, leader: User, viewer, day: datetime.date) -> MentoringOnDay:
    """The leader's current pairing, sessions held, the next planned session, open action
    items and goals on ``day``, as much as ``viewer`` may see through the mentorship API
    (a mentor sees their own pairings, not the mentor before them). Five queries."""
    moment = moment_of(day)
    pairings = pairings_visible_to(viewer).filter(mentee=leader, started_on__lte=day)
    pairing = (
        pairings.filter(_current_pairing_on(day))
        .select_related("mentor")
        .order_by("-started_on", "-pk")
        .first()
    )
    sessions = MentoringSession.objects.filter(pairing__in=pairings)
    held = sessions.filter(status=MentoringSession.Status.HELD, starts_at__lt=moment).aggregate(
        count=Count("pk"), last=Max("starts_at")
    )
    return MentoringOnDay(
        pairing=pairing,
        sessions_held=held["count"],
        last_session_at=held["last"],
        next_session=sessions.filter(status=MentoringSession.Status.PLANNED, starts_at__gte=moment)
        .order_by("starts_at")
        .first(),
        open_action_items=list(
            ActionItem.objects.filter(
                open_action_items_on(day), session__pairing__in=pairings
            ).order_by(F("due_on").asc(nulls_last=True), "pk")
        ),
        goals=goal_list(user=viewer).filter(mentee=leader),
    )


@dataclass(frozen=True)
class MentoringActivity:
    """A leader's mentor on a day, the sessions held by then and whether it went quiet."""

    pairing: Pairing | None
    sessions_held: int
    last_session_at: datetime.datetime | None
    quiet: bool


def mentoring_activity_on(*, leader_ids, day: datetime.date) -> dict[int, MentoringActivity]:
    """Leader id → their mentoring activity on ``day`` (HR's view of a cohort: every
    pairing). Two queries for any number of leaders."""
    pairings: dict[int, Pairing] = {}
    for pairing in (
        Pairing.objects.filter(_current_pairing_on(day), mentee_id__in=leader_ids)
        .select_related("mentor")
        .order_by("mentee_id", "-started_on", "-pk")
    ):
        pairings.setdefault(pairing.mentee_id, pairing)
    held = {
        row["pairing__mentee_id"]: row
        for row in MentoringSession.objects.filter(
            pairing__mentee_id__in=leader_ids,
            status=MentoringSession.Status.HELD,
            starts_at__lt=moment_of(day),
        )
        .values("pairing__mentee_id")
        .annotate(count=Count("pk"), last=Max("starts_at"))
    }
    activity = {}
    for leader_id in leader_ids:
        pairing = pairings.get(leader_id)
        sessions = held.get(leader_id, {"count": 0, "last": None})
        activity[leader_id] = MentoringActivity(
            pairing=pairing,
            sessions_held=sessions["count"],
            last_session_at=sessions["last"],
            quiet=pairing is None
            or is_quiet(last_contact=sessions["last"], started_on=pairing.started_on, day=day),
        )
    return activity


# ---------------------------------------------------------------- matching


def mentee_needed_competencies(mentee: User) -> list[Competency]:
    """What the leader most needs now: the competencies of their open goals first,
    then those of the programs they are (or were) enrolled in. (The web layer may put the
    weakest feedback dimensions in front; this module never reads feedback.)"""
    from_goals = Competency.objects.filter(
        goals__mentee=mentee, goals__status__in=Goal.OPEN_STATUSES
    ).distinct()
    from_programs = Competency.objects.filter(
        programs__enrollments__leader=mentee,
        programs__enrollments__status__in=Enrollment.TAKING_PART_STATUSES,
    ).distinct()
    needed: list[Competency] = []
    for competency in [*from_goals, *from_programs]:
        if competency not in needed:
            needed.append(competency)
    return needed


@dataclass
class Suggestion:
    mentor: User
    capacity: int
    active_mentees: int
    covered: list[Competency] = field(default_factory=list)
    needed: list[Competency] = field(default_factory=list)
    # The focus dimensions of the leader's development plan, and those this mentor has.
    focus: list[str] = field(default_factory=list)
    focus_covered: list[str] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return self.capacity - self.active_mentees

    @property
    def priority(self) -> int:
        """Covering what is needed most weighs more: the first need counts len(needed)."""
        return sum(len(self.needed) - self.needed.index(c) for c in self.covered)

    @property
    def score(self) -> int:
        """Share of the needed competencies this mentor covers, in percent."""
        if not self.needed:
            return 0
        return round(100 * len(self.covered) / len(self.needed))

    @property
    def explanation(self) -> str:
        seats = f"{self.seats_free} of {self.capacity} seat{'s' if self.capacity != 1 else ''} free"
        parts = [self._focus_explanation()] if self.focus else []
        if not self.needed:
            parts.append("no specific competencies needed yet")
        elif not self.covered:
            parts.append(f"covers none of {_and_list(self.needed)}")
        else:
            missing = [c for c in self.needed if c not in self.covered]
            text = f"covers {_and_list(self.covered)}"
            if missing:
                text += f" (not {_and_list(missing)})"
            parts.append(text)
        return "; ".join([*parts, seats])

    def _focus_explanation(self) -> str:
        labels = dict(Dimension.choices)
        focus = [labels[d].lower() for d in self.focus]
        if not self.focus_covered:
            return f"not strong at the plan's focus ({_and_names(focus)})"
        return "strong at the plan's focus on " + _and_names(
            [labels[d].lower() for d in self.focus_covered]
        )


def _and_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _and_list(competencies: Sequence[Competency]) -> str:
    return _and_names([c.name.lower() for c in competencies])


def mentor_suggestions(
    *,
    mentee: User,
    needed: Sequence[Competency],
    focus: Sequence[str] = (),
    limit: int = 10,
) -> list[Suggestion]:
    """Mentors who could take this leader, best first, each with its reasons.

    Eligible: Mentor role, active account and profile (a mentor without a profile
    yet counts with the default capacity), a free seat, not the leader, not in the
    leader's reporting line, not already mentoring them. Ranked by how many of the
    leader's ``focus`` dimensions (their development plan's) the mentor is strong at,
    then how many of the ``needed`` competencies (most needed first) their expertise
    covers, then by how high those needs rank, then by free seats, then by name.
    """
    excluded = {mentee.pk, *(manager.pk for manager in reporting_line(mentee))}
    excluded |= set(
        Pairing.objects.filter(mentee=mentee, status=Pairing.Status.ACTIVE).values_list(
            "mentor_id", flat=True
        )
    )
    mentors = (
        User.objects.filter(groups__name=Role.MENTOR, is_active=True)
        .exclude(pk__in=excluded)
        .exclude(mentor_profile__is_active=False)
        .select_related("mentor_profile")
        .prefetch_related("mentor_profile__expertise", "mentor_profile__dimension_expertise")
        .distinct()
    )
    default_capacity = MentorProfile._meta.get_field("capacity").default
    suggestions = []
    for mentor in mentors:
        profile = getattr(mentor, "mentor_profile", None)
        expertise = set(profile.expertise.all()) if profile else set()
        strengths = {d.dimension for d in profile.dimension_expertise.all()} if profile else set()
        suggestion = Suggestion(
            mentor=mentor,
            capacity=profile.capacity if profile else default_capacity,
            active_mentees=profile.active_mentees if profile else 0,
            covered=[c for c in needed if c in expertise],
            needed=list(needed),
            focus=list(focus),
            focus_covered=[d for d in focus if d in strengths],
        )
        if suggestion.seats_free > 0:
            suggestions.append(suggestion)
    suggestions.sort(
        key=lambda s: (
            -len(s.focus_covered),
            -len(s.covered),
            -s.priority,
            -s.seats_free,
            s.mentor.full_name,
        )
    )
    return suggestions[:limit]

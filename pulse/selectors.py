"""Reads of the team pulse: pulses and rounds, and results per leader and round under the
anonymity rule (``feedback.anonymity.may_show``, threshold 3).

A leader's results are shown only once the round is closed and at least the threshold of
their team answered; below it there is no figure at all, not even how many answered
("fewer than 3"). Every pulse-wide figure is computed from shown leaders only, so no
aggregate can be differenced against another to recover a hidden team.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum

from feedback.anonymity import may_show
from feedback.models import MIN_ANONYMITY_THRESHOLD
from people.models import User
from pulse.models import (
    ENPS_DETRACTOR_MAX,
    ENPS_PROMOTER_MIN,
    SCALE_MAX,
    SCALE_MIN,
    Pulse,
    PulseAnswer,
    PulseInvite,
    PulseResponse,
    PulseRound,
    PulseShare,
    PulseStatement,
)

BELOW_THRESHOLD = f"fewer than {MIN_ANONYMITY_THRESHOLD}"
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


def pulse_list() -> QuerySet[Pulse]:
    return Pulse.objects.select_related("template", "cohort", "created_by")


def round_list(*, pulse: Pulse) -> QuerySet[PulseRound]:
    return pulse.rounds.order_by("-period_start")


def statements_of(pulse: Pulse) -> list[PulseStatement]:
    return list(pulse.template.statements.order_by("position", "pk"))


def team_may_show(answers: int) -> bool:
    """The anonymity rule for a team: enough of its members answered (nobody of the team
    is the viewer: leaders and HR are not asked)."""
    return may_show(raters=answers, own=0, threshold=MIN_ANONYMITY_THRESHOLD)


def engagement_score(total: int, count: int) -> Decimal:
    """The mean of 1-5 values mapped to 0-100 (1 → 0, 3 → 50, 5 → 100), to one decimal."""
    span = SCALE_MAX - SCALE_MIN
    score = Decimal(total - SCALE_MIN * count) * 100 / (span * count)
    return score.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def enps_score(*, promoters: int, detractors: int, count: int) -> int:
    """% promoters (9-10) minus % detractors (0-6), rounded to a whole number."""
    return int((Decimal(promoters - detractors) * 100 / count).quantize(Decimal(1), ROUND_HALF_UP))


@dataclasses.dataclass
class TeamResult:
    """One leader's results in one round. ``shown`` False: every figure is None."""

    round: PulseRound
    leader_id: int
    invited: int
    shown: bool = False
    answers: int | None = None
    response_rate: Decimal | None = None
    engagement: Decimal | None = None
    enps: int | None = None
    statements: list[dict] = dataclasses.field(default_factory=list)
    comments: list[str] = dataclasses.field(default_factory=list)
    # Kept for pulse-wide figures from shown teams only; never shown by themselves.
    _scale_total: int = 0
    _scale_count: int = 0

    @property
    def status(self) -> str:
        if self.round.status != PulseRound.Status.CLOSED:
            return "open"
        return "shown" if self.shown else "below_threshold"


def team_results(
    *, rounds: Sequence[PulseRound], leaders: Iterable[int] | QuerySet | None = None
) -> dict[tuple[int, int], TeamResult]:
    """Results per (round id, leader id) for these rounds, in a fixed number of queries
    whatever their number. Only closed rounds show anything."""
    rounds = list(rounds)
    by_id = {item.pk: item for item in rounds}
    invites = PulseInvite.objects.filter(round__in=by_id)
    responses = PulseResponse.objects.filter(round__in=by_id)
    if leaders is not None:
        invites, responses = (
            invites.filter(leader__in=leaders),
            responses.filter(leader__in=leaders),
        )
    results = {
        (row["round"], row["leader"]): TeamResult(
            round=by_id[row["round"]], leader_id=row["leader"], invited=row["n"]
        )
        for row in invites.order_by().values("round", "leader").annotate(n=Count("pk"))
    }
    counts = {
        (row["round"], row["leader"]): row["n"]
        for row in responses.order_by().values("round", "leader").annotate(n=Count("pk"))
    }
    shown = {
        key
        for key, n in counts.items()
        if team_may_show(n) and by_id[key[0]].status == PulseRound.Status.CLOSED
    }
    for key in shown:
        result = results.setdefault(
            key, TeamResult(round=by_id[key[0]], leader_id=key[1], invited=counts[key])
        )
        result.shown, result.answers = True, counts[key]
        result.response_rate = _percent(counts[key], max(result.invited, counts[key]))
    if shown:
        _figures(results, shown, responses)
    return results


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _figures(results: dict, shown: set, responses: QuerySet[PulseResponse]) -> None:
    """Fill in the figures of the shown teams (three queries for any number of them)."""
    rounds = {round_id for round_id, _ in shown}
    answers = PulseAnswer.objects.filter(response__in=responses, response__round__in=rounds)
    per_statement = (
        answers.filter(kind=PulseStatement.Kind.SCALE)
        .order_by()
        .values("response__round", "response__leader", "statement", "statement__text")
        .annotate(total=Sum("value"), n=Count("pk"))
        .order_by("statement__position", "statement")
    )
    for row in per_statement:
        key = (row["response__round"], row["response__leader"])
        if key not in shown:
            continue
        result = results[key]
        result._scale_total += row["total"]
        result._scale_count += row["n"]
        if not team_may_show(row["n"]):
            # A statement fewer answered than the team (one a round did not always ask):
            # its own mean would show those few answers.
            continue
        mean = (Decimal(row["total"]) / row["n"]).quantize(TWO_DECIMALS, ROUND_HALF_UP)
        result.statements.append(
            {"statement": row["statement"], "text": row["statement__text"], "mean": mean}
        )
    enps = (
        answers.filter(kind=PulseStatement.Kind.ENPS)
        .order_by()
        .values("response__round", "response__leader")
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(value__gte=ENPS_PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(value__lte=ENPS_DETRACTOR_MAX)),
        )
    )
    for row in enps:
        key = (row["response__round"], row["response__leader"])
        if key in shown and team_may_show(row["n"]):
            results[key].enps = enps_score(
                promoters=row["promoters"], detractors=row["detractors"], count=row["n"]
            )
    comments = defaultdict(list)
    for round_id, leader_id, text in (
        responses.filter(round__in=rounds)
        .exclude(comment="")
        .values_list("round", "leader", "comment")
    ):
        comments[(round_id, leader_id)].append(text)
    for key in shown:
        result = results[key]
        if result._scale_count:
            result.engagement = engagement_score(result._scale_total, result._scale_count)
        # Never in the order they arrived (nor in the database's): alphabetical.
        result.comments = sorted(comments.get(key, []), key=str.casefold)


@dataclasses.dataclass
class RoundSummary:
    """A round's figures across leaders: computed only from the shown teams."""

    leaders: int
    shown: int
    below_threshold: int
    answers: int | None
    engagement: Decimal | None
    response_rate: Decimal | None


def round_summary(results: Iterable[TeamResult]) -> RoundSummary:
    results = list(results)
    shown = [result for result in results if result.shown]
    total = sum(result._scale_total for result in shown)
    count = sum(result._scale_count for result in shown)
    answers = sum(result.answers or 0 for result in shown)
    invited = sum(result.invited for result in shown)
    return RoundSummary(
        leaders=len(results),
        shown=len(shown),
        below_threshold=sum(1 for r in results if r.status == "below_threshold"),
        answers=answers if shown else None,
        engagement=engagement_score(total, count) if count else None,
        response_rate=_percent(answers, invited) if shown and invited else None,
    )


def pulse_results(*, pulse: Pulse) -> list[dict]:
    """Each round of a pulse (newest first) with its summary and a row per leader."""
    rounds = list(round_list(pulse=pulse))
    results = team_results(rounds=rounds)
    leader_ids = {leader_id for _, leader_id in results}
    names = dict(User.objects.filter(pk__in=leader_ids).values_list("pk", "full_name"))
    out = []
    for item in rounds:
        rows = sorted(
            (result for (round_id, _), result in results.items() if round_id == item.pk),
            key=lambda result: (names.get(result.leader_id, ""), result.leader_id),
        )
        for row in rows:
            row.leader_name = names.get(row.leader_id, "")
        out.append({"round": item, "summary": round_summary(rows), "teams": rows})
    return out


def leader_trend(*, leader: User) -> list[TeamResult]:
    """The leader's team results in every closed round they were part of, oldest first."""
    rounds = (
        PulseRound.objects.filter(status=PulseRound.Status.CLOSED, invites__leader=leader)
        .select_related("pulse")
        .distinct()
        .order_by("period_start", "pk")
    )
    results = team_results(rounds=list(rounds), leaders=[leader.pk])
    return sorted(results.values(), key=lambda result: (result.round.period_start, result.round.pk))


def pulse_shared_with(*, leader: User) -> set[str]:
    """The audiences (``PulseShare.Audience``) the leader shows their team pulse to."""
    return set(PulseShare.objects.filter(leader=leader).values_list("audience", flat=True))


def leaders_sharing_pulse(*, leader_ids, audience: str) -> set[int]:
    """Which of these leaders show their team pulse to ``audience``; one query."""
    return set(
        PulseShare.objects.filter(leader_id__in=list(leader_ids), audience=audience).values_list(
            "leader_id", flat=True
        )
    )

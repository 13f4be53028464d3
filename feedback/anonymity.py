"""The anonymity rule, stated once. Every figure a report shows passes through here.

docs/privacy.md explains it for people; in code:

* Self and manager are shown as themselves (one person each, and they are told so).
* A figure that rests on anonymous raters (mentors, peers, direct reports) is shown
  only if at least ``threshold`` raters *other than the viewer* stand behind it
  (``may_show``). That holds for a group as a whole, for a pool of small groups, and
  for every single score (a dimension and side), where raters who said "can't say"
  do not count.
* Small anonymous groups are pooled into "Others" when the pool passes; otherwise they
  are withheld. The pooling is the same for every viewer; a viewer's own response can
  only withhold more, never pool differently (two views must not difference).
* Every shown figure is computed only from ratings that are themselves shown: the
  overall score of a statement adds up the shown group scores and nothing else, so no
  hidden rating can be recovered by subtracting shown figures from it.
"""

from __future__ import annotations

import dataclasses

from feedback.models import MIN_ANONYMITY_THRESHOLD, RaterGroup

# Groups whose members are anonymous (self and manager are shown as themselves).
ANONYMOUS_GROUPS = (RaterGroup.MENTOR, RaterGroup.PEER, RaterGroup.DIRECT_REPORT)
OTHERS = "others"


def may_show(*, raters: int, own: int, threshold: int) -> bool:
    """The rule for one figure: enough anonymous raters besides the viewer behind it."""
    return raters - own >= max(threshold, MIN_ANONYMITY_THRESHOLD)


@dataclasses.dataclass(frozen=True)
class Layout:
    """How a report shows the groups that answered, for one viewer."""

    shown_as: dict[str, str]  # answering group → the group it is shown as (itself, "others")
    withheld: list[str]  # answering groups left out of every figure
    own: dict[str, int]  # the viewer's own responses per shown group name

    def members(self, shown: str) -> list[str]:
        return [group for group, name in self.shown_as.items() if name == shown]


def layout(counts: dict[str, int], *, threshold: int, own: dict[str, int]) -> Layout:
    """Which groups are shown as themselves, pooled, or withheld. ``counts``: responses
    per group; ``own``: the viewer's own responses per group (empty for most viewers)."""
    shown_as: dict[str, str] = {}
    small: list[str] = []
    for group, n in counts.items():
        if not n:
            continue
        if group not in ANONYMOUS_GROUPS or may_show(raters=n, own=0, threshold=threshold):
            shown_as[group] = group
        else:
            small.append(group)
    withheld: list[str] = []
    if small and may_show(raters=sum(counts[group] for group in small), own=0, threshold=threshold):
        shown_as.update(dict.fromkeys(small, OTHERS))
    else:
        withheld = small
    # The viewer's own response may only take figures away from what everyone else sees.
    own_by_name: dict[str, int] = {}
    for name in set(shown_as.values()):
        members = [group for group, shown in shown_as.items() if shown == name]
        mine = sum(own.get(group, 0) for group in members)
        if not mine or not any(group in ANONYMOUS_GROUPS for group in members):
            continue
        raters = sum(counts[group] for group in members)
        if may_show(raters=raters, own=mine, threshold=threshold):
            own_by_name[name] = mine
        else:
            for group in members:
                del shown_as[group]
                withheld.append(group)
    return Layout(shown_as=shown_as, withheld=withheld, own=own_by_name)


@dataclasses.dataclass
class Cell:
    """The ratings behind one score: one shown group, one dimension, one side."""

    total: int = 0
    count: int = 0
    anonymous_raters: int = 0


def cell_shown(cell: Cell, *, own: int, threshold: int) -> bool:
    """A score is shown when someone rated and, if anonymous raters rated, enough of
    them besides the viewer did (those who said "can't say" do not count)."""
    if not cell.count:
        return False
    return not cell.anonymous_raters or may_show(
        raters=cell.anonymous_raters, own=own, threshold=threshold
    )

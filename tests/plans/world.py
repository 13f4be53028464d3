"""A leader with a released 360° report whose balance leans to management on two
dimensions, a mentor, modules tagged with dimensions, and the report's later successor."""

import dataclasses
import datetime

from feedback.models import Cycle, RaterGroup
from feedback.services import response_submit
from programs.models import ModuleDimension
from tests.feedback.factories import CycleFactory, RaterRequestFactory
from tests.feedback.helpers import team_in
from tests.programs.factories import CohortFactory, ModuleFactory

UTC = datetime.UTC
# The dimensions the first report finds leaning to management, most first.
WEAKEST = ("relationships", "communication")


@dataclasses.dataclass
class World:
    cohort: object
    leader: object
    mentor: object
    cycle: object
    modules: dict


def ratings(cycle, table: dict[tuple[str, str], int], default: int = 3) -> dict:
    """Answers for every question: ``table[(dimension, side)]`` or ``default``."""
    answers = {}
    for question in cycle.questionnaire.questions.all():
        if question.kind == "comment":
            answers[question.pk] = {"text": ""}
        else:
            answers[question.pk] = {
                "rating": table.get((question.dimension, question.side), default)
            }
    return answers


def released_cycle(
    clock, cohort, leader, *, opens: datetime.datetime, table: dict, raters: int = 3
):
    """A cycle about the leader that ``raters`` peers answered (the clock moves to its
    second day), closed and released."""
    clock.set(opens + datetime.timedelta(days=1))
    cycle = CycleFactory(cohort=cohort, status=Cycle.Status.OPEN, opens_at=opens)
    for _ in range(raters):
        request = RaterRequestFactory(cycle=cycle, subject=leader, group=RaterGroup.PEER)
        response_submit(request=request, answers=ratings(cycle, table))
    cycle.status = Cycle.Status.CLOSED
    cycle.released_at = cycle.due_at
    cycle.save()
    return cycle


def first_report_table() -> dict:
    table = {}
    for dimension in WEAKEST:
        table[(dimension, "management")] = 5
        table[(dimension, "leadership")] = 2 if dimension == "relationships" else 3
    return table


def build_world(clock) -> World:
    """The clock ends on 20 March 2027, nine days after the report's release."""
    cohort = CohortFactory(starts_on=datetime.date(2027, 1, 4), ends_on=datetime.date(2027, 12, 31))
    team = team_in(cohort)
    modules = {}
    for title, dimension in (
        ("Coaching conversations", "relationships"),
        ("Storytelling for leaders", "communication"),
        ("Forecasting basics", "focus"),
    ):
        module = ModuleFactory(program=cohort.program, title=title)
        ModuleDimension.objects.create(module=module, dimension=dimension)
        modules[dimension] = module
    cycle = released_cycle(
        clock,
        cohort,
        team.leader,
        opens=datetime.datetime(2027, 3, 1, 8, tzinfo=UTC),
        table=first_report_table(),
    )
    clock.set(datetime.datetime(2027, 3, 20, 9, tzinfo=UTC))
    return World(cohort, team.leader, team.mentor, cycle, modules)

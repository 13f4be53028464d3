"""What a leader most needs from a mentor: the web layer's input to matching.

This module sits with the web layer (API views and pages import it), so it may
read other apps' selectors: the focus dimensions of the leader's development plan
join the competencies here. Mentorship's domain code (models, services, selectors,
tasks) never imports it, so it never depends on plans.
"""

from mentorship import selectors
from people.models import User
from plans.selectors import latest_plan
from programs.models import Competency


def needed_competencies_for(mentee: User) -> list[Competency]:
    return selectors.mentee_needed_competencies(mentee)


def focus_dimensions_for(mentee: User) -> list[str]:
    """The focus dimensions of the leader's latest development plan, in its order."""
    plan = latest_plan(leader=mentee)
    return [focus.dimension for focus in plan.focuses.all()] if plan else []

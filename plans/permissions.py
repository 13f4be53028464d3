"""Who may do what with a development plan. Seeing one follows the scope rule
(``leaders_visible_to``): the leader, their active mentors and HR."""

from mentorship.permissions import can_manage_goals_of
from people.roles import Role, has_role
from plans.models import Plan


def can_build_plan(user, leader) -> bool:
    """The leader builds their own plan."""
    return user.pk == leader.pk and has_role(user, Role.LEADER)


def can_change_plan(user, plan: Plan) -> bool:
    """Whoever manages the leader's goals (the leader, an active mentor) changes what
    helps with a focus."""
    return can_manage_goals_of(user, plan.leader)


def can_check_in(user, plan: Plan) -> bool:
    return user.pk == plan.leader_id and has_role(user, Role.LEADER)

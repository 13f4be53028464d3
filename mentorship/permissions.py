"""Who may do what in mentorship. Whose data a caller sees is decided by the
selectors (``leaders_visible_to``); objects outside it are 404 before these run."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from mentorship.models import ActionItem, Goal, MentoringSession, Pairing
from mentorship.selectors import active_mentor_of
from people.roles import Role, has_role


def is_mentor_of(user, pairing: Pairing) -> bool:
    return pairing.mentor_id == user.pk and has_role(user, Role.MENTOR)


def can_log_sessions(user, pairing: Pairing) -> bool:
    """Only the pairing's own mentor logs and edits its sessions."""
    return is_mentor_of(user, pairing) and pairing.status == Pairing.Status.ACTIVE


def can_see_shared_notes(user, session: MentoringSession) -> bool:
    """Shared notes are the pairing's and HR's; a manager sees that sessions were held,
    never what was said in them."""
    pairing = session.pairing
    return getattr(user, "pk", None) in (pairing.mentor_id, pairing.mentee_id) or has_role(
        user, Role.HR
    )


def can_see_private_notes(user, session: MentoringSession) -> bool:
    """Private notes are the mentor's alone: not the mentee's, not even HR's."""
    return session.pairing.mentor_id == getattr(user, "pk", None)


def can_edit_action_item(user, item: ActionItem) -> bool:
    return is_mentor_of(user, item.session.pairing)


def can_mark_action_item(user, item: ActionItem) -> bool:
    """The mentor marks any item of the pairing; the mentee only the items they own."""
    pairing = item.session.pairing
    if is_mentor_of(user, pairing):
        return True
    return pairing.mentee_id == user.pk and item.owner == ActionItem.Owner.MENTEE


def can_manage_goals_of(user, mentee) -> bool:
    """The leader for their own goals; a mentor for an active mentee's goals."""
    if mentee.pk == user.pk:
        return has_role(user, Role.LEADER)
    return has_role(user, Role.MENTOR) and active_mentor_of(mentor=user, mentee=mentee)


def can_see_goal_notes(user, goal: Goal) -> bool:
    """A goal's notes are the leader's, their mentor's and HR's, never their manager's.
    Whoever sees the goal and is not a manager sees it as one of those (the scope rule),
    so only a manager's view is looked at closer: as the mentor of the goal's pairing."""
    if goal.mentee_id == getattr(user, "pk", None) or not has_role(user, Role.MANAGER):
        return True
    if has_role(user, Role.HR):
        return True
    pairing = goal.pairing
    return (
        pairing is not None
        and pairing.mentor_id == user.pk
        and pairing.status == Pairing.Status.ACTIVE
    )


def can_edit_goal(user, goal: Goal) -> bool:
    return can_manage_goals_of(user, goal.mentee)


class SessionPermission(BasePermission):
    message = "Only the pairing's mentor can log or change its sessions."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or can_log_sessions(request.user, obj.pairing)


class ActionItemPermission(BasePermission):
    message = "Only the pairing's mentor can change this item; the mentee can mark their own done."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if view.action in ("done", "reopen"):
            return can_mark_action_item(request.user, obj)
        return can_edit_action_item(request.user, obj)


class GoalPermission(BasePermission):
    message = "Only the leader and their mentor can change this goal."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or can_edit_goal(request.user, obj)

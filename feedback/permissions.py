"""Who may do what with one nomination or subject in feedback. Object scope comes from the
selectors (404 outside it); role gates are declared on the API views."""

from people.roles import Role, has_role


def can_withdraw_nomination(user, nomination) -> bool:
    """HR withdraws any nomination; a leader only the ones they proposed themselves,
    not the raters HR added for them."""
    if has_role(user, Role.HR):
        return True
    return nomination.subject_id == user.pk and nomination.created_by_id == user.pk


def adds_raters_directly(user, subject) -> bool:
    """HR adds raters for others, approved at once; everyone else proposes, and so does
    HR for their own feedback (someone else approves who rates them)."""
    return has_role(user, Role.HR) and user.pk != subject.pk

"""Who may see and do what in programs.

Whose data: ``programs.selectors`` scopes every queryset through
``leaders_visible_to`` (out of scope → 404). What a role may do: the role gates
declared on the API views (``people.permissions.RolePermission``). What one caller
may do with one object: the functions below.
"""

from __future__ import annotations

from people.roles import Role, has_role
from programs.models import Enrollment, Module


def completion_refusal(user, enrollment: Enrollment, module: Module) -> str | None:
    """Why ``user`` may not record this completion, or None if they may."""
    if has_role(user, Role.HR):
        return None
    if enrollment.leader_id != user.pk:
        return "You can only record completions for your own enrollment."
    if module.kind not in Module.SELF_RECORDED_KINDS:
        return (
            f"{module.get_kind_display()} modules are recorded by HR; you can record "
            "e-learning and assignment modules yourself."
        )
    return None

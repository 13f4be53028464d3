"""The API's role gates: one permission class, declared with who may read and who may write.

``RolePermission.of(Role.HR)`` lets only HR in, whatever the method;
``RolePermission.of(read=AUTHENTICATED, write=Role.HR)`` lets anyone signed in read
(GET, HEAD, OPTIONS) and only HR write. Whose rows a caller sees is the selectors'
business (404 outside their scope); rules about one particular object live as small
functions in each app's permissions.py. ``people.decorators.role_required`` is the page
counterpart, driven by the same role names.
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.roles import AUTHENTICATED, Role, has_any_role

# How a refusal names the roles that would have been let in, in this order.
WHO = {
    AUTHENTICATED: "signed-in users",
    Role.HR: "HR",
    Role.MENTOR: "mentors",
    Role.LEADER: "leaders",
    Role.MANAGER: "managers",
}


def _roles(value: str | Iterable[str]) -> frozenset[str]:
    roles = frozenset([value] if isinstance(value, str) else value)
    unknown = roles - WHO.keys()
    if unknown:
        raise ValueError(
            f"Unknown role(s) {sorted(unknown)}; use people.roles.Role or AUTHENTICATED."
        )
    return roles


def _who(roles: frozenset[str]) -> str:
    names = [name for role, name in WHO.items() if role in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class RolePermission(BasePermission):
    """Reads need one of ``read_roles``, every other method one of ``write_roles``.

    Declare it with :meth:`of`; the refusal says who may (``message`` overrides that).
    """

    read_roles: frozenset[str] = frozenset()
    write_roles: frozenset[str] = frozenset()
    message: str | None = None

    @classmethod
    def of(
        cls,
        *roles: str,
        read: str | Iterable[str] = (),
        write: str | Iterable[str] = (),
        message: str | None = None,
    ) -> type[RolePermission]:
        """``roles`` may read and write; ``read`` may also read, ``write`` may also write."""
        both = _roles(roles)
        read_roles, write_roles = both | _roles(read), both | _roles(write)
        if not read_roles or not write_roles:
            raise ValueError("Name at least one role that may read and one that may write.")
        name = f"RolePermission(read={_who(read_roles)}; write={_who(write_roles)})"
        attributes = {"read_roles": read_roles, "write_roles": write_roles, "message": message}
        return type(name, (cls,), attributes)

    def has_permission(self, request, view) -> bool:
        user = request.user
        if request.method in SAFE_METHODS:
            allowed, verb = has_any_role(user, self.read_roles), "do this"
            who = self.read_roles
        else:
            allowed, who = has_any_role(user, self.write_roles), self.write_roles
            verb = "change this" if has_any_role(user, self.read_roles) else "do this"
        if not allowed and self.message is None:
            self.message = f"Only {_who(who)} can {verb}."
        return allowed

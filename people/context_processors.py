from people.navigation import nav_items
from people.roles import role_names


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    return {"nav_items": nav_items(user), "user_roles": role_names(user)}

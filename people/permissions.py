from rest_framework.permissions import BasePermission

from people.roles import Role, has_role


class HasRole(BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.role)


class IsHR(HasRole):
    role = Role.HR
    message = "Only HR can do this."


class IsMentor(HasRole):
    role = Role.MENTOR
    message = "Only mentors can do this."


class IsLeader(HasRole):
    role = Role.LEADER
    message = "Only leaders can do this."

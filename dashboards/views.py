"""Dashboard pages: rendered from the same selectors as the API; charts drawn in the browser."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dashboards.permissions import require_role, visible_leader_or_404
from people.roles import Role


def _render_leader(request, leader, *, is_self: bool):
    return render(request, "dashboards/leader.html", {"leader": leader, "is_self": is_self})


@login_required
def leader_home(request):
    require_role(request.user, Role.LEADER)
    return _render_leader(request, request.user, is_self=True)


@login_required
def leader_detail(request, leader_id: int):
    leader = visible_leader_or_404(user=request.user, leader_id=leader_id)
    return _render_leader(request, leader, is_self=leader.pk == request.user.pk)

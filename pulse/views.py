"""Team pulse pages: HR's pulses (list, schedule, results per round and leader), a
leader's *My team pulse*, and the answer page a team member opens from their email (no
sign-in). Out of scope is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from common.throttles import RaterLinkThrottle, rate_limited
from common.web import form_page, form_saved, run_service
from feedback.links import LinkError, rater_link_page
from feedback.models import MIN_ANONYMITY_THRESHOLD
from people.decorators import role_required
from people.roles import Role
from pulse import selectors, services
from pulse.forms import PulseForm
from pulse.links import invite_check_answerable, invite_for_token
from pulse.models import COMMENT_MAX_LENGTH, Pulse, PulseShare
from pulse.permissions import pulse_leaders_visible_to


@role_required(Role.HR)
def pulse_list(request):
    return render(request, "pulse/pulse_list.html", {"pulses": selectors.pulse_list()})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def pulse_edit(request, pk: int | None = None):
    """Schedule a pulse (no ``pk``) or change one."""
    pulse = get_object_or_404(selectors.pulse_list(), pk=pk) if pk else None
    form = PulseForm(request.POST or None, instance=pulse)

    def write() -> Pulse:
        if pulse is None:
            return services.pulse_create(by=request.user, **form.cleaned_data)
        return services.pulse_update(pulse=pulse, by=request.user, **form.changes())

    saved = form_saved(request, form, write, lambda saved: f"“{saved.name}” is saved.")
    if saved:
        return redirect("pulse:detail", pk=saved.pk)
    return form_page(request, "pulse/pulse_form.html", {"form": form, "pulse": pulse})


@role_required(Role.HR)
def pulse_detail(request, pk: int):
    pulse = get_object_or_404(selectors.pulse_list(), pk=pk)
    context = {
        "pulse": pulse,
        "statements": selectors.statements_of(pulse),
        "rounds": selectors.pulse_results(pulse=pulse),
        "below": selectors.BELOW_THRESHOLD,
    }
    return render(request, "pulse/pulse_detail.html", context)


def _trend_page(request, leader):
    trend = selectors.leader_trend(leader=leader)
    own = leader.pk == request.user.pk
    context = {
        "leader": leader,
        "trend": trend,
        "own": own,
        "shared": selectors.pulse_shared_with(leader=leader) if own else set(),
        "audiences": PulseShare.Audience.choices,
        "below": selectors.BELOW_THRESHOLD,
        "threshold": MIN_ANONYMITY_THRESHOLD,
    }
    return render(request, "pulse/team_pulse.html", context)


@role_required(Role.LEADER)
def mine(request):
    """My team pulse: the leader's trend over closed rounds and their team's comments."""
    return _trend_page(request, request.user)


@role_required(Role.LEADER)
@require_POST
def share(request):
    """Show (or stop showing) my team pulse to my mentor or my manager."""
    audience, shared = request.POST.get("audience", ""), request.POST.get("shared") == "1"
    who = "mentor" if audience == "mentor" else "manager"
    run_service(
        request,
        lambda: services.pulse_share_set(leader=request.user, audience=audience, shared=shared),
        f"Your {who} now sees your team pulse."
        if shared
        else f"Your {who} no longer sees your team pulse.",
    )
    return redirect("pulse:mine")


@login_required
def leader_pulse(request, leader_id: int):
    """One leader's team pulse, for whoever may see it (HR, the leader, a mentor or
    manager they shared it with); else 404."""
    leader = get_object_or_404(pulse_leaders_visible_to(request.user), pk=leader_id)
    return _trend_page(request, leader)


def _link_problem(request, error: LinkError):
    return render(
        request,
        "pulse/answer_unavailable.html",
        {"reason": error.reason, "message": error.message},
        status=error.status_code,
    )


@rater_link_page
@rate_limited(RaterLinkThrottle)
@csrf_protect
def answer(request, token: str):
    """The emailed pulse link: answer once, without an account. Answers that need fixing
    re-render the form with 200 (a 4xx would log the live link), as the 360 link does."""
    now = timezone.now()
    try:
        invite = invite_for_token(token, now=now)
        invite_check_answerable(invite, now)
    except LinkError as error:
        return _link_problem(request, error)
    statements = selectors.statements_of(invite.round.pulse)
    errors: dict = {}
    if request.method == "POST":
        values = {str(s.pk): request.POST.get(f"statement_{s.pk}", "") for s in statements}
        try:
            services.response_submit(
                invite=invite, values=values, comment=request.POST.get("comment", ""), now=now
            )
        except LinkError as error:
            return _link_problem(request, error)
        except ValidationError as error:
            errors = error.message_dict
        else:
            return render(request, "pulse/answer_done.html", {"leader": invite.leader})
    items = [
        {
            "statement": statement,
            "name": f"statement_{statement.pk}",
            "value": request.POST.get(f"statement_{statement.pk}", ""),
            "errors": errors.get(f"statement_{statement.pk}", []),
            "scale": range(0, 11) if statement.is_enps else range(1, 6),
        }
        for statement in statements
    ]
    context = {
        "invite": invite,
        "leader": invite.leader,
        "items": items,
        "errors": errors,
        "comment": request.POST.get("comment", ""),
        "comment_errors": errors.get("comment", []),
        "comment_prompt": invite.round.pulse.template.comment_prompt,
        "comment_max": COMMENT_MAX_LENGTH,
        "threshold": MIN_ANONYMITY_THRESHOLD,
    }
    return render(request, "pulse/answer.html", context)

"""Development plan pages: *Build my plan* from a released report, the plan itself (with
comments, check-ins and, once the next report is out, before → after), a focus's
change page and the check-in. Same scope as the API: a plan the caller may not see is a
404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from common.web import error_text, form_errors
from feedback.models import Cycle, RaterRequest
from feedback.selectors import report_build, report_visible_to
from mentorship.selectors import session_list
from people.decorators import role_required
from people.roles import Role
from plans import selectors, services
from plans.forms import CheckInForm, CommentForm, FocusChangeForm, FocusForm
from plans.models import MAX_FOCUSES, Focus
from plans.permissions import can_build_plan, can_change_plan, can_check_in


@role_required(Role.LEADER)
def build(request, cycle_pk: int):
    """Build my plan: the nine dimensions, leaning-most-to-management first."""
    leader = request.user
    cycle = get_object_or_404(Cycle, pk=cycle_pk, released_at__isnull=False)
    if not (
        RaterRequest.objects.filter(cycle=cycle, subject=leader).exists()
        and report_visible_to(user=leader, cycle=cycle, subject=leader)
        and can_build_plan(leader, leader)
    ):
        raise Http404
    existing = selectors.plan_for(leader=leader, cycle=cycle)
    if existing is not None:
        messages.info(request, "You built your plan for this report already; here it is.")
        return redirect("plans:detail", pk=existing.pk)
    options = selectors.plan_options(leader=leader, cycle=cycle)
    data = request.POST if request.method == "POST" else None
    rows = [
        {
            **option,
            "form": FocusForm(
                data,
                prefix=option["dimension"],
                modules=selectors.leader_modules(leader=leader).filter(
                    dimension_tags__dimension=option["dimension"]
                ),
            ),
        }
        for option in options
    ]
    problem = None
    if data is not None and all(row["form"].is_valid() for row in rows):
        chosen = [row for row in rows if row["form"].cleaned_data["chosen"]]
        try:
            plan = services.plan_create(
                leader=leader,
                cycle=cycle,
                focuses=[_focus_input(row) for row in chosen],
                by=leader,
            )
        except ValidationError as error:
            problem = _place_errors(error, chosen)
        except ApplicationError as error:
            problem = error.message
        else:
            messages.success(
                request, "Your plan is saved. Your mentor can now see it and comment on it."
            )
            return redirect("plans:detail", pk=plan.pk)
    return render(
        request,
        "plans/build.html",
        {"cycle": cycle, "rows": rows, "problem": problem, "max_focuses": MAX_FOCUSES},
        status=400 if data is not None else 200,
    )


def _focus_input(row: dict) -> services.FocusInput:
    data = row["form"].cleaned_data
    return services.FocusInput(
        dimension=row["dimension"],
        goal=data["goal"],
        measure=data["measure"],
        target_date=data["target_date"],
        modules=list(data["modules"]),
        topics=data["topics"],
        metric=data["metric"],
    )


def _place_errors(error: ValidationError, chosen: list[dict]) -> str | None:
    """The service's ``focuses.<n>.<field>`` errors onto the n-th chosen dimension's form;
    what belongs to no field is said on top."""
    on_top = []
    for key, messages_ in error.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "focuses" and int(parts[1]) < len(chosen):
            form = chosen[int(parts[1])]["form"]
            field = parts[2] if parts[2] in form.fields else None
            form.add_error(field, messages_)
        else:
            on_top += messages_
    return " ".join(on_top) or None


@login_required
def detail(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    return render(request, "plans/detail.html", _detail_context(request, plan))


def _detail_context(request, plan, comment_form=None) -> dict:
    viewer = request.user
    focuses = list(plan.focuses.all())
    sees_report = report_visible_to(user=viewer, cycle=plan.cycle, subject=plan.leader)
    balance = {}
    if sees_report:
        report = report_build(cycle=plan.cycle, subject=plan.leader, viewer=viewer)
        balance = {row["dimension"]: row["balance"] for row in report["overall"]}
    dimensions = [focus.dimension for focus in focuses]
    sessions = (
        session_list(user=viewer)
        .filter(pairing__mentee=plan.leader, dimension__in=dimensions)
        .order_by("-starts_at")
    )
    by_dimension: dict[str, list] = {}
    for session in sessions:
        by_dimension.setdefault(session.dimension, []).append(session)
    return {
        "plan": plan,
        "focuses": [
            {
                "focus": focus,
                "balance": balance.get(focus.dimension),
                "sessions": by_dimension.get(focus.dimension, []),
            }
            for focus in focuses
        ],
        "sees_report": sees_report,
        "comments": selectors.plan_comments(plan=plan),
        "comment_form": comment_form or CommentForm(plan=plan),
        "check_ins": selectors.plan_check_ins(plan=plan),
        "open_check_in": selectors.open_check_in(plan=plan) if can_check_in(viewer, plan) else None,
        "can_change": can_change_plan(viewer, plan),
        "outcome": selectors.plan_outcome(plan=plan, viewer=viewer),
    }


@login_required
@require_POST
def comment(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    form = CommentForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.comment_add(
                plan=plan,
                body=form.cleaned_data["body"],
                check_in=form.cleaned_data["check_in"],
                by=request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Comment added.")
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/detail.html", _detail_context(request, plan, form), status=400)


@login_required
def focus_change(request, pk: int):
    focus = get_object_or_404(Focus.objects.select_related("plan__leader"), pk=pk)
    plan = selectors.plan_get(user=request.user, pk=focus.plan_id)
    if plan is None:
        raise Http404
    if not can_change_plan(request.user, plan):
        raise PermissionDenied
    modules = (
        selectors.leader_modules(leader=plan.leader).filter(
            dimension_tags__dimension=focus.dimension
        )
        | focus.modules.all()
    )
    initial = {"modules": focus.modules.all(), "topics": focus.topics, "metric": focus.metric}
    form = FocusChangeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        modules=modules.distinct(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.focus_update(
                focus=focus,
                by=request.user,
                topics=form.cleaned_data["topics"],
                metric=form.cleaned_data["metric"],
                clear_metric=form.cleaned_data["metric"] is None,
                modules=list(form.cleaned_data["modules"]),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{focus.get_dimension_display()} updated.")
            return redirect("plans:detail", pk=plan.pk)
    return render(
        request,
        "plans/focus_change.html",
        {"focus": focus, "plan": plan, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def check_in(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    if not can_check_in(request.user, plan):
        raise PermissionDenied
    due = selectors.open_check_in(plan=plan)
    if due is None:
        messages.info(request, "No check-in is due now; the next one comes by email.")
        return redirect("plans:detail", pk=plan.pk)
    focuses = list(plan.focuses.all())
    form = CheckInForm(request.POST if request.method == "POST" else None, focuses=focuses)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in_submit(
                check_in=due,
                progress=form.progress(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
        except ApplicationError as error:
            messages.error(request, error_text(error))
            return redirect("plans:detail", pk=plan.pk)
        else:
            messages.success(request, "Check-in saved. Your mentor sees it on your plan.")
            return redirect("plans:detail", pk=plan.pk)
    return render(
        request,
        "plans/check_in.html",
        {"plan": plan, "check_in": due, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.LEADER)
def mine(request):
    """The leader's latest plan, or My feedback to build one."""
    plan = selectors.latest_plan(leader=request.user)
    if plan is None:
        return redirect("feedback:mine")
    return redirect("plans:detail", pk=plan.pk)

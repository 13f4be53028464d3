"""Mentorship pages: the mentor's mentees, session log and their edits, the leader's
mentoring, goals, HR's pairings and mentors. Same scope as the API: what a caller may not
see is a 404; a role that may not do it is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from common.web import REFUSALS, form_errors, form_page, form_saved, posted, run_service
from mentorship import selectors, services
from mentorship.forms import (
    ActionItemForm,
    ActionItemFormSet,
    GoalCreateForm,
    GoalForm,
    GoalProgressForm,
    MentorProfileForm,
    PairingCreateForm,
    SessionLogForm,
    SessionRescheduleForm,
)
from mentorship.matching import focus_dimensions_for, needed_competencies_for
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from mentorship.permissions import (
    can_edit_action_item,
    can_edit_goal,
    can_log_sessions,
    can_manage_goals_of,
    can_mark_action_item,
)
from people.decorators import role_required
from people.models import User
from people.roles import Role
from plans.selectors import latest_plans

# ---------------------------------------------------------------- mentor


@role_required(Role.MENTOR)
def my_mentees(request):
    user = request.user
    pairings = list(selectors.mentee_overview(mentor=user))
    mentee_ids = [pairing.mentee_id for pairing in pairings]
    plans = latest_plans(user=user, leader_ids=mentee_ids)
    open_items = _grouped(
        selectors.action_item_list(user=user)
        .filter(session__pairing__in=[pairing.pk for pairing in pairings], done_at__isnull=True)
        .order_by(F("due_on").asc(nulls_last=True), "id"),
        key=lambda item: item.session.pairing_id,
    )
    goals = _grouped(
        selectors.goal_list(user=user).filter(mentee_id__in=mentee_ids).order_by(*GOAL_ORDER),
        key=lambda goal: goal.mentee_id,
    )
    for pairing in pairings:
        pairing.plan = plans.get(pairing.mentee_id)
        pairing.listed_items = open_items.get(pairing.pk, [])
        pairing.listed_goals = goals.get(pairing.mentee_id, [])
    return render(
        request,
        "mentorship/my_mentees.html",
        {"pairings": pairings, "now": timezone.now(), "today": timezone.localdate()},
    )


# How goals are listed on My mentees and My mentoring.
GOAL_ORDER = ("status", "target_date", "id")


def _grouped(rows, *, key) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


@role_required(Role.MENTOR)
def log_session(request):
    pairings = (
        selectors.pairings_visible_to(request.user)
        .filter(mentor=request.user, status=Pairing.Status.ACTIVE)
        .select_related("mentee")
        .order_by("mentee__full_name")
    )
    initial = {}
    if request.GET.get("pairing", "").isdigit():
        initial["pairing"] = get_object_or_404(pairings, pk=int(request.GET["pairing"]))
    form = SessionLogForm(request.POST or None, pairings=pairings, initial=initial)
    items = ActionItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        data = form.cleaned_data
        action_items = [
            services.ActionItemInput(
                description=item["description"], owner=item["owner"], due_on=item["due_on"]
            )
            for item in items.cleaned_data
            if item.get("description", "").strip()
        ]
        try:
            with transaction.atomic():
                services.session_create(
                    pairing=data["pairing"],
                    by=request.user,
                    status=data["status"],
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    format=data["format"],
                    topics=data["topics"],
                    shared_notes=data["shared_notes"],
                    private_notes=data["private_notes"],
                    dimension=data["dimension"],
                    action_items=action_items,
                )
        except REFUSALS as error:
            form_errors(form, error)
        else:
            mentee = data["pairing"].mentee.full_name
            messages.success(request, f"Session with {mentee} saved.")
            return redirect("mentorship:my-mentees")
    return render(
        request,
        "mentorship/log_session.html",
        {"form": form, "items": items, "has_pairings": pairings.exists()},
    )


@role_required(Role.MENTOR)
@require_POST
def session_outcome(request, pk: int):
    """Quick verbs on a planned session from "My mentees": it was held, or it is off."""
    session = get_object_or_404(selectors.session_list(user=request.user), pk=pk)
    if not can_log_sessions(request.user, session.pairing):
        raise PermissionDenied
    outcome = request.POST.get("outcome")
    if outcome not in ("held", "cancelled"):
        messages.error(request, "Choose whether the session was held or is cancelled.")
        return redirect("mentorship:my-mentees")
    done = "marked as held" if outcome == "held" else "cancelled; both of you get a notice"
    run_service(
        request,
        lambda: services.session_update(session=session, by=request.user, status=outcome),
        f"Session with {session.pairing.mentee.full_name} {done}.",
    )
    return redirect("mentorship:my-mentees")


def _session_to_change(request, pk: int) -> MentoringSession:
    """One of the caller's mentoring sessions (404 otherwise) that they may change (403:
    only the pairing's mentor, while the pairing is active)."""
    session = get_object_or_404(selectors.session_list(user=request.user), pk=pk)
    if not can_log_sessions(request.user, session.pairing):
        raise PermissionDenied
    return session


def _not_planned(request, session: MentoringSession, verb: str):
    """The page for a session that was held or cancelled meanwhile: nothing left to do."""
    return render(
        request,
        "mentorship/session_not_planned.html",
        {"session": session, "verb": verb},
        status=409 if request.method == "POST" else 200,
    )


@role_required(Role.MENTOR)
@require_http_methods(["GET", "POST"])
def session_reschedule(request, pk: int):
    """Move a planned session or change its format; both people get the updated
    invitation when it moves (``session_update``)."""
    session = _session_to_change(request, pk)
    if session.status != MentoringSession.Status.PLANNED:
        return _not_planned(request, session, "moved")
    form = SessionRescheduleForm(posted(request), instance=session)

    def said(saved: MentoringSession) -> str:
        mentee, when = saved.pairing.mentee.full_name, saved.starts_at
        text = f"Session with {mentee} is on {when:%a %-d %b, %H:%M} UTC."
        if saved.sequence != session.sequence:
            text += " Both of you get an updated invitation."
        return text

    def write() -> MentoringSession:
        return services.session_update(session=session, by=request.user, **form.changes())

    if form_saved(request, form, write, said):
        return redirect("mentorship:my-mentees")
    return form_page(
        request, "mentorship/session_reschedule.html", {"form": form, "session": session}
    )


@role_required(Role.MENTOR)
@require_http_methods(["GET", "POST"])
def session_cancel(request, pk: int):
    """Cancel a planned session, after a confirmation; both people get a cancellation."""
    session = _session_to_change(request, pk)
    if session.status != MentoringSession.Status.PLANNED:
        return _not_planned(request, session, "cancelled")
    if request.method == "POST":
        run_service(
            request,
            lambda: services.session_cancel(session=session, by=request.user),
            f"Session with {session.pairing.mentee.full_name} on "
            f"{session.starts_at:%a %-d %b} cancelled; both of you get a cancellation.",
        )
        return redirect("mentorship:my-mentees")
    return render(request, "mentorship/session_cancel.html", {"session": session})


@role_required(Role.MENTOR)
@require_http_methods(["GET", "POST"])
def action_item_edit(request, pk: int):
    item = get_object_or_404(selectors.action_item_list(user=request.user), pk=pk)
    if not can_edit_action_item(request.user, item):
        raise PermissionDenied
    mentee = item.session.pairing.mentee
    form = ActionItemForm(posted(request), instance=item)

    def write() -> ActionItem:
        return services.action_item_update(item=item, by=request.user, **form.changes())

    if form_saved(request, form, write, lambda saved: f"Action item “{saved}” saved."):
        return redirect("mentorship:my-mentees")
    return form_page(
        request, "mentorship/action_item_form.html", {"form": form, "item": item, "mentee": mentee}
    )


# ---------------------------------------------------------------- leader


@role_required(Role.LEADER)
def my_mentoring(request):
    user = request.user
    pairings = (
        selectors.pairing_list(user=user)
        .filter(mentee=user, status=Pairing.Status.ACTIVE)
        .select_related("mentor__mentor_profile")
    )
    recent = (
        selectors.session_list(user=user)
        .filter(pairing__mentee=user, status="held")
        .order_by("-starts_at")[:5]
    )
    items = (
        selectors.action_item_list(user=user)
        .filter(session__pairing__mentee=user)
        .order_by("done_at", "due_on", "id")
    )
    goals = selectors.goal_list(user=user).filter(mentee=user).order_by(*GOAL_ORDER)
    return render(
        request,
        "mentorship/my_mentoring.html",
        {
            "pairings": pairings,
            "upcoming": selectors.upcoming_sessions(user=user),
            "recent": recent,
            "items": items,
            "goals": goals,
            "today": timezone.localdate(),
            "MENTEE": ActionItem.Owner.MENTEE,
        },
    )


@login_required
@require_POST
def action_item_done(request, pk: int):
    item = get_object_or_404(selectors.action_item_list(user=request.user), pk=pk)
    if not can_mark_action_item(request.user, item):
        raise PermissionDenied
    done = request.POST.get("done", "1") == "1"
    services.action_item_set_done(item=item, done=done, by=request.user)
    messages.success(request, "Marked done." if done else "Reopened.")
    return redirect(_back(request, "mentorship:my-mentoring"))


@login_required
@require_POST
def goal_progress(request, pk: int):
    goal = get_object_or_404(selectors.goal_list(user=request.user), pk=pk)
    if not can_edit_goal(request.user, goal):
        raise PermissionDenied
    form = GoalProgressForm(request.POST)
    if form.is_valid():
        services.goal_update(goal=goal, by=request.user, progress=form.cleaned_data["progress"])
        messages.success(request, f"Progress on “{goal.title}” saved.")
    else:
        messages.error(request, "Progress must be a whole number from 0 to 100.")
    return redirect(_back(request, "mentorship:my-mentoring"))


@role_required(Role.LEADER, Role.MENTOR)
@require_http_methods(["GET", "POST"])
def goal_create(request, pk: int):
    """A new goal for the leader ``pk``: their own, or set by their mentor with them."""
    leader = get_object_or_404(selectors.leaders_visible_to(request.user), pk=pk)
    if not can_manage_goals_of(request.user, leader):
        raise PermissionDenied
    form = GoalCreateForm(posted(request))
    # The pairing the goal is followed in: the caller's own with this leader, if active.
    pairing = (
        selectors.pairings_visible_to(request.user)
        .filter(mentee=leader, status=Pairing.Status.ACTIVE)
        .order_by("-started_on", "-pk")
        .first()
    )

    def write() -> Goal:
        return services.goal_create(
            mentee=leader, pairing=pairing, by=request.user, **form.cleaned_data
        )

    if form_saved(request, form, write, lambda saved: f"Goal “{saved.title}” added."):
        return redirect(_goals_page(request, leader))
    context = {"form": form, "leader": leader, "back": _goals_page(request, leader)}
    return form_page(request, "mentorship/goal_form.html", context)


@role_required(Role.LEADER, Role.MENTOR)
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk: int):
    goal = get_object_or_404(selectors.goal_list(user=request.user), pk=pk)
    if not can_edit_goal(request.user, goal):
        raise PermissionDenied
    form = GoalForm(posted(request), instance=goal)
    title = goal.title  # the service changes ``goal``; the page keeps its name until saved

    def write() -> Goal:
        return services.goal_update(goal=goal, by=request.user, **form.changes())

    if form_saved(request, form, write, lambda saved: f"Goal “{saved.title}” saved."):
        return redirect(_goals_page(request, goal.mentee))
    context = {
        "form": form,
        "leader": goal.mentee,
        "title": title,
        "back": _goals_page(request, goal.mentee),
    }
    return form_page(request, "mentorship/goal_form.html", context)


def _goals_page(request, leader) -> str:
    """Where the caller follows this leader's goals."""
    own = leader.pk == request.user.pk
    return reverse("mentorship:my-mentoring" if own else "mentorship:my-mentees")


def _back(request, default: str) -> str:
    """Return to the page the form was on (our own pages only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


# ---------------------------------------------------------------- HR


@role_required(Role.HR)
def pairings(request):
    status = request.GET.get("status", "active")
    rows = selectors.with_quiet(
        selectors.pairing_list(user=request.user), day=timezone.localdate()
    ).order_by("mentee__full_name")
    if status in Pairing.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "mentorship/pairings.html",
        {
            "pairings": rows,
            "status": status,
            "statuses": Pairing.Status.choices,
        },
    )


@role_required(Role.HR)
def pairing_create(request):
    leaders = selectors.leaders_visible_to(request.user).order_by("full_name")
    mentors = User.objects.filter(groups__name=Role.MENTOR, is_active=True).order_by("full_name")
    mentee = None
    mentee_id = request.POST.get("mentee") or request.GET.get("mentee") or ""
    if mentee_id:
        if not mentee_id.isdigit():
            raise Http404
        mentee = get_object_or_404(leaders, pk=int(mentee_id))
    form = PairingCreateForm(
        request.POST or None,
        mentees=leaders,
        mentors=mentors,
        initial={"mentee": mentee} if mentee else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["mentor"]:
            form.add_error("mentor", "Choose a mentor.")
        else:
            try:
                pairing = services.pairing_create(
                    mentor=data["mentor"],
                    mentee=data["mentee"],
                    started_on=data["started_on"],
                    objectives=data["objectives"],
                    by=request.user,
                )
            except REFUSALS as error:
                form_errors(form, error)
            else:
                messages.success(
                    request, f"Paired {pairing.mentor.full_name} with {pairing.mentee.full_name}."
                )
                return redirect("mentorship:pairings")
    suggestions, needed = [], []
    if mentee is not None:
        needed = needed_competencies_for(mentee)
        focus = focus_dimensions_for(mentee)
        suggestions = selectors.mentor_suggestions(mentee=mentee, needed=needed, focus=focus)
    return render(
        request,
        "mentorship/pairing_create.html",
        {"form": form, "mentee": mentee, "suggestions": suggestions, "needed": needed},
    )


@role_required(Role.HR)
@require_POST
def pairing_end(request, pk: int):
    pairing = get_object_or_404(selectors.pairings_visible_to(request.user), pk=pk)
    run_service(
        request,
        lambda: services.pairing_end(pairing=pairing, by=request.user),
        f"Ended the pairing {pairing}.",
    )
    return redirect("mentorship:pairings")


@role_required(Role.HR)
def mentors(request):
    default_capacity = MentorProfile._meta.get_field("capacity").default
    context = {"mentors": selectors.mentor_list(), "default_capacity": default_capacity}
    return render(request, "mentorship/mentors.html", context)


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def mentor_edit(request, pk: int):
    """A mentor's capacity, availability and expertise (``pk``: the mentor's user id)."""
    mentor = get_object_or_404(selectors.mentor_list(), pk=pk)
    profile = getattr(mentor, "mentor_profile", None)
    form = MentorProfileForm(posted(request), instance=profile or MentorProfile(user=mentor))

    def write() -> MentorProfile:
        # A mentor never paired has no profile yet: made with the settings, or not at all.
        with transaction.atomic():
            saved = profile or services.mentor_profile_for(mentor, by=request.user)
            return services.mentor_profile_update(profile=saved, by=request.user, **form.changes())

    if form_saved(request, form, write, lambda saved: f"{mentor.full_name}'s settings saved."):
        return redirect("mentorship:mentors")
    return form_page(request, "mentorship/mentor_form.html", {"form": form, "mentor": mentor})

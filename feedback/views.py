"""Feedback pages: the rater's answer page (no login), HR's cycles and questionnaires, the
leader's feedback.

Same scope and rules as the API: what a caller may not see is a 404.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import ApplicationError
from common.throttles import RaterLinkThrottle, rate_limited
from common.web import REFUSALS, error_text, form_errors, posted, run_service
from feedback import selectors, services
from feedback.forms import (
    CycleForm,
    CycleRemindersForm,
    ExtendForm,
    HRNominationForm,
    NominationForm,
    QuestionForm,
    QuestionnaireCopyForm,
)
from feedback.links import (
    LinkError,
    local_due,
    rater_link_page,
    request_check_answerable,
    request_for_token,
)
from feedback.models import Cycle, Nomination, Question, Questionnaire, RaterRequest
from feedback.permissions import adds_raters_directly, can_withdraw_nomination
from feedback.scheduling import local_to_utc
from people.decorators import role_required
from people.models import User
from people.roles import Role, has_role
from plans.selectors import plan_for


def _rater_form_data(post, questions) -> dict:
    """The answer page's fields → the service's answers mapping."""
    answers = {}
    for question in questions:
        if question.kind == Question.Kind.COMMENT:
            answers[question.pk] = {"text": post.get(f"q{question.pk}", "")}
            continue
        value = post.get(f"q{question.pk}", "")
        answers[question.pk] = {"cant_say": value == "cant_say", "rating": value or None}
    return answers


def _link_problem(request, error: LinkError):
    return render(
        request,
        "feedback/respond_unavailable.html",
        {"reason": error.reason, "message": error.message},
        status=error.status_code,
    )


@rater_link_page
@rate_limited(RaterLinkThrottle)
@csrf_protect
def respond(request, token: str):
    """The emailed rater link: answer, or decline. Works without an account.

    Answers that need fixing re-render the form with 200: a 4xx would put the live link
    into the server's "Bad Request" log line."""
    try:
        rater_request = request_for_token(token, now=timezone.now())
        request_check_answerable(rater_request, timezone.now())
    except LinkError as error:
        return _link_problem(request, error)
    questions = list(rater_request.cycle.questionnaire.questions.all())
    errors: dict = {}
    typed = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                services.request_decline(request=rater_request)
                return render(request, "feedback/respond_done.html", {"declined": True})
            services.response_submit(
                request=rater_request, answers=_rater_form_data(request.POST, questions)
            )
            return render(request, "feedback/respond_done.html", {"declined": False})
        except LinkError as error:
            return _link_problem(request, error)
        except ValidationError as error:
            errors = error.message_dict
            typed = {key: value for key, value in request.POST.items() if key.startswith("q")}
    items = [
        {
            "question": question,
            "name": f"q{question.pk}",
            "value": typed.get(f"q{question.pk}", ""),
            "errors": errors.get(f"question_{question.pk}", []),
        }
        for question in questions
    ]
    return render(
        request,
        "feedback/respond.html",
        {
            "rater_request": rater_request,
            "subject": rater_request.subject,
            "is_self": rater_request.group == "self",
            "is_manager": rater_request.group == "manager",
            "items": items,
            "due": local_due(rater_request),
            "errors": errors,
            "scale": [1, 2, 3, 4, 5],
        },
    )


# ---------------------------------------------------------------- shared


def _scoped_cycle(user, pk: int) -> Cycle:
    return get_object_or_404(selectors.cycle_list(user=user), pk=pk)


# ---------------------------------------------------------------- HR


@role_required(Role.HR)
def cycle_list(request):
    cycles = selectors.cycle_list(user=request.user).annotate(
        asked=Count("requests", distinct=True),
        answered=Count("requests", filter=Q(requests__status="completed"), distinct=True),
        proposals=Count(
            "nominations",
            filter=Q(nominations__status=Nomination.Status.PROPOSED),
            distinct=True,
        ),
    )
    return render(request, "feedback/cycle_list.html", {"cycles": cycles})


@role_required(Role.HR)
def cycle_create(request):
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = zoneinfo.ZoneInfo(data["cohort"].time_zone)
        try:
            cycle = services.cycle_create(
                cohort=data["cohort"],
                questionnaire=data["questionnaire"],
                name=data["name"],
                opens_at=local_to_utc(data["opens_at"].replace(tzinfo=None), tz),
                due_at=local_to_utc(data["due_at"].replace(tzinfo=None), tz),
                reminder_every_days=data["reminder_every_days"],
                min_raters={
                    "peer": data["min_peers"],
                    "direct_report": data["min_direct_reports"],
                },
                anonymity_threshold=data["anonymity_threshold"],
                recurrence_days=data["recurrence_days"],
                by=request.user,
            )
        except REFUSALS as error:
            form_errors(form, error)
        else:
            messages.success(request, "Draft saved. Check the preview, then schedule it.")
            return redirect("feedback:cycle-detail", pk=cycle.pk)
    return render(
        request, "feedback/cycle_form.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(Role.HR)
def cycle_detail(request, pk: int):
    cycle = _scoped_cycle(request.user, pk)
    context = {
        "cycle": cycle,
        "extend_form": ExtendForm(),
        "editable": cycle.status in services.CYCLE_EDITABLE_STATUSES,
    }
    if cycle.status in (Cycle.Status.DRAFT, Cycle.Status.SCHEDULED):
        context["preview"] = selectors.cycle_preview(cycle=cycle)
        context["proposals"] = selectors.proposals_awaiting(cycle=cycle)
        context["nominations"] = (
            cycle.nominations.exclude(status=Nomination.Status.PROPOSED)
            .select_related("subject", "rater")
            .order_by("subject__full_name", "full_name", "pk")
        )
        context["nomination_form"] = HRNominationForm(
            subjects=selectors.cycle_subjects(cycle=cycle).order_by("full_name")
        )
    else:
        context["progress"] = selectors.cycle_progress(cycle=cycle)
        context["attention"] = (
            selectors.request_list(user=request.user)
            .filter(cycle=cycle, status__in=["pending", "sent", "failed"])
            .order_by("subject__full_name", "group", "rater__full_name")
        )
    return render(request, "feedback/cycle_detail.html", context)


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cycle_reminders(request, pk: int):
    """Change how often raters who have not answered are reminded, until the cycle opens."""
    cycle = _scoped_cycle(request.user, pk)
    if cycle.status not in services.CYCLE_EDITABLE_STATUSES:
        messages.error(
            request,
            f"This cycle is {cycle.get_status_display().lower()}: its reminders can no "
            "longer change (they are part of what raters were told).",
        )
        return redirect("feedback:cycle-detail", pk=cycle.pk)
    form = CycleRemindersForm(
        posted(request), initial={"reminder_every_days": cycle.reminder_every_days}
    )
    if request.method == "POST" and form.is_valid():
        every = form.cleaned_data["reminder_every_days"]
        try:
            services.cycle_update(cycle=cycle, by=request.user, reminder_every_days=every)
        except REFUSALS as error:
            form_errors(form, error)
        else:
            said = f"every {every} day(s)" if every else "only the day before the deadline"
            messages.success(request, f"Reminders saved: {said}.")
            return redirect("feedback:cycle-detail", pk=cycle.pk)
    return render(
        request,
        "feedback/cycle_reminders.html",
        {"cycle": cycle, "form": form},
        status=400 if form.errors else 200,
    )


CYCLE_VERBS = {
    "schedule": (services.cycle_schedule, "Scheduled: it opens automatically."),
    "cancel": (services.cycle_cancel, "Cancelled: nothing more is sent."),
    "release": (services.cycle_release, "Results released to the leaders."),
}


@require_POST
@role_required(Role.HR)
def cycle_action(request, pk: int, verb: str):
    cycle = _scoped_cycle(request.user, pk)
    if verb not in CYCLE_VERBS:
        raise Http404
    service, success = CYCLE_VERBS[verb]
    run_service(request, lambda: service(cycle=cycle, by=request.user), success)
    return redirect("feedback:cycle-detail", pk=cycle.pk)


@require_POST
@role_required(Role.HR)
def hr_nominate(request, pk: int):
    cycle = _scoped_cycle(request.user, pk)
    form = HRNominationForm(request.POST, subjects=selectors.cycle_subjects(cycle=cycle))
    if not form.is_valid():
        messages.error(request, "Choose a leader and give the rater's name and email.")
        return redirect("feedback:cycle-detail", pk=cycle.pk)
    data = form.cleaned_data
    add = (
        services.nomination_create
        if adds_raters_directly(request.user, data["subject"])
        else services.nomination_propose
    )
    run_service(
        request,
        lambda: add(
            cycle=cycle,
            subject=data["subject"],
            by=request.user,
            group=data["group"],
            email=data["email"],
            full_name=data["full_name"],
        ),
        f"{data['full_name']} will be asked about {data['subject'].full_name}.",
    )
    return redirect("feedback:cycle-detail", pk=cycle.pk)


DECISIONS = {
    "approve": (True, "Approved: they will be asked when the cycle opens."),
    "reject": (False, "Not approved: they will not be asked."),
}


@require_POST
@role_required(Role.HR)
def decide_proposals(request, pk: int):
    """Approve or reject the proposals ticked on the cycle page, all or none."""
    cycle = _scoped_cycle(request.user, pk)
    decision = DECISIONS.get(request.POST.get("decision", ""))
    if decision is None:
        messages.error(request, "Choose to approve or to reject the ticked proposals.")
        return redirect("feedback:cycle-detail", pk=cycle.pk)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    nominations = list(selectors.nomination_list(user=request.user).filter(cycle=cycle, pk__in=ids))
    if not nominations:
        messages.error(request, "Tick the proposals to decide on first.")
        return redirect("feedback:cycle-detail", pk=cycle.pk)
    approve, success = decision
    run_service(
        request,
        lambda: services.nominations_decide(
            nominations=nominations, by=request.user, approve=approve
        ),
        f"{len(nominations)} proposal(s): {success}",
    )
    return redirect("feedback:cycle-detail", pk=cycle.pk)


@require_POST
@role_required(Role.HR)
def request_action(request, pk: int, verb: str):
    rater_request = get_object_or_404(selectors.request_list(user=request.user), pk=pk)
    if verb == "nudge":
        run_service(
            request,
            lambda: services.request_nudge(request=rater_request, by=request.user),
            "Nudge sent.",
        )
    elif verb == "retry":
        run_service(
            request,
            lambda: services.request_retry(request=rater_request, by=request.user),
            "Sending again.",
        )
    elif verb == "extend":
        form = ExtendForm(request.POST)
        if form.is_valid():
            due = local_to_utc(
                form.cleaned_data["due_at"].replace(tzinfo=None), rater_request.cycle.tz
            )
            run_service(
                request,
                lambda: services.request_extend(request=rater_request, due_at=due, by=request.user),
                "Deadline extended.",
            )
        else:
            messages.error(request, "Give the new deadline as a date and time.")
    else:
        raise Http404
    return redirect("feedback:cycle-detail", pk=rater_request.cycle_id)


# ---------------------------------------------------------------- HR: questionnaires


@role_required(Role.HR)
def questionnaire_list(request):
    questionnaires = selectors.questionnaire_list()
    return render(request, "feedback/questionnaire_list.html", {"questionnaires": questionnaires})


def _questionnaire_page(request, questionnaire: Questionnaire, **forms):
    """The questionnaire's questions, with the copy form and, while it is not frozen, the
    form that adds a question (bound and showing errors when passed in ``forms``)."""
    context = {
        "questionnaire": questionnaire,
        "questions": questionnaire.questions.select_related("competency"),
        "copy_form": forms.get("copy_form") or QuestionnaireCopyForm(),
        "question_form": forms.get("question_form")
        or QuestionForm(initial={"kind": Question.Kind.RATING}),
    }
    refused = any(form.errors for form in forms.values())
    return render(
        request, "feedback/questionnaire_detail.html", context, status=400 if refused else 200
    )


@role_required(Role.HR)
def questionnaire_detail(request, pk: int):
    return _questionnaire_page(request, get_object_or_404(Questionnaire, pk=pk))


@require_POST
@role_required(Role.HR)
def questionnaire_copy(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    form = QuestionnaireCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = services.questionnaire_copy(
                questionnaire=questionnaire, by=request.user, name=form.cleaned_data["name"]
            )
        except REFUSALS as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Copied as “{copy.name}”: edit its questions.")
            return redirect("feedback:questionnaire-detail", pk=copy.pk)
    return _questionnaire_page(request, questionnaire, copy_form=form)


@require_POST
@role_required(Role.HR)
def question_add(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_create(
                questionnaire=questionnaire, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:  # frozen meanwhile: nothing to correct on the form
            messages.error(request, error_text(error))
            return redirect("feedback:questionnaire-detail", pk=questionnaire.pk)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Question added at the end.")
            return redirect("feedback:questionnaire-detail", pk=questionnaire.pk)
    return _questionnaire_page(request, questionnaire, question_form=form)


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("questionnaire"), pk=pk)
    questionnaire = question.questionnaire
    try:
        services.questionnaire_ensure_editable(questionnaire=questionnaire)
    except ApplicationError as error:
        messages.error(request, error_text(error))
        return redirect("feedback:questionnaire-detail", pk=questionnaire.pk)
    form = QuestionForm(posted(request), instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, by=request.user, **form.changes())
        except ApplicationError as error:  # frozen since the page was opened
            messages.error(request, error_text(error))
            return redirect("feedback:questionnaire-detail", pk=questionnaire.pk)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Question {question.position} saved.")
            return redirect("feedback:questionnaire-detail", pk=questionnaire.pk)
    return render(
        request,
        "feedback/question_form.html",
        {"questionnaire": questionnaire, "question": question, "form": form},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- leader


@role_required(Role.LEADER)
def my_feedback(request):
    now = timezone.now()
    cycles = []
    for cycle in (
        selectors.cycle_list(user=request.user)
        .filter(cohort__enrollments__leader=request.user)
        .exclude(status=Cycle.Status.CANCELLED)
        .distinct()
        .order_by("-opens_at")
    ):
        nominations_open = (
            cycle.status in (Cycle.Status.DRAFT, Cycle.Status.SCHEDULED) and cycle.opens_at > now
        )
        cycles.append(
            {
                "cycle": cycle,
                "nominations_open": nominations_open,
                "nominations": selectors.nomination_list(user=request.user)
                .filter(cycle=cycle, subject=request.user)
                .order_by("created_at", "pk"),
                "colleagues": selectors.nomination_colleagues(
                    cycle=cycle, subject=request.user
                ).exclude(
                    pk__in=Nomination.objects.filter(
                        cycle=cycle,
                        subject=request.user,
                        status__in=Nomination.ACTIVE_STATUSES,
                        rater__isnull=False,
                    ).values("rater_id")
                )
                if nominations_open
                else [],
                "counts": selectors.subject_request_counts(cycle=cycle, subject=request.user),
                "shared": selectors.report_shared_with_mentor(cycle=cycle, subject=request.user),
                "shared_manager": selectors.report_shared_with_manager(
                    cycle=cycle, subject=request.user
                ),
                "plan": plan_for(leader=request.user, cycle=cycle) if cycle.released_at else None,
                "min_peers": (cycle.min_raters or {}).get("peer", 0),
                "opens_local": cycle.opens_at.astimezone(cycle.tz),
            }
        )
    return render(
        request, "feedback/my_feedback.html", {"cycles": cycles, "form": NominationForm()}
    )


@require_POST
@role_required(Role.LEADER)
def nominate(request, pk: int):
    """A leader proposes a peer: a colleague from the list, or a name and an address."""
    cycle = _scoped_cycle(request.user, pk)
    fields = {"cycle": cycle, "subject": request.user, "by": request.user}
    if request.POST.get("rater"):
        colleagues = selectors.nomination_colleagues(cycle=cycle, subject=request.user)
        rater = colleagues.filter(pk=_as_int(request.POST["rater"])).first()
        if rater is None:
            messages.error(request, "Choose one of your colleagues.")
            return redirect("feedback:mine")
        fields["rater"], name = rater, rater.full_name
    else:
        form = NominationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give the peer's name and a valid email address.")
            return redirect("feedback:mine")
        fields.update(form.cleaned_data)
        name = form.cleaned_data["full_name"]
    run_service(
        request,
        lambda: services.nomination_propose(**fields),
        f"Proposed {name}: HR approves proposals before the cycle opens.",
    )
    return redirect("feedback:mine")


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@login_required
def unnominate(request, pk: int):
    """A leader withdraws their own proposal; HR withdraws any (before the cycle opens).
    The nomination is kept, marked withdrawn."""
    nomination = get_object_or_404(selectors.nomination_list(user=request.user), pk=pk)
    if not can_withdraw_nomination(request.user, nomination):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.nomination_withdraw(nomination=nomination, by=request.user),
        "Withdrawn.",
    )
    if has_role(request.user, Role.HR):
        return redirect("feedback:cycle-detail", pk=nomination.cycle_id)
    return redirect("feedback:mine")


@require_POST
@role_required(Role.LEADER)
def share(request, pk: int):
    cycle = _scoped_cycle(request.user, pk)
    if not RaterRequest.objects.filter(cycle=cycle, subject=request.user).exists():
        raise Http404
    shared = request.POST.get("shared") == "1"
    audience = "manager" if request.POST.get("audience") == "manager" else "mentor"
    run_service(
        request,
        lambda: services.report_share_set(
            cycle=cycle, subject=request.user, shared=shared, audience=audience
        ),
        f"Shared with your {audience}."
        if shared
        else f"Your {audience} no longer sees this report.",
    )
    return redirect("feedback:mine")


# ---------------------------------------------------------------- report


@login_required
def report(request, pk: int, subject_id: int):
    cycle = _scoped_cycle(request.user, pk)
    subject = get_object_or_404(User, pk=subject_id)
    if not RaterRequest.objects.filter(cycle=cycle, subject=subject).exists():
        raise Http404
    if not selectors.report_visible_to(user=request.user, cycle=cycle, subject=subject):
        raise Http404
    if cycle.released_at is None:
        return render(
            request,
            "feedback/report_pending.html",
            {"cycle": cycle, "subject": subject},
            status=409,
        )
    data = selectors.report_build(cycle=cycle, subject=subject, viewer=request.user)
    services.report_view_record(report=data, subject=subject, viewer=request.user)
    previous = {row["dimension"]: row for row in (data["previous"] or {}).get("overall", [])}
    for row in data["overall"]:
        earlier = previous.get(row["dimension"])
        row["previous_balance"] = earlier["balance"] if earlier else None
        row["bar"] = _balance_bar(row["balance"])
    return render(
        request, "feedback/report.html", {"report": data, "cycle": cycle, "subject": subject}
    )


def _balance_bar(balance) -> dict | None:
    """Where to draw a balance on a -4..+4 bar, as CSS percentages from the centre."""
    if balance is None:
        return None
    share = float(balance) / 4 * 50
    return {"left": 50 + min(share, 0), "width": abs(share)}

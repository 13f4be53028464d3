"""Pages: HR's catalogue (competencies, programs, modules), cohorts (list, detail, edit,
sessions, enroll, CSV import) and enrollments (status, completions, attendance), and the
leader's "my program". Every write is one service call; out of scope is a 404."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import ApplicationError
from common.web import CsvImport, form_page, form_saved, run_service
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from people.decorators import role_required
from people.roles import Role
from programs import selectors, services
from programs.forms import (
    CohortForm,
    CohortSessionForm,
    CompetencyForm,
    EnrollForm,
    ImportUploadForm,
    ModuleCompletionForm,
    ModuleForm,
    ProgramForm,
)
from programs.models import (
    Cohort,
    CohortSession,
    Competency,
    Enrollment,
    Module,
    ModuleCompletion,
    Program,
)
from programs.permissions import completion_refusal

IMPORT_SESSION_KEY = "programs_import_upload"


def _cohort_for(request, pk: int):
    return get_object_or_404(selectors.cohort_list(cohorts=cohorts_visible_to(request.user)), pk=pk)


@role_required(Role.HR)
def cohort_list(request):
    cohorts = selectors.cohort_list(cohorts=cohorts_visible_to(request.user))
    return render(request, "programs/cohort_list.html", {"cohorts": cohorts})


@role_required(Role.HR)
def cohort_detail(request, pk: int):
    cohort = _cohort_for(request, pk)
    context = {
        "cohort": cohort,
        "enrollments": selectors.cohort_enrollments(cohort=cohort),
        "sessions": cohort.sessions.select_related("module"),
    }
    return render(request, "programs/cohort_detail.html", context)


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cohort_enroll(request, pk: int):
    cohort = _cohort_for(request, pk)
    form = EnrollForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        leader = form.cleaned_data["leader"]
        try:
            services.enrollment_create(cohort=cohort, leader=leader, by=request.user)
        except ApplicationError as exc:
            form.add_error("leader", exc.message)
        else:
            messages.success(request, f"{leader.full_name or leader.email} is enrolled.")
            return redirect("programs:cohort-detail", pk=cohort.pk)
    return render(request, "programs/cohort_enroll.html", {"cohort": cohort, "form": form})


def _imported(report, file_name: str) -> str:
    counts = report.as_dict()["counts"]
    return (
        f"Imported: {counts['enrolled']} enrolled "
        f"({counts['created_users']} new to Lodestar), {counts['unchanged']} unchanged."
    )


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cohort_import(request, pk: int):
    """Upload → dry-run preview → confirm (common.web.CsvImport)."""
    cohort = _cohort_for(request, pk)
    return CsvImport(
        request=request,
        form_class=ImportUploadForm,
        template="programs/cohort_import.html",
        context={"cohort": cohort},
        session_key=IMPORT_SESSION_KEY,
        scope=cohort.pk,
        run=lambda file, dry_run: services.enrollment_import(
            cohort=cohort, file=file, dry_run=dry_run, by=request.user
        ),
        done_message=_imported,
        done_url=reverse("programs:cohort-detail", args=[cohort.pk]),
    ).response()


@role_required(Role.LEADER)
@require_http_methods(["POST"])
def my_module_done(request, enrollment_pk: int, module_pk: int):
    """A leader marks one of their own e-learning or assignment modules as done."""
    enrollment = get_object_or_404(Enrollment, pk=enrollment_pk, leader=request.user)
    module = get_object_or_404(Module, pk=module_pk, program_id=enrollment.program_id)
    refusal = completion_refusal(request.user, enrollment, module)
    if refusal:
        raise PermissionDenied(refusal)
    run_service(
        request,
        lambda: services.module_completion_record(
            enrollment=enrollment, module=module, by=request.user
        ),
        f"“{module.title}” is marked as done.",
    )
    return redirect("programs:my-program")


@role_required(Role.LEADER)
def my_program(request):
    programs = selectors.my_programs(leader=request.user)
    return render(request, "programs/my_program.html", {"programs": programs})


# --- HR: the catalogue (competencies, programs and their modules) ---------------------


def _program_for(pk: int) -> Program:
    return get_object_or_404(selectors.program_list(), pk=pk)


@role_required(Role.HR)
def program_list(request):
    return render(request, "programs/program_list.html", {"programs": selectors.program_list()})


@role_required(Role.HR)
def program_detail(request, pk: int):
    program = _program_for(pk)
    context = {
        "program": program,
        "modules": selectors.program_modules(program_id=program.pk),
        "cohorts": selectors.cohort_list(cohorts=cohorts_visible_to(request.user)).filter(
            program=program
        ),
    }
    return render(request, "programs/program_detail.html", context)


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def program_edit(request, pk: int | None = None):
    """Create a program (no ``pk``) or edit one."""
    program = _program_for(pk) if pk else None
    form = ProgramForm(request.POST or None, instance=program)

    def write() -> Program:
        if program is None:
            return services.program_create(by=request.user, **form.cleaned_data)
        return services.program_update(program=program, by=request.user, **form.cleaned_data)

    saved = form_saved(request, form, write, lambda saved: f"“{saved.name}” is saved.")
    if saved:
        return redirect("programs:program-detail", pk=saved.pk)
    return form_page(request, "programs/program_form.html", {"form": form, "program": program})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def module_edit(request, program_pk: int, pk: int | None = None):
    """Add a module to a program (no ``pk``) or edit one of its modules."""
    program = _program_for(program_pk)
    module = get_object_or_404(selectors.module_list(), program=program, pk=pk) if pk else None
    form = ModuleForm(request.POST or None, instance=module)

    def write() -> Module:
        if module is None:
            return services.module_create(program=program, by=request.user, **form.cleaned_data)
        return services.module_update(module=module, by=request.user, **form.cleaned_data)

    if form_saved(request, form, write, lambda saved: f"Module “{saved.title}” is saved."):
        return redirect("programs:program-detail", pk=program.pk)
    context = {"form": form, "program": program, "module": module}
    return form_page(request, "programs/module_form.html", context)


@role_required(Role.HR)
def competency_list(request):
    competencies = selectors.competency_list()
    return render(request, "programs/competency_list.html", {"competencies": competencies})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def competency_edit(request, pk: int | None = None):
    """Create a competency (no ``pk``) or edit one."""
    competency = get_object_or_404(selectors.competency_list(), pk=pk) if pk else None
    form = CompetencyForm(request.POST or None, instance=competency)

    def write() -> Competency:
        if competency is None:
            return services.competency_create(by=request.user, **form.cleaned_data)
        return services.competency_update(
            competency=competency, by=request.user, **form.cleaned_data
        )

    if form_saved(request, form, write, lambda saved: f"“{saved.name}” is saved."):
        return redirect("programs:competency-list")
    context = {"form": form, "competency": competency}
    return form_page(request, "programs/competency_form.html", context)


# --- HR: cohorts and their sessions ---------------------------------------------------


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cohort_edit(request, pk: int | None = None):
    """Open a cohort (no ``pk``; ``?program=`` preselects its program) or edit one."""
    cohort = _cohort_for(request, pk) if pk else None
    initial = {}
    if cohort is None and request.GET.get("program", "").isdigit():
        initial["program"] = _program_for(int(request.GET["program"]))
    form = CohortForm(request.POST or None, instance=cohort, initial=initial)

    def write() -> Cohort:
        if cohort is None:
            return services.cohort_create(by=request.user, **form.cleaned_data)
        return services.cohort_update(cohort=cohort, by=request.user, **form.cleaned_data)

    saved = form_saved(request, form, write, lambda saved: f"“{saved.name}” is saved.")
    if saved:
        return redirect("programs:cohort-detail", pk=saved.pk)
    return form_page(request, "programs/cohort_form.html", {"form": form, "cohort": cohort})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cohort_session_edit(request, cohort_pk: int, pk: int | None = None):
    """Schedule a session of a cohort (no ``pk``) or edit one; times on the cohort's clock."""
    cohort = _cohort_for(request, cohort_pk)
    session = get_object_or_404(cohort.sessions, pk=pk) if pk else None
    with timezone.override(zoneinfo.ZoneInfo(cohort.time_zone)):
        form = CohortSessionForm(request.POST or None, instance=session, cohort=cohort)

        def write() -> CohortSession:
            data = form.cleaned_data
            if session is None:
                return services.cohort_session_create(cohort=cohort, by=request.user, **data)
            return services.cohort_session_update(session=session, by=request.user, **data)

        if form_saved(request, form, write, lambda saved: f"Session “{saved.title}” is saved."):
            return redirect("programs:cohort-detail", pk=cohort.pk)
        context = {"form": form, "cohort": cohort, "session": session}
        return form_page(request, "programs/cohort_session_form.html", context)


# --- HR: one enrollment (status, module completions, attendance) ---------------------


def _enrollment_for(request, pk: int) -> Enrollment:
    enrollments = selectors.enrollment_list(leaders=leaders_visible_to(request.user))
    return get_object_or_404(enrollments.select_related("cohort__program"), pk=pk)


# The status moves a single click may make; withdrawing asks first (enrollment_withdraw).
ENROLLMENT_VERBS = {
    "activate": (services.enrollment_activate, "is active"),
    "complete": (services.enrollment_complete, "has completed the program"),
}


@role_required(Role.HR)
@require_POST
def enrollment_action(request, pk: int, verb: str):
    enrollment = _enrollment_for(request, pk)
    if verb not in ENROLLMENT_VERBS:
        raise Http404
    service, done = ENROLLMENT_VERBS[verb]
    run_service(
        request,
        lambda: service(enrollment=enrollment, by=request.user),
        f"{_name(enrollment.leader)} {done}.",
    )
    return redirect(_back(request, enrollment))


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def enrollment_withdraw(request, pk: int):
    """Ask first (GET), then withdraw (POST): the seat is given back for good."""
    enrollment = _enrollment_for(request, pk)
    if request.method == "POST":
        run_service(
            request,
            lambda: services.enrollment_withdraw(enrollment=enrollment, by=request.user),
            f"{_name(enrollment.leader)} is withdrawn from {enrollment.cohort.name}.",
        )
        return redirect("programs:cohort-detail", pk=enrollment.cohort_id)
    return render(request, "programs/enrollment_withdraw.html", {"enrollment": enrollment})


def _name(user) -> str:
    return user.full_name or user.email


def _back(request, enrollment: Enrollment) -> str:
    """Back to the enrollment's page when the action was taken there, else the cohort."""
    if request.POST.get("next") == "enrollment":
        return reverse("programs:enrollment-detail", args=[enrollment.pk])
    return reverse("programs:cohort-detail", args=[enrollment.cohort_id])


def _completion_form(module: Module, data=None, *, cohort: Cohort | None = None):
    """The "mark as done" form of one module (its own prefix: one form per row). Unbound,
    it proposes the latest day the service accepts: today, or the cohort's last day."""
    initial = {}
    if cohort is not None:
        latest = min(timezone.localdate(), cohort.ends_on)
        initial["completed_on"] = max(latest, cohort.starts_on)
    return ModuleCompletionForm(data, initial=initial, prefix=f"m{module.pk}")


def _enrollment_page(request, enrollment: Enrollment, refused=None):
    """The enrollment's modules (done or not) and sessions (attended or not); ``refused``,
    a module's bound "mark as done" form whose errors are shown in its row."""
    completions = {c.module_id: c for c in enrollment.completions.select_related("recorded_by")}
    cohort = enrollment.cohort
    modules = [
        {
            "module": module,
            "completion": completions.get(module.pk),
            "form": refused
            if refused is not None and refused.prefix == f"m{module.pk}"
            else _completion_form(module, cohort=cohort),
        }
        for module in selectors.program_modules(program_id=enrollment.program_id)
    ]
    attended = set(enrollment.attendance.values_list("session_id", flat=True))
    sessions = [
        {"session": session, "attended": session.pk in attended}
        for session in cohort.sessions.select_related("module")
    ]
    context = {
        "enrollment": enrollment,
        "modules": modules,
        "sessions": sessions,
        "is_open": enrollment.status in Enrollment.OPEN_STATUSES,
    }
    status = 400 if refused is not None else 200
    return render(request, "programs/enrollment_detail.html", context, status=status)


@role_required(Role.HR)
def enrollment_detail(request, pk: int):
    return _enrollment_page(request, _enrollment_for(request, pk))


@role_required(Role.HR)
@require_POST
def enrollment_module_done(request, pk: int, module_pk: int):
    """HR records a module as done for the leader, on a date and with an optional score."""
    enrollment = _enrollment_for(request, pk)
    module = get_object_or_404(Module, pk=module_pk, program_id=enrollment.program_id)
    form = _completion_form(module, request.POST)

    def write() -> ModuleCompletion:
        return services.module_completion_record(
            enrollment=enrollment, module=module, by=request.user, **form.cleaned_data
        )

    if form_saved(request, form, write, lambda _: f"“{module.title}” is marked as done."):
        return redirect("programs:enrollment-detail", pk=enrollment.pk)
    return _enrollment_page(request, enrollment, refused=form)


@role_required(Role.HR)
@require_POST
def enrollment_module_undone(request, pk: int, module_pk: int):
    enrollment = _enrollment_for(request, pk)
    completion = get_object_or_404(enrollment.completions, module_id=module_pk)
    run_service(
        request,
        lambda: services.module_completion_delete(completion=completion, by=request.user),
        f"“{completion.module.title}” is no longer marked as done.",
    )
    return redirect("programs:enrollment-detail", pk=enrollment.pk)


@role_required(Role.HR)
@require_POST
def enrollment_session_attendance(request, pk: int, session_pk: int):
    """Mark the leader as present at a session of their cohort (``attended=1``) or not."""
    enrollment = _enrollment_for(request, pk)
    session = get_object_or_404(enrollment.cohort.sessions, pk=session_pk)
    if request.POST.get("attended") == "1":
        run_service(
            request,
            lambda: services.session_attendance_record(
                enrollment=enrollment, session=session, by=request.user
            ),
            f"{_name(enrollment.leader)} attended “{session.title}”.",
        )
    else:
        attendance = enrollment.attendance.filter(session=session).first()
        if attendance is not None:
            run_service(
                request,
                lambda: services.session_attendance_delete(attendance=attendance, by=request.user),
                f"{_name(enrollment.leader)} is no longer marked present at “{session.title}”.",
            )
    return redirect("programs:enrollment-detail", pk=enrollment.pk)

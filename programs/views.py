"""Pages: HR's cohorts (list, detail, enroll, CSV import) and the leader's "my program"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.errors import ApplicationError
from common.web import CsvImport, run_service
from mentorship.selectors import cohorts_visible_to
from people.decorators import role_required
from people.roles import Role
from programs import selectors, services
from programs.forms import EnrollForm, ImportUploadForm
from programs.models import Enrollment, Module
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

"""Pages: HR's cohorts (list, detail, enroll, CSV import) and the leader's "my program"."""

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from common.csv_import import RowErrorsFound
from common.errors import ApplicationError
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


def _file_errors(exc: ValidationError) -> list[str]:
    return [message for messages_ in exc.message_dict.values() for message in messages_]


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def cohort_import(request, pk: int):
    """Upload → dry-run preview → confirm. The upload waits in the session between steps."""
    cohort = _cohort_for(request, pk)
    context = {"cohort": cohort, "form": ImportUploadForm()}
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored or stored["cohort"] != cohort.pk:
            messages.error(request, "Upload the file again: the preview has expired.")
            return redirect("programs:cohort-import", pk=cohort.pk)
        try:
            report = services.enrollment_import(
                cohort=cohort,
                file=base64.b64decode(stored["content"]),
                dry_run=False,
                by=request.user,
            )
        except RowErrorsFound as exc:
            context["report"] = exc.extra["report"]
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(_file_errors(exc)))
        else:
            del request.session[IMPORT_SESSION_KEY]
            counts = report.as_dict()["counts"]
            messages.success(
                request,
                f"Imported: {counts['enrolled']} enrolled "
                f"({counts['created_users']} new to Lodestar), {counts['unchanged']} unchanged.",
            )
            return redirect("programs:cohort-detail", pk=cohort.pk)
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.enrollment_import(
                    cohort=cohort, file=upload, dry_run=True, by=request.user
                )
            except ValidationError as exc:
                for message in _file_errors(exc):
                    form.add_error("file", message)
            else:
                upload.seek(0)
                request.session[IMPORT_SESSION_KEY] = {
                    "cohort": cohort.pk,
                    "name": upload.name,
                    "content": base64.b64encode(upload.read()).decode(),
                }
                context.update(report=report.as_dict(), file_name=upload.name)
    return render(request, "programs/cohort_import.html", context)


@role_required(Role.LEADER)
@require_http_methods(["POST"])
def my_module_done(request, enrollment_pk: int, module_pk: int):
    """A leader marks one of their own e-learning or assignment modules as done."""
    enrollment = get_object_or_404(Enrollment, pk=enrollment_pk, leader=request.user)
    module = get_object_or_404(Module, pk=module_pk, program_id=enrollment.program_id)
    refusal = completion_refusal(request.user, enrollment, module)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        services.module_completion_record(enrollment=enrollment, module=module, by=request.user)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(_file_errors(exc)))
    else:
        messages.success(request, f"“{module.title}” is marked as done.")
    return redirect("programs:my-program")


@role_required(Role.LEADER)
def my_program(request):
    programs = selectors.my_programs(leader=request.user)
    return render(request, "programs/my_program.html", {"programs": programs})

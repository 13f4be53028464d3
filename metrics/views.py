"""Pages: HR's metrics overview and CSV import. The scorecard, the cohort metric table and
the program impact are on the dashboards' pages (the old addresses redirect there)."""

import base64

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from common.csv_import import RowErrorsFound
from common.errors import ApplicationError
from metrics import services
from metrics.forms import ObservationImportForm
from metrics.models import MetricDefinition
from people.decorators import role_required
from people.roles import Role
from programs.models import Cohort, Program

IMPORT_SESSION_KEY = "metrics_import_upload"


@role_required(Role.HR)
def index(request):
    cohorts = Cohort.objects.select_related("program").order_by("-starts_on")
    programs = Program.objects.order_by("name")
    definitions = MetricDefinition.objects.all()
    return render(
        request,
        "metrics/index.html",
        {"cohorts": cohorts, "programs": programs, "definitions": definitions},
    )


def _file_errors(exc: ValidationError) -> list[str]:
    return [message for field_messages in exc.message_dict.values() for message in field_messages]


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def observation_import(request):
    """Upload → dry-run preview → confirm. The upload waits in the session between steps."""
    context = {"form": ObservationImportForm()}
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored:
            messages.error(request, "Upload the file again: the preview has expired.")
            return redirect("metrics:import")
        try:
            report = services.observations_import_csv(
                file=base64.b64decode(stored["content"]), by=request.user, dry_run=False
            )
        except RowErrorsFound as exc:
            context["report"] = {"dry_run": False, "errors": exc.extra["errors"]}
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(_file_errors(exc)))
        else:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request,
                f"Imported {stored['name']}: {report.created} new, {report.updated} replaced, "
                f"{report.unchanged} unchanged.",
            )
            return redirect("metrics:import")
    elif request.method == "POST":
        form = ObservationImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.observations_import_csv(
                    file=upload, by=request.user, dry_run=True
                )
            except ValidationError as exc:
                for message in _file_errors(exc):
                    form.add_error("file", message)
            else:
                upload.seek(0)
                request.session[IMPORT_SESSION_KEY] = {
                    "name": upload.name,
                    "content": base64.b64encode(upload.read()).decode(),
                }
                context.update(report=report.as_dict(), file_name=upload.name)
    return render(request, "metrics/import.html", context)

"""Pages: HR's metrics overview and CSV import. The scorecard, the cohort metric table and
the program impact are on the dashboards' pages (the old addresses redirect there)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.web import CsvImport
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


def _imported(report, file_name: str) -> str:
    return (
        f"Imported {file_name}: {report.created} new, {report.updated} replaced, "
        f"{report.unchanged} unchanged."
    )


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def observation_import(request):
    """Upload → dry-run preview → confirm (common.web.CsvImport)."""
    return CsvImport(
        request=request,
        form_class=ObservationImportForm,
        template="metrics/import.html",
        session_key=IMPORT_SESSION_KEY,
        run=lambda file, dry_run: services.observations_import_csv(
            file=file, by=request.user, dry_run=dry_run
        ),
        done_message=_imported,
        done_url=reverse("metrics:import"),
    ).response()

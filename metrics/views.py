"""Pages: the leader's scorecard, HR's cohort metrics table, program impact and CSV import."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.web import CsvImport
from mentorship.selectors import leaders_visible_to
from metrics import selectors, services
from metrics.forms import ObservationImportForm
from metrics.models import MetricDefinition
from people.decorators import role_required
from people.roles import Role
from programs.models import Cohort, Program

IMPORT_SESSION_KEY = "metrics_import_upload"
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


def sparkline(points: list[dict]) -> dict | None:
    """An inline SVG polyline for a short trend (rendered by the server; no JavaScript)."""
    values = [Decimal(point["value"]) for point in points if point["value"] is not None]
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)
    step = Decimal(SPARK_WIDTH - 4) / (len(values) - 1)
    coordinates = [
        f"{2 + step * index:.1f},{2 + (SPARK_HEIGHT - 4) * (1 - (value - low) / span):.1f}"
        for index, value in enumerate(values)
    ]
    return {
        "points": " ".join(coordinates),
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "label": ", ".join(f"{point['period']}: {point['value']}" for point in points),
    }


def _scorecard_page(request, leader, *, own: bool):
    card = selectors.scorecard_for(leader=leader)
    for row in card["metrics"]:
        row["sparkline"] = sparkline(row["trend"])
    return render(request, "metrics/scorecard.html", {"card": card, "own": own})


@role_required(Role.LEADER)
def my_scorecard(request):
    return _scorecard_page(request, request.user, own=True)


@login_required
def leader_scorecard(request, pk: int):
    """A leader's scorecard for HR and their mentor; anyone else: 404."""
    leader = get_object_or_404(leaders_visible_to(request.user), pk=pk)
    return _scorecard_page(request, leader, own=leader.pk == request.user.pk)


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


SORT_NAME = "name"


@role_required(Role.HR)
def cohort_table(request, pk: int):
    """Every leader of the cohort by every metric's latest value; sortable, below target marked."""
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=pk)
    summary = selectors.cohort_summary(cohort=cohort)
    codes = [block["metric"]["code"] for block in summary["metrics"]]
    sort = request.GET.get("sort", SORT_NAME)
    descending = request.GET.get("dir") == "desc"
    rows = summary["leaders"]
    if sort in codes:
        # Leaders without a value sort last whatever the direction.
        with_value = [row for row in rows if sort in row["latest"]]
        without = [row for row in rows if sort not in row["latest"]]
        with_value.sort(key=lambda row: row["latest"][sort]["value"], reverse=descending)
        rows = with_value + without
    else:
        sort = SORT_NAME
        rows = sorted(rows, key=lambda row: row["leader"]["full_name"], reverse=descending)
    columns = [
        {
            "metric": block["metric"],
            "latest": block["periods"][-1] if block["periods"] else None,
            "sorted": sort == block["metric"]["code"],
        }
        for block in summary["metrics"]
    ]
    for row in rows:
        row["cells"] = [
            {"metric": block["metric"], "latest": row["latest"].get(block["metric"]["code"])}
            for block in summary["metrics"]
        ]
    return render(
        request,
        "metrics/cohort_table.html",
        {
            "cohort": cohort,
            "summary": summary,
            "columns": columns,
            "rows": rows,
            "sort": sort,
            "descending": descending,
        },
    )


@role_required(Role.HR)
def program_impact(request, pk: int):
    program = get_object_or_404(Program, pk=pk)
    cohorts = list(program.cohorts.order_by("-starts_on"))
    cohort = None
    if request.GET.get("cohort"):
        cohort = next((c for c in cohorts if str(c.pk) == request.GET["cohort"]), None)
        if cohort is None:
            messages.error(request, "That cohort is not part of this program; showing all.")
    impact = selectors.program_impact(program=program, cohort=cohort)
    return render(
        request,
        "metrics/program_impact.html",
        {"program": program, "cohorts": cohorts, "cohort": cohort, "impact": impact},
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

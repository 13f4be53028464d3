"""Pages: HR's metrics overview, CSV import, metric definitions and targets. The
scorecard, the cohort metric table and the program impact are on the dashboards' pages
(the old addresses redirect there)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.web import CsvImport, form_page, form_saved, posted
from mentorship.selectors import cohorts_visible_to, leaders_visible_to
from metrics import selectors, services
from metrics.forms import (
    MetricDefinitionForm,
    ObservationImportForm,
    TargetChangeForm,
    TargetForm,
)
from metrics.models import MetricDefinition
from people.decorators import role_required
from people.roles import Role
from programs.models import Cohort, Program

TARGETS_PER_PAGE = 50

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
        f"{report.unchanged} unchanged"
        + (f", {report.kept} kept (measured values win)." if report.kept else ".")
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


# ---------------------------------------------------------------- definitions


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def definition_create(request):
    form = MetricDefinitionForm(posted(request))
    if form_saved(
        request,
        form,
        lambda: services.metric_definition_create(by=request.user, **form.cleaned_data),
        lambda metric: f"{metric.name} defined: import its values or set targets.",
    ):
        return redirect("metrics:index")
    return form_page(request, "metrics/definition_form.html", {"form": form})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def definition_edit(request, pk: int):
    metric = get_object_or_404(selectors.metric_definition_list(), pk=pk)
    form = MetricDefinitionForm(posted(request), instance=metric)
    if form_saved(
        request,
        form,
        lambda: services.metric_definition_update(metric=metric, by=request.user, **form.changes()),
        lambda saved: f"{saved.name} saved.",
    ):
        return redirect("metrics:index")
    return form_page(request, "metrics/definition_form.html", {"form": form, "metric": metric})


# ---------------------------------------------------------------- targets


def _targets(user):
    return selectors.target_list(leaders=leaders_visible_to(user), cohorts=cohorts_visible_to(user))


@role_required(Role.HR)
def target_list(request):
    """Every target, a metric's alone with ``?metric=<code>``."""
    definitions = selectors.metric_definition_list()
    code = request.GET.get("metric", "")
    targets = _targets(request.user).order_by(
        "metric__name", "cohort__name", "leader__full_name", "valid_from", "pk"
    )
    if code:
        targets = targets.filter(metric__code=code)
    page = Paginator(targets, TARGETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/target_list.html",
        {
            "page": page,
            "metrics": definitions,
            "chosen_code": code,
            "chosen": definitions.filter(code=code).first() if code else None,
        },
    )


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def target_create(request):
    user = request.user
    form = TargetForm(
        posted(request),
        leaders=leaders_visible_to(user),
        cohorts=cohorts_visible_to(user),
        initial={"metric": _as_int(request.GET.get("metric"))},
    )
    if form_saved(
        request,
        form,
        lambda: services.target_create(by=user, **form.cleaned_data),
        lambda target: f"Target set: {target}.",
    ):
        return redirect("metrics:targets")
    return form_page(request, "metrics/target_form.html", {"form": form})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = get_object_or_404(_targets(request.user), pk=pk)
    form = TargetChangeForm(posted(request), instance=target)
    if form_saved(
        request,
        form,
        lambda: services.target_update(target=target, by=request.user, **form.changes()),
        lambda saved: f"Target saved: {saved}.",
    ):
        return redirect("metrics:targets")
    return form_page(request, "metrics/target_form.html", {"form": form, "target": target})


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def target_delete(request, pk: int):
    """Asks first (GET); deletes on the confirming POST."""
    target = get_object_or_404(_targets(request.user), pk=pk)
    if request.method == "POST":
        described = str(target)
        services.target_delete(target=target, by=request.user)
        messages.success(request, f"Target deleted: {described}.")
        return redirect("metrics:targets")
    return render(request, "metrics/target_delete.html", {"target": target})


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

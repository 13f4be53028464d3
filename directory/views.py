"""HR's directory pages: upload a people file (preview, then apply), the files applied or
held, and approving or rejecting the one the safety valve held."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from common.web import CsvImport, run_service
from directory import selectors, services
from directory.forms import SyncUploadForm
from directory.models import DirectorySync
from people.decorators import role_required
from people.roles import Role

UPLOAD_SESSION_KEY = "directory_sync_upload"


def _applied(report, file_name: str) -> str:
    counts = report.as_dict()["counts"]
    if report.held:
        return (
            f"{file_name} is held for approval: it would make {counts['leaving']} of "
            f"{report.active_people} active people leavers. Nothing in it has been applied."
        )
    return (
        f"{file_name} applied: {counts['created']} added, {counts['updated']} updated, "
        f"{counts['managers_changed']} new managers, {counts['returned']} back, "
        f"{counts['leaving']} left, {counts['unchanged']} unchanged."
    )


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def syncs(request):
    """Upload → dry-run preview → apply (or held), beside the files so far."""

    def run(file, dry_run: bool):
        name = getattr(file, "name", None) or request.session.get(UPLOAD_SESSION_KEY, {}).get(
            "name", "people.csv"
        )
        report, _ = services.directory_sync(
            file=file,
            file_name=name,
            source=DirectorySync.Source.UPLOAD,
            dry_run=dry_run,
            by=request.user,
        )
        return report

    return CsvImport(
        request=request,
        form_class=SyncUploadForm,
        template="directory/syncs.html",
        context={
            "held": selectors.sync_held(),
            "syncs": selectors.sync_list()[:50],
            "valve_percent": round(services.valve_share() * 100),
        },
        session_key=UPLOAD_SESSION_KEY,
        run=run,
        done_message=_applied,
        done_level=lambda report: messages.WARNING if report.held else messages.SUCCESS,
        done_url=reverse("directory:syncs"),
    ).response()


@role_required(Role.HR)
def sync_detail(request, pk: int):
    sync = get_object_or_404(selectors.sync_list(), pk=pk)
    return render(
        request,
        "directory/sync_detail.html",
        {"sync": sync, "report": sync.report, "valve_percent": round(services.valve_share() * 100)},
    )


# HR's two decisions on a held file: the service, and what HR is told once it is done.
DECISIONS = {
    "approve": (services.directory_sync_approve, "{name} is applied."),
    "reject": (services.directory_sync_reject, "{name} is rejected: nothing in it was applied."),
}


@role_required(Role.HR)
@require_http_methods(["POST"])
def sync_decide(request, pk: int, decision: str):
    sync = get_object_or_404(selectors.sync_list(), pk=pk)
    decide, done = DECISIONS[decision]
    run_service(
        request, lambda: decide(sync=sync, by=request.user), done.format(name=sync.file_name)
    )
    return redirect("directory:sync-detail", pk=sync.pk)

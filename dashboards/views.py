"""Dashboard pages: rendered from the same selectors as the API; charts drawn in the browser.

One page per job: a leader's page (with the metric scorecard), the mentor's page, HR's
cohort page (with the cohort's metric table) and a program's impact page. The metrics
app's former scorecard, cohort and impact pages redirect here (metrics/urls.py).

Every page checks what its API endpoint checks: the role (403) and the scope of the
leader or cohort (404 through leaders_visible_to).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dashboards import selectors
from dashboards.api.serializers import DashboardQuerySerializer
from dashboards.permissions import visible_leader_or_404
from feedback.services import report_view_record
from people.decorators import role_required
from people.roles import Role
from programs.models import Cohort, Program


class BadQuery(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _as_of(request):
    query = DashboardQuerySerializer(data=request.GET)
    if not query.is_valid():
        raise BadQuery(query.errors)
    return query.validated_data.get("as_of") or timezone.localdate()


def _page(request, template: str, build):
    """Render ``template`` with ``build(day)``; a malformed ?as_of= is a 400 saying why."""
    try:
        day = _as_of(request)
    except BadQuery as bad:
        return render(request, "dashboards/bad_query.html", {"errors": bad.errors}, status=400)
    return render(
        request, template, {"as_of": day, "is_today": day == timezone.localdate(), **build(day)}
    )


def _number(value) -> float | None:
    return None if value is None else float(value)


def metric_sparklines(scorecard: dict) -> list[dict]:
    """One chart spec per metric: its trend against the target that applies now."""
    return [
        {
            "id": f"metric-{row['metric']['code']}",
            "data_id": f"metric-{row['metric']['code']}-data",
            "row": row,
            "spec": {
                "kind": "sparkline",
                "labels": [point["period"] for point in row["trend"]],
                "values": [_number(point["value"]) for point in row["trend"]],
                "target": _number(row["target"]),
                "valueLabel": row["metric"]["name"],
            },
        }
        for row in scorecard["metrics"]
    ]


SORT_NAME = "name"


def metric_table(summary: dict, *, sort: str, descending: bool) -> dict:
    """The cohort's leaders by every metric's latest value (metrics.selectors.cohort_summary),
    sorted by one metric (leaders without a value last, whatever the direction) or by
    name, with the cohort's figures of each metric's latest period under its column, and
    the values below target one per line."""
    blocks = summary["metrics"]
    metrics = {block["metric"]["code"]: block["metric"] for block in blocks}
    rows = summary["leaders"]
    if sort in {block["metric"]["code"] for block in blocks}:
        with_value = [row for row in rows if sort in row["latest"]]
        without = [row for row in rows if sort not in row["latest"]]
        with_value.sort(key=lambda row: row["latest"][sort]["value"], reverse=descending)
        rows = with_value + without
    else:
        sort = SORT_NAME
        rows = sorted(rows, key=lambda row: row["leader"]["full_name"], reverse=descending)
    return {
        "sort": sort,
        "descending": descending,
        "columns": [
            {
                "metric": block["metric"],
                "latest": block["periods"][-1] if block["periods"] else None,
                "sorted": sort == block["metric"]["code"],
            }
            for block in blocks
        ],
        "rows": [
            {
                **row,
                "cells": [
                    {
                        "metric": block["metric"],
                        "latest": row["latest"].get(block["metric"]["code"]),
                    }
                    for block in blocks
                ],
            }
            for row in rows
        ],
        "below_target": [
            {**item, "metric": metrics[item["metric"]]} for item in summary["below_target"]
        ],
    }


def balance_profile(report: dict) -> dict:
    """The radar chart of management and leadership per dimension, the previous cycle's
    dashed over it, and the rows of its table alternative."""
    previous = {row["dimension"]: row for row in (report["previous"] or {}).get("overall", [])}
    rows = [{**row, "previous": previous.get(row["dimension"])} for row in report["overall"]]
    datasets = [
        {"label": "Leadership", "data": [_number(r["leadership"]) for r in rows]},
        {"label": "Management", "data": [_number(r["management"]) for r in rows]},
    ]
    if previous:
        datasets += [
            {
                "label": f"Leadership, {report['previous']['cycle']['name']}",
                "data": [_number((r["previous"] or {}).get("leadership")) for r in rows],
                "dashed": True,
            },
            {
                "label": f"Management, {report['previous']['cycle']['name']}",
                "data": [_number((r["previous"] or {}).get("management")) for r in rows],
                "dashed": True,
            },
        ]
    return {
        "rows": rows,
        "has_previous": bool(previous),
        "spec": {"kind": "radar", "labels": [r["label"] for r in rows], "datasets": datasets},
    }


def _leader_page(request, leader, *, is_self: bool):
    def build(day):
        dashboard = selectors.leader_dashboard(leader=leader, viewer=request.user, day=day)
        report = (dashboard["feedback"] or {}).get("latest_report")
        if report is not None:
            report_view_record(report=report, subject=leader, viewer=request.user)
        return {
            "leader": leader,
            "is_self": is_self,
            "dashboard": dashboard,
            "metric_charts": metric_sparklines(dashboard["metrics"]),
            "balance": balance_profile(report) if report else None,
        }

    return _page(request, "dashboards/leader.html", build)


@role_required(Role.LEADER)
def leader_home(request):
    return _leader_page(request, request.user, is_self=True)


@login_required
def leader_detail(request, leader_id: int):
    leader = visible_leader_or_404(user=request.user, leader_id=leader_id)
    return _leader_page(request, leader, is_self=leader.pk == request.user.pk)


@role_required(Role.MENTOR)
def mentor_home(request):
    return render(
        request,
        "dashboards/mentor.html",
        {"dashboard": selectors.mentor_dashboard(mentor=request.user)},
    )


@role_required(Role.MANAGER)
def manager_home(request):
    return render(
        request,
        "dashboards/manager.html",
        {"dashboard": selectors.manager_dashboard(manager=request.user)},
    )


@role_required(Role.HR)
def cohort_list(request):
    cohorts = Cohort.objects.select_related("program").order_by("-starts_on", "name")
    return render(request, "dashboards/cohort_list.html", {"cohorts": cohorts})


@role_required(Role.HR)
def cohort_detail(request, cohort_id: int):
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)

    def build(day):
        dashboard = selectors.cohort_dashboard(cohort=cohort, day=day)
        table = metric_table(
            dashboard["metrics"],
            sort=request.GET.get("sort", SORT_NAME),
            descending=request.GET.get("dir") == "desc",
        )
        funnel = {
            "kind": "bar",
            "horizontal": True,
            "labels": [step["label"] for step in dashboard["funnel"]],
            "datasets": [{"label": "Leaders", "data": [s["count"] for s in dashboard["funnel"]]}],
        }
        return {
            "cohort": cohort,
            "dashboard": dashboard,
            "funnel_chart": funnel,
            "metric_table": table,
        }

    return _page(request, "dashboards/cohort.html", build)


@role_required(Role.HR)
def program_impact(request, program_id: int):
    program = get_object_or_404(Program, pk=program_id)
    cohorts = list(program.cohorts.order_by("-starts_on"))
    cohort = None
    if request.GET.get("cohort"):
        cohort = next((c for c in cohorts if str(c.pk) == request.GET["cohort"]), None)
        if cohort is None:
            messages.error(request, "That cohort is not part of this program; showing all.")

    def build(day):
        dashboard = selectors.program_impact_dashboard(program=program, cohort=cohort, day=day)
        charts = [
            {
                "id": f"before-after-{row['metric']['code']}",
                "data_id": f"before-after-{row['metric']['code']}-data",
                "row": row,
                "spec": {
                    "kind": "bar",
                    "labels": ["Before the program", f"Latest ({row['latest_period']})"],
                    "datasets": [
                        {
                            "label": row["metric"]["name"],
                            "data": [_number(row["before"]), _number(row["after"])],
                        }
                    ],
                },
            }
            for row in dashboard["before_after"]
        ]
        impact = {row["metric"]["code"]: row for row in dashboard["impact"]["metrics"]}
        for chart in charts:
            chart["impact"] = impact.get(chart["row"]["metric"]["code"])
        return {
            "program": program,
            "cohorts": cohorts,
            "cohort": cohort,
            "dashboard": dashboard,
            "charts": charts,
        }

    return _page(request, "dashboards/impact.html", build)

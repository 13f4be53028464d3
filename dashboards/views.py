"""Dashboard pages: rendered from the same selectors as the API; charts drawn in the browser.

Every page checks what its API endpoint checks: the role (403) and the scope of the
leader or cohort (404 through leaders_visible_to).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dashboards import selectors
from dashboards.api.serializers import DashboardQuerySerializer
from dashboards.permissions import require_role, visible_leader_or_404
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
        return {
            "leader": leader,
            "is_self": is_self,
            "dashboard": dashboard,
            "metric_charts": metric_sparklines(dashboard["metrics"]),
            "balance": balance_profile(report) if report else None,
        }

    return _page(request, "dashboards/leader.html", build)


@login_required
def leader_home(request):
    require_role(request.user, Role.LEADER)
    return _leader_page(request, request.user, is_self=True)


@login_required
def leader_detail(request, leader_id: int):
    leader = visible_leader_or_404(user=request.user, leader_id=leader_id)
    return _leader_page(request, leader, is_self=leader.pk == request.user.pk)


@login_required
def mentor_home(request):
    require_role(request.user, Role.MENTOR)
    return render(
        request,
        "dashboards/mentor.html",
        {"dashboard": selectors.mentor_dashboard(mentor=request.user)},
    )


@login_required
def cohort_list(request):
    require_role(request.user, Role.HR)
    cohorts = Cohort.objects.select_related("program").order_by("-starts_on", "name")
    return render(request, "dashboards/cohort_list.html", {"cohorts": cohorts})


@login_required
def cohort_detail(request, cohort_id: int):
    require_role(request.user, Role.HR)
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)

    def build(day):
        dashboard = selectors.cohort_dashboard(cohort=cohort, day=day)
        funnel = {
            "kind": "bar",
            "horizontal": True,
            "labels": [step["label"] for step in dashboard["funnel"]],
            "datasets": [{"label": "Leaders", "data": [s["count"] for s in dashboard["funnel"]]}],
        }
        metric_rows = [
            {
                "metric": entry["metric"],
                "latest": entry["periods"][-1] if entry["periods"] else None,
            }
            for entry in dashboard["metrics"]["metrics"]
        ]
        return {
            "cohort": cohort,
            "dashboard": dashboard,
            "funnel_chart": funnel,
            "metric_rows": metric_rows,
        }

    return _page(request, "dashboards/cohort.html", build)


@login_required
def program_impact(request, program_id: int):
    require_role(request.user, Role.HR)
    program = get_object_or_404(Program, pk=program_id)

    def build(day):
        dashboard = selectors.program_impact_dashboard(program=program, day=day)
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
        return {"program": program, "dashboard": dashboard, "charts": charts}

    return _page(request, "dashboards/impact.html", build)

"""HR's audit page: every recorded event, filterable by who, what, which object and when,
and one object's history (the "History" links of the cohort, pairings and cycle pages).

Reads only; the events are written by the services (common/audit.py). The filters are
the API's (people/api/audit.py).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from common import audit
from common.models import AuditEvent
from people.api.audit import AuditEventFilter
from people.decorators import role_required
from people.models import User
from people.roles import Role

PAGE_SIZE = 50


@role_required(Role.HR)
def audit_list(request):
    filters = AuditEventFilter(request.GET, queryset=audit.event_list())
    valid = filters.is_valid()
    page = Paginator(filters.qs if valid else AuditEvent.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "errors": filters.errors,
        "page": page,
        "rows": [_row(event) for event in page],
        "query": query.urlencode(),
        "history_of": _history_of(request.GET, page),
        "choices": _choices(),
        "values": request.GET,
    }
    return render(request, "people/audit_list.html", context, status=200 if valid else 400)


def _row(event: AuditEvent) -> dict:
    """An event with where to read more: the object's history, its admin page."""
    key = audit.type_key(event.object_type)
    try:
        admin_url = reverse(
            f"admin:{event.object_type.app_label}_{event.object_type.model}_change",
            args=[event.object_id],
        )
    except NoReverseMatch:
        admin_url = None
    return {"event": event, "type_key": key, "admin_url": admin_url}


def _history_of(params, page) -> str | None:
    """The object a history page is about, as its latest event names it."""
    if not (params.get("object_type") and params.get("object_id")):
        return None
    for event in page:
        return event.object_repr
    return f"{params['object_type']} #{params['object_id']}"


def _choices() -> dict:
    """What the filter menus offer: the people, actions and object types on record."""
    events = AuditEvent.objects.order_by()
    actor_ids = events.filter(actor__isnull=False).values("actor_id").distinct()
    type_ids = events.values("object_type_id").distinct()
    return {
        "actors": User.objects.filter(pk__in=actor_ids).order_by("full_name", "email"),
        "actions": events.order_by("action").values_list("action", flat=True).distinct(),
        "object_types": [
            (audit.type_key(content_type), content_type.name)
            for content_type in ContentType.objects.filter(pk__in=type_ids).order_by(
                "app_label", "model"
            )
        ],
        "actor_kinds": AuditEvent.ActorKind.choices,
    }

"""The monthly digest each manager gets: their leaders as *My leaders* shows them --
progress, overdue action items, quiet pairings, development plans and the team's
engagement (a pulse's result, with its source) -- each item a link.

Owed once per manager and month through the outbox (the month is the email's variant,
so a doubled tick or a second beat process owes nothing more) and built when sent, from
the dashboard as it is that day. The outbox row is the only thing this app writes.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.models import Email
from common.outbox import EmailKind, Owed, emails_owe
from dashboards.selectors import manager_dashboard
from people.models import User
from people.roles import Role, active_role_holders

MANAGER_DIGEST = "dashboards.manager_digest"


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def manager_digests_owe(*, day: datetime.date | None = None) -> int:
    """Owe this month's digest to every manager who may sign in; returns how many are
    newly owed (0 when run again the same month)."""
    day = day or timezone.localdate()
    month = day.replace(day=1).isoformat()
    managers = active_role_holders(Role.MANAGER).only("pk", "email").order_by("pk")
    return len(
        emails_owe(
            Owed(
                kind=MANAGER_DIGEST,
                ref=manager.pk,
                to=[manager.email],
                variant=month,
                params={"month": month},
            )
            for manager in managers
        )
    )


def manager_digest_build(email: Email) -> EmailMessage | None:
    """The digest as of the day it is sent; none for a manager who left, lost the role
    or has no leaders below them any more."""
    manager = User.objects.filter(pk=email.ref, is_active=True).first()
    if manager is None or manager not in active_role_holders(Role.MANAGER):
        return None
    dashboard = manager_dashboard(manager=manager)
    if not dashboard["leaders"]:
        return None
    month = datetime.date.fromisoformat(email.params["month"])
    leaders = [
        {**row, "url": _url("dashboards:leader_detail", leader_id=row["leader"]["id"])}
        | ({"plan_url": _url("plans:detail", pk=row["plan"]["id"])} if row["plan"] else {})
        for row in dashboard["leaders"]
    ]
    body = render_to_string(
        "dashboards/email/manager_digest.txt",
        {
            "manager": manager,
            "month": month,
            "leaders": leaders,
            "attention": sum(row["needs_attention"] for row in leaders),
            "url": _url("dashboards:manager_home"),
        },
    )
    return EmailMessage(subject=f"Your leaders in {month:%B %Y}", body=body, to=[manager.email])


KINDS = [EmailKind(MANAGER_DIGEST, build=manager_digest_build)]

"""The directory's emails to HR (registered with the outbox in ``apps.py``): a directory
file held by the safety valve, and a leaver whose departure left a feedback cycle short of
its minimum raters. Each is built when sent, from the rows as they are then."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from common.models import Email
from common.outbox import EmailKind, Owed
from directory.models import DirectorySync
from people.models import User
from people.roles import Role, active_role_holders

SYNC_HELD = "directory.sync_held"
SHORTFALL = "directory.rater_shortfall"


def _hr() -> list[User]:
    return list(active_role_holders(Role.HR).order_by("pk"))


def held_notices(sync: DirectorySync) -> list[Owed]:
    """Every HR person, once per held file."""
    return [
        Owed(kind=SYNC_HELD, ref=sync.pk, to=[hr.email], variant=str(hr.pk), params={"hr": hr.pk})
        for hr in _hr()
    ]


def held_notice_build(email: Email) -> EmailMessage | None:
    """Unless HR decided meanwhile."""
    sync = DirectorySync.objects.filter(pk=email.ref, status=DirectorySync.Status.HELD).first()
    hr = User.objects.filter(pk=email.params["hr"], is_active=True).first()
    if sync is None or hr is None:
        return None
    counts = sync.report.get("counts", {})
    body = render_to_string(
        "directory/email/sync_held.txt",
        {
            "hr": hr,
            "sync": sync,
            "leaving": counts.get("leaving", 0),
            "active_people": sync.report.get("active_people", 0),
            "url": settings.SITE_URL + reverse("directory:sync-detail", args=[sync.pk]),
        },
    )
    what = "SCIM deactivations" if sync.source == DirectorySync.Source.SCIM else "Directory file"
    return EmailMessage(
        subject=f"{what} held for your approval: {counts.get('leaving', 0)} leavers",
        body=body,
        to=[hr.email],
    )


def shortfall_notices(leaver: User, shortfalls: list[dict]) -> list[Owed]:
    """Every HR person, once per leaver and day they left."""
    return [
        Owed(
            kind=SHORTFALL,
            ref=leaver.pk,
            to=[hr.email],
            variant=f"{leaver.left_on}:{hr.pk}",
            params={"hr": hr.pk, "shortfalls": shortfalls},
        )
        for hr in _hr()
    ]


def shortfall_build(email: Email) -> EmailMessage | None:
    hr = User.objects.filter(pk=email.params["hr"], is_active=True).first()
    leaver = User.objects.filter(pk=email.ref).first()
    if hr is None or leaver is None:
        return None
    shortfalls = email.params["shortfalls"]
    body = render_to_string(
        "directory/email/rater_shortfall.txt",
        {
            "hr": hr,
            "leaver": leaver,
            "shortfalls": [
                {
                    **shortfall,
                    "url": settings.SITE_URL
                    + reverse("feedback:cycle-detail", args=[shortfall["cycle"]]),
                }
                for shortfall in shortfalls
            ],
        },
    )
    count = len(shortfalls)
    return EmailMessage(
        subject=(
            f"{leaver.full_name} left: {count} feedback rater group{'s' if count != 1 else ''} "
            "now short of raters"
        ),
        body=body,
        to=[hr.email],
    )


KINDS = [
    EmailKind(SYNC_HELD, build=held_notice_build),
    EmailKind(SHORTFALL, build=shortfall_build),
]

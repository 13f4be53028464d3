"""Pulse links: the signed token in each emailed pulse link, and whether it may still be
used. Its own salt: a 360 rater link never opens a pulse, nor the other way round.

Refusals reuse the rater link's ``LinkError`` (a friendly page with a 4xx) and its page
headers (``feedback.links.rater_link_page``: never cached, no live token in a Referer).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from feedback.links import (
    LINK_GRACE,
    LinkError,
    signed_token,
    signed_token_check_fresh,
    signed_token_id,
)
from pulse.models import PulseInvite, PulseRound

TOKEN_SALT = "pulse.answer-link"  # noqa: S105 — a signing namespace, not a secret

LINK_MESSAGES = {
    "invalid": ("This link is not valid. Please use the link from your email as it is.", 400),
    "expired": ("This link has expired.", 410),
    "closed": ("This pulse has closed; answers are no longer accepted.", 410),
    "used": ("Thank you, your answers were already received.", 410),
    "not_open": ("This pulse has not opened yet.", 410),
}


def link_error(reason: str) -> LinkError:
    message, status_code = LINK_MESSAGES[reason]
    return LinkError(reason, message, status_code=status_code)


def invite_token(invite: PulseInvite) -> str:
    return signed_token(salt=TOKEN_SALT, key="invite", pk=invite.pk)


def answer_link(invite: PulseInvite) -> str:
    return settings.SITE_URL + reverse("pulse:answer", args=[invite_token(invite)])


def invite_for_token(token: str, *, now: datetime.datetime) -> PulseInvite:
    """The invite a link names, or a ``LinkError`` ("invalid", "expired")."""
    invite_id = signed_token_id(token, salt=TOKEN_SALT, key="invite")
    invite = (
        PulseInvite.objects.select_related("round__pulse__template", "leader")
        .filter(pk=invite_id)
        .first()
    )
    if invite is None:
        raise link_error("invalid")
    signed_token_check_fresh(token, salt=TOKEN_SALT, created_at=invite.created_at, now=now)
    if now > invite.round.closes_at + LINK_GRACE:
        raise link_error("expired")
    return invite


def invite_check_answerable(invite: PulseInvite, now: datetime.datetime) -> None:
    """Raise the ``LinkError`` that says why this invite cannot be answered now."""
    if invite.status == PulseInvite.Status.ANSWERED:
        raise link_error("used")
    if invite.round.status == PulseRound.Status.SCHEDULED:
        raise link_error("not_open")
    if (
        invite.round.status != PulseRound.Status.OPEN
        or invite.status not in PulseInvite.OPEN_STATUSES
        or invite.round.closes_at <= now
    ):
        raise link_error("closed")

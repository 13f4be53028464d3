"""Rater links: the signed token in each emailed link, and whether it may still be used.

A link names one request. It is refused (and says why, kindly) when the signature is
wrong, when it was minted before its request existed (a reused id), or when the request
is over: after its deadline (the cycle's, or the rater's extension) plus a short grace
the link has expired and shows nothing about the request at all.
"""

from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import dateformat
from django.utils.cache import add_never_cache_headers

from common.errors import ApplicationError
from feedback.models import Cycle, RaterRequest

TOKEN_SALT = "feedback.rater-link"  # noqa: S105 — a signing namespace, not a secret
# After the deadline a link still explains "closed" for this long, then just "expired".
LINK_GRACE = datetime.timedelta(days=1)
# Clocks of web and worker machines may differ a little.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# A failed invitation may still have reached the rater (the error came after acceptance).
ANSWERABLE_STATUSES = (*RaterRequest.OPEN_STATUSES, RaterRequest.Status.FAILED)


class LinkError(ApplicationError):
    """A rater link that cannot be used; ``reason`` says why, for a friendly page."""

    code = "link_unusable"

    def __init__(self, reason: str, message: str, *, status_code: int = 410):
        super().__init__(message, extra={"reason": reason})
        self.reason = reason
        self.status_code = status_code


LINK_MESSAGES = {
    "invalid": ("This link is not valid. Please use the link from your email as it is.", 400),
    "expired": ("This link has expired.", 410),
    "cancelled": ("This feedback round was cancelled; no answer is needed.", 410),
    "closed": ("This feedback round has closed; answers are no longer accepted.", 410),
    "used": ("Thank you, your answers were already received.", 410),
    "declined": ("You declined this request; no answer is needed.", 410),
    "not_open": ("This feedback round has not opened yet.", 410),
}


def link_error(reason: str) -> LinkError:
    message, status_code = LINK_MESSAGES[reason]
    return LinkError(reason, message, status_code=status_code)


# --- signed links: one rule for every emailed personal link (rater links, pulse links) ---


def signed_token(*, salt: str, key: str, pk: int) -> str:
    """A token naming one row (``{key: pk}``), signed in the ``salt`` namespace: it cannot
    be forged, and a token of one kind of link never opens another."""
    return signing.dumps({key: pk}, salt=salt, compress=True)


def signed_token_id(token: str, *, salt: str, key: str) -> int:
    """The id a token names; a ``LinkError`` "invalid" for anything else."""
    try:
        return int(signing.loads(token, salt=salt)[key])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise link_error("invalid") from error


def signed_token_check_fresh(
    token: str, *, salt: str, created_at: datetime.datetime, now: datetime.datetime
) -> None:
    """A token minted before the row it names existed is "invalid": an old token cannot
    open a reused id (clocks of web and worker may differ by ``CLOCK_SKEW``)."""
    try:
        signing.loads(token, salt=salt, max_age=now - created_at + CLOCK_SKEW)
    except signing.SignatureExpired as error:
        raise link_error("invalid") from error


# --- rater links --------------------------------------------------------------------------


def request_token(request: RaterRequest) -> str:
    """The signed token of a rater link; it names the request and cannot be forged."""
    return signed_token(salt=TOKEN_SALT, key="request", pk=request.pk)


def rater_link(request: RaterRequest) -> str:
    return settings.SITE_URL + reverse("feedback:respond", args=[request_token(request)])


def request_for_token(token: str, *, now: datetime.datetime) -> RaterRequest:
    """The request a link names, or a ``LinkError`` saying why the link is unusable
    ("invalid" or "expired"); whether it can still be answered is a separate check."""
    request_id = signed_token_id(token, salt=TOKEN_SALT, key="request")
    request = (
        RaterRequest.objects.select_related("cycle__cohort", "cycle__questionnaire", "subject")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise link_error("invalid")
    signed_token_check_fresh(token, salt=TOKEN_SALT, created_at=request.created_at, now=now)
    if now > request.effective_due_at + LINK_GRACE:
        raise link_error("expired")
    return request


def request_check_answerable(request: RaterRequest, now: datetime.datetime) -> None:
    """Raise the ``LinkError`` that explains why this request cannot be answered now."""
    cycle = request.cycle
    if cycle.status == Cycle.Status.CANCELLED:
        raise link_error("cancelled")
    if request.status == RaterRequest.Status.COMPLETED:
        raise link_error("used")
    if request.status == RaterRequest.Status.DECLINED:
        raise link_error("declined")
    if cycle.status in (Cycle.Status.DRAFT, Cycle.Status.SCHEDULED):
        raise link_error("not_open")
    if (
        cycle.status != Cycle.Status.OPEN
        or request.status not in ANSWERABLE_STATUSES
        or request.effective_due_at <= now
    ):
        raise link_error("closed")


def local_due(request: RaterRequest) -> str:
    """The deadline as the rater reads it: in the cohort's time zone, with the zone named."""
    due = request.effective_due_at.astimezone(request.cycle.tz)
    return f"{dateformat.format(due, 'l j F Y, H:i')} ({request.cycle.cohort.time_zone})"


def rater_link_page(view):
    """Headers for every response a rater link answers: not cached anywhere, and a
    ``Referer`` of the bare origin, never the path with the live token, whatever the
    page loads or links to. (``no-referrer`` would also make browsers send ``Origin:
    null`` with the form, which Django's CSRF check rightly refuses.)"""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "strict-origin"
        return response

    return wrapped

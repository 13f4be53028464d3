"""The emails mentorship sends. Callers have already claimed the send."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from mentorship.calendar import invitation_ics, invitation_method
from mentorship.models import ActionItem, MentoringSession, Pairing


def _url(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def send_session_invitation(session: MentoringSession) -> None:
    pairing = session.pairing
    method = invitation_method(session)
    if method == "CANCEL":
        subject = f"Cancelled: mentoring session on {session.starts_at:%a %d %b, %H:%M} UTC"
    elif session.sequence:
        subject = f"Moved: mentoring session now on {session.starts_at:%a %d %b, %H:%M} UTC"
    else:
        subject = f"Mentoring session on {session.starts_at:%a %d %b, %H:%M} UTC"
    body = render_to_string(
        "mentorship/email/session_invitation.txt",
        {"session": session, "pairing": pairing, "method": method},
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[pairing.mentor.email, pairing.mentee.email],
    )
    message.attach(
        "mentoring-session.ics", invitation_ics(session), f"text/calendar; method={method}"
    )
    message.send()


def send_action_item_nudge(item: ActionItem, *, state: str) -> None:
    owner = item.owner_user
    pairing = item.session.pairing
    page = "mentorship:my-mentees" if owner.pk == pairing.mentor_id else "mentorship:my-mentoring"
    if state == "overdue":
        subject = f"Overdue since {item.due_on:%d %b}: {item.description[:60]}"
    else:
        subject = f"Due tomorrow: {item.description[:60]}"
    body = render_to_string(
        "mentorship/email/action_item_nudge.txt",
        {"item": item, "owner": owner, "pairing": pairing, "state": state, "url": _url(page)},
    )
    send_mail(subject, body, None, [owner.email])


def send_quiet_pairing_nudge(pairing: Pairing, *, quiet_since: datetime.date) -> None:
    body = render_to_string(
        "mentorship/email/quiet_pairing.txt",
        {"pairing": pairing, "quiet_since": quiet_since, "url": _url("mentorship:log-session")},
    )
    send_mail(
        f"It has been a while since you met {pairing.mentee.full_name}",
        body,
        None,
        [pairing.mentor.email],
    )


def send_quiet_pairings_digest(recipients: Sequence, pairings: Sequence[Pairing]) -> None:
    if not recipients:
        return
    body = render_to_string(
        "mentorship/email/quiet_digest.txt",
        {"pairings": pairings, "url": _url("mentorship:pairings")},
    )
    subject = f"{len(pairings)} mentoring pairing{'s' if len(pairings) != 1 else ''} went quiet"
    for person in recipients:
        send_mail(subject, body, None, [person.email])

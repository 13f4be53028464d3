"""The emails mentorship owes: what each is about (``Owed``), and how the outbox builds
it when it is sent, or learns that it is no longer owed (None)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from common.models import Email
from common.outbox import EmailKind, Owed
from mentorship.calendar import invitation_ics, invitation_method
from mentorship.models import ActionItem, MentoringSession, Pairing
from mentorship.selectors import pairings_with_last_contact, quiet_since
from people.models import User

SESSION_INVITATION = "mentorship.session_invitation"
ACTION_ITEM_DUE_SOON = "mentorship.action_item_due_soon"
ACTION_ITEM_OVERDUE = "mentorship.action_item_overdue"
QUIET_PAIRING = "mentorship.quiet_pairing"
QUIET_DIGEST = "mentorship.quiet_digest"
PARTNER_LEFT = "mentorship.partner_left"


def _url(name: str) -> str:
    return settings.SITE_URL + reverse(name)


# --- calendar invitations: one per revision of a planned (or cancelled) session ----------


def session_invitation(session: MentoringSession) -> Owed:
    pairing = session.pairing
    return Owed(
        kind=SESSION_INVITATION,
        ref=session.pk,
        to=[pairing.mentor.email, pairing.mentee.email],
        variant=str(session.sequence),
        params={"sequence": session.sequence},
    )


def session_invitation_build(email: Email) -> EmailMessage | None:
    """The invitation (or cancellation) of one revision; nothing once a later revision
    superseded it or the session was held."""
    session = (
        MentoringSession.objects.select_related("pairing__mentor", "pairing__mentee")
        .filter(pk=email.ref, sequence=email.params["sequence"])
        .exclude(status=MentoringSession.Status.HELD)
        .first()
    )
    return session_invitation_message(session) if session is not None else None


def session_invitation_message(session: MentoringSession) -> EmailMessage:
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
    return message


# --- action items: due tomorrow, overdue; once per item, state and due date ---------------


def action_item_nudge(item: ActionItem, *, overdue: bool) -> Owed:
    """A new due date is a new promise: its nudges are owed again (the date is in the key)."""
    return Owed(
        kind=ACTION_ITEM_OVERDUE if overdue else ACTION_ITEM_DUE_SOON,
        ref=item.pk,
        to=[item.owner_user.email],
        variant=item.due_on.isoformat(),
        params={"due_on": item.due_on.isoformat()},
    )


def action_item_nudge_build(email: Email) -> EmailMessage | None:
    """The nudge, unless the item was done, re-dated or its pairing ended meanwhile."""
    item = (
        ActionItem.objects.select_related("session__pairing__mentor", "session__pairing__mentee")
        .filter(
            pk=email.ref,
            done_at__isnull=True,
            due_on=datetime.date.fromisoformat(email.params["due_on"]),
            session__pairing__status=Pairing.Status.ACTIVE,
        )
        .first()
    )
    if item is None:
        return None
    owner = item.owner_user
    pairing = item.session.pairing
    page = "mentorship:my-mentees" if owner.pk == pairing.mentor_id else "mentorship:my-mentoring"
    state = "overdue" if email.kind == ACTION_ITEM_OVERDUE else "due_soon"
    if state == "overdue":
        subject = f"Overdue since {item.due_on:%d %b}: {item.description[:60]}"
    else:
        subject = f"Due tomorrow: {item.description[:60]}"
    body = render_to_string(
        "mentorship/email/action_item_nudge.txt",
        {"item": item, "owner": owner, "pairing": pairing, "state": state, "url": _url(page)},
    )
    return EmailMessage(subject=subject, body=body, to=[owner.email])


# --- quiet pairings: the mentor once per quiet spell, and HR's digest of new ones -------


def quiet_pairing_nudge(pairing: Pairing, *, since: datetime.date) -> Owed:
    """A quiet spell is known by its start (the last held session's day, or the start)."""
    return Owed(
        kind=QUIET_PAIRING,
        ref=pairing.pk,
        to=[pairing.mentor.email],
        variant=since.isoformat(),
        params={"since": since.isoformat()},
    )


def quiet_pairing_nudge_build(email: Email) -> EmailMessage | None:
    """The nudge, unless the pairing ended or a session ended the spell meanwhile."""
    since = datetime.date.fromisoformat(email.params["since"])
    pairing = (
        pairings_with_last_contact(Pairing.objects.filter(pk=email.ref))
        .filter(status=Pairing.Status.ACTIVE)
        .select_related("mentor", "mentee")
        .first()
    )
    if pairing is None or (
        quiet_since(last_contact=pairing.last_contact, started_on=pairing.started_on) != since
    ):
        return None
    body = render_to_string(
        "mentorship/email/quiet_pairing.txt",
        {"pairing": pairing, "quiet_since": since, "url": _url("mentorship:log-session")},
    )
    return EmailMessage(
        subject=f"It has been a while since you met {pairing.mentee.full_name}",
        body=body,
        to=[pairing.mentor.email],
    )


def quiet_digest(recipient: User, pairings: Sequence[Pairing], *, day: datetime.date) -> Owed:
    return Owed(
        kind=QUIET_DIGEST,
        ref=recipient.pk,
        to=[recipient.email],
        variant=day.isoformat(),
        params={"pairings": [pairing.pk for pairing in pairings]},
    )


def quiet_digest_build(email: Email) -> EmailMessage | None:
    recipient = User.objects.filter(pk=email.ref, is_active=True).first()
    if recipient is None:
        return None
    pairings = list(
        Pairing.objects.filter(pk__in=email.params["pairings"]).select_related("mentor", "mentee")
    )
    body = render_to_string(
        "mentorship/email/quiet_digest.txt",
        {"pairings": pairings, "url": _url("mentorship:pairings")},
    )
    subject = f"{len(pairings)} mentoring pairing{'s' if len(pairings) != 1 else ''} went quiet"
    return EmailMessage(subject=subject, body=body, to=[recipient.email])


# --- a pairing ended because the mentor or the mentee left the company ---------------------


def partner_left(pairing: Pairing, *, leaver: User) -> Owed:
    """To the one who stays (the mentor, whose seat is free again, or the mentee)."""
    stays = pairing.mentee if leaver.pk == pairing.mentor_id else pairing.mentor
    return Owed(kind=PARTNER_LEFT, ref=pairing.pk, to=[stays.email], params={"leaver": leaver.pk})


def partner_left_build(email: Email) -> EmailMessage | None:
    pairing = (
        Pairing.objects.select_related("mentor", "mentee", "mentor__mentor_profile")
        .filter(pk=email.ref, status=Pairing.Status.ENDED)
        .first()
    )
    if pairing is None:
        return None
    left_mentor = email.params["leaver"] == pairing.mentor_id
    leaver, stays = (
        (pairing.mentor, pairing.mentee) if left_mentor else (pairing.mentee, pairing.mentor)
    )
    if not stays.is_active:
        return None
    body = render_to_string(
        "mentorship/email/partner_left.txt",
        {
            "pairing": pairing,
            "leaver": leaver,
            "stays": stays,
            "left_mentor": left_mentor,
            "url": _url("mentorship:my-mentoring" if left_mentor else "mentorship:my-mentees"),
        },
    )
    return EmailMessage(
        subject=f"{leaver.full_name} has left the company: your mentoring pairing has ended",
        body=body,
        to=[stays.email],
    )


KINDS = [
    EmailKind(SESSION_INVITATION, build=session_invitation_build),
    EmailKind(ACTION_ITEM_DUE_SOON, build=action_item_nudge_build),
    EmailKind(ACTION_ITEM_OVERDUE, build=action_item_nudge_build),
    EmailKind(QUIET_PAIRING, build=quiet_pairing_nudge_build),
    EmailKind(QUIET_DIGEST, build=quiet_digest_build),
    EmailKind(PARTNER_LEFT, build=partner_left_build),
]

"""The pulse's emails: the invitation and the one reminder, each to one team member about
their leader. Built when sent (the live link is never stored), skipped when no longer
owed; sending one moves its invite on (pending → sent, sent → reminded). They name the
leader and carry the link, never anything about other answers."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from common.models import Email
from common.outbox import EmailKind, Owed
from pulse.links import answer_link
from pulse.models import PulseInvite, PulseRound

INVITATION = "pulse.invitation"
REMINDER = "pulse.reminder"
KIND_NAMES = (INVITATION, REMINDER)

SUBJECT_LINES = {
    INVITATION: "Two minutes on your team with {name}",
    REMINDER: "Reminder: two minutes on your team with {name}",
}
# The invite status each kind is owed in, and the status sending it moves the invite to.
OWED_IN = {
    INVITATION: (PulseInvite.Status.PENDING,),
    REMINDER: (PulseInvite.Status.SENT,),
}


def invite_email(invite_id: int, member_email: str, *, kind: str) -> Owed:
    return Owed(kind=kind, ref=invite_id, to=[member_email])


def invite_emails(invites) -> QuerySet[Email]:
    """The outbox rows about these invites (a queryset)."""
    return Email.objects.about(kinds=KIND_NAMES, refs=invites.values("pk"))


def invite_email_build(email: Email) -> EmailMessage | None:
    invite = (
        PulseInvite.objects.select_related("round__pulse__template", "leader", "member")
        .filter(
            pk=email.ref,
            status__in=OWED_IN[email.kind],
            round__status=PulseRound.Status.OPEN,
            round__closes_at__gt=timezone.now(),
        )
        .first()
    )
    if invite is None or not invite.member.is_active:
        return None
    leader = invite.leader
    body = render_to_string(
        "pulse/email/invitation.txt",
        {
            "reminder": email.kind == REMINDER,
            "member": invite.member,
            "leader": leader,
            "closes_at": invite.round.closes_at,
            "statements": invite.round.pulse.template.statements.count(),
            "link": answer_link(invite),
        },
    )
    return EmailMessage(
        subject=SUBJECT_LINES[email.kind].format(name=leader.full_name),
        body=body,
        to=[invite.member.email],
    )


def invite_email_sent(email: Email) -> None:
    invites = PulseInvite.objects.filter(pk=email.ref)
    if email.kind == INVITATION:
        invites.filter(status=PulseInvite.Status.PENDING).update(
            status=PulseInvite.Status.SENT, sent_at=email.sent_at
        )
    else:
        invites.filter(status=PulseInvite.Status.SENT).update(
            status=PulseInvite.Status.REMINDED, reminded_at=email.sent_at
        )


KINDS = [
    EmailKind(name, build=invite_email_build, on_sent=invite_email_sent) for name in KIND_NAMES
]

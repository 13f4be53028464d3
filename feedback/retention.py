"""Retention: who was asked about whom is kept for ``FEEDBACK_RETENTION_DAYS`` after a cycle.

Once a cycle's results were released (or the cycle was cancelled) that many days ago,
the purge removes every link between a rater and the person they were asked about: the
requests lose their rater (group and status stay, so response rates do not change), the
cycle's nominations go, and the requests and their emails lose recipients and delivery
errors; the audit trail of those rows loses the same names, addresses and errors.
Answers were never linked to a rater, so every released figure stays.

One link is kept on purpose: a rater who is HR keeps theirs while they are HR. HR sees
every report, and the anonymity rule needs to know which answers are the viewer's own
to hold back a group that clears the threshold only with them (docs/privacy.md,
attack 5). The purge runs daily and is idempotent, so such a link goes at the first run
after its rater stops being HR. Mentors, who also answer, no longer see a purged
cycle's reports (``feedback.selectors.report_visible_to``).
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from common import audit
from common.models import Email
from feedback import emails
from feedback.models import Cycle, Nomination, RaterRequest
from people.roles import Role, active_role_holders


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Cycles released (or cancelled) at or before this moment are past retention."""
    return now - datetime.timedelta(days=settings.FEEDBACK_RETENTION_DAYS)


def cycles_past_retention(*, now: datetime.datetime) -> QuerySet[Cycle]:
    cutoff = retention_cutoff(now)
    return Cycle.objects.filter(
        Q(status=Cycle.Status.CLOSED, released_at__lte=cutoff)
        | Q(status=Cycle.Status.CANCELLED, closed_at__lte=cutoff)
    )


@dataclasses.dataclass
class PurgeResult:
    cycles: int = 0  # cycles purged for the first time
    raters: int = 0  # requests that lost their rater
    nominations: int = 0
    emails: int = 0  # outbox rows that lost their recipients and errors
    errors: int = 0  # requests that lost their last delivery error


@transaction.atomic
def feedback_links_purge(*, now: datetime.datetime | None = None) -> PurgeResult:
    """Purge who-rated-whom links and delivery errors of every cycle past retention.

    Only rows still holding something are touched, so a second run changes nothing."""
    now = now or timezone.now()
    cycles = cycles_past_retention(now=now)
    requests = RaterRequest.objects.filter(cycle__in=cycles)
    result = PurgeResult()
    unlinked = list(
        requests.filter(rater__isnull=False)
        .exclude(rater__in=active_role_holders(Role.HR))
        .values_list("pk", flat=True)
    )
    result.raters = RaterRequest.objects.filter(pk__in=unlinked).update(rater=None)
    errored = list(requests.exclude(last_error="").values_list("pk", flat=True))
    result.errors = RaterRequest.objects.filter(pk__in=errored).update(last_error="")
    addressed = list(
        emails.request_emails(requests)
        .filter(~Q(to="") | ~Q(last_error=""))
        .values_list("pk", flat=True)
    )
    result.emails = Email.objects.filter(pk__in=addressed).update(to="", last_error="")
    nominations = list(Nomination.objects.filter(cycle__in=cycles).select_related("subject"))
    result.nominations, _ = Nomination.objects.filter(pk__in=[n.pk for n in nominations]).delete()
    _history_purge(unlinked + errored, addressed, nominations)
    result.cycles = cycles.filter(raters_purged_at__isnull=True).update(raters_purged_at=now)
    return result


def _history_purge(requests: list, addressed: list, nominations: list[Nomination]) -> None:
    """The audit trail forgets the same links: the purged rows' events lose the rater's
    name, address and delivery errors, and name the rows as they now read."""
    audit.events_redact(
        RaterRequest,
        requests,
        fields=("rater", "last_error"),
        reprs={pk: str(row) for pk, row in RaterRequest.objects.in_bulk(requests).items()},
    )
    audit.events_redact(
        Email,
        addressed,
        fields=("to", "last_error"),
        reprs={pk: str(row) for pk, row in Email.objects.in_bulk(addressed).items()},
    )
    audit.events_redact(
        Nomination,
        [n.pk for n in nominations],
        fields=("rater", "email", "full_name"),
        reprs={n.pk: f"A {n.group} rater of {n.subject} (purged)" for n in nominations},
    )

"""The outbox: the one way Lodestar sends email.

1. A service owes an email (``emails_owe``) in the same transaction as the business
   change: one ``Email`` row per email, under a unique key, so owing it twice is a no-op.
   The rows are published after the transaction commits, in batches of at most
   ``OUTBOX_SEND_BATCH`` ids per task message (one email: one message of one id).
2. One task sends a batch (``emails_send``): it claims the rows with one conditional
   UPDATE (queued → sending, or a claim left stale by a dead worker), builds the messages
   from the rows' references through the kinds their apps registered (``EmailKind``),
   then, over one SMTP connection and outside any transaction, sends each and records
   it before the next: sent, skipped (no longer owed), or a failure: retried with one
   backoff policy (one task per retry, at its time), then failed for HR to retry (at
   once when the server refused it for good: a 5xx reply, such as no such mailbox).
3. One periodic sweep (``emails_enqueue_owed``) enqueues every row that is owed and
   that nobody is working on: lost enqueues (Redis down), due retries, stale claims.

Only a worker killed between SMTP acceptance and the record can cause a repeat, and
only of the one email it was sending (the rest of its batch stays claimed until the
claim is stale, then the sweep enqueues it again). Bodies are never stored, so no live
link or token sits in the database, the admin or the logs.

common sits below every app: apps register their kinds in ``AppConfig.ready()``, and
nothing here imports them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
import logging
import random
import smtplib
import time
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from common import audit
from common.broker import enqueue, enqueue_on_commit
from common.errors import TransitionError
from common.models import Email

logger = logging.getLogger(__name__)

# The Celery tasks that send one row and a batch of rows (common/tasks.py), published by
# name: the task module imports this one, never the other way round.
SEND_TASK = "outbox.send"
SEND_BATCH_TASK = "outbox.send_batch"
# Every message carries its row's id in this header.
OUTBOX_HEADER = "X-Lodestar-Outbox-Id"


# --- kinds: how each app's emails are built -------------------------------------------


@dataclasses.dataclass(frozen=True)
class EmailKind:
    """How an app builds one kind of email when it is sent, and what sending it changes.

    ``build(email)`` returns the message, or None when the email is no longer owed (it
    is then skipped). ``build_many(emails)``, if given, does the same for a batch in a
    fixed number of queries and returns ``{email.pk: message or None}``.
    ``on_sent(email)`` and ``on_failed(email, final=...)`` run in the transaction that
    records the outcome (``email.sent_at`` / ``email.last_error`` set).
    """

    name: str
    build: Callable[[Email], EmailMessage | None]
    on_sent: Callable[[Email], None] | None = None
    on_failed: Callable[..., None] | None = None
    build_many: Callable[[list[Email]], dict[int, EmailMessage | None]] | None = None


_kinds: dict[str, EmailKind] = {}


def kinds_register(*kinds: EmailKind) -> None:
    for kind in kinds:
        if _kinds.setdefault(kind.name, kind) != kind:
            raise ImproperlyConfigured(f"Two different email kinds are named {kind.name!r}.")


# --- owing ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Owed:
    """One email to owe: what it is about and to whom (the message is built when sent)."""

    kind: str
    ref: int
    to: Sequence[str]
    # Tells apart emails of one kind about one thing: a calendar revision, a due date.
    variant: str = ""
    params: dict = dataclasses.field(default_factory=dict)

    @property
    def key(self) -> str:
        return ":".join(part for part in (self.kind, str(self.ref), self.variant) if part)


def emails_owe(owed: Iterable[Owed], *, now: datetime.datetime | None = None) -> list[Owed]:
    """Owe each email once and enqueue it after commit; returns the ones newly owed.

    A key owed before (whatever became of it) is left alone. Under a race two callers
    may both count an email as new, but only one row exists and it is sent once.
    """
    now = now or timezone.now()
    wanted = list({item.key: item for item in owed}.values())
    if not wanted:
        return []
    # Read before opening a transaction here: on SQLite a transaction that reads before
    # it writes fails at once under a concurrent writer instead of waiting its turn.
    known = set(
        Email.objects.filter(key__in=[item.key for item in wanted]).values_list("key", flat=True)
    )
    fresh = [item for item in wanted if item.key not in known]
    if not fresh:
        return []
    with transaction.atomic():
        Email.objects.bulk_create(
            [
                Email(
                    kind=item.kind,
                    key=item.key,
                    ref=item.ref,
                    params=item.params,
                    to=", ".join(item.to),
                    next_attempt_at=now,
                    enqueued_at=now,
                    created_at=now,
                )
                for item in fresh
            ],
            ignore_conflicts=True,
        )
        created = Email.objects.filter(
            key__in=[item.key for item in fresh], status=Email.Status.QUEUED
        )
        ids = list(created.order_by("pk").values_list("pk", flat=True))
        transaction.on_commit(lambda: publish(ids))
    return fresh


def email_owe(owed: Owed, *, now: datetime.datetime | None = None) -> bool:
    """Owe one email; False if it was owed before."""
    return bool(emails_owe([owed], now=now))


def emails_skip(emails: QuerySet[Email]) -> int:
    """These emails are no longer owed: the queued ones are skipped (one being sent
    right now finishes; its builder decides again whether it is still owed)."""
    return emails.filter(status=Email.Status.QUEUED).update(status=Email.Status.SKIPPED)


RETRY_AUDITED_FIELDS = ("status", "attempts", "next_attempt_at")


@transaction.atomic
def email_retry(*, email: Email, by, now: datetime.datetime | None = None) -> Email:
    """HR sends a failed email again, with a fresh set of attempts (the builder still
    decides whether it is owed; the last error stays until it is sent)."""
    now = now or timezone.now()
    retried = Email.objects.filter(pk=email.pk, status=Email.Status.FAILED).update(
        status=Email.Status.QUEUED,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
        claimed_at=None,
    )
    if not retried:
        raise TransitionError("Only a failed email can be retried.")
    before = audit.snapshot(email, RETRY_AUDITED_FIELDS)
    before["status"] = Email.Status.FAILED
    enqueue_on_commit(SEND_TASK, email.pk)
    email.refresh_from_db()
    audit.record(
        action="email.retry", by=by, obj=email, changes=audit.changed(email, before), at=now
    )
    return email


def publish(email_ids: Sequence[int]) -> None:
    """Publish send tasks for these rows, ``OUTBOX_SEND_BATCH`` ids to a message: a cycle
    of 20,000 invitations is 400 messages, not 20,000; one email is a batch of one. A
    message not published (Redis down) is logged; the sweep finds its rows."""
    size = settings.OUTBOX_SEND_BATCH
    for start in range(0, len(email_ids), size):
        enqueue(SEND_BATCH_TASK, list(email_ids[start : start + size]))


# --- sending ----------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    SENT = "sent"
    NOT_CLAIMED = "not_claimed"  # someone else has it, it is done, or it is not due yet
    SKIPPED = "skipped"  # no longer owed (the builder said so)
    RETRY = "retry"
    FAILED = "failed"
    # Claimed by a batch that ran out of time before its turn: back in the queue, the
    # attempt not counted, published again.
    DEFERRED = "deferred"


Result = tuple[Outcome, datetime.datetime | None]


def email_send(*, email_id: int, now: datetime.datetime | None = None) -> Result:
    """Send one owed email at most once; returns the outcome and, for a retry, when."""
    return emails_send(email_ids=[email_id], now=now)[email_id]


def emails_send(
    *, email_ids: Sequence[int], now: datetime.datetime | None = None
) -> dict[int, Result]:
    """Send these owed emails, each at most once, over one SMTP connection; returns each
    one's outcome and, for a retry, when.

    The rows are claimed together, their messages built together (``EmailKind.build_many``),
    then each is sent and recorded before the next: a worker killed mid-batch leaves at most
    the one in flight unrecorded, and the rest claimed for the sweep to find once the claim
    is stale. An error closes the connection (the next message opens a fresh one) and
    counts against that email only. A batch stops sending after ``OUTBOX_SEND_BATCH_SECONDS``
    (at most half the claim timeout) and puts the rest back unattempted: no claim it holds
    goes stale while it might still send, and no time limit interrupts it mid-record.
    """
    clock = (lambda: now) if now else timezone.now
    claimed_at = clock()
    results: dict[int, Result] = dict.fromkeys(email_ids, (Outcome.NOT_CLAIMED, None))
    emails = list(Email.objects.filter(pk__in=_claim(email_ids, claimed_at)).order_by("pk"))
    if not emails:
        return results
    built = _build_many(emails)
    deadline = time.monotonic() + min(
        settings.OUTBOX_SEND_BATCH_SECONDS, settings.OUTBOX_CLAIM_TIMEOUT / 2
    )
    smtp = _Connection()
    try:
        for position, email in enumerate(emails):
            if time.monotonic() > deadline:
                results.update(_release(emails[position:], claimed_at))
                break
            results[email.pk] = _send_one(email, built, smtp, clock())
    finally:
        smtp.close()
    return results


def _send_one(email: Email, built: dict, smtp: _Connection, now: datetime.datetime) -> Result:
    kind = _kinds.get(email.kind)
    try:
        if kind is None:
            raise ImproperlyConfigured(f"No email kind {email.kind!r} is registered.")
        message = _deliverable(built[email.pk] if email.pk in built else kind.build(email))
        if message is None:
            Email.objects.filter(pk=email.pk).update(status=Email.Status.SKIPPED)
            return Outcome.SKIPPED, None
        # The same id on every attempt: a repeat (the one a killed worker can cause) is
        # recognisable as such downstream.
        message.extra_headers[OUTBOX_HEADER] = str(email.pk)
        smtp.send(message)
    except Exception as error:  # SMTP, socket, TLS and builder errors all mean "not sent"
        return _record_failure(email, kind, error, now)
    _record_sent(email, kind, message, now)
    return Outcome.SENT, None


def _build_many(emails: list[Email]) -> dict[int, EmailMessage | None]:
    """The messages of the kinds that build many at once, by row id; a row left out (or
    all of a kind whose ``build_many`` fails) is built alone when its turn comes, so an
    error is recorded on the row it belongs to."""
    built: dict[int, EmailMessage | None] = {}
    by_kind: dict[str, list[Email]] = {}
    for email in emails:
        by_kind.setdefault(email.kind, []).append(email)
    for name, rows in by_kind.items():
        kind = _kinds.get(name)
        if kind is None or kind.build_many is None or len(rows) < 2:
            continue
        try:
            built.update(kind.build_many(rows))
        except Exception:
            logger.warning("Building %s %s emails at once failed; one at a time.", len(rows), name)
    return built


class _Connection:
    """One connection of the email backend for a batch: opened for the first message,
    dropped after any error so that the next message opens a fresh one (a connection the
    server closed, a timed-out DATA), closed at the end."""

    def __init__(self):
        self.backend = None

    def send(self, message: EmailMessage) -> None:
        if self.backend is None:
            self.backend = get_connection()
            self.backend.open()
        message.connection = self.backend
        try:
            message.send()
        except Exception:
            self.drop()
            raise

    def drop(self) -> None:
        """Forget the connection without QUIT: after an error it may never answer."""
        backend, self.backend = self.backend, None
        socket_holder = getattr(backend, "connection", None)
        with contextlib.suppress(Exception):
            if isinstance(socket_holder, smtplib.SMTP):
                socket_holder.close()
                backend.connection = None
            elif backend is not None:
                backend.close()

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception as error:  # every message was recorded: QUIT may fail
                logger.info("Closing the email connection failed: %s", error)


def undeliverable(address: str) -> bool:
    """An address on a ``.invalid`` domain (RFC 2606: none can exist), such as an erased
    person's placeholder: nothing is ever sent to one."""
    domain = address.rpartition("@")[2].strip().rstrip(">").lower()
    return domain == "invalid" or domain.endswith(".invalid")


def _deliverable(message: EmailMessage | None) -> EmailMessage | None:
    """The message without undeliverable recipients; None when nobody is left."""
    if message is None:
        return None
    for field in ("to", "cc", "bcc"):
        setattr(message, field, [a for a in getattr(message, field) if not undeliverable(a)])
    return message if message.recipients() else None


def _claim(email_ids: Sequence[int], now: datetime.datetime) -> list[int]:
    """Claim the ids that are owed and due, or whose claim is stale, in one conditional
    UPDATE; returns the ids this call claimed (RETURNING: of two concurrent claims of a
    row, exactly one gets it back)."""
    if not email_ids:
        return []
    stale_before = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    moment = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(Email._meta.db_table)
    ids = ", ".join(["%s"] * len(email_ids))
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1"  # noqa: S608 — names from the model, values as parameters
        f" WHERE id IN ({ids}) AND next_attempt_at <= %s"
        " AND (status = %s OR (status = %s AND claimed_at <= %s)) RETURNING id"
    )
    params = [
        Email.Status.SENDING,
        moment(now),
        *email_ids,
        moment(now),
        Email.Status.QUEUED,
        Email.Status.SENDING,
        moment(stale_before),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _release(emails: list[Email], claimed_at: datetime.datetime) -> dict[int, Result]:
    """Rows this batch claimed and never attempted: back to the queue with the attempt
    uncounted, and published again."""
    ids = [email.pk for email in emails]
    Email.objects.filter(pk__in=ids, status=Email.Status.SENDING, claimed_at=claimed_at).update(
        status=Email.Status.QUEUED,
        claimed_at=None,
        attempts=F("attempts") - 1,
        enqueued_at=timezone.now(),
    )
    publish(ids)
    return dict.fromkeys(ids, (Outcome.DEFERRED, None))


@transaction.atomic
def _record_sent(
    email: Email, kind: EmailKind, message: EmailMessage, now: datetime.datetime
) -> None:
    email.status, email.sent_at, email.last_error = Email.Status.SENT, now, ""
    email.to = ", ".join(message.to) or email.to
    Email.objects.filter(pk=email.pk).update(
        status=email.status, sent_at=now, last_error="", to=email.to
    )
    if kind.on_sent:
        kind.on_sent(email)


def permanent(error: Exception) -> bool:
    """A refusal that retrying cannot change: an SMTP 5xx reply (RFC 5321 4.2.1) to the
    message, or to every one of its recipients (no such mailbox). 4xx replies, timeouts
    and lost connections are transient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def retry_delay(attempt: int) -> datetime.timedelta:
    """Exponential backoff with jitter: base * 2^(attempt - 1), plus up to 30% at random
    so many failed sends do not all hit a recovering server at once."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return datetime.timedelta(seconds=base * (1 + random.uniform(0, 0.3)))  # noqa: S311 — jitter, not security


@transaction.atomic
def _record_failure(
    email: Email, kind: EmailKind | None, error: Exception, now: datetime.datetime
) -> tuple[Outcome, datetime.datetime | None]:
    # The error names the exception, never the message: no body, link or token.
    email.last_error = f"{type(error).__name__}: {error}"[:1000]
    logger.warning(
        "Email %s (%s) failed on attempt %s: %s",
        email.pk,
        email.kind,
        email.attempts,
        email.last_error,
    )
    final = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS or permanent(error)
    if final:
        email.status, retry_at = Email.Status.FAILED, None
        Email.objects.filter(pk=email.pk).update(status=email.status, last_error=email.last_error)
    else:
        email.status, retry_at = Email.Status.QUEUED, now + retry_delay(email.attempts)
        # Back to the queue; the retry message (or, if it is lost, the sweep) takes it then.
        Email.objects.filter(pk=email.pk).update(
            status=email.status,
            claimed_at=None,
            next_attempt_at=retry_at,
            enqueued_at=retry_at,
            last_error=email.last_error,
        )
    if kind is not None and kind.on_failed:
        kind.on_failed(email, final=final)
    return (Outcome.FAILED, None) if final else (Outcome.RETRY, retry_at)


def seconds_until(moment: datetime.datetime) -> float:
    return max((moment - timezone.now()).total_seconds(), 1.0)


# --- the sweep --------------------------------------------------------------------------


def emails_enqueue_owed(*, now: datetime.datetime | None = None) -> int:
    """Enqueue every email that is owed and that nobody is working on.

    That covers ones whose enqueue was lost (Redis down at commit, a dropped
    message), retries that are due, and claims left by a worker that died mid-send.
    Enqueueing twice is harmless: the send claims the row first.
    """
    now = now or timezone.now()
    requeue_before = now - datetime.timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER)
    stale_before = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    owed = Email.objects.filter(
        Q(status=Email.Status.QUEUED, next_attempt_at__lte=now)
        | Q(status=Email.Status.SENDING, claimed_at__lte=stale_before)
    ).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=requeue_before))
    # No transaction around read-then-write: on SQLite that upgrade fails fast under
    # a concurrent writer, and a doubled enqueue is harmless anyway.
    ids = list(
        owed.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[
            : settings.OUTBOX_SWEEP_BATCH
        ]
    )
    Email.objects.filter(pk__in=ids).update(enqueued_at=now)
    publish(ids)
    return len(ids)

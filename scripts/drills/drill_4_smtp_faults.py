"""Drill 4: the SMTP server answers 421 for a while, then hangs (the client times out),
then recovers: every email is retried with exponential backoff and jitter, then sent
once. Then a permanent 550 (no such mailbox): the email is failed at once with the
server's answer, HR sees it in the admin (Outbox → Emails, filtered on failed), and
HR's Retry, once the mailbox exists, sends it exactly once.

Lowered for the drill: OUTBOX_RETRY_BASE_SECONDS=1 (1, 2, 4 s... plus up to 30%),
EMAIL_TIMEOUT=2, outbox.sweep every 2 s."""

from __future__ import annotations

import itertools
import statistics
import time
from collections import defaultdict

from scripts import stack
from scripts.drills.drill import Drill, schedule_every

EMAILS = 6
ENV = {"OUTBOX_RETRY_BASE_SECONDS": "1", "OUTBOX_MAX_ATTEMPTS": "8", "EMAIL_TIMEOUT": "2"}


def attempts_at_least(rows, n: int) -> bool:
    return all(row.attempts >= n for row in rows.all())


def retry_gaps(smtp, addresses: set[str]) -> dict[int, list[float]]:
    """Seconds between one attempt and the next at the SMTP server, by attempt number."""
    times = defaultdict(list)
    for when, to, _ in smtp.handler.attempts:
        for address in to:
            if address in addresses:
                times[address].append(when)
    gaps = defaultdict(list)
    for moments in times.values():
        for n, (a, b) in enumerate(itertools.pairwise(moments), 1):
            gaps[n].append(b - a)
    return gaps


def transient(d: Drill, smtp) -> None:
    from common.models import Email
    from scripts.drills import world

    _, leaders = world.cohort_with_leaders(label="d4", leaders=EMAILS)
    rows = Email.objects.filter(kind="programs.welcome")
    addresses = {leader.email for leader in leaders}
    smtp.handler.answer = "421"
    d.say(f"the SMTP server answers 421 to everything; {EMAILS} welcomes owed")
    stack.wait_for("two refused attempts each", lambda: attempts_at_least(rows, 2), timeout=60)
    smtp.handler.answer = "hang"
    d.say("the SMTP server now never answers DATA (the client times out after 2 s)")
    stack.wait_for("a timed-out attempt each", lambda: attempts_at_least(rows, 3), timeout=90)
    errors = set(rows.values_list("last_error", flat=True))
    smtp.handler.answer = None
    recovered = time.monotonic()
    d.say("the SMTP server recovers")
    d.wait_received(f"{EMAILS} welcomes", lambda ids: sum(ids.values()) >= EMAILS, timeout=90)
    d.figure("time to deliver after recovery", f"{time.monotonic() - recovered:.1f} s")
    time.sleep(4)  # a late repeat would arrive now
    gaps = retry_gaps(smtp, addresses)
    ids = d.received_ids()
    d.figure("refused or timed-out attempts at the server", smtp.handler.refused)
    d.figure("attempts per email", sorted(rows.values_list("attempts", flat=True)))
    d.figure("errors kept while failing", sorted(e[:60] for e in errors))
    d.figure(
        "mean gap before retry n (s)",
        {n: round(statistics.mean(g), 2) for n, g in sorted(gaps.items())},
    )
    d.figure("spread of the first gaps (jitter, s)", round(max(gaps[1]) - min(gaps[1]), 2))
    d.figure("received", sum(ids.values()))
    d.check(sum(ids.values()) == EMAILS == len(ids), f"received {dict(ids)}")
    d.check(not rows.exclude(status="sent").exists(), "an email is not recorded sent")
    d.check(
        statistics.mean(gaps[2]) > statistics.mean(gaps[1]) * 1.4,
        "the second wait is not about twice the first (no exponential backoff)",
    )
    d.check(max(gaps[1]) - min(gaps[1]) > 0.02, "every first retry waited alike (no jitter)")


def permanent(d: Drill, smtp, site: stack.Site) -> None:
    from common.models import Email
    from scripts.drills import world

    _, (leader,) = world.cohort_with_leaders(label="d4p", leaders=1)
    smtp.handler.refuse_rcpt[leader.email] = "550 5.1.1 Recipient address rejected: User unknown"
    d.say(f"the SMTP server answers 550 (user unknown) for {leader.email}")
    row = Email.objects.get(kind="programs.welcome", to=leader.email)
    stack.wait_for(
        "the email failed",
        lambda: Email.objects.filter(pk=row.pk, status="failed").exists(),
        timeout=30,
    )
    row.refresh_from_db()
    d.figure("attempts before failed", row.attempts)
    d.figure("error kept", row.last_error)
    d.check(row.attempts == 1, f"a permanent refusal was tried {row.attempts} times")
    d.check("550" in row.last_error, "the error does not name the server's 550")

    site.sign_in_pages(site.hr_email, site.hr_password)
    _, _, page = site.call(
        "GET", "/admin/common/email/?status__exact=failed", headers={"Accept": "text/html"}
    )
    shown = leader.email in page.decode() and "550" in page.decode()
    d.figure("HR sees it in Outbox → Emails (failed), with the 550", shown)
    d.check(shown, "the failed email and its error are not on HR's admin page")

    smtp.handler.refuse_rcpt.clear()
    status, _, _ = site.form(
        "/admin/common/email/",
        {"action": "retry", "_selected_action": str(row.pk), "index": "0"},
        page="/admin/common/email/?status__exact=failed",
    )
    d.say(f"the mailbox exists now; HR pressed Retry (admin answered {status})")
    d.wait_received("the retried email", lambda ids: ids[str(row.pk)] >= 1, timeout=30)
    time.sleep(5)  # two more sweeps: a second copy would arrive now
    received = d.received_ids()[str(row.pk)]
    row.refresh_from_db()
    d.figure("received after HR's retry", received)
    d.check(received == 1, f"HR's retry was received {received} times")
    d.check(row.status == "sent", f"the retried email is {row.status}")


def main() -> int:
    with Drill("4", "SMTP answers 421, then times out, then recovers; then a 550", ENV) as d:
        s = d.stack
        s.redis()
        smtp = s.smtp_server()
        s.hr_superuser()
        s.manage("collectstatic", "--no-input", "-v", "0")
        site = s.web(workers=1)
        site.hr_email, site.hr_password = s.hr_email, s.hr_password
        s.django()
        s.beat("beat", "--max-interval", "1")
        schedule_every(s, "outbox-sweep", 2)
        s.worker("worker", "--concurrency", "2")
        transient(d, smtp)
        permanent(d, smtp, site)
    return d.result

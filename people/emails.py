"""Email addresses as mailboxes: which addresses reach the same person, and which belong
to the company.

``mailbox_key`` folds the spellings that deliver to one inbox (case, ``+tag``
sub-addressing, and Gmail's ignored dots), so a leader cannot nominate
``me+sock@example.com`` as someone else or one colleague twice.
"""

from django.conf import settings

DOTS_IGNORED = {"gmail.com", "googlemail.com"}


def mailbox_key(email: str) -> str:
    local, _, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def on_company_domain(email: str) -> bool:
    """Is the address on one of the company's email domains (``FEEDBACK_RATER_DOMAINS``)?"""
    domain = (email or "").strip().lower().rpartition("@")[2]
    return domain in {d.strip().lower() for d in settings.FEEDBACK_RATER_DOMAINS if d.strip()}

"""Reads for single sign-on's HR page."""

from __future__ import annotations

from directory.models import JitDomain
from directory.sso.services import allowed_domains


def jit_domain_rows() -> list[dict]:
    """HR's page: every allowed domain with whether it has just-in-time accounts, then any
    domain that still has them but is no longer allowed (to turn it off)."""
    on = set(JitDomain.objects.values_list("domain", flat=True))
    allowed = allowed_domains()
    rows = [{"domain": domain, "jit": domain in on, "allowed": True} for domain in allowed]
    rows += [{"domain": d, "jit": True, "allowed": False} for d in sorted(on - set(allowed))]
    return rows

"""The directory's admin pages (the admin's autodiscovery reads this module): single
sign-on's just-in-time domains live with single sign-on."""

from directory.sso.admin import JitDomainAdmin

__all__ = ["JitDomainAdmin"]

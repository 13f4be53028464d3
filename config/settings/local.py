"""Development settings: DEBUG on, emails written to var/mail/, SQLite by default."""

import os

os.environ.setdefault("DEBUG", "true")
# The demo company's people are all @example.com (README: leaders propose raters).
os.environ.setdefault("FEEDBACK_RATER_DOMAINS", "example.com")

from .base import *  # noqa: F403

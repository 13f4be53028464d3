"""Development settings: DEBUG on, emails written to var/mail/, SQLite by default."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403

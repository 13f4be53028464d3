"""Keep live rater links out of the logs.

A rater link is a bearer credential: whoever holds it can answer or decline for that
rater. Django logs the path of every 4xx and 5xx ("Gone: /feedback/r/<token>/") and
runserver logs every request, so every handler in settings.LOGGING carries this filter,
which replaces the token in any rater-link path with ``[redacted]``. A team pulse link
(``pulse:answer``) is the same kind of credential for a team member, and is redacted too.
"""

import functools
import logging
import re

from django.urls import reverse

PLACEHOLDER = "RATER-TOKEN"
# Every page opened by a token in its path (named, so no import of the apps above this).
LINK_URL_NAMES = ("feedback:respond", "feedback-respond", "pulse:answer")


@functools.cache
def _rater_link_paths() -> re.Pattern:
    """The rater-link and pulse-link paths, from the URL configuration (the one place
    they are defined)."""
    prefixes = [reverse(name, args=[PLACEHOLDER]).split(PLACEHOLDER)[0] for name in LINK_URL_NAMES]
    return re.compile("(" + "|".join(map(re.escape, prefixes)) + r")[^/\s?#\"']+")


def redact(text: str) -> str:
    return _rater_link_paths().sub(r"\1[redacted]", text)


class RedactRaterLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call is not this filter's to fix
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True

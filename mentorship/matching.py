"""What a leader most needs from a mentor: the web layer's input to matching.

This module sits with the web layer (API views and pages import it), so it may
read other apps' selectors: once feedback exists, its weakest dimensions join
the list here. Mentorship's domain code (models, services, selectors, tasks)
never imports it, so it never depends on feedback.
"""

from mentorship import selectors
from people.models import User
from programs.models import Competency


def needed_competencies_for(mentee: User) -> list[Competency]:
    return selectors.mentee_needed_competencies(mentee)

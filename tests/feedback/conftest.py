import datetime

import pytest

from feedback import clock as feedback_clock
from tests.feedback.helpers import Clock


@pytest.fixture
def clock():
    """A controllable clock for the feedback app: ``clock.set(dt)``, ``clock.advance(hours=1)``."""
    controlled = Clock(datetime.datetime(2027, 2, 1, 8, 0, tzinfo=datetime.UTC))
    yield controlled
    feedback_clock.freeze(None)

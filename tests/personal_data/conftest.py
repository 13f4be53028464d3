"""The world the personal-data tests act in (built in world.py)."""

import pytest

from tests.personal_data.world import Everywhere, build_everywhere


@pytest.fixture
def everywhere(db, clock, hr) -> Everywhere:
    """Pat Quinlan, a leader who also mentors, referred to by every kind of row."""
    return build_everywhere(hr=hr, now=clock.now)

import pytest

from tests.plans.world import build_world


@pytest.fixture
def world(db, clock):
    """A leader with a released report leaning to management, a mentor, tagged modules."""
    return build_world(clock)

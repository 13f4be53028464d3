import pytest

from tests.pulse.world import OPENED, build_world


@pytest.fixture
def world(db, clock):
    return build_world()


@pytest.fixture
def opened(world, clock, django_capture_on_commit_callbacks):
    """The world's first round, opened by the tick at 10:00 on its first day."""
    from pulse.services import pulse_tick

    clock.set(OPENED)
    with django_capture_on_commit_callbacks(execute=True):
        pulse_tick()
    return world.pulse.rounds.get()

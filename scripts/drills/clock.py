"""A Celery worker whose wall clock a drill moves (``python -m scripts.drills.clock -A
config worker ...``): before each task it reads an offset in seconds from the file named
by LODESTAR_DRILL_CLOCK and, when it changed, travels (time-machine, ticking) to the real
time plus that offset. Only wall-clock time moves (datetime.now, time.time), so
``timezone.now()`` in every service does; sleeps, timeouts and monotonic clocks stay real.
Use the threads pool: the tasks then run in the process whose clock moved."""

from __future__ import annotations

import datetime
import os
import sys
import threading
from pathlib import Path

import time_machine
from celery.signals import task_prerun

CLOCK_ENV = "LODESTAR_DRILL_CLOCK"
_lock = threading.Lock()
_state: dict = {"offset": 0.0, "traveller": None}


def offset_write(path: Path, seconds: float) -> None:
    """Move every clock-driven worker reading ``path`` to real time + ``seconds``."""
    partial = path.with_suffix(".tmp")
    partial.write_text(f"{seconds:.3f}\n")
    partial.rename(path)


def _travel(**_) -> None:
    text = Path(os.environ[CLOCK_ENV]).read_text().strip()
    offset = float(text or 0)
    with _lock:
        if offset == _state["offset"]:
            return
        if _state["traveller"] is not None:
            _state["traveller"].stop()
        real_now = datetime.datetime.now(datetime.UTC)
        traveller = time_machine.travel(real_now + datetime.timedelta(seconds=offset), tick=True)
        traveller.start()
        _state.update(offset=offset, traveller=traveller)


def main() -> None:
    task_prerun.connect(_travel, weak=False)
    from celery.__main__ import main as celery

    sys.argv = ["celery", *sys.argv[1:]]
    celery()


if __name__ == "__main__":
    main()

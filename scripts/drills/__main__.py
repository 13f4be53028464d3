"""Run every fault drill (scripts/drills/drill_*.py) in name order, each in its own
process, and print a summary; exit non-zero if any failed.

    DATABASE_URL=postgres://postgres@127.0.0.1/lodestar_drills python -m scripts.drills [NAME]

DATABASE_URL names a PostgreSQL database the drills may drop: it is created afresh and
migrated once, and each drill copies it into a database of its own (``<name>_<drill>``).
NAME (e.g. ``drill_1``) runs only the drills whose module name starts with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from scripts import stack
from scripts.drills import drill

HERE = Path(__file__).resolve().parent


def modules(prefixes: list[str]) -> list[str]:
    names = sorted(path.stem for path in HERE.glob("drill_*.py"))
    return [name for name in names if not prefixes or name.startswith(tuple(prefixes))]


def run(name: str) -> tuple[int, float]:
    started = time.monotonic()
    code = f"import sys; from scripts.drills import {name} as d; sys.exit(d.main())"
    env = {**os.environ, drill.TEMPLATE_READY: "1"}
    done = subprocess.run([stack.PYTHON, "-c", code], cwd=stack.ROOT, env=env, check=False)
    return done.returncode, time.monotonic() - started


def main() -> int:
    names = modules(sys.argv[1:])
    if not names:
        print(f"drills: no drill matches {sys.argv[1:]}", file=sys.stderr)
        return 2
    started = time.monotonic()
    drill.template_prepare()
    print(f"drills: migrated the template database in {time.monotonic() - started:.0f} s")
    results = []
    for name in names:
        print(f"\n==== {name}", flush=True)
        code, seconds = run(name)
        results.append((name, code, seconds))
    print("\n==== drills summary")
    width = max(len(name) for name in names)
    for name, code, seconds in results:
        outcome = "passed" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name:<{width}}  {seconds:6.0f} s  {outcome}")
    failed = [name for name, code, _ in results if code]
    print(
        f"drills: {len(results) - len(failed)} passed, {len(failed)} failed, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Which operations each fuzzing process of scripts/fuzz.sh takes, for one demo role.

    python scripts/fuzz_scope.py SCHEMA.json ROLE SHARDS

Prints one line per operation of the schema, ``<where>\t<METHOD /path>``, where
``<where>`` is ``0`` .. ``SHARDS-1`` for an operation the role may call, or ``denied``
for one the permission matrix (tests/permissions/matrix.py) answers 403 for the role on
every object: the role gate refuses it before the request is read, so its full budget of
examples would only repeat that 403 (the fuzzing still sends it a few of every kind, and
the roles allowed to call it spend the full budget on it).
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.permissions import matrix

COLUMN = {"leader": "leader", "mentor": "mentor", "hr": "HR"}
METHODS = ("get", "put", "patch", "post", "delete")


def _shape(path: str) -> str:
    """A path with every parameter, <x> or {x}, as {}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def denied_for(role: str) -> set[str]:
    column = matrix.CALLERS.index(COLUMN[role])
    return {
        f"{key.split(' ', 1)[0]} {_shape(key.split(' ', 1)[1])}"
        for key, row in matrix.EXPECTED.items()
        if row.split()[column] == "403"
    }


def main(schema_file: str, role: str, shards: str) -> None:
    schema = json.loads(Path(schema_file).read_text())
    denied = denied_for(role)
    allowed = 0
    for path, item in sorted(schema["paths"].items()):
        for method in METHODS:
            if method not in item:
                continue
            name = f"{method.upper()} {path}"
            if f"{method.upper()} {_shape(path)}" in denied:
                print(f"denied\t{name}")
            else:
                print(f"{allowed % int(shards)}\t{name}")
                allowed += 1


if __name__ == "__main__":
    main(*sys.argv[1:])

"""plans sits above every other domain app (docs/architecture.md, *Layers*): nothing of
theirs imports it, lazily or not. (The shared layers tool checks the other apps.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_PLANS = ("common", "people", "programs", "mentorship", "metrics", "feedback")
# The web layer of an app may read any selectors (and mentorship/matching.py says it
# belongs to mentorship's web layer).
WEB = ("api", "views.py", "urls.py", "forms.py", "admin.py", "management", "templatetags")
WEB_MODULES = {"demo.py", "matching.py"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_domain_module_below_plans_imports_it():
    upward = []
    for app in BELOW_PLANS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT / app).parts
            if "migrations" in parts or parts[0] in WEB or path.name in WEB_MODULES:
                continue
            upward += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in imported(path)
                if name == "plans" or name.startswith("plans.")
            ]
    assert not upward, upward

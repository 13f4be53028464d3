"""plans sits above every other domain app, pulse above feedback and metrics but below
plans, and directory above all of them but personal_data (docs/architecture.md,
*Layers*): nothing under each imports it, lazily or not.
(The shared layers tool checks the other apps.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_PULSE = ("common", "people", "programs", "mentorship", "metrics", "feedback")
BELOW_PLANS = (*BELOW_PULSE, "pulse")
# The directory ends a leaver's business through the apps that own it; only
# personal_data (erasure) and the web layer call it.
BELOW_DIRECTORY = (*BELOW_PLANS, "plans", "dashboards")
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


def _upward(below: tuple[str, ...], app_name: str) -> list[str]:
    upward = []
    for app in below:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT / app).parts
            if "migrations" in parts or parts[0] in WEB or path.name in WEB_MODULES:
                continue
            upward += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in imported(path)
                if name == app_name or name.startswith(f"{app_name}.")
            ]
    return upward


def test_no_domain_module_below_plans_imports_it():
    upward = _upward(BELOW_PLANS, "plans")
    assert not upward, upward


def test_no_domain_module_below_pulse_imports_it():
    upward = _upward(BELOW_PULSE, "pulse")
    assert not upward, upward


def test_no_domain_module_below_directory_imports_it():
    upward = _upward(BELOW_DIRECTORY, "directory")
    assert not upward, upward

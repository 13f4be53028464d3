"""The last step of make bench: issue 14's goals against what the runs measured, as one
table written into docs/performance.md (between the ``make bench`` markers) and printed.

    .venv/bin/python -m scripts.bench_report [--size small|full]

It reads the newest results of each run in bench/results/: the endpoints
(scripts/bench.py: <date>.json, or <date>-small.json), the locust run
(<date>-locust.json) and the email and import runs (<date>-load*.json). A run that has
no results yet is named as missing; nothing is measured here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- make bench: begin (scripts/bench_report.py writes this part) -->"
END = "<!-- make bench: end -->"
RATIO = 3.0  # request time ÷ its SQL floor, for every endpoint

# Issue 14's p95 goal per endpoint, by the start of the endpoint's name in scripts/bench.py.
P95_GOALS = (
    ("leader dashboard", 50),
    ("scorecard", 50),
    ("mentor dashboard", 50),
    ("feedback report", 50),
    ("development plan", 50),
    ("program impact", 300),
    ("cohort", None),  # 100 for a cohort of 30, 1,000 for the large one
    ("enrollments", 50),
    ("mentoring sessions", 50),
    ("observations", 50),
    ("rater requests", 50),
)


def p95_goal(endpoint: str) -> float | None:
    for start, goal in P95_GOALS:
        if endpoint.startswith(start):
            if goal is None:
                return 1000 if "large" in endpoint else 100
            return goal
    return None


def newest(pattern: str) -> Path | None:
    """The results file whose name matches that was written last."""
    found = [p for p in RESULTS.glob("*.json") if re.fullmatch(pattern, p.name)]
    return max(found, key=lambda p: p.stat().st_mtime, default=None)


def yes_no(met: bool) -> str:
    return "yes" if met else "**no**"


def endpoint_rows(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    lines = [
        f"Endpoints ({path.name}): {data['size']['leaders']:,} leaders added to the demo, "
        f"cohorts of {data['size']['cohort_size']} and one of {data['size']['large_cohort']:,}; "
        "p50 / p95 / p99 ms over n requests about random subjects, one at a time; the SQL "
        "floor is one request's statements re-run directly.",
        "",
        "| endpoint | n | p50 | p95 | p99 | queries | SQL floor | ÷ SQL | p95 goal | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in data["endpoints"]:
        goal = p95_goal(row["endpoint"])
        ratio = row["request_to_sql"] or 0
        met = (goal is None or row["p95_ms"] <= goal) and ratio <= RATIO
        lines.append(
            f"| {row['endpoint']} | {row['requests']} | {row['p50_ms']:,.1f} | "
            f"{row['p95_ms']:,.1f} | {row['p99_ms']:,.1f} | {row['queries']} | "
            f"{row['sql_floor_ms']:,.1f} | {ratio:.1f} | "
            f"{'' if goal is None else f'≤ {goal:,}'}, ÷ SQL ≤ {RATIO:g} | {yes_no(met)} |"
        )
    return lines


def locust_rows(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    total = data["endpoints"].get("Aggregated", {})
    goals = data["goals"]
    web = data.get("memory", {}).get("web", {}).get("peak_mb")
    rate, failures, p95 = (
        total.get("requests_per_second", 0),
        total.get("failures", 0),
        total.get("p95_ms", 0),
    )
    met = (
        rate >= goals["requests_per_second"]
        and failures <= goals["errors"]
        and p95 <= goals["p95_ms"]
    )
    return [
        f"Locust ({path.name}): {data['users']} users mixing the three roles for "
        f"{data['seconds']} s against gunicorn under production settings, "
        f"{data['leaders']:,} leaders.",
        "",
        "| figure | measured | goal | met |",
        "| --- | --- | --- | --- |",
        f"| requests/s | {rate} | ≥ {goals['requests_per_second']:g} | "
        f"{yes_no(rate >= goals['requests_per_second'])} |",
        f"| errors | {failures} | {goals['errors']} | {yes_no(failures <= goals['errors'])} |",
        f"| p95 ms | {p95:g} | ≤ {goals['p95_ms']:g} | {yes_no(p95 <= goals['p95_ms'])} |",
        f"| web peak memory | {web} MB | < 300 MB | {yes_no(web is not None and web < 300)} |",
        "",
        f"Locust overall: {'met' if met else '**missed**'}.",
    ]


def load_rows(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    lines = [
        f"Email and imports ({path.name}, scale {data.get('scale', 1):g} of issue 14's sizes), "
        "production settings, Celery workers, Redis, a local SMTP server:",
        "",
        "| figure | measured | goal | met |",
        "| --- | --- | --- | --- |",
    ]
    for row in data["table"]:
        met = "yes" if row["met"] == "yes" else f"**{row['met'].lower()}**"
        lines.append(f"| {row['figure']} | {row['measured']} | {row['goal']} | {met} |")
    return lines


def machine(paths: list[Path]) -> str:
    for path in paths:
        about = json.loads(path.read_text()).get("machine")
        if about:
            database = about.get("database") or f"PostgreSQL {about.get('postgresql', '?')}"
            return (
                f"{about['cores']} cores, {about['ram_gb']} GB, {database}, "
                f"Python {about['python']}, {about['platform']}"
            )
    return "unknown"


def report(size: str) -> str:
    day = r"\d{4}-\d\d-\d\d"
    if size == "full":  # the sizes only
        endpoints = newest(rf"{day}\.json")
        locust = newest(rf"{day}-locust\.json")
        load = newest(rf"{day}-load\.json")
    else:  # a small run's own files, else the newest of any size
        endpoints = newest(rf"{day}-{size}\.json")
        locust = newest(rf"{day}-locust-\d+u-\d+s\.json") or newest(rf"{day}-locust\.json")
        load = newest(rf"{day}-load-scale-[\d.]+\.json") or newest(rf"{day}-load\.json")
    found = [p for p in (endpoints, locust, load) if p]
    lines = [
        f"The last `make bench{'' if size == 'full' else ' SIZE=' + size}` run's figures "
        f"against issue 14's goals, on {machine(found)}.",
        "",
    ]
    for path, rows, name in (
        (endpoints, endpoint_rows, "endpoints (scripts/bench.py)"),
        (locust, locust_rows, "locust (scripts/bench_locust.py)"),
        (load, load_rows, "email and imports (scripts/bench_load.py)"),
    ):
        lines += rows(path) if path else [f"No results of the {name} run yet."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write(section: str, doc: Path = DOC) -> None:
    text = doc.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{doc}: the make bench markers are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n\n{section}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "full"), default="full")
    args = parser.parse_args(argv)
    section = report(args.size)
    write(section)
    print(section)
    print(f"Written to {DOC.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

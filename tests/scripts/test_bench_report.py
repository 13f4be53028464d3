"""make bench's goal table (scripts/bench_report.py): each figure against issue 14's goal,
written between the markers of docs/performance.md and nowhere else."""

import json

from scripts import bench_report


def _endpoint(name: str, p95: float, ratio: float) -> dict:
    return {
        "endpoint": name,
        "requests": 300,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95,
        "queries": 5,
        "sql_floor_ms": p95 / 2 / ratio,
        "request_to_sql": ratio,
    }


def test_each_endpoint_is_judged_by_its_own_goal_and_the_sql_ratio(tmp_path):
    path = tmp_path / "2026-12-01.json"
    machine = {"cores": 2, "ram_gb": 8, "database": "PostgreSQL 15", "python": "3.11"}
    path.write_text(
        json.dumps(
            {
                "machine": machine | {"platform": "Linux"},
                "size": {"leaders": 10000, "cohort_size": 30, "large_cohort": 1000},
                "endpoints": [
                    _endpoint("scorecard, cohort of 30", 49.0, 2.0),
                    _endpoint("mentor dashboard", 49.0, 3.5),  # fast, but mostly Python
                    _endpoint("program impact", 290.0, 1.2),
                    _endpoint("cohort summary (30)", 120.0, 1.5),
                    _endpoint("cohort summary (large)", 900.0, 1.5),
                ],
            }
        )
    )
    met = {
        line.split(" | ")[0].lstrip("| "): line.rstrip(" |").rsplit(" | ", 1)[1]
        for line in bench_report.endpoint_rows(path)
        if line.startswith("| ") and not line.startswith(("| endpoint", "| ---"))
    }
    assert met == {
        "scorecard, cohort of 30": "yes",
        "mentor dashboard": "**no**",
        "program impact": "yes",
        "cohort summary (30)": "**no**",
        "cohort summary (large)": "yes",
    }


def test_the_table_replaces_only_what_lies_between_the_markers(tmp_path):
    doc = tmp_path / "performance.md"
    begin, end = bench_report.BEGIN, bench_report.END
    doc.write_text(f"# Performance\nkept above\n{begin}\nold table\n{end}\nkept below\n")
    bench_report.write("new table\n", doc)
    text = doc.read_text()
    assert "old table" not in text
    assert text.startswith("# Performance\nkept above\n")
    assert text.endswith(f"new table\n\n{bench_report.END}\nkept below\n")
    bench_report.write("newer table\n", doc)
    assert doc.read_text().count(bench_report.BEGIN) == 1
    assert "new table" not in doc.read_text()

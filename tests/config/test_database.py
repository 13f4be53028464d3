"""How Lodestar talks to its database."""

from django.db import connection


def test_postgresql_runs_lodestar_without_jit(db):
    """JIT compilation cost more than it saved on Lodestar's statements
    (docs/performance.md): every connection turns it off (DATABASE_JIT=true keeps it)."""
    if connection.vendor != "postgresql":  # SQLite has no JIT and gets no such option
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

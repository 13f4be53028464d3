"""Rows streamed into a table as fast as the database takes them: COPY on PostgreSQL,
batched multi-row inserts elsewhere. For seed data at company size (demo/scale.py), not for
product writes: no model code runs (no save(), no signals, no auto_now), so every value,
timestamps included, is the caller's. Rows may be generated as they are written, but their
generator must not query the database: on PostgreSQL the connection is busy copying.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable

from django.db import connection, models

SQLITE_BATCH = 500  # rows per INSERT: SQLite allows at most 32,766 parameters per statement


class TableWriter:
    """Writes rows of ``fields`` (model field names, in order) into a model's table and
    reports each table on ``progress`` ("observations 960,000 rows in 41.2 s")."""

    def __init__(self, progress: Callable[[str], None]):
        self.progress = progress
        self.written: dict[str, int] = {}

    def write(self, label: str, model: type[models.Model], fields: list[str], rows: Iterable):
        started = time.monotonic()
        meta = model._meta
        # Django, not the database, fills in field defaults: columns not given get theirs.
        defaulted = [
            field
            for field in meta.concrete_fields
            if field.name not in fields and not field.primary_key and field.has_default()
        ]
        if defaulted:
            fixed = tuple(field.get_default() for field in defaulted)
            rows = (tuple(row) + fixed for row in rows)
        model_fields = [meta.get_field(name) for name in fields] + defaulted
        columns = [field.column for field in model_fields]
        if connection.vendor == "postgresql":
            count = self._copy(meta.db_table, columns, model_fields, rows)
        else:
            count = self._insert(meta.db_table, columns, model_fields, rows)
        self.written[label] = self.written.get(label, 0) + count
        self.progress(f"{label} {count:,} rows in {time.monotonic() - started:.1f} s")
        return count

    def _copy(self, table, columns, model_fields, rows) -> int:
        from psycopg import sql

        # psycopg adapts dates, aware datetimes, Decimals and UUIDs itself; JSON needs
        # Django's adapter (Jsonb).
        prepared = [
            i for i, field in enumerate(model_fields) if isinstance(field, models.JSONField)
        ]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        connection.ensure_connection()
        count = 0
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if prepared:
                    row = list(row)
                    for i in prepared:
                        row[i] = model_fields[i].get_db_prep_save(row[i], connection)
                copy.write_row(row)
                count += 1
        return count

    def _insert(self, table, columns, model_fields, rows) -> int:
        quote = connection.ops.quote_name
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # Table and column names come from the models, quoted by the backend.
        head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608
        batch_size = max(1, min(SQLITE_BATCH, 32_000 // len(columns)))
        count = 0
        rows = iter(rows)
        with connection.cursor() as cursor:
            while batch := list(itertools.islice(rows, batch_size)):
                params = [
                    field.get_db_prep_save(value, connection)
                    for row in batch
                    for field, value in zip(model_fields, row, strict=True)
                ]
                cursor.execute(head + ", ".join([one] * len(batch)), params)
                count += len(batch)
        return count

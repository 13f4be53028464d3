"""Reads about people that more than one app asks: who is below whom in the reporting line."""

from __future__ import annotations

from django.db.models.expressions import RawSQL

from people.models import User


def below_in_reporting_line(manager: User) -> RawSQL:
    """The ids of everyone below ``manager`` in the reporting line today, at any depth
    (their reports, their reports' reports, ...), as one subquery for ``pk__in=``.

    A recursive query both SQLite and PostgreSQL run; ``UNION`` (not ``UNION ALL``) ends
    the walk at a cycle in HR data (A reports to B reports to A) instead of looping. In
    such a cycle the walk comes back to ``manager``, who is never below themselves (a
    manager who also leads would otherwise be one of their own leaders)."""
    table = User._meta.db_table  # the model's own name; the manager's id is a parameter
    return RawSQL(  # noqa: S611
        f"WITH RECURSIVE below(id) AS ("  # noqa: S608
        f"SELECT id FROM {table} WHERE manager_id = %s "
        f"UNION SELECT person.id FROM {table} person JOIN below ON person.manager_id = below.id"
        f") SELECT id FROM below WHERE id <> %s",
        [manager.pk, manager.pk],
    )

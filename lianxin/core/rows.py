"""Inserting one new row without the ORM's query building, for the few writes every request of
the hot path makes (the appeal at intake, the audit event of every change).

Why: for a wide model the ORM's INSERT compiler cost more than the statement itself (the
49-field appeal: 0.55-0.85 ms through `save()`, 0.35-0.5 ms here, SQLite, this machine). The
fields' own conversions still apply (`pre_save`, `get_db_prep_save`), so what is stored is
what `save()` would store. No signals are sent: use it only for models no receiver listens to
(pre_save/post_save), and only for a new row."""

from functools import cache
from typing import Any

from django.db import connections, models


@cache
def _statement(model: type[models.Model], using: str) -> tuple[list[Any], str]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connections[using].ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608


def insert_row(obj: models.Model, *, using: str = "default") -> None:
    """INSERT `obj` as a new row and set its primary key (an auto id), as `save(force_insert=
    True)` would; a broken constraint raises django.db.IntegrityError as there."""
    connection = connections[using]
    fields, sql = _statement(type(obj), using)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    pk = obj._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(str(pk.column))}", values)
            obj.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, values)
            obj.pk = cursor.lastrowid
    obj._state.adding = False
    obj._state.db = using

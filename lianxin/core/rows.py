"""Inserting a new row, or updating some fields of one, without the ORM's query building, for
the writes every request of the hot path makes (the appeal at intake, the audit event and the
saved fields of every change: core.transitions.commit).

Why: for a wide model the ORM's INSERT compiler cost more than the statement itself (the
49-field appeal: 0.55-0.85 ms through `save()`, 0.35-0.5 ms here, SQLite, this machine). The
fields' own conversions still apply (`pre_save`, `get_db_prep_save`), so what is stored is
what `save()` would store. No signals are sent: use them only for models no receiver listens to
(pre_save/post_save)."""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import DatabaseError, connections, models


@cache
def _statement(model: type[models.Model], using: str) -> tuple[list[Any], str]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connections[using].ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608


def insert_row(obj: models.Model, *, using: str = "default") -> None:
    """INSERT `obj` as a new row and set its primary key (an auto id), as `save(force_insert=
    True)` would; a broken constraint raises django.db.IntegrityError as there. Within
    `inserts_held`, when the block ends."""
    if _hold([obj]):
        return
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


def insert_rows(objs: Sequence[models.Model]) -> None:
    """INSERT new rows of one model in one statement (`bulk_create`); within `inserts_held`,
    when the block ends."""
    if objs and not _hold(objs):
        type(objs[0])._default_manager.bulk_create(objs)


_held = threading.local()


@contextmanager
def inserts_held() -> Iterator[None]:
    """The rows insert_row and insert_rows are given inside the block are inserted when it
    ends, inside the caller's transaction: each model's in one statement, in the order they
    were given (so in the order of their ids). For a sweeper that changes many records in one
    transaction: routing writes two audit events and a message to the unit's officials for
    each appeal it dispatches.

    The rows have no id until the block ends, so hold only rows no other row refers to. An
    exception drops them with the transaction it rolls back; so nothing inside may roll back a
    savepoint and go on (its rows would be inserted all the same)."""
    if getattr(_held, "rows", None) is not None:  # within a block already: that one inserts
        yield
        return
    _held.rows = {}
    try:
        yield
        rows, _held.rows = _held.rows, None
        for model, objs in rows.items():
            model._default_manager.bulk_create(objs)
    finally:
        _held.rows = None


def _hold(objs: Sequence[models.Model]) -> bool:
    held: dict[type[models.Model], list[models.Model]] | None = getattr(_held, "rows", None)
    if held is None:
        return False
    held.setdefault(type(objs[0]), []).extend(objs)
    return True


@cache
def _update_statement(
    model: type[models.Model], names: tuple[str, ...], using: str
) -> tuple[list[Any], str]:
    fields = [model._meta.get_field(name) for name in names]
    for field in fields:
        if not field.concrete or field.many_to_many or field.primary_key:
            raise ValueError(f"{model.__name__}.{field.name} is not a column to update")
    qn = connections[using].ops.quote_name
    sets = ", ".join(f"{qn(str(f.column))} = %s" for f in fields)  # type: ignore[union-attr]
    pk = model._meta.pk
    assert pk is not None
    table = qn(model._meta.db_table)
    return fields, f"UPDATE {table} SET {sets} WHERE {qn(str(pk.column))} = %s"  # noqa: S608


def update_row(obj: models.Model, fields: list[str], *, using: str = "default") -> None:
    """UPDATE the named `fields` of `obj`'s row, as `save(update_fields=fields)` would (an
    `auto_now` field among them takes the time now); DatabaseError if the row is gone."""
    if not fields:
        return
    connection = connections[using]
    columns, sql = _update_statement(type(obj), tuple(fields), using)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in columns]
    pk = obj._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, pk.get_db_prep_value(obj.pk, connection)])
        if cursor.rowcount != 1:
            raise DatabaseError("update_row did not affect any rows.")

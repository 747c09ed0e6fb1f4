"""Inserting a new row, or updating some fields of one, without the ORM's query building, for
the writes every request of the hot path makes (the appeal at intake, the audit event and the
saved fields of every change: core.transitions.commit); and holding such writes to the end of
a block, to write them in a few statements (`writes_held`: the routing sweeper).

Why: for a wide model the ORM's INSERT compiler cost more than the statement itself (the
49-field appeal: 0.55-0.85 ms through `save()`, 0.35-0.5 ms here, SQLite, this machine). The
fields' own conversions still apply (`pre_save`, `get_db_prep_save`), so what is stored is
what `save()` would store. No signals are sent: use them only for models no receiver listens to
(pre_save/post_save)."""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    `writes_held`, when the block ends."""
    if _held_block() is not None:
        insert_rows([obj])
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
    """INSERT new rows of one model in one statement (`bulk_create`); within `writes_held`,
    when the block ends."""
    if not objs:
        return
    held = _held_block()
    if held is not None:
        held.inserts.setdefault(type(objs[0]), []).extend(objs)
    else:
        type(objs[0])._default_manager.bulk_create(objs)


@cache
def _update_statement(
    model: type[models.Model], names: tuple[str, ...], using: str
) -> tuple[list[Any], str]:
    fields = [model._meta.get_field(name) for name in names]
    for f in fields:
        if not f.concrete or f.many_to_many or f.primary_key:
            raise ValueError(f"{model.__name__}.{f.name} is not a column to update")
    qn = connections[using].ops.quote_name
    sets = ", ".join(f"{qn(str(f.column))} = %s" for f in fields)  # type: ignore[union-attr]
    pk = model._meta.pk
    assert pk is not None
    table = qn(model._meta.db_table)
    return fields, f"UPDATE {table} SET {sets} WHERE {qn(str(pk.column))} = %s"  # noqa: S608


def update_row(obj: models.Model, fields: Sequence[str], *, using: str = "default") -> None:
    """UPDATE the named `fields` of `obj`'s row, as `save(update_fields=fields)` would (an
    `auto_now` field among them takes the time now); DatabaseError if the row is gone.
    Within `writes_held`, when the block ends."""
    if not fields:
        return
    held = _held_block()
    if held is not None:
        _obj, named = held.updates.setdefault((type(obj), obj.pk), (obj, {}))
        named.update(dict.fromkeys(fields))
        return
    _update_rows(type(obj), tuple(fields), [obj], using)


def _update_rows(
    model: type[models.Model], names: tuple[str, ...], objs: list[models.Model], using: str
) -> None:
    connection = connections[using]
    columns, sql = _update_statement(model, names, using)
    pk = model._meta.pk
    assert pk is not None
    params = [
        [
            *(f.get_db_prep_save(f.pre_save(obj, False), connection) for f in columns),
            pk.get_db_prep_value(obj.pk, connection),
        ]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:  # one statement, many rows: psycopg sends them in one round trip (pipeline mode)
            cursor.executemany(sql, params)
        if cursor.rowcount != len(objs):
            raise DatabaseError("update_row did not affect every row.")


@dataclass
class _Held:
    inserts: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    # Each row once, with every field named for it; its values read when the block ends.
    updates: dict[tuple[type[models.Model], Any], tuple[models.Model, dict[str, None]]] = field(
        default_factory=dict
    )


_held = threading.local()


def _held_block() -> _Held | None:
    return getattr(_held, "block", None)


@contextmanager
def writes_held(*, using: str = "default") -> Iterator[None]:
    """What insert_row, insert_rows and update_row are given inside the block is written when
    it ends, inside the caller's transaction, in a few statements: each row updated once, with
    every field named for it and its values as they are then (the rows with the same fields in
    one statement); then each model's new rows in one INSERT, in the order they were given (so
    in the order of their ids). For a sweeper that changes many records in one transaction:
    routing updates each appeal twice and writes two audit events and a message to the unit's
    officials for it.

    So: the rows held have no id until the block ends, and hold only rows no other row refers
    to; update a row through one instance only. An exception drops what is held with the
    transaction it rolls back, so nothing inside may roll back a savepoint and go on (what it
    held would be written all the same)."""
    if _held_block() is not None:  # within a block already: that one writes
        yield
        return
    _held.block = _Held()
    try:
        yield
        held, _held.block = _held.block, None
        same_fields: dict[tuple[type[models.Model], tuple[str, ...]], list[models.Model]] = {}
        for (model, _pk), (obj, named) in held.updates.items():
            same_fields.setdefault((model, tuple(named)), []).append(obj)
        for (model, names), objs in same_fields.items():
            _update_rows(model, names, objs, using)
        for model, new in held.inserts.items():
            model._default_manager.bulk_create(new)
    finally:
        _held.block = None

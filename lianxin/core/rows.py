"""Inserting a new row, or updating some fields of one, without the ORM's query building, for
the writes every request of the hot path makes (the appeal at intake, the audit event and the
saved fields of every change: core.transitions.commit); and holding such writes, to write them
later in a few statements (`writes_held`: the routing sweeper).

Why: for a wide model the ORM's INSERT compiler cost more than the statement itself (the
49-field appeal: 0.55-0.85 ms through `save()`, 0.35-0.5 ms here, SQLite, this machine). The
fields' own conversions still apply (`pre_save`, `get_db_prep_save`), so what is stored is
what `save()` would store. No signals are sent: use them only for models no receiver listens to
(pre_save/post_save)."""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import DatabaseError, connections, models, transaction

# Prepared writes: a statement and its parameters (a list of rows for an UPDATE, run with
# executemany), the rows it inserts (to set their ids), and how many it must update.
Prepared = tuple[str, list[Any], list[models.Model], int]


@cache
def _insert_statement(model: type[models.Model], using: str, rows: int) -> tuple[list[Any], str]:
    """The INSERT of `rows` new rows, returning their ids where the database can."""
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    marks = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {marks}"  # noqa: S608
    if connection.features.can_return_rows_from_bulk_insert:
        pk = model._meta.pk
        assert pk is not None
        sql += f" RETURNING {qn(str(pk.column))}"
    return fields, sql


def _inserts(objs: Sequence[models.Model], using: str) -> list[Prepared]:
    """The INSERTs of new rows of one model, as many rows to a statement as the database
    takes parameters for (one, where it cannot return their ids)."""
    connection = connections[using]
    model = type(objs[0])
    fields, _sql = _insert_statement(model, using, 1)
    size = 1
    if connection.features.can_return_rows_from_bulk_insert:
        size = max(1, connection.ops.bulk_batch_size(fields, objs))
    prepared: list[Prepared] = []
    for start in range(0, len(objs), size):
        batch = list(objs[start : start + size])
        _fields, sql = _insert_statement(model, using, len(batch))
        values = [
            f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in batch for f in fields
        ]
        prepared.append((sql, values, batch, 0))
    return prepared


def _updates(
    model: type[models.Model], names: tuple[str, ...], objs: Sequence[models.Model], using: str
) -> Prepared:
    """The UPDATE of the named fields of these rows, with their values now."""
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
    return sql, params, [], len(objs)


def _run(statements: Sequence[Prepared], using: str) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for sql, params, inserted, updates in statements:
            if inserted:
                cursor.execute(sql, params)
                if connection.features.can_return_rows_from_bulk_insert:
                    ids = [row[0] for row in cursor.fetchall()]
                else:  # one row a statement there (_inserts)
                    ids = [cursor.lastrowid]
                for obj, pk in zip(inserted, ids, strict=True):
                    obj.pk = pk
                    obj._state.adding = False
                    obj._state.db = using
                continue
            if len(params) == 1:
                cursor.execute(sql, params[0])
            else:  # one statement, many rows: psycopg sends them in one round trip (pipeline)
                cursor.executemany(sql, params)
            if cursor.rowcount != updates:
                raise DatabaseError("update_row did not affect every row.")


def insert_row(obj: models.Model, *, using: str = "default") -> None:
    """INSERT `obj` as a new row and set its primary key (an auto id), as `save(force_insert=
    True)` would; a broken constraint raises django.db.IntegrityError as there. Within
    `writes_held`, when what is held is written."""
    insert_rows([obj], using=using)


def insert_rows(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """insert_row for new rows of one model, in one statement (as many as the database takes
    parameters for); within `writes_held`, when what is held is written."""
    if not objs:
        return
    held = _held_block()
    if held is not None:
        held.inserts.setdefault(type(objs[0]), []).extend(objs)
    else:
        _run(_inserts(objs, using), using)


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
    Within `writes_held`, when what is held is written."""
    if not fields:
        return
    held = _held_block()
    if held is not None:
        _obj, named = held.updates.setdefault((type(obj), obj.pk), (obj, {}))
        named.update(dict.fromkeys(fields))
        return
    _run([_updates(type(obj), tuple(fields), [obj], using)], using)


class Held:
    """The writes held by a `writes_held` block: prepared when the block ends (the statements
    and their parameters), written by `write()`."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.inserts: dict[type[models.Model], list[models.Model]] = {}
        # Each row once, with every field named for it.
        self.updates: dict[tuple[type[models.Model], Any], tuple[models.Model, dict[str, None]]]
        self.updates = {}
        self.after_commit: list[Callable[[], Any]] = []
        self.statements: list[Prepared] | None = None

    def prepare(self) -> None:
        """Each row updated once, with every field named for it and its values as they are
        now (the rows with the same fields in one statement); then each model's new rows in
        one INSERT, in the order they were given (so in the order of their ids)."""
        same_fields: dict[tuple[type[models.Model], tuple[str, ...]], list[models.Model]] = {}
        for (model, _pk), (obj, named) in self.updates.items():
            same_fields.setdefault((model, tuple(named)), []).append(obj)
        self.statements = [
            _updates(model, names, objs, self.using) for (model, names), objs in same_fields.items()
        ]
        for new in self.inserts.values():
            self.statements += _inserts(new, self.using)

    def write(self) -> None:
        """Write what is held, inside the caller's transaction; what was to run after commit
        is then handed to the transaction (`on_commit`). Once."""
        if not connections[self.using].in_atomic_block:
            raise RuntimeError("Held.write() must run inside transaction.atomic()")
        if self.statements is None:
            raise RuntimeError("what is held is written once, after its block")
        statements, self.statements = self.statements, None
        _run(statements, self.using)
        for callback in self.after_commit:
            transaction.on_commit(callback, using=self.using)


_held = threading.local()


def _held_block() -> Held | None:
    return getattr(_held, "block", None)


def holding() -> bool:
    """Whether this thread's writes are held now (`writes_held`): they will be written inside
    a transaction, so a service may build its changes as if it were in one."""
    return _held_block() is not None


def on_commit(callback: Callable[[], Any]) -> None:
    """`transaction.on_commit(callback)`; within `writes_held`, once what is held is written."""
    held = _held_block()
    if held is not None:
        held.after_commit.append(callback)
    else:
        transaction.on_commit(callback)


@contextmanager
def writes_held(*, using: str = "default") -> Iterator[Held]:
    """What insert_row, insert_rows, update_row and on_commit are given inside the block is
    held, not written; when the block ends its statements are prepared, and the caller writes
    them with `held.write()` inside a transaction: a few statements, run with nothing left to
    build. For a sweeper that changes many records at once: routing updates each appeal twice
    and writes two audit events and a message to the unit's officials for it.

    The block needs no transaction itself, so a sweeper can build its changes before it takes
    the database, and hold it only to check that the rows it read have not changed and to
    write (routing: on SQLite, a transaction holds the whole database). Inside, no statement
    may write directly: it would not wait for `write()`.

    So: the rows held have no id until written, and hold only rows no other row refers to;
    update a row through one instance only. What is held and never written is dropped."""
    if _held_block() is not None:
        raise RuntimeError("writes_held() blocks do not nest")
    _held.block = held = Held(using)
    try:
        yield held
    finally:
        _held.block = None
    held.prepare()

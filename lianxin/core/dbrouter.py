"""Reads that may be served by a read replica (DATABASE_REPLICA_URL): the dashboards, rankings
and exports, which read much and can be a second or two behind. Nothing else moves: every other
read stays on the primary, so a page that follows a write always sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_on_replica: ContextVar[bool] = ContextVar("lianxin_reading_replica", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reading_replica() -> Iterator[None]:
    """The reads inside go to the replica when one is configured (ReplicaRouter); writes, and
    reads inside a transaction already open on the primary, stay on the primary."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


@contextmanager
def reading_primary() -> Iterator[None]:
    """The reads inside stay on the primary, whatever encloses them: a Celery task run inline
    (eagerly) after a commit inside `reading_replica()` reads what was just committed."""
    token = _on_replica.set(False)
    try:
        yield
    finally:
        _on_replica.reset(token)


def on_replica(func: Callable[P, R]) -> Callable[P, R]:
    """`reading_replica()` around a whole selector."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reading_replica():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Django's database router (DATABASE_ROUTERS). Without a replica alias it answers None
    everywhere, which leaves Django's default: everything on the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _on_replica.get() or not replica_configured():
            return None
        # Inside a transaction on the primary (a service reading what it is about to write),
        # the replica would not have the transaction's own rows yet.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # One database, copied: an object read from the replica may point at one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica receives the schema by replication, never by `migrate`.
        return db != REPLICA

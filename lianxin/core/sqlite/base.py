"""Django's SQLite backend, with one change: a transaction waits for its turn to write on a
lock file beside the database (`<file>.writers`), which every process of the server shares,
instead of in SQLite's busy handler.

Why: SQLite lets one writer at a time hold the database (every transaction here begins
IMMEDIATE). A connection that finds it taken sleeps in SQLite's busy handler, in steps that
grow to 100 ms, and looks again only then; whoever asks at the moment it is free gets it. A
request that had waited a little kept sleeping longer while the sweepers of run_schedule took
the database back again and again: at full intake citizens' appeals waited seconds
(bench/intake.py). Here the waiter looks again at least every millisecond, so it gets the
database soon after it is free, and the sweepers leave it free between their chunks
(core.queue.in_turns).

The lock covers exactly what SQLite's own write lock covers, from BEGIN to COMMIT or ROLLBACK,
so nothing can wait on it that would not have waited anyway; after the connection's timeout
it fails as SQLite would ("database is locked"). A process that dies holding it loses it with
its file descriptor. Statements outside a transaction (Django's autocommit) do not take it:
they are single short writes and keep SQLite's own handler. An in-memory database has no
file, and no other process: no lock."""

import fcntl
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

# The longest a waiting writer sleeps before it looks again.
MAX_POLL_SECONDS = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn_fd: int | None = None
        self._has_turn = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._give_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._give_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._give_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._give_turn()
            if self._turn_fd is not None:
                os.close(self._turn_fd)
                self._turn_fd = None

    def _take_turn(self) -> None:
        if self.is_in_memory_db():
            return
        if self._turn_fd is None:
            self._turn_fd = os.open(
                f"{self.settings_dict['NAME']}.writers", os.O_RDWR | os.O_CREAT, 0o600
            )
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = MAX_POLL_SECONDS / 8
        while True:
            try:
                fcntl.flock(self._turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, MAX_POLL_SECONDS)
                continue
            self._has_turn = True
            return

    def _give_turn(self) -> None:
        if self._has_turn and self._turn_fd is not None:
            self._has_turn = False
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)

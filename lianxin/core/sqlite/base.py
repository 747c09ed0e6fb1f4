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
file, and no other process: no lock.

A writer that has to wait says so, with a shared lock on a second file (`<file>.waiting`) for
as long as it waits: `writers_waiting()` tells the sweepers that requests are waiting, and
they pause (core.queue.in_turns), as long as their turns held the database (`turn_seconds`)."""

import fcntl
import os
import time
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base, creation
from django.db.utils import OperationalError

# The longest a waiting writer sleeps before it looks again.
MAX_POLL_SECONDS = 0.001


TURN_FILES = (".writers", ".waiting")


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        """A test database goes with its lock files (nobody can be using them by then)."""
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]
        if test_database_name and not self.is_in_memory_db(test_database_name):
            for suffix in TURN_FILES:
                Path(f"{test_database_name}{suffix}").unlink(missing_ok=True)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn_fd: int | None = None
        self._waiting_fd: int | None = None
        self._has_turn = False
        self._turn_since = 0.0
        # How long this connection has held the turn to write, in all (core.queue.in_turns).
        self.turn_seconds = 0.0

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

    def close(self) -> None:
        try:
            super().close()
        finally:
            # Closed (a transaction still open is rolled back by SQLite), or never opened.
            if self.connection is None or self.closed_in_transaction:
                self._give_turn()
                for fd in (self._turn_fd, self._waiting_fd):
                    if fd is not None:
                        os.close(fd)
                self._turn_fd = self._waiting_fd = None

    def _take_turn(self) -> None:
        if self.is_in_memory_db():
            return
        turn = self._turn_file()
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait_for_turn(turn)
        self._has_turn = True
        self._turn_since = time.monotonic()

    def _wait_for_turn(self, turn: int) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = MAX_POLL_SECONDS / 8
        waiting = self._waiting_file()
        fcntl.flock(waiting, fcntl.LOCK_SH)
        try:
            while True:
                time.sleep(pause)
                pause = min(pause * 2, MAX_POLL_SECONDS)
                try:
                    fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked") from None
        finally:
            fcntl.flock(waiting, fcntl.LOCK_UN)

    def _give_turn(self) -> None:
        if self._has_turn and self._turn_fd is not None:
            self._has_turn = False
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            self.turn_seconds += time.monotonic() - self._turn_since

    def writers_waiting(self) -> bool:
        """Whether a connection (of any process) is waiting for its turn to write now."""
        if self.is_in_memory_db():
            return False
        waiting = self._waiting_file()
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(waiting, fcntl.LOCK_UN)
        return False

    def _turn_file(self) -> int:
        if self._turn_fd is None:
            self._turn_fd = self._open_beside(".writers")
        return self._turn_fd

    def _waiting_file(self) -> int:
        if self._waiting_fd is None:
            self._waiting_fd = self._open_beside(".waiting")
        return self._waiting_fd

    def _open_beside(self, suffix: str) -> int:
        return os.open(f"{self.settings_dict['NAME']}{suffix}", os.O_RDWR | os.O_CREAT, 0o600)

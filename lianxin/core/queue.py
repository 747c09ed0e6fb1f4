"""Queuing the work a commit leaves behind, and finding it again in the database.

With a broker, `enqueue` sends a task after commit; with the broker down, the task is not
queued: that is logged, the request goes on (what it wrote is committed), and the task's
sweeper does the work when it runs. Without a broker (embedded, `make run`) nothing is queued
and nothing runs in the request: `manage.py run_schedule` runs the sweepers every second
(`work_pending`), and they find the work in the database (appeals not yet routed or analysed,
notifications pending), so a restart loses nothing. The same task functions do the work either
way.

After a failure, queuing is not even tried for BROKER_RETRY_SECONDS: each try costs a connect
timeout, and a citizen's request would otherwise wait seconds for every task it queues."""

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("lianxin.queue")
UNAVAILABLE = (BrokerError, RedisConnectionError, RedisTimeoutError, OSError)
BROKER_RETRY_SECONDS = 10.0
_down_until = 0.0  # per process: when to try the broker again
# Background work lets waiting requests go first (in_turns): after a chunk that kept them
# waiting it pauses TURN_RATIO times as long as the chunk took, never less than
# TURN_GAP_SECONDS (longer than the poll of a waiting writer, core/sqlite).
TURN_GAP_SECONDS = 0.025
TURN_RATIO = 3.0
# One chunk at a time in a process (run_schedule's sweeper threads): they would otherwise
# wait for each other's turn to write and take that for requests waiting.
_turn = threading.RLock()
_next_turn = 0.0  # and none before the pause after the last one ends
_urgent = 0  # urgent work running now (urgent_work)
_urgent_lock = threading.Lock()
URGENT_POLL_SECONDS = 0.005
_inside = threading.local()  # whether this thread is inside a chunk now
T = TypeVar("T")


def enqueue(task: Any, *args: Any) -> bool:
    """`task.delay(*args)`; False when there is no broker (the sweepers do the work) or it
    cannot be reached (logged)."""
    global _down_until
    if not settings.CELERY_BROKER_URL or time.monotonic() < _down_until:
        return False
    try:
        task.delay(*args)
    except UNAVAILABLE as exc:
        _down_until = time.monotonic() + BROKER_RETRY_SECONDS
        log.warning(
            "broker unavailable (%s): %s%r left to its sweeper; not tried again for %ds",
            type(exc).__name__,
            task.name,
            args,
            BROKER_RETRY_SECONDS,
        )
        return False
    return True


def broker_back() -> None:
    """Forget a recorded outage (tests; a worker that knows the broker is back)."""
    global _down_until
    _down_until = 0.0


def work_pending() -> dict[str, Any]:
    """One pass of every sweeper in PENDING_WORK_SWEEPERS: the work commits left behind, done
    now, in this process. What each did, by dotted name."""
    return {path: import_string(path)() for path in settings.PENDING_WORK_SWEEPERS}


@contextmanager
def urgent_work() -> Iterator[None]:
    """Marks background work that goes before the rest of the process's background work: the
    routing sweeper's pass (the suggestion a citizen and a dispatcher wait for). While it runs,
    the other sweepers' chunks (`in_turns`) and the periodic tasks (`run_schedule`,
    `after_urgent`) wait.

    Why: they share the process's one interpreter lock. While the routing sweeper had a
    backlog at full intake, the analysis and a periodic task (the hot issues, the warning
    scan) took half of what CPU the process had, and the suggestion fell seconds behind."""
    global _urgent
    with _urgent_lock:
        _urgent += 1
    try:
        yield
    finally:
        with _urgent_lock:
            _urgent -= 1


def _held_seconds() -> float:
    """How long this thread's connection has held the database to write, where the database
    has one writer at a time (core/sqlite); elsewhere, nothing waits on it: 0."""
    return float(getattr(connection, "turn_seconds", 0.0))


def after_urgent() -> None:
    """Return once no urgent work runs in this process."""
    while _urgent:
        time.sleep(URGENT_POLL_SECONDS)


def in_turns(items: Sequence[T], size: int, *, urgent: bool = False) -> Iterator[Sequence[T]]:
    """`items` in chunks of `size`, for a sweeper that writes each chunk in one transaction.
    When requests were kept waiting for the database meanwhile (`writers_waiting`, on the
    embedded SQLite), the next chunk waits TURN_RATIO times as long as this one took (at least
    TURN_GAP_SECONDS), so the requests go first; otherwise it follows at once. The sweeper
    threads of one process take their chunks in turn, so one's pause is not another's chunk.

    An `urgent` sweeper's chunks (routing) are urgent work (`urgent_work`): the others wait.
    Its pause counts only the time its chunk held the database (`turn_seconds`), not the work
    it did before its transaction: that work is what the citizen and the dispatcher wait for,
    and counted too it kept routing behind a full intake.
    The others' pauses count all their work, so the requests get the CPU as well.

    Why: on SQLite one writer at a time holds the database. Sweepers writing one small
    transaction per appeal, back to back, took it again and again while citizens' appeals
    waited for it (bench/intake.py: p99 3.2 s at full intake). On PostgreSQL, which has no
    such lock, the chunks only save transactions."""
    global _next_turn
    if getattr(_inside, "chunk", False):
        # Called from within a chunk (its transaction is open): no waiting for the turn this
        # thread holds, nor for an urgent sweeper that may be this very thread.
        yield from (items[start : start + size] for start in range(0, len(items), size))
        return
    waiting = getattr(connection, "writers_waiting", None)
    with urgent_work() if urgent else nullcontext():
        for start in range(0, len(items), size):
            if not urgent:
                after_urgent()
            with _turn:
                time.sleep(max(0.0, _next_turn - time.monotonic()))
                began = _held_seconds() if urgent else time.monotonic()
                _inside.chunk = True
                try:
                    yield items[start : start + size]
                finally:
                    _inside.chunk = False
                    took = (_held_seconds() if urgent else time.monotonic()) - began
                    if waiting is not None and waiting():
                        _next_turn = time.monotonic() + max(TURN_GAP_SECONDS, took * TURN_RATIO)
            # A thread that released a lock takes it again before a waiting one wakes: this
            # lets the other sweepers in between two chunks.
            time.sleep(0.001)

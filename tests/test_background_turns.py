"""The background work takes turns with the requests: the sweepers write in chunks with a
pause after each (core.queue.in_turns), and on SQLite writers wait for the database on a lock
file shared by every process, looking again every millisecond (core/sqlite), instead of in
SQLite's busy handler, whose sleeps grow to 100 ms and kept appeals waiting for seconds."""

import threading
import time
from datetime import timedelta
from functools import partial
from io import StringIO

import pytest
from celery.schedules import schedule
from django.db import connection, transaction
from django.db.utils import OperationalError

from lianxin.core import queue
from lianxin.core.management.commands import run_schedule
from lianxin.core.sqlite.base import DatabaseWrapper


class Database:
    """Stands in for the connection's `writers_waiting` and `turn_seconds` (core/sqlite)."""

    def __init__(self, waiting: bool):
        self.waiting = waiting
        self.turn_seconds = 0.0

    def writers_waiting(self) -> bool:
        return self.waiting


@pytest.fixture
def pauses(monkeypatch):
    """The pauses in_turns takes, recorded instead of slept; no pause left over from the turn
    before, no urgent sweeper, and no request waiting unless a test says so."""
    taken: list[float] = []
    monkeypatch.setattr(queue.time, "sleep", lambda seconds: taken.append(seconds))
    monkeypatch.setattr(queue, "_next_turn", 0.0)
    monkeypatch.setattr(queue, "_urgent", 0)
    monkeypatch.setattr(queue, "connection", Database(waiting=False))
    return taken


def test_in_turns_gives_every_item_once_in_order_in_chunks(pauses):
    chunks = [list(chunk) for chunk in queue.in_turns(list(range(7)), 3)]
    assert chunks == [[0, 1, 2], [3, 4, 5], [6]]


def test_no_pause_while_no_request_waits(pauses):
    for _chunk in queue.in_turns(list(range(7)), 3):
        pass
    assert pauses and max(pauses) < queue.TURN_GAP_SECONDS


def chunks_taking(monkeypatch, *, urgent: bool, work: float, held: float) -> float:
    """Two chunks, each `work` seconds long, `held` of them in its transaction, while
    requests wait; the pause taken between them (the one after the last is left over)."""
    database = Database(waiting=True)
    monkeypatch.setattr(queue, "connection", database)
    now = [100.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: now[0])
    for _chunk in queue.in_turns([1, 2], 1, urgent=urgent):
        now[0] += work
        database.turn_seconds += held
    assert queue._next_turn > now[0]
    return queue._next_turn - now[0]


def test_a_chunk_that_kept_requests_waiting_is_followed_by_a_longer_pause(pauses, monkeypatch):
    pause = chunks_taking(monkeypatch, urgent=False, work=0.5, held=0.2)
    assert pause == pytest.approx(0.5 * queue.TURN_RATIO)  # all its work counts
    long_pauses = [p for p in pauses if p >= queue.TURN_GAP_SECONDS]
    assert long_pauses == [pytest.approx(pause)]  # before the second chunk


def test_an_urgent_chunk_pauses_for_the_time_it_held_the_database(pauses, monkeypatch):
    """Routing builds its chunk before its transaction: only the transaction kept requests
    waiting, and the suggestion is what a citizen waits for."""
    pause = chunks_taking(monkeypatch, urgent=True, work=0.5, held=0.2)
    assert pause == pytest.approx(0.2 * queue.TURN_RATIO)


def test_a_short_chunk_still_leaves_the_smallest_gap(pauses, monkeypatch):
    monkeypatch.setattr(queue, "connection", Database(waiting=True))
    now = [100.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: now[0])
    for _chunk in queue.in_turns([1, 2], 1):
        now[0] += 0.001
    assert pauses.count(pytest.approx(queue.TURN_GAP_SECONDS)) >= 1


def test_other_sweepers_wait_for_an_urgent_one(pauses, monkeypatch):
    polls = []

    def sleep(seconds):
        if seconds == queue.URGENT_POLL_SECONDS:
            polls.append(seconds)
            if len(polls) == 3:
                queue._urgent = 0  # the routing sweeper has written its chunks

    monkeypatch.setattr(queue.time, "sleep", sleep)
    monkeypatch.setattr(queue, "_urgent", 1)
    assert [list(c) for c in queue.in_turns([1], 1)] == [[1]]
    assert len(polls) == 3


def test_an_urgent_sweeper_is_counted_while_it_writes(pauses):
    seen = [queue._urgent for _chunk in queue.in_turns([1, 2], 1, urgent=True)]
    assert seen == [1, 1]
    assert queue._urgent == 0


def test_a_sweeper_called_inside_a_chunk_does_not_wait_for_itself(pauses):
    inner = []
    for _chunk in queue.in_turns([1, 2], 1, urgent=True):
        inner.extend(list(c) for c in queue.in_turns([7, 8], 1))
    assert inner == [[7], [8], [7], [8]]
    assert queue._urgent == 0


def test_a_failing_chunk_gives_the_turn_back(pauses):
    with pytest.raises(RuntimeError):
        for _chunk in queue.in_turns([1, 2, 3], 1, urgent=True):
            raise RuntimeError("the sweeper failed")
    assert queue._urgent == 0
    done = []
    other = threading.Thread(target=lambda: done.extend(queue.in_turns([9], 1)))
    other.start()
    other.join(timeout=10)
    assert done == [[9]]


def _writer(alias: str, timeout: float) -> DatabaseWrapper:
    settings = {**connection.settings_dict}
    settings["OPTIONS"] = {**settings["OPTIONS"], "timeout": timeout}
    return DatabaseWrapper(settings, alias=alias)


sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="the lock file is the embedded database's"
)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_writers_turn_until_it_commits():
    other = _writer("turn-other", timeout=0.2)
    try:
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")
            with pytest.raises(OperationalError, match="database is locked"):
                other._take_turn()
        other._take_turn()  # free again once the transaction committed
        other._give_turn()
    finally:
        other.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_connection_counts_how_long_its_transactions_held_the_turn():
    before = connection.turn_seconds
    connection.cursor().execute("SELECT 1")  # outside a transaction: no turn taken
    assert connection.turn_seconds == before
    with transaction.atomic():
        connection.cursor().execute("SELECT 1")
        time.sleep(0.05)
    held = connection.turn_seconds - before
    assert 0.05 <= held < 5


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_gives_the_turn_back():
    other = _writer("turn-other", timeout=0.2)
    try:
        with pytest.raises(ValueError):
            with transaction.atomic():
                connection.cursor().execute("SELECT 1")
                raise ValueError("rolled back")
        other._take_turn()
        other._give_turn()
    finally:
        other.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_waiting_writer_gets_the_turn_when_it_is_given_back():
    holder, waiter = _writer("turn-holder", timeout=5), _writer("turn-waiter", timeout=5)
    got = threading.Event()

    def wait_for_turn():
        waiter._take_turn()
        got.set()

    try:
        holder._take_turn()
        thread = threading.Thread(target=wait_for_turn)
        thread.start()
        assert not got.wait(0.1)  # still held
        assert holder.writers_waiting()  # what tells a sweeper to pause
        holder._give_turn()
        assert got.wait(5)
        thread.join(timeout=5)
        assert not holder.writers_waiting()
        waiter._give_turn()
    finally:
        holder.close()
        waiter.close()


def test_run_schedule_starts_its_periodic_tasks_one_a_pass():
    """After a restart the periodic tasks do not all run in the first pass: one a pass, in
    the schedule's order; then each when it is due."""
    ran: list[str] = []
    hourly = schedule(timedelta(hours=1))
    entries = {name: (partial(ran.append, name), hourly) for name in ("scan", "rollups", "hot")}
    last_run: dict = {}
    command = run_schedule.Command(stdout=StringIO())
    for _ in range(4):
        command._periodic(entries, last_run)
    assert ran == ["scan", "rollups", "hot"]  # none again within its hour
    last_run["rollups"] -= timedelta(hours=2)
    command._periodic(entries, last_run)
    assert ran == ["scan", "rollups", "hot", "rollups"]


def test_a_periodic_task_waits_while_urgent_work_runs(monkeypatch):
    """The routing sweeper's pass goes first: a periodic task due meanwhile starts after it."""
    ran: list[str] = []
    polls = []

    def sleep(seconds):
        polls.append(seconds)
        if len(polls) == 3:
            queue._urgent = 0  # the routing pass has ended

    monkeypatch.setattr(queue.time, "sleep", sleep)
    monkeypatch.setattr(queue, "_urgent", 1)
    entries = {"hot": (lambda: ran.append(f"hot after {len(polls)} polls"), schedule(60))}
    run_schedule.Command(stdout=StringIO())._periodic(entries, {})
    assert ran == ["hot after 3 polls"]
    assert polls == [queue.URGENT_POLL_SECONDS] * 3

"""The background work takes turns with the requests: the sweepers write in chunks with a
pause after each (core.queue.in_turns), and on SQLite writers wait for the database on a lock
file shared by every process, looking again every millisecond (core/sqlite), instead of in
SQLite's busy handler, whose sleeps grow to 100 ms and kept appeals waiting for seconds."""

import threading

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError

from lianxin.core import queue
from lianxin.core.sqlite.base import DatabaseWrapper


@pytest.fixture
def pauses(monkeypatch):
    """The pauses in_turns takes, recorded instead of slept; and no pause left over from the
    turn before."""
    taken: list[float] = []
    monkeypatch.setattr(queue.time, "sleep", lambda seconds: taken.append(seconds))
    monkeypatch.setattr(queue, "_next_turn", 0.0)
    return taken


def test_in_turns_gives_every_item_once_in_order_in_chunks(pauses):
    chunks = [list(chunk) for chunk in queue.in_turns(list(range(7)), 3)]
    assert chunks == [[0, 1, 2], [3, 4, 5], [6]]


def test_in_turns_pauses_before_each_chunk_after_the_first(pauses):
    for _chunk in queue.in_turns(list(range(7)), 3):
        pass
    # The first chunk starts at once; each later one waits at least the smallest gap.
    assert pauses[0] == 0.0
    assert len(pauses) == 3
    assert all(p >= queue.TURN_GAP_SECONDS * 0.9 for p in pauses[1:])


def test_a_long_chunk_is_followed_by_a_longer_pause(pauses, monkeypatch):
    now = [100.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: now[0])
    for _chunk in queue.in_turns([1, 2], 1):
        now[0] += 0.2  # the chunk's work took 200 ms
    assert pauses == [0.0, pytest.approx(0.2 * queue.TURN_RATIO)]


def test_a_failing_chunk_gives_the_turn_back(pauses):
    with pytest.raises(RuntimeError):
        for _chunk in queue.in_turns([1, 2, 3], 1):
            raise RuntimeError("the sweeper failed")
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
        holder._give_turn()
        assert got.wait(5)
        thread.join(timeout=5)
        waiter._give_turn()
    finally:
        holder.close()
        waiter.close()

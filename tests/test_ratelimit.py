"""The one attempt counter behind the limits that are not DRF throttles."""

import pytest
import time_machine

from lianxin.core.ratelimit import (
    LocalCounter,
    count_hit,
    hits,
    parse_rate,
    purge_expired,
    within_rate,
)


def test_rates_parse_in_every_spelling_and_off_means_none():
    assert parse_rate("30/hour") == (30, 3600)
    assert parse_rate("120/m") == (120, 60)
    assert parse_rate("5/seconds") == (5, 1)
    assert parse_rate("off") is None and parse_rate("") is None
    with pytest.raises(ValueError):
        parse_rate("lots")


@pytest.mark.django_db
def test_the_counter_counts_and_the_limit_bites(settings):
    assert [count_hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert [within_rate("r", "2/minute") for _ in range(3)] == [True, True, False]
    assert all(within_rate("o", "off") for _ in range(5))


@pytest.mark.django_db(transaction=True)
def test_parallel_hits_are_all_counted():
    import threading

    from django.db import connection

    def hammer():
        try:
            for _ in range(25):
                count_hit("parallel", 600)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert hits("parallel") == 200


@pytest.mark.django_db
def test_a_hit_never_extends_the_window_and_other_traffic_never_frees_a_lock():
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        assert count_hit("lock", 3600) == 1
        traveller.shift(3000)
        assert count_hit("lock", 3600) == 2  # counted in the same window...
        for n in range(1000):  # ...and a thousand other counters evict nothing
            count_hit(f"junk-{n}", 300)
        assert hits("lock") == 2
        traveller.shift(601)  # an hour after the first hit, not after the last
        assert hits("lock") == 0
        assert count_hit("lock", 3600) == 1


@pytest.mark.django_db
def test_an_aligned_window_ends_on_a_whole_slot_and_expired_counters_are_purged():
    from lianxin.core.models import RateCounter

    with time_machine.travel(1_800_000_123, tick=False) as traveller:
        count_hit("day", 86400, aligned=True)
        assert RateCounter.objects.get(name="day").window_ends % 86400 == 0
        count_hit("short", 60)
        traveller.shift(61)
        assert purge_expired() == 1
        assert list(RateCounter.objects.values_list("name", flat=True)) == ["day"]


def test_the_local_counter_keeps_nothing_but_keyed_tags():
    counter = LocalCounter(max_entries=10)
    assert [counter.hit("203.0.113.5", 60) for _ in range(3)] == [1, 2, 3]
    assert counter.hits("203.0.113.5") == 3 and counter.hits("other") == 0
    assert all(b"203.0.113.5" not in tag for tag in counter._counts)
    for n in range(30):  # full: the oldest go, the table does not grow
        counter.hit(f"198.51.100.{n}", 60)
    assert len(counter._counts) <= 10

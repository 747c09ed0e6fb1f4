"""The one attempt counter behind the limits that are not DRF throttles."""

import pytest

from lianxin.core.ratelimit import count_hit, parse_rate, within_rate


def test_rates_parse_in_every_spelling_and_off_means_none():
    assert parse_rate("30/hour") == (30, 3600)
    assert parse_rate("120/m") == (120, 60)
    assert parse_rate("5/seconds") == (5, 1)
    assert parse_rate("off") is None and parse_rate("") is None
    with pytest.raises(ValueError):
        parse_rate("lots")


@pytest.mark.django_db
def test_the_counter_counts_and_the_limit_bites(settings):
    from django.core.cache import cache

    cache.clear()
    assert [count_hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert [within_rate("r", "2/minute") for _ in range(3)] == [True, True, False]
    assert all(within_rate("o", "off") for _ in range(5))

"""Counting attempts in the cache: the one mechanism behind every limit that is not a DRF
throttle (guessed query codes and receipts, Open311 keys, anonymous ratings, reports)."""

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # second(s), minute(s), hour(s), day(s)


def parse_rate(value) -> tuple[int, int] | None:
    """(limit, seconds) of a rate written like "30/hour" or "120/m"; None for "off" or empty.
    A malformed rate is a configuration error (ValueError), never silently no limit."""
    text = str(value or "").strip().lower()
    if text in ("off", "none", ""):
        return None
    count, _slash, period = text.partition("/")
    try:
        return int(count), PERIODS[period[:1]]
    except (ValueError, KeyError):
        raise ValueError(f"a rate looks like 30/hour or 120/minute, not {value!r}") from None


def count_hit(key: str, seconds: int) -> int:
    """Add one to the counter `key` (a fixed window of `seconds` from its first hit) and return
    it. add + incr are atomic in the cache, so parallel hits are all counted."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, seconds)
        return 1


def within_rate(key: str, rate) -> bool:
    """Count a hit against `rate` ("10/hour"; "off" allows all); False once over the limit."""
    parsed = parse_rate(rate)
    if parsed is None:
        return True
    limit, seconds = parsed
    return count_hit(key, seconds) <= limit

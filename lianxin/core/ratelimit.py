"""Counting attempts: the one mechanism behind every limit (guessed query codes and receipts,
wrong passwords, Open311 keys, anonymous ratings, the API throttles).

Counters live in their own table (`RateCounter`), counted by one atomic upsert, so parallel
hits are all counted, a window is fixed from its first hit whatever else happens, and nothing
evicts a lock early. The anonymous reporting channel must leave nothing at rest that could date
a report or lead back to an address: its per-address counts live only in the memory of the
process (`LocalCounter`), keyed under a key that is never stored."""

import hashlib
import hmac
import re
import secrets
import threading
import time
from typing import Any

from django.db import connection, transaction
from rest_framework.throttling import BaseThrottle

from .keys import tag
from .models import RateCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # second(s), minute(s), hour(s), day(s)


def parse_rate(value: object) -> tuple[int, int] | None:
    """(limit, seconds) of a rate written like "30/hour", "120/m" or "5/15m"; None for "off" or
    empty. A malformed rate is a configuration error (ValueError), never silently no limit."""
    text = str(value or "").strip().lower()
    if text in ("off", "none", ""):
        return None
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])[a-z]*", text)
    if match is None:
        raise ValueError(f"a rate looks like 30/hour, 120/minute or 5/15m, not {value!r}")
    count, times, period = match.groups()
    return int(count), int(times or 1) * PERIODS[period]


# One statement: a new counter starts at 1; an expired one starts again at 1 with a new window;
# a live one counts up and keeps its window. SQLite (3.35+) and PostgreSQL alike.
_UPSERT = """
INSERT INTO core_ratecounter (name, count, window_ends) VALUES (%s, 1, %s)
ON CONFLICT (name) DO UPDATE SET
  count = CASE WHEN core_ratecounter.window_ends <= %s THEN 1 ELSE core_ratecounter.count + 1 END,
  window_ends = CASE WHEN core_ratecounter.window_ends <= %s THEN excluded.window_ends
                ELSE core_ratecounter.window_ends END
RETURNING count
"""


def count_hit(name: str, seconds: int, *, aligned: bool = False) -> int:
    """Add one to the counter `name` and return its count in the current window: `seconds`
    from its first hit, or (aligned) the calendar slot of that length, so that the stored end
    says nothing finer than the slot."""
    now = int(time.time())
    ends = (now // seconds + 1) * seconds if aligned else now + seconds
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT, [name[:200], ends, now, now])
        return int(cursor.fetchone()[0])


def hits(name: str) -> int:
    """The count of `name` in its current window (0 when none or expired); counts nothing."""
    row = RateCounter.objects.filter(name=name[:200], window_ends__gt=int(time.time())).first()
    return row.count if row else 0


def seconds_left(name: str) -> int:
    """How long the current window of `name` still runs (0 when none)."""
    ends = RateCounter.objects.filter(name=name[:200]).values_list("window_ends", flat=True).first()
    return max(0, (ends or 0) - int(time.time()))


def forget(name: str) -> None:
    RateCounter.objects.filter(name=name[:200]).delete()


def client_address(request: Any) -> str:
    """The caller's address as the limits see it (DRF's NUM_PROXIES respected). Store it only
    through address_tag()."""
    return BaseThrottle().get_ident(request) or ""


def address_tag(address: str) -> str:
    return tag("rate-address", address)


def within_rate(name: str, rate: object) -> bool:
    """Count a hit against `rate` ("10/hour"; "off" allows all); False once over the limit."""
    parsed = parse_rate(rate)
    if parsed is None:
        return True
    limit, seconds = parsed
    return count_hit(name, seconds) <= limit


def purge_expired() -> int:
    """Drop counters whose window has passed (the schedule calls this)."""
    deleted, _ = RateCounter.objects.filter(window_ends__lte=int(time.time())).delete()
    return deleted


class LocalCounter:
    """Counters in this process's memory only, for callers whose counts must never reach any
    store. Names are keyed under a random key made at start and never written anywhere, so even
    a core dump holds no address. Each worker process counts on its own: with N workers a
    limit is reached after at most N times the hits, which these limits allow for."""

    def __init__(self, max_entries: int = 100_000):
        self._key = secrets.token_bytes(32)
        self._counts: dict[bytes, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def _tag(self, name: str) -> bytes:
        return hmac.new(self._key, name.encode(), hashlib.sha256).digest()[:16]

    def hit(self, name: str, seconds: int) -> int:
        tag, now = self._tag(name), time.monotonic()
        with self._lock:
            count, ends = self._counts.get(tag, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + seconds
                if len(self._counts) >= self._max:
                    self._prune(now)
            self._counts[tag] = (count + 1, ends)
            return count + 1

    def hits(self, name: str) -> int:
        count, ends = self._counts.get(self._tag(name), (0, 0.0))
        return count if ends > time.monotonic() else 0

    def _prune(self, now: float) -> None:
        live = {t: v for t, v in self._counts.items() if v[1] > now}
        if len(live) >= self._max:  # all live: drop the oldest half rather than grow
            live = dict(sorted(live.items(), key=lambda kv: kv[1][1])[len(live) // 2 :])
        self._counts = live

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


local_counter = LocalCounter()

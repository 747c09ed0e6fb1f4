"""The time services see. Normally the wall clock; `at()` replays history at a past moment
(demo data, imports of historical appeals) so that audit events and deadlines carry the
times the things really happened."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_at: ContextVar[datetime | None] = ContextVar("lianxin_clock_at", default=None)


def replaying() -> bool:
    """True while history is being replayed: nothing should be sent to anybody then."""
    return _at.get() is not None


def now() -> datetime:
    return _at.get() or timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    token = _at.set(moment)
    try:
        yield
    finally:
        _at.reset(token)

"""The active service catalogue, read at most once a minute per process (and at once after an
edit in this process): every intake looks its category up, the catalogue rarely changes."""

import time

from .models import Category

TTL = 60.0
_loaded: tuple[float, dict[str, Category]] | None = None


def _catalogue() -> dict[str, Category]:
    global _loaded
    now = time.monotonic()
    if _loaded is None or now - _loaded[0] > TTL:
        categories = Category.objects.filter(is_active=True).select_related("default_unit")
        _loaded = (now, {c.code: c for c in categories})
    return _loaded[1]


def active_category(code: str) -> Category | None:
    return _catalogue().get(code)


def category_named(name: str) -> Category | None:
    """The active category with this name; a top-level one (a group) first, since the router
    learns the groups."""
    named = [c for c in _catalogue().values() if c.name == name]
    return min(named, key=lambda c: (c.parent_id is not None, c.code), default=None)


def forget_catalogue(**kwargs: object) -> None:
    """Signal receiver: a category or unit was saved or deleted in this process."""
    global _loaded
    _loaded = None

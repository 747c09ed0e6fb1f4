"""The active service catalogue, read at most once a minute per process (and at once after an
edit in this process): every intake looks its category up, the catalogue rarely changes."""

import time

from .models import Category

TTL = 60.0
_loaded: tuple[float, dict[str, Category]] | None = None


def active_category(code: str) -> Category | None:
    global _loaded
    now = time.monotonic()
    if _loaded is None or now - _loaded[0] > TTL:
        categories = Category.objects.filter(is_active=True).select_related("default_unit")
        _loaded = (now, {c.code: c for c in categories})
    return _loaded[1].get(code)


def forget_catalogue(**kwargs) -> None:
    """Signal receiver: a category or unit was saved or deleted in this process."""
    global _loaded
    _loaded = None

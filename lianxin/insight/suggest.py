"""Category suggestion at intake from the active router, loaded once per process and reloaded
when another version becomes active (in any process: the active row is looked up at most every
ACTIVE_CHECK_SECONDS, and at once after a change in this process)."""

from __future__ import annotations

import logging
import threading
import time

from . import router
from .models import RouterModel

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: tuple[tuple[int, str], object] | None = None
ACTIVE_CHECK_SECONDS = 10.0
_checked: tuple[float, RouterModel | None] | None = None


def _active_row() -> RouterModel | None:
    """The active model's row, looked up at most every ACTIVE_CHECK_SECONDS: intake asks for
    every appeal that comes without a category."""
    global _checked
    now = time.monotonic()
    if _checked is None or now - _checked[0] > ACTIVE_CHECK_SECONDS:
        row = RouterModel.objects.active().only("pk", "version", "sha256", "file_name").first()
        _checked = (now, row)
    return _checked[1]


def active_pipeline():
    """(RouterModel, pipeline) of the active router, or None when there is none or its file
    fails the hash check (logged: intake then goes to a dispatcher)."""
    global _loaded
    row = _active_row()
    if row is None:
        return None
    key = (row.version, row.sha256)
    cached = _loaded
    if cached is not None and cached[0] == key:
        return row, cached[1]
    with _lock:
        if _loaded is not None and _loaded[0] == key:
            return row, _loaded[1]
        try:
            pipeline = router.load(router.models_dir() / row.file_name, row.sha256)
        except router.TamperedModel:
            log.exception("active router v%s cannot be used", row.version)
            return None
        _loaded = (key, pipeline)
        return row, pipeline


def suggest_category(text: str) -> tuple[str, float] | None:
    """The likely first-level category of an appeal's text and the confidence (0–1), or None
    without a usable active router or without text."""
    if not str(text or "").strip():
        return None
    active = active_pipeline()
    if active is None:
        return None
    return router.predict(active[1], [text])[0]


def suggest_categories(texts: list[str]) -> list[tuple[str, float] | None]:
    """suggest_category for many texts in one model call (the routing sweeper's batch)."""
    active = active_pipeline()
    found: list[tuple[str, float] | None] = [None] * len(texts)
    if active is None:
        return found
    present = [i for i, text in enumerate(texts) if str(text or "").strip()]
    for i, suggestion in zip(
        present, router.predict(active[1], [texts[i] for i in present]), strict=True
    ):
        found[i] = suggestion
    return found


# appeals.services.dispatch.suggest_many asks the batch form when the setting names this one.
suggest_category.many = suggest_categories  # type: ignore[attr-defined]


def forget_router() -> None:
    """Called after a router is trained or activated in this process."""
    global _loaded, _checked
    _loaded = None
    _checked = None

"""Category suggestion at intake from the active router, loaded once per process and reloaded
when another version becomes active (in any process: the active row is looked up each call,
one indexed query)."""

from __future__ import annotations

import logging
import threading

from . import router
from .models import RouterModel

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: tuple[tuple[int, str], object] | None = None


def active_pipeline():
    """(RouterModel, pipeline) of the active router, or None when there is none or its file
    fails the hash check (logged: intake then goes to a dispatcher)."""
    global _loaded
    from .services import models_dir

    row = RouterModel.objects.active().only("pk", "version", "sha256", "file_name").first()
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
            pipeline = router.load(models_dir() / row.file_name, row.sha256)
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


def forget_router() -> None:
    global _loaded
    _loaded = None

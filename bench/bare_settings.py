"""Bench-only settings for the bare insert of bench/intake.py: the project's settings (its
database and models) with no middleware at all, and the bare-insert view of ceiling_urls as the
only URLs. What a Django view inserting the same JSON costs with nothing else around it."""

from lianxin.settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "ceiling_urls"

# Django's own SQLite backend, not the project's (lianxin.core.sqlite): the baseline is stock.
if DATABASES["default"]["ENGINE"] == "lianxin.core.sqlite":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"  # noqa: F405

"""Bench-only settings: the project's settings with one URLconf change, so the ceiling runs
through the same server stack (gunicorn, Django, middleware, database) as the real intake."""

from lianxin.settings import *  # noqa: F403

ROOT_URLCONF = "ceiling_urls"

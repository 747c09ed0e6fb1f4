"""The demo district: units and people for every role (core), the service catalogue and about
500 appeals from real citizen messages (appeals), last week's signals (insight), the
participation case, households with their cadres and visits (outreach), the knowledge base's
policy answers (knowledge), the hotline centre's operator with the calls of the current shift,
which use those answers (hotline), and two appeals with photos (photos). One module per app
seeded; `load` runs them in order. `manage.py load_demo` calls it.

Idempotent: everything is keyed (unit codes, usernames, category codes, appeal source refs), so
a second run finds it all and changes nothing."""

import random
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from lianxin.core import clock

from . import hotline as hotline_demo
from . import knowledge as knowledge_demo
from . import outreach as outreach_demo
from . import participation as participation_demo
from . import photos as photos_demo
from . import receptions as receptions_demo
from .appeals import load_appeals, load_catalogue
from .core import DEMO_PASSWORD, load_people, load_units
from .insight import recent_signals

__all__ = ["DEMO_PASSWORD", "load", "load_catalogue", "load_demo", "load_people", "load_units"]


def load(*, appeals: int = 500, days: int = 120, stdout: Any = None) -> list[tuple[str, str, str]]:
    """Load the demo district; returns the logins (username, role, unit) to print."""
    # What the demo stores in words (public notes, notifications) is written in the active
    # language: the site's own, whichever language the caller (a test after an English
    # request, a shell) happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        rng = random.Random(12345)
        with transaction.atomic():
            units = load_units()
            logins = load_people(units)
            categories = load_catalogue(units)
        now = clock.now()
        load_appeals(
            rng=rng,
            units=units,
            categories=categories,
            appeals=appeals,
            days=days,
            now=now,
            stdout=stdout,
        )
        recent_signals(rng=rng, categories=categories, now=now)
        participation_demo.seed(now=now)
        logins += outreach_demo.load(now=now)
        receptions_demo.load(now=now)
        knowledge_demo.load(now=now)
        logins += hotline_demo.load(now=now)
        photos_demo.load(now=now)
        return logins


load_demo = load  # the name the management command and the tests know

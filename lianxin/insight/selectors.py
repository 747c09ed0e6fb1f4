"""Reads of the insight app over appeals."""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from lianxin.appeals.models import Appeal, Status

from .hot import Message, find_hot_issues


def dispatcher_corrections(labels: set[str]) -> list[tuple[str, str]]:
    """(text, label) of appeals whose dispatcher chose another category than the router
    suggested: the label is the chosen category's group, kept only where it is one of the
    router's `labels` (a class with a handful of examples cannot be cross-validated)."""
    rows = (
        Appeal.objects.filter(suggested_category__isnull=False, category__isnull=False)
        .exclude(category=F("suggested_category"))
        .values_list("title", "content", "category__name", "category__parent__name")
    )
    out = []
    for title, content, name, group in rows.iterator():
        label = group or name
        if label in labels:
            out.append((f"{title}\n{content}", label))
    return out


# --- hot issues over recent appeals -------------------------------------------------------

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30
TOP = 20
CACHE_SECONDS = 900  # kept warm by the beat task every 5 minutes
MAX_APPEALS = 5000  # the newest appeals of the window; a county sees far fewer in 90 days


def hot_issues_for(days: int, *, refresh: bool = False) -> dict:
    """The ranked issues of the last `days` days as plain data (any cache backend can hold
    it). Celery beat recomputes every window every few minutes (`refresh`); a page computes
    only what the cache has lost."""
    key = f"insight:hot:{days}"
    result = None if refresh else cache.get(key)
    if result is not None:
        return result
    now = timezone.now()
    rows = (
        Appeal.objects.filter(created_at__gte=now - timedelta(days=days))
        .exclude(status=Status.WITHDRAWN)
        .order_by("-created_at")
        .values_list(
            "tracking_number", "title", "content", "created_at", "submitted_by_id", "contact_phone"
        )[:MAX_APPEALS]
    )
    messages = [
        # The citizen is the account, else the phone number, else the appeal itself.
        Message(
            id=number, user=str(user or phone or number), title=title, detail=content, time=created
        )
        for number, title, content, created, user, phone in rows
    ]
    issues = find_hot_issues(messages, top=TOP, now=now, window_days=days)
    result = {
        "computed_at": now,
        "appeals": len(messages),
        "issues": [
            {
                "rank": i.rank,
                "heat": i.heat,
                "start": i.start,
                "end": i.end,
                "place": i.place,
                "description": i.description,
                "size": len(i.members),
                "users": i.users,
                "members": [(m.id, m.title, m.time) for m in reversed(i.members)],
            }
            for i in issues
        ],
    }
    cache.set(key, result, CACHE_SECONDS)
    return result


def hot_issues_cached(days: int) -> dict | None:
    """The last computed ranking, or None: for pages that must not wait for the analysis."""
    return cache.get(f"insight:hot:{days}")

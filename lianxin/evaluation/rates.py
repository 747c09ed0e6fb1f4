"""The measures of a unit's appeal work (三率 and the rest) over whole months, read from the
appeals app's monthly roll-ups and summed over each unit's subtree.

Every figure counts the appeals *received* in the months asked for (a cohort), as they stood at
the last roll-up refresh, under the unit that holds them now; the last follow-up (回访) of an
appeal counts. The one live figure is the overdue backlog: see `unit_counts`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import COUNTERS, Appeal, MonthlyAppealStat
from lianxin.appeals.rates import measures
from lianxin.core.access import subtree_q
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Unit

# The keys of `unit_measures` (the interface the indicators read), in display order.
RATES = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "reopen_rate",
    "returned_rate",
)
MEASURES = (*RATES, "received", "overdue_count")

LABELS = {
    "response_rate": _("Response rate"),
    "resolution_rate": _("Resolution rate"),
    "satisfaction_rate": _("Satisfaction rate"),
    "on_time_rate": _("On-time reply rate"),
    "reopen_rate": _("Reopen rate"),
    "returned_rate": _("Returned-order rate"),
    "received": _("Appeals received"),
    "overdue_count": _("Overdue"),
}

# Shown beside every figure (pages, exports). The architecture's three rates, word for word,
# and the others in the same form.
DEFINITIONS = {
    "response_rate": _(
        "Response rate = appeals the unit contacted (accepted) within the contact deadline / "
        "appeals dispatched to the unit."
    ),
    "resolution_rate": _(
        "Resolution rate = appeals the citizen says are resolved / appeals followed up."
    ),
    "satisfaction_rate": _(
        "Satisfaction rate = (satisfied + 0.5 × basically satisfied) / appeals followed up."
    ),
    "on_time_rate": _(
        "On-time reply rate = appeals replied within the handling deadline / appeals replied."
    ),
    "reopen_rate": _(
        "Reopen rate = appeals reopened after a dissatisfied follow-up / appeals dispatched to "
        "the unit."
    ),
    "returned_rate": _(
        "Returned-order rate = appeals returned (退单) at least once / appeals dispatched to the "
        "unit."
    ),
    "received": _(
        "Appeals received = appeals received in the period that the unit (or a unit "
        "below it) holds now."
    ),
    "overdue_count": _(
        "Overdue = appeals replied after the handling deadline; for a period that includes the "
        "current month, plus the open appeals past a deadline right now."
    ),
    "common": _(
        "Appeals count in the month they were received, under the unit that holds them now, "
        "with the units below it; the last follow-up of an appeal counts. Rates are empty when "
        "there was nothing to count."
    ),
}

# Up to this many units the roll-up read is narrowed to their subtrees in SQL; beyond it a
# month's rows are few enough (units x categories) to read whole and sort out here.
SUBTREE_FILTER_MAX = 40


def month_start(day: date) -> date:
    return day.replace(day=1)


def current_month(now: datetime | None = None) -> date:
    return month_start(timezone.localtime(now or timezone.now(), LOCAL).date())


def _ancestors(path: str) -> list[int]:
    return [int(pk) for pk in path.split(".") if pk]


def _empty() -> dict[str, int]:
    return {c: 0 for c in (*COUNTERS, "overdue_now")}


def live_overdue():
    """Open appeals past a deadline now, except those already counted as replied late (a
    reopened appeal keeps its old reply time), so that the two parts of `overdue_count` never
    count an appeal twice. Uses the (status, handling_deadline) index."""
    return Appeal.objects.overdue().exclude(replied_at__gt=F("handling_deadline"))


# The live overdue backlog is counted for all units at once, in the background every minute
# (Celery beat, like the roll-ups it sits beside): with a large backlog spread over years of
# appeals the count reads much of the appeals table (0.6-1.2 s at 10 million appeals), which a
# ranking request must not wait for. A request counts only if the cache has lost it.
LIVE_OVERDUE_TTL = 180
LIVE_OVERDUE_KEY = "evaluation:live-overdue-by-unit"


def live_overdue_by_unit(*, refresh: bool = False) -> dict[int, int]:
    """{unit id: open appeals past a deadline now} (see live_overdue), about a minute old."""
    counts = None if refresh else cache.get(LIVE_OVERDUE_KEY)
    if counts is None:
        counts = dict(
            live_overdue()
            .filter(unit__isnull=False)
            .values_list("unit_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        cache.set(LIVE_OVERDUE_KEY, counts, LIVE_OVERDUE_TTL)
    return counts


def unit_counts(units: list[Unit], start: date, end: date, *, by_month: bool = False) -> dict:
    """The roll-up counters summed over each unit's subtree for the months `start`..`end`
    (inclusive; any day of a month stands for it), plus `overdue_now`: when the range reaches
    the current month, the live overdue backlog of the subtree (of any month of receipt; it is
    a figure of now, not of a past month, so past months never change with the clock; counted
    at most LIVE_OVERDUE_TTL seconds ago).

    Returns {unit id: counters}, or with `by_month` {unit id: {month: counters}} (the live
    backlog then sits in the current month). One grouped read of the monthly rows."""
    start, end = month_start(start), month_start(end)
    wanted = {u.pk for u in units}
    stats = MonthlyAppealStat.objects.filter(month__gte=start, month__lte=end, unit__isnull=False)
    if len(units) <= SUBTREE_FILTER_MAX:
        stats = stats.filter(subtree_q(units, "unit"))
    # Typed as mappings: the counters are named by variables, which a TypedDict refuses.
    rows: Iterable[Mapping[str, Any]] = (
        stats.values("unit__path", "month").annotate(**{c: Sum(c) for c in COUNTERS}).order_by()
    )
    out: dict = {pk: ({} if by_month else _empty()) for pk in wanted}

    def bucket(pk: int, month: date) -> dict:
        if not by_month:
            return out[pk]
        return out[pk].setdefault(month, _empty())

    for row in rows:
        for pk in _ancestors(row["unit__path"]):
            if pk in wanted:
                sums = bucket(pk, row["month"])
                for c in COUNTERS:
                    sums[c] += row[c] or 0
    now_month = current_month()
    if start <= now_month <= end:
        live = live_overdue_by_unit()
        paths = Unit.objects.filter(pk__in=list(live)).values_list("pk", "path")
        for unit_id, path in paths:
            for pk in _ancestors(path):
                if pk in wanted:
                    bucket(pk, now_month)["overdue_now"] += live[unit_id]
    return out


def unit_measures(
    units: list[Unit], start: date, end: date
) -> dict[int, dict[str, float | int | None]]:
    """For each unit id, its measures over its subtree for the months `start`..`end` inclusive
    (first days of months): the rates as fractions 0-1 (None when the denominator is 0),
    `received` and `overdue_count` as ints."""
    return {pk: measures(c) for pk, c in unit_counts(units, start, end).items()}

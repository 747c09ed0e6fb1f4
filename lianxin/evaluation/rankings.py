"""Monthly rankings of the units of one level (streets and towns among themselves, departments
among themselves), computed on demand from `rates.unit_counts`, i.e. from the roll-ups.

The composite score (0-100) weighs the three rates: 0.3 x response + 0.3 x resolution +
0.4 x satisfaction. A rate that is empty (nothing to count) drops out and the remaining weights
are scaled back to 1; a unit with no rate at all has no score and ranks last. Scores are rounded
to two decimals and equal scores share a rank (1, 1, 3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals import rates as appeal_rates
from lianxin.appeals.models import MonthlyAppealStat
from lianxin.core.access import subtree_q
from lianxin.core.dbrouter import on_replica
from lianxin.core.errors import InvalidInput, NotFound
from lianxin.core.models import Unit, UnitKind

from .errors import Code
from .rates import SUBTREE_FILTER_MAX, current_month, unit_counts

LEVELS = {"street": (UnitKind.STREET, UnitKind.TOWN), "department": (UnitKind.DEPARTMENT,)}
LEVEL_LABELS = {
    "street": gettext_lazy("Streets and towns"),
    "department": gettext_lazy("Departments"),
}
WEIGHTS = {"response_rate": 0.3, "resolution_rate": 0.3, "satisfaction_rate": 0.4}
SCORE_DEFINITION = gettext_lazy(
    "Score = 100 × (0.3 × response rate + 0.3 × resolution rate + 0.4 × satisfaction rate); "
    "an empty rate is left out and the other weights scaled up to sum to 1. Units with nothing "
    "to rate have no score and rank last; equal scores share a rank."
)
TREND_MONTHS = 12

# A month (2026-11), a quarter (2026-Q4) or a year (2026).
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


@dataclass(frozen=True)
class Span:
    """The months a figure covers, first days of months, both inclusive."""

    start: date
    end: date
    label: str

    @property
    def is_month(self) -> bool:
        return self.start == self.end


def parse_period(value: str | None) -> Span:
    """The months "YYYY-MM", "YYYY-Qn" or "YYYY" name; InvalidInput (400) when it is malformed
    or begins in the future. The current month counts (its figures are still moving); a quarter
    or year that has not ended covers its months so far."""
    text = str(value or "").strip().upper()
    match = _PERIOD.match(text)
    span = None
    if match and int(match[1]) >= 1900:
        year = int(match[1])
        if match[2] and 1 <= int(match[2]) <= 12:
            month = date(year, int(match[2]), 1)
            span = Span(month, month, f"{month:%Y-%m}")
        elif match[3]:
            q = int(match[3])
            span = Span(date(year, 3 * q - 2, 1), date(year, 3 * q, 1), f"{year}-Q{q}")
        elif not match[2]:
            span = Span(date(year, 1, 1), date(year, 12, 1), str(year))
    if span is None:
        raise InvalidInput(
            _(
                "The period must be a month (YYYY-MM, e.g. 2026-11), a quarter (2026-Q4) or a "
                "year (2026)."
            ),
            code=Code.INVALID_PERIOD,
            fields={"period": [_("Use YYYY-MM, YYYY-Qn or YYYY.")]},
        )
    now = current_month()
    if span.start > now:
        raise InvalidInput(
            _("The period %(period)s lies in the future.") % {"period": value},
            code=Code.INVALID_PERIOD,
            fields={"period": [_("A past or the current period.")]},
        )
    return Span(span.start, min(span.end, now), span.label)


def parse_level(value: str | None) -> str:
    if value not in LEVELS:
        raise InvalidInput(
            _("The level must be one of: %(levels)s.") % {"levels": ", ".join(LEVELS)},
            code=Code.INVALID_LEVEL,
            fields={"level": [_("Unknown level.")]},
        )
    return value


def level_units(level: str) -> list[Unit]:
    return list(Unit.objects.filter(kind__in=LEVELS[level], is_active=True).order_by("path"))


def composite_score(measures: dict) -> float | None:
    present = {k: w for k, w in WEIGHTS.items() if measures.get(k) is not None}
    if not present:
        return None
    total = sum(present.values())
    return round(100.0 * sum(measures[k] * w for k, w in present.items()) / total, 2)


def assign_ranks(rows: list[dict]) -> list[dict]:
    """Sort rows (each with "score" and "name") best first and give each its "rank": one more
    than the number of rows scoring strictly higher; rows without a score share the last."""
    scored = sorted(
        (r for r in rows if r["score"] is not None), key=lambda r: (-r["score"], r["name"])
    )
    unscored = sorted((r for r in rows if r["score"] is None), key=lambda r: r["name"])
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    for row in unscored:
        row["rank"] = len(scored) + 1
    return scored + unscored


@on_replica  # monthly figures: read where the dashboards read (core.dbrouter)
def compute_ranking(
    level: str, start: date, end: date | None = None, units: list[Unit] | None = None
) -> list[dict]:
    """The ranking of the level's units for the months `start`..`end` (one month without
    `end`): per unit its counters, its measures, its score and rank. Pure but for the one
    roll-up read."""
    units = level_units(level) if units is None else units
    counts = unit_counts(units, start, end or start)
    rows = []
    for unit in units:
        c = counts[unit.pk]
        measures = appeal_rates.measures(c)
        rows.append(
            {
                "unit": unit,
                "unit_id": unit.pk,
                "name": unit.name,
                "counts": c,
                **measures,
                "score": composite_score(measures),
            }
        )
    return assign_ranks(rows)


def has_data(rows: list[dict]) -> bool:
    return any(r["received"] for r in rows)


@on_replica
def latest_month_with_figures(level: str) -> date | None:
    """The latest month, up to the current one, in which a unit of the level (or of its
    subtree) received appeals: what a page offers when the chosen period has no figures."""
    units = level_units(level)
    if not units:
        return None
    stats = MonthlyAppealStat.objects.filter(
        unit__isnull=False, received__gt=0, month__lte=current_month()
    )
    # Beyond SUBTREE_FILTER_MAX units the level covers (nearly) the whole county, as in
    # unit_counts: the filter would cost more than it leaves out.
    if len(units) <= SUBTREE_FILTER_MAX:
        stats = stats.filter(subtree_q(units, "unit"))
    return stats.aggregate(latest=Max("month"))["latest"]


def no_data(period: str) -> NotFound:
    return NotFound(
        _("There are no appeal figures for %(period)s at this level yet.") % {"period": period},
        code=Code.NO_DATA,
    )


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def monthly_ranking(*, period: str | None, level: str | None) -> dict:
    """The public ranking as the API answers it, for a month, a quarter or a year. InvalidInput
    for a bad period or level, NotFound("no_data") for a period without figures."""
    level = parse_level(level)
    span = parse_period(period)
    rows = compute_ranking(level, span.start, span.end)
    label = span.label
    if not has_data(rows):
        raise no_data(label)
    return {
        "period": label,
        "level": level,
        "results": [
            {
                "unit_id": r["unit_id"],
                "unit": r["name"],
                "response_rate": _fraction(r["response_rate"]),
                "resolution_rate": _fraction(r["resolution_rate"]),
                "satisfaction_rate": _fraction(r["satisfaction_rate"]),
                "score": r["score"],
                "rank": r["rank"],
            }
            for r in rows
        ],
    }


def months_back(end: date, n: int) -> list[date]:
    """The n months ending with `end`'s, oldest first."""
    months = [end.replace(day=1)]
    while len(months) < n:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months[::-1]


@on_replica
def ranking_trends(
    level: str, end: date, n: int = TREND_MONTHS, units: list[Unit] | None = None
) -> dict:
    """Each unit's three rates, score and rank for the n months up to `end`: one roll-up read
    grouped by month. {"months": [...], "units": {unit id: [{month, rates, score, rank}...]}}."""
    units = level_units(level) if units is None else units
    months = months_back(end, n)
    counts = unit_counts(units, months[0], months[-1], by_month=True)
    series: dict[int, list[dict]] = {u.pk: [] for u in units}
    for month in months:
        rows: list[dict[str, Any]] = []
        for unit in units:
            c = counts[unit.pk].get(month)
            measures = appeal_rates.measures(c) if c else None
            rows.append(
                {
                    "unit_id": unit.pk,
                    "name": unit.name,
                    "score": composite_score(measures) if measures else None,
                    "measures": measures,
                }
            )
        assign_ranks(rows)
        for row in rows:
            m = row["measures"] or {}
            series[row["unit_id"]].append(
                {
                    "month": f"{month:%Y-%m}",
                    **{k: _fraction(m.get(k)) for k in WEIGHTS},
                    "score": row["score"],
                    "rank": row["rank"] if row["score"] is not None else None,
                }
            )
    return {"months": [f"{m:%Y-%m}" for m in months], "units": series}

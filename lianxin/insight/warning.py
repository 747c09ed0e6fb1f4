"""预警 rules as pure functions: the area of an appeal, the rise test for category×area daily
counts, and the animal-report cluster rule. No database here: services and the benchmark
(bench/warning.py) call the same functions. Method and measured figures: docs/insight/early-warning.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from scipy.stats import binom

# --- defaults (each one can be overridden by a WARNING_* setting, see settings_value) -------

CLUSTER_REPORTS = 3  # WARNING_CLUSTER_REPORTS: reports in one area ...
CLUSTER_HOURS = 72  # WARNING_CLUSTER_HOURS: ... within this many hours
# Categories whose reports are counted by the cluster rule (WARNING_CLUSTER_CATEGORIES).
CLUSTER_CATEGORIES = ("animal-epidemic", "livestock-safety")
# Uncategorised appeals whose text matches these count towards the first cluster category.
ANIMAL_KEYWORDS = (
    "病死",
    "死猪",
    "死鸡",
    "死鸭",
    "死羊",
    "死牛",
    "死禽",
    "死畜",
    "疫情",
    "发病",
    "疫病",
    "猪瘟",
    "非洲猪瘟",
    "禽流感",
    "口蹄疫",
    "布病",
    "狂犬病",
    "炭疽",
)
_ANIMAL_RE = re.compile("|".join(sorted(map(re.escape, ANIMAL_KEYWORDS), key=len, reverse=True)))

RISE_WINDOW_DAYS = 7  # WARNING_RISE_WINDOW_DAYS: recent window, today included
RISE_BASELINE_DAYS = 56  # WARNING_RISE_BASELINE_DAYS: the 8 weeks before the window
# WARNING_RISE_ALPHA: per test; chosen on the real background (bench/warning.py) so that the
# whole district sees about one rise alarm per month or fewer (docs/insight/early-warning.md).
RISE_ALPHA = 1e-3
RISE_MIN_COUNT = 4  # WARNING_RISE_MIN_COUNT: fewer reports in the window never alarm


# --- area ------------------------------------------------------------------------------------

# Finer places win: a village named in a text is a better area than its town.
AREA_KINDS = ("village", "community", "street", "town")
_KIND_RANK = {"village": 2, "community": 2, "street": 1, "town": 1}


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    kind: str
    parent_name: str = ""


def derive_area(
    *, address: str, text: str, places: Iterable[Place], unit: Place | None = None
) -> tuple[int | None, str]:
    """(place id, source) of an appeal: the finest place whose name appears in the address,
    else in the title/content, else the unit the appeal was dispatched to when that unit is
    itself a place; (None, "none") when nothing fits. Among names found in the same text the
    finer kind wins, then a place whose parent is named too (two villages of one name in
    different towns), then the longer name, then the earlier mention."""
    places = list(places)
    for source, haystack in (("address", address or ""), ("content", text or "")):
        best = None
        for place in places:
            if place.kind not in _KIND_RANK or not place.name:
                continue
            at = haystack.find(place.name)
            if at < 0:
                continue
            key = (
                _KIND_RANK[place.kind],
                bool(place.parent_name) and place.parent_name in haystack,
                len(place.name),
                -at,
            )
            if best is None or key > best[0]:
                best = (key, place)
        if best is not None:
            return best[1].id, source
    if unit is not None and unit.kind in _KIND_RANK:
        return unit.id, "unit"
    return None, "none"


# --- cluster rule ----------------------------------------------------------------------------


def is_animal_report(
    *, category_code: str | None, text: str, cluster_codes: Sequence[str] = CLUSTER_CATEGORIES
) -> str | None:
    """The cluster category an appeal counts towards, or None. Its own category decides;
    an appeal without a category counts as the first cluster category (动物疫病) when its text
    names sick or dead animals or an epidemic."""
    if category_code:
        return category_code if category_code in cluster_codes else None
    if cluster_codes and _ANIMAL_RE.search(text or ""):
        return cluster_codes[0]
    return None


def find_cluster(
    times: Iterable[datetime],
    *,
    at: datetime,
    reports: int = CLUSTER_REPORTS,
    hours: float = CLUSTER_HOURS,
) -> list[datetime] | None:
    """The report times in (at - hours, at] when there are at least `reports` of them."""
    start = at - timedelta(hours=hours)
    inside = sorted(t for t in times if start < t <= at)
    return inside if len(inside) >= reports else None


# --- rise rule -------------------------------------------------------------------------------


def rise_pvalue(recent: int, baseline: int, *, recent_days: float, baseline_days: float) -> float:
    """One-sided exact test that the recent rate exceeds the baseline rate (two Poisson counts
    compared conditionally on their sum: recent ~ Binomial(recent + baseline, w / (w + b)) when
    the rate is unchanged). It needs no estimate of the baseline rate, so a thin baseline
    (a village with two reports in eight weeks) is not mistaken for a known low rate."""
    n = recent + baseline
    if recent <= 0 or n <= 0:
        return 1.0
    p0 = recent_days / (recent_days + baseline_days)
    return float(binom.sf(recent - 1, n, p0))


@dataclass(frozen=True)
class Rise:
    window_start: date  # first day of the recent window
    window_end: date  # last day (the day scanned)
    count: int
    baseline_count: int
    expected: float  # baseline rate × window length
    p_value: float


def rise_check(
    daily: Mapping[date, int],
    *,
    day: date,
    window_days: int = RISE_WINDOW_DAYS,
    baseline_days: int = RISE_BASELINE_DAYS,
    alpha: float = RISE_ALPHA,
    min_count: int = RISE_MIN_COUNT,
) -> Rise | None:
    """A Rise when the `window_days` ending with `day` hold significantly more reports than the
    `baseline_days` before them (p ≤ alpha and at least `min_count` reports); else None.
    `daily` maps a date to its count; missing dates count as 0."""
    window_start = day - timedelta(days=window_days - 1)
    baseline_start = window_start - timedelta(days=baseline_days)
    recent = baseline = 0
    for d, n in daily.items():
        if window_start <= d <= day:
            recent += n
        elif baseline_start <= d < window_start:
            baseline += n
    if recent < min_count:
        return None
    p = rise_pvalue(recent, baseline, recent_days=window_days, baseline_days=baseline_days)
    if p > alpha:
        return None
    return Rise(
        window_start=window_start,
        window_end=day,
        count=recent,
        baseline_count=baseline,
        expected=baseline * window_days / baseline_days,
        p_value=p,
    )


def with_parent_counts(series: Mapping, parent_of: Mapping) -> dict:
    """The pairs the rise rule tests: every (category, area) as counted, and for an area with a
    parent (a village's or community's street or town) the parent's pair counting its own
    reports and all of its children's. A matter spread over several villages (a river, a
    factory's smoke) shows at the town when no village alone has enough reports. `series` maps
    (category, area) to counts that add with `+` (Counters here, day arrays in the benchmark)."""
    out = dict(series)
    for (category, area), counts in series.items():
        parent = parent_of.get(area)
        if parent is not None:
            key = (category, parent)
            out[key] = out[key] + counts if key in out else counts
    return out


def settings_value(name: str):
    """The WARNING_<name> setting: this module's default of the same name unless the deployment
    chose otherwise (lianxin/settings.py)."""
    return getattr(settings, f"WARNING_{name}")

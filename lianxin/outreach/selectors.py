"""What the outreach pages and the coverage command read: nothing here writes."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import OFFICIAL_ROLES, subtree_q, units_where
from lianxin.core.errors import InvalidInput
from lianxin.core.models import Role, Unit

from .errors import Code
from .models import Difficulty, Household, Pairing, Visit

# How often a pair must be visited: a quarter, a month for households in severe difficulty.
ORDINARY_DAYS = 92
SEVERE_DAYS = 31


def managed_units(user: Any) -> list[Unit]:
    return units_where(user, Role.LEADER, Role.ADMIN)


def unpaired_households(user: Any) -> QuerySet[Household]:
    """Households in the user's units without a current cadre: for the unit leader to pair."""
    return (
        Household.objects.filter(subtree_q(managed_units(user), "unit"), is_active=True)
        .exclude(pk__in=Pairing.objects.filter(ends_on__isnull=True).values("household_id"))
        .select_related("unit")
    )


def cadre_choices(user: Any) -> QuerySet[Any]:
    """The people a leader may pair households with: officials in the leader's units."""
    return (
        get_user_model()
        .objects.filter(
            subtree_q(managed_units(user), "roles__unit"),
            roles__role__in=OFFICIAL_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def my_pairings(user: Any) -> QuerySet[Pairing]:
    """The cadre's current households, with the date of each one's last visit."""
    return (
        Pairing.objects.filter(cadre=user, ends_on__isnull=True, household__is_active=True)
        .select_related("household__unit")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household__unit__name", "household__head_name")
    )


def interval_days(household: Household) -> int:
    return SEVERE_DAYS if household.difficulty == Difficulty.SEVERE else ORDINARY_DAYS


def is_overdue(pairing: Pairing, last_visit: date | None, today: date | None = None) -> bool:
    """No visit within the household's interval (counted from the pairing's start if none)."""
    today = today or timezone.localdate(clock.now())
    since = last_visit or pairing.starts_on
    return (today - since).days > interval_days(pairing.household)


def overdue_pairings(user: Any, today: date | None = None) -> list[Pairing]:
    """Current pairings in the user's units whose household waits too long for a visit."""
    rows = (
        Pairing.objects.filter(
            subtree_q(managed_units(user), "household__unit"),
            ends_on__isnull=True,
            household__is_active=True,
        )
        .select_related("household__unit", "cadre")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household__unit__name", "household__head_name")
    )
    return [p for p in rows if is_overdue(p, p.last_visit, today)]


def household_visits(household: Household) -> QuerySet[Visit]:
    return Visit.objects.filter(pairing__household=household).select_related(
        "pairing__cadre", "appeal"
    )


def household_with_pairings(pk: int) -> Household | None:
    return (
        Household.objects.select_related("unit")
        .prefetch_related(Prefetch("pairings", queryset=Pairing.objects.select_related("cadre")))
        .filter(pk=pk)
        .first()
    )


# --- coverage (覆盖) ---------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))$")


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of "2026Q4" (a quarter) or "2026-11" (a month)."""
    match = PERIOD_RE.match(period.strip())
    if not match:
        raise InvalidInput(_("A period is written like 2026Q4 or 2026-11."), code=Code.BAD_PERIOD)
    year = int(match.group(1))
    if match.group(2):
        first_month = (int(match.group(2)) - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(match.group(3))
    return (
        date(year, first_month, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def pairing_covered(pairing: Pairing, visit_dates: list[date], start: date, end: date) -> bool:
    """Visited at least once in the part of the period the pairing was current; a household
    in severe difficulty in every month of it."""
    since = max(start, pairing.starts_on)
    until = min(end, pairing.ends_on) if pairing.ends_on else end
    seen = [d for d in visit_dates if since <= d <= until]
    if pairing.household.difficulty != Difficulty.SEVERE:
        return bool(seen)
    return {(d.year, d.month) for d in seen} >= set(_months(since, until))


@dataclass
class UnitCoverage:
    unit: Unit
    due: int = 0
    covered: int = 0
    cadres: dict[str, list[int]] = field(default_factory=dict)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.due if self.due else 100.0


def coverage(period: str, units: list[Unit] | None = None) -> list[UnitCoverage]:
    """Coverage per unit (the households' village or community) in `period`, recounted from
    the raw visits: every pairing current during some of the period is due once."""
    start, end = period_bounds(period)
    pairings = (
        Pairing.objects.filter(starts_on__lte=end, household__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("household__unit", "cadre")
    )
    if units is not None:
        pairings = pairings.filter(subtree_q(units, "household__unit"))
    dates: dict[int, list[date]] = {}
    for pairing_id, visited_on in Visit.objects.filter(
        pairing__in=pairings, visited_on__range=(start, end)
    ).values_list("pairing_id", "visited_on"):
        dates.setdefault(pairing_id, []).append(visited_on)
    per_unit: dict[int, UnitCoverage] = {}
    for pairing in pairings:
        unit = pairing.household.unit
        row = per_unit.setdefault(unit.pk, UnitCoverage(unit))
        covered = pairing_covered(pairing, dates.get(pairing.pk, []), start, end)
        row.due += 1
        row.covered += covered
        cadre = row.cadres.setdefault(pairing.cadre.get_username(), [0, 0])
        cadre[0] += 1
        cadre[1] += covered
    return sorted(per_unit.values(), key=lambda r: r.unit.path)

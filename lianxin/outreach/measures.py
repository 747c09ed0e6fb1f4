"""The outreach figure the indicator system reads: visit coverage (evaluation/measures.py names
`visit_coverage` by dotted path, so neither app imports the other). Counted by
`selectors.coverage`, the one definition `manage.py outreach_coverage` prints."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from lianxin.core import clock
from lianxin.core.models import Unit

from .selectors import coverage, period_bounds


def unit_coverage(units: list[Unit], period: str) -> dict[int, tuple[int, int]]:
    """(pairs visited as required, pairs due) in `period` for each unit, over the households of
    the unit and the units below it (a town counts its villages)."""
    rows = coverage(period, units)
    return {
        unit.pk: (
            sum(r.covered for r in rows if r.unit.path.startswith(unit.path)),
            sum(r.due for r in rows if r.unit.path.startswith(unit.path)),
        )
        for unit in units
    }


def year_periods(year: int, today: date | None = None) -> list[str]:
    """The quarters of `year` that have begun: a pair is due once a quarter (monthly in severe
    difficulty, which `coverage` checks month by month), and the quarter under way counts
    with the visits made so far, as the command run on it prints."""
    today = today or timezone.localdate(clock.now())
    quarters = [f"{year}Q{q}" for q in range(1, 5)]
    return [p for p in quarters if period_bounds(p)[0] <= today]


def visit_coverage(units: list[Unit], year: int) -> dict[int, float | None]:
    """Pairs visited as required / pairs due, in percent, summed over the quarters of `year`
    that have begun (a pair due in three quarters counts three times); None where no pair was
    due."""
    totals = {unit.pk: [0, 0] for unit in units}
    for period in year_periods(year):
        for pk, (covered, due) in unit_coverage(units, period).items():
            totals[pk][0] += covered
            totals[pk][1] += due
    return {
        pk: round(100.0 * covered / due, 1) if due else None
        for pk, (covered, due) in totals.items()
    }

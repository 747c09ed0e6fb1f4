"""The registry of source measures that indicators point at, and reading their values for a
year. Every value is given in the measure's display unit: rates in percent (0–100), scores
0–100, counts as counts — an indicator's target is written in the same unit.

A measure names its provider by dotted path and is *available* when that imports: a hook
for a figure another app owns stays unavailable (listed, never faked) until that app provides
the function named here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Unit

# Only rates here (it reads the appeals app's roll-ups, not this app's models): models/
# indicators.py imports this registry, so nothing imported here may import this app's models.
from .rates import DEFINITIONS, unit_measures

# Values of one measure for the units asked: unit id -> value, None where nothing was measured.
Values = dict[int, float | None]


@dataclass(frozen=True)
class Measure:
    key: str
    label: Promise
    unit: Promise  # shown after a value and a target
    definition: Promise | None  # None: the rankings capability's definition (rates.DEFINITIONS)
    provider: str  # dotted path of a function (units, year) -> Values
    suggested_direction: str = "higher"
    # What the provider needs from another capability or app (dotted path); default: itself.
    requires: str = ""

    @property
    def available(self) -> bool:
        try:
            import_string(self.requires or self.provider)
        except ImportError:
            return False
        return True

    @property
    def explanation(self) -> str:
        if self.definition is not None:
            return str(self.definition)
        if not self.available:
            return ""
        return str(DEFINITIONS.get(self.key, ""))

    def _provider(self) -> Callable[[list[Unit], int], Values] | None:
        return import_string(self.provider) if self.available else None

    def values(self, units: list[Unit], year: int) -> Values:
        fn = self._provider()
        if fn is None:
            raise LookupError(self.key)
        return fn(units, year)


PERCENT = _("%")
POINTS = _("points")
ITEMS = _("items")
_HERE = "lianxin.evaluation.measures"
_RATES = "lianxin.evaluation.rates.unit_measures"

MEASURES: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            "response_rate",
            _("Response rate"),
            PERCENT,
            None,
            f"{_HERE}.response_rate",
            requires=_RATES,
        ),
        Measure(
            "resolution_rate",
            _("Resolution rate"),
            PERCENT,
            None,
            f"{_HERE}.resolution_rate",
            requires=_RATES,
        ),
        Measure(
            "satisfaction_rate",
            _("Satisfaction rate"),
            PERCENT,
            None,
            f"{_HERE}.satisfaction_rate",
            requires=_RATES,
        ),
        Measure(
            "on_time_rate",
            _("On-time reply rate"),
            PERCENT,
            None,
            f"{_HERE}.on_time_rate",
            requires=_RATES,
        ),
        Measure(
            "reopen_rate", _("Reopen rate"), PERCENT, None, f"{_HERE}.reopen_rate", "lower", _RATES
        ),
        Measure(
            "returned_rate",
            _("Returned-order rate"),
            PERCENT,
            None,
            f"{_HERE}.returned_rate",
            "lower",
            _RATES,
        ),
        Measure(
            "overdue_count",
            _("Overdue appeals"),
            ITEMS,
            None,
            f"{_HERE}.overdue_count",
            "lower",
            _RATES,
        ),
        Measure(
            "appraisal_score",
            _("Democratic appraisal score"),
            POINTS,
            _("Mean rating of the year's closed appraisal campaigns, scaled to 0–100."),
            "lianxin.evaluation.appraisal.unit_appraisal_scores",
        ),
        Measure(
            "duty_report_rating",
            _("Duty-and-integrity report rating"),
            POINTS,
            _(
                "Mean citizens' rating (1–5) of the year's published reports of the unit's cadres,"
                " scaled to 0–100 ((mean − 1) / 4 × 100)."
            ),
            "lianxin.evaluation.selectors.duty_report_unit_ratings",
        ),
        Measure(
            "inquiries_on_time",
            _("Inquiries answered on time"),
            PERCENT,
            _("Inquiries answered by their deadline / inquiries due in the year."),
            "lianxin.evaluation.selectors.inquiries_on_time_percent",
        ),
        # Figures other apps own, named by path (this app imports neither).
        Measure(
            "notice_responses",
            _("Comments answered on notices"),
            PERCENT,
            _(
                "Comments with a published answer / comments shown, on the notices whose comment "
                "period closed in the year."
            ),
            "lianxin.participation.measures.notice_responses",
        ),
        Measure(
            "milestones_on_time",
            _("Decision milestones on time"),
            PERCENT,
            _("Milestones completed by their due date / milestones due in the year."),
            "lianxin.participation.measures.milestones_on_time",
        ),
        Measure(
            "visit_coverage",
            _("Visit coverage"),
            PERCENT,
            _(
                "Pairs visited as required (once a quarter, every month for households in severe "
                "difficulty) / pairs due, over the quarters of the year begun so far."
            ),
            "lianxin.outreach.measures.visit_coverage",
        ),
    ]
}


def measure_choices(*, available_only: bool = True) -> list[tuple[str, str]]:
    return [(m.key, str(m.label)) for m in MEASURES.values() if m.available or not available_only]


def year_months(year: int) -> tuple[date, date]:
    """First days of the first and last months of a year (the span rates.unit_measures takes)."""
    return date(year, 1, 1), date(year, 12, 1)


# --- providers ---------------------------------------------------------------------------


def _appeal_values(keys: list[str], units: list[Unit], year: int) -> dict[str, Values]:
    """The appeal measures from one call to the rankings capability."""
    start, end = year_months(year)
    figures = unit_measures(units, start, end)
    out: dict[str, Values] = {}
    for key in keys:
        out[key] = {}
        for unit in units:
            value = (figures.get(unit.pk) or {}).get(key)
            if value is not None:
                value = float(value) if key == "overdue_count" else float(value) * 100
            out[key][unit.pk] = value
    return out


def _appeal_measure(key: str, units: list[Unit], year: int) -> Values:
    return _appeal_values([key], units, year)[key]


def response_rate(units, year):
    return _appeal_measure("response_rate", units, year)


def resolution_rate(units, year):
    return _appeal_measure("resolution_rate", units, year)


def satisfaction_rate(units, year):
    return _appeal_measure("satisfaction_rate", units, year)


def on_time_rate(units, year):
    return _appeal_measure("on_time_rate", units, year)


def reopen_rate(units, year):
    return _appeal_measure("reopen_rate", units, year)


def returned_rate(units, year):
    return _appeal_measure("returned_rate", units, year)


def overdue_count(units, year):
    return _appeal_measure("overdue_count", units, year)


# The appeal measures come from one call for all of them; see measure_values.
_APPEAL_KEYS = {
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "reopen_rate",
    "returned_rate",
    "overdue_count",
}


def measure_values(keys: list[str], units: list[Unit], year: int) -> dict[str, Values]:
    """The values of each measure in `keys` for the units; LookupError names a measure whose
    provider is not available."""
    out: dict[str, Values] = {}
    appeal_keys = [k for k in keys if k in _APPEAL_KEYS]
    if appeal_keys:
        if not MEASURES[appeal_keys[0]].available:
            raise LookupError(appeal_keys[0])
        out.update(_appeal_values(appeal_keys, units, year))
    for key in keys:
        if key not in out:
            out[key] = MEASURES[key].values(units, year)
    return out

"""The measures of appeal work (三率 and the rest), from summed roll-up counters: the one
definition that the dashboard, the rankings, the exports and the indicators all read.

response = contacted (accepted) within the contact deadline / dispatched to the unit;
resolution = said resolved / followed up; satisfaction = (satisfied + 0.5 × basically
satisfied) / followed up; the last follow-up (回访) of an appeal counts. A rate is None when
there was nothing to count."""

from __future__ import annotations

from collections.abc import Mapping

THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def measures(c: Mapping[str, int]) -> dict[str, float | int | None]:
    """Rates as fractions 0-1; `received` and `overdue_count` as counts (`overdue_now`, the
    live overdue backlog, is added by callers that read it; 0 otherwise)."""
    return {
        "response_rate": ratio(c["responded_in_time"], c["dispatched"]),
        "resolution_rate": ratio(c["resolved"], c["rated"]),
        "satisfaction_rate": ratio(c["satisfied"] + 0.5 * c["basically_satisfied"], c["rated"]),
        "on_time_rate": ratio(c["replied_in_time"], c["replied"]),
        "reopen_rate": ratio(c["reopened"], c["dispatched"]),
        "returned_rate": ratio(c["returned"], c["dispatched"]),
        "received": c["received"],
        "overdue_count": c["replied"] - c["replied_in_time"] + c.get("overdue_now", 0),
    }


def percent(fraction: float | int | None) -> float | None:
    """A rate as a percentage with one decimal, as pages show it."""
    return None if fraction is None else round(100.0 * fraction, 1)

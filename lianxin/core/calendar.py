"""Working days and deadline arithmetic on the statutory calendar.

The statutory calendar is `chinesecalendar`, corrected by administrators' overrides. For a year
the library does not cover yet, Monday to Friday are working days and `is_estimated` says so, so
that pages can warn; a date never makes the arithmetic fail."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

LOCAL = ZoneInfo("Asia/Shanghai")
_SUPPORTED = chinese_calendar.constants.holidays.keys() | chinese_calendar.constants.workdays.keys()
FIRST_YEAR = min(_SUPPORTED).year
LAST_YEAR = max(_SUPPORTED).year
# Long searches stop here: no legal clock is longer than a few hundred working days.
MAX_SEARCH_DAYS = 3660


class Calendar:
    """The statutory calendar with overrides (date → is working day) applied."""

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides = dict(overrides or {})

    @classmethod
    def load(cls) -> "Calendar":
        from .models import CalendarOverride

        return cls(dict(CalendarOverride.objects.values_list("date", "is_workday")))

    def is_estimated(self, day: date) -> bool:
        return day not in self.overrides and not (FIRST_YEAR <= day.year <= LAST_YEAR)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within ten years")  # only if overrides close a decade

    def add_workdays(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after the start's date (the start day not counted)."""
        day = start.astimezone(LOCAL).date()
        for _ in range(days):
            day = self.next_workday(day + timedelta(days=1))
        return _at(day, settings.WORKDAY_END)

    def add_workhours(self, start: datetime, hours: Decimal | float | int) -> datetime:
        """`hours` of working time from `start`, counting only working hours of working days."""
        remaining = timedelta(hours=float(hours))
        moment = start.astimezone(LOCAL)
        day = moment.date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(day):
                opens, closes = _at(day, settings.WORKDAY_START), _at(day, settings.WORKDAY_END)
                begin = max(moment, opens)
                if begin <= closes:
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)
            moment = _at(day, (0, 0))
        raise ValueError("no working time within ten years")

    def add_statutory_days(self, start: datetime, days: int) -> datetime:
        """Calendar days as the 信访 regulation counts them; a period ending on a rest day ends
        on the next working day (Civil Code art. 203)."""
        day = start.astimezone(LOCAL).date() + timedelta(days=days)
        return _at(self.next_workday(day), settings.WORKDAY_END)

    def workdays_between(self, start: date, end: date) -> int:
        return sum(
            1 for n in range((end - start).days) if self.is_workday(start + timedelta(days=n + 1))
        )


def _at(day: date, hm: tuple[int, int]) -> datetime:
    return datetime.combine(day, time(*hm), tzinfo=LOCAL)

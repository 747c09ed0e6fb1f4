"""Working days and deadline arithmetic on the statutory calendar.

The statutory calendar is `chinesecalendar`, corrected by administrators' overrides. For a year
the library does not cover yet, Monday to Friday are working days and `is_estimated` says so, so
that pages can warn; a date never makes the arithmetic fail."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

LOCAL = ZoneInfo("Asia/Shanghai")
_HOLIDAYS = chinese_calendar.constants.holidays
_WORKDAYS = chinese_calendar.constants.workdays
_SUPPORTED = _HOLIDAYS.keys() | _WORKDAYS.keys()
FIRST_YEAR = min(_SUPPORTED).year
LAST_YEAR = max(_SUPPORTED).year
OVERRIDES_TTL = 60.0
_loaded: tuple[float, "Calendar"] | None = None
# Long searches stop here: no legal clock is longer than a few hundred working days.
MAX_SEARCH_DAYS = 3660


class Calendar:
    """The statutory calendar with overrides (date → is working day) applied."""

    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides = dict(overrides or {})

    @classmethod
    def load(cls) -> "Calendar":
        """The calendar with the administrators' overrides. Read at most once a minute per
        process (and at once after an edit in this process): deadlines are computed on every
        intake, overrides change a few times a year."""
        global _loaded
        now = monotonic()
        if _loaded is None or now - _loaded[0] > OVERRIDES_TTL:
            from .models import CalendarOverride

            _loaded = (now, cls(dict(CalendarOverride.objects.values_list("date", "is_workday"))))
        return _loaded[1]

    def is_estimated(self, day: date) -> bool:
        return day not in self.overrides and not (FIRST_YEAR <= day.year <= LAST_YEAR)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            # chinese_calendar.is_workday's own rule, without its per-call range check (a scan
            # of its whole table, which dominated deadline arithmetic).
            return day in _WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
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
        # Naive local wall time inside the loop: Asia/Shanghai keeps one offset all year, and
        # comparing aware datetimes costs a time-zone lookup each (this runs on every intake).
        remaining = timedelta(hours=float(hours))
        moment = start.astimezone(LOCAL).replace(tzinfo=None)
        day = moment.date()
        opening, closing = time(*settings.WORKDAY_START), time(*settings.WORKDAY_END)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(day):
                opens, closes = datetime.combine(day, opening), datetime.combine(day, closing)
                begin = moment if moment > opens else opens
                if begin <= closes:
                    if begin + remaining <= closes:
                        return (begin + remaining).replace(tzinfo=LOCAL)
                    remaining -= closes - begin
            day += timedelta(days=1)
            moment = datetime.combine(day, time())
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


def forget_overrides(**kwargs: object) -> None:
    """Signal receiver: an override was saved or deleted in this process."""
    global _loaded
    _loaded = None

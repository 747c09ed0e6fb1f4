"""Deadline arithmetic on the statutory calendar (lianxin.core.calendar)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lianxin.core.calendar import FIRST_YEAR, LAST_YEAR, LOCAL, Calendar
from lianxin.core.models import CalendarOverride

NEW_YORK = ZoneInfo("America/New_York")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


def opening(day: date) -> datetime:
    return datetime.combine(day, time(*settings.WORKDAY_START), tzinfo=LOCAL)


def closing(day: date) -> datetime:
    return datetime.combine(day, time(*settings.WORKDAY_END), tzinfo=LOCAL)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def working_time(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Reference: working time between two instants, summed day by day."""
    total = timedelta()
    day, last = local_date(start), local_date(end)
    while day <= last:
        if calendar.is_workday(day):
            lo, hi = max(start, opening(day)), min(end, closing(day))
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def in_working_hours(calendar: Calendar, moment: datetime) -> bool:
    day = local_date(moment)
    return calendar.is_workday(day) and opening(day) <= moment <= closing(day)


# --- Known days of the statutory calendar -------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)])
def test_national_day_2026_is_a_holiday(day):
    assert not Calendar().is_workday(day)


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (date(2026, 9, 20), True),  # Sunday made a working day for National Day
        (date(2026, 9, 30), True),
        (date(2026, 10, 8), True),
        (date(2026, 10, 9), True),
        (date(2026, 10, 10), True),  # Saturday made a working day for National Day
        (date(2026, 10, 11), False),
    ],
)
def test_days_around_national_day_2026(day, is_workday):
    assert Calendar().is_workday(day) is is_workday


@pytest.mark.parametrize("day", [date(2026, 2, 15) + timedelta(days=n) for n in range(9)])
def test_spring_festival_2026_is_a_holiday(day):
    assert not Calendar().is_workday(day)


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), True),  # Saturday made a working day
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday made a working day
        (date(2026, 3, 1), False),
    ],
)
def test_days_around_spring_festival_2026(day, is_workday):
    assert Calendar().is_workday(day) is is_workday


def test_plain_week_is_monday_to_friday():
    week = [date(2026, 3, 9) + timedelta(days=n) for n in range(7)]
    assert [Calendar().is_workday(d) for d in week] == [True] * 5 + [False] * 2


def test_covered_years_are_not_estimated():
    calendar = Calendar()
    assert FIRST_YEAR == 2004
    assert not calendar.is_estimated(date(FIRST_YEAR, 1, 1))
    assert not calendar.is_estimated(date(2026, 10, 1))
    assert not calendar.is_estimated(date(LAST_YEAR, 12, 31))


# --- add_workdays -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, local(2026, 3, 16, 17)),  # Monday
        (2, local(2026, 3, 17, 17)),
        (5, local(2026, 3, 20, 17)),  # the next Friday
        (6, local(2026, 3, 23, 17)),
    ],
)
def test_add_workdays_from_friday_afternoon_skips_the_weekend(days, expected):
    assert Calendar().add_workdays(local(2026, 3, 13, 15, 30), days) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, local(2026, 10, 8, 17)),
        (2, local(2026, 10, 9, 17)),
        (3, local(2026, 10, 10, 17)),  # the working Saturday counts
        (4, local(2026, 10, 12, 17)),
    ],
)
def test_add_workdays_skips_national_day(days, expected):
    assert Calendar().add_workdays(local(2026, 9, 30, 15), days) == expected


def test_add_workdays_counts_from_the_local_date():
    # Thursday 17:30 UTC is already Friday 01:30 in Shanghai.
    start = datetime(2026, 3, 12, 17, 30, tzinfo=UTC)
    assert Calendar().add_workdays(start, 1) == local(2026, 3, 16, 17)


def test_add_zero_workdays_is_the_end_of_the_start_day():
    # Convention pinned here: the 0th working day is the start's own date, even a rest day.
    assert Calendar().add_workdays(local(2026, 3, 10, 10), 0) == local(2026, 3, 10, 17)
    assert Calendar().add_workdays(local(2026, 3, 14, 10), 0) == local(2026, 3, 14, 17)


# --- add_workhours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (local(2026, 3, 12, 16), 3, local(2026, 3, 13, 11)),  # Thursday into Friday
        (local(2026, 3, 13, 15, 30), 2, local(2026, 3, 16, 9, 30)),  # Friday into Monday
        (local(2026, 3, 10, 9), 8, local(2026, 3, 10, 17)),  # exactly a working day
        (local(2026, 3, 10, 9), 9, local(2026, 3, 11, 10)),
        (local(2026, 3, 10, 8), 1, local(2026, 3, 10, 10)),  # before opening
        (local(2026, 3, 10, 18), 1, local(2026, 3, 11, 10)),  # after closing
        (local(2026, 3, 14, 11), 1, local(2026, 3, 16, 10)),  # on a Saturday
        (local(2026, 9, 30, 16), 2, local(2026, 10, 8, 10)),  # over National Day
        (local(2026, 3, 10, 16, 45), Decimal("0.5"), local(2026, 3, 11, 9, 15)),
        (local(2026, 3, 10, 10), 0.25, local(2026, 3, 10, 10, 15)),
    ],
)
def test_add_workhours_counts_only_working_hours(start, hours, expected):
    assert Calendar().add_workhours(start, hours) == expected


def test_add_workhours_from_closing_time_continues_next_morning():
    assert Calendar().add_workhours(local(2026, 3, 10, 17), 1) == local(2026, 3, 11, 10)


def test_add_workhours_ending_at_closing_time_stays_on_that_day():
    # The last hour of a day ends at 17:00 that day, not at 09:00 the next working day.
    assert Calendar().add_workhours(local(2026, 3, 13, 16), 1) == local(2026, 3, 13, 17)


def test_zero_workhours_from_closing_time_is_closing_time():
    # Adding no working time must not move a moment that is within working time; 17:00 is
    # where add_workhours itself ends a full day, so it is within working time.
    calendar = Calendar()
    end_of_day = calendar.add_workhours(local(2026, 9, 30, 9), 8)
    assert end_of_day == local(2026, 9, 30, 17)
    assert calendar.add_workhours(end_of_day, 0) == end_of_day


# --- add_statutory_days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (local(2026, 9, 16, 10), 14, local(2026, 9, 30, 17)),
        (local(2026, 9, 16, 10), 15, local(2026, 10, 8, 17)),  # ends on National Day
        (local(2026, 9, 24, 10), 15, local(2026, 10, 9, 17)),
        (local(2026, 3, 6, 10), 15, local(2026, 3, 23, 17)),  # ends on a Saturday
        (local(2026, 1, 20, 10), 30, local(2026, 2, 24, 17)),  # ends in Spring Festival
        (local(2026, 9, 25, 10), 15, local(2026, 10, 10, 17)),  # the working Saturday
    ],
)
def test_add_statutory_days_ending_on_a_rest_day_rolls_to_the_next_working_day(
    start, days, expected
):
    assert Calendar().add_statutory_days(start, days) == expected


# --- Overrides ----------------------------------------------------------------------------


def test_override_turns_a_holiday_into_a_working_day():
    calendar = Calendar({date(2026, 10, 5): True})
    assert calendar.is_workday(date(2026, 10, 5))
    assert not calendar.is_workday(date(2026, 10, 4))
    assert calendar.add_workdays(local(2026, 9, 30, 15), 1) == local(2026, 10, 5, 17)
    assert calendar.add_statutory_days(local(2026, 9, 16, 10), 15) == local(2026, 10, 5, 17)
    assert calendar.add_workhours(local(2026, 9, 30, 16), 2) == local(2026, 10, 5, 10)


def test_override_turns_a_working_day_into_a_holiday():
    calendar = Calendar({date(2026, 3, 11): False, date(2026, 10, 10): False})
    assert not calendar.is_workday(date(2026, 3, 11))
    assert calendar.add_workdays(local(2026, 3, 10, 10), 1) == local(2026, 3, 12, 17)
    assert calendar.add_workhours(local(2026, 3, 10, 16), 2) == local(2026, 3, 12, 10)
    assert calendar.add_statutory_days(local(2026, 3, 10, 10), 1) == local(2026, 3, 12, 17)
    assert calendar.add_workdays(local(2026, 9, 30, 15), 3) == local(2026, 10, 12, 17)


def test_override_dates_are_not_estimated():
    calendar = Calendar({date(2030, 10, 1): False, date(2026, 10, 1): True})
    assert not calendar.is_estimated(date(2030, 10, 1))
    assert not calendar.is_workday(date(2030, 10, 1))
    assert not calendar.is_estimated(date(2026, 10, 1))
    assert calendar.is_estimated(date(2030, 10, 2))


def test_overrides_are_copied():
    overrides = {date(2026, 3, 11): False}
    calendar = Calendar(overrides)
    overrides[date(2026, 3, 11)] = True
    assert not calendar.is_workday(date(2026, 3, 11))


@pytest.mark.django_db
def test_load_reads_the_administrators_overrides():
    CalendarOverride.objects.create(date=date(2026, 10, 5), is_workday=True, note="调休")
    CalendarOverride.objects.create(date=date(2026, 3, 11), is_workday=False)
    CalendarOverride.objects.create(date=date(2030, 10, 1), is_workday=False)
    calendar = Calendar.load()
    assert calendar.overrides == {
        date(2026, 10, 5): True,
        date(2026, 3, 11): False,
        date(2030, 10, 1): False,
    }
    assert calendar.is_workday(date(2026, 10, 5))
    assert not calendar.is_workday(date(2026, 3, 11))
    assert not calendar.is_workday(date(2030, 10, 1))
    assert not calendar.is_estimated(date(2030, 10, 1))
    assert calendar.add_workdays(local(2026, 9, 30, 15), 1) == local(2026, 10, 5, 17)


@pytest.mark.django_db
def test_load_without_overrides_is_the_statutory_calendar():
    calendar = Calendar.load()
    assert calendar.overrides == {}
    assert not calendar.is_workday(date(2026, 10, 5))


# --- Years the library does not cover -----------------------------------------------------


def test_the_library_does_not_cover_2027_onwards():
    # Precondition of the tests below; if chinesecalendar learns these years, move them on.
    assert LAST_YEAR < 2027


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (date(2030, 9, 30), True),  # Monday
        (date(2030, 10, 1), True),  # National Day, but unknown yet: Tuesday is estimated
        (date(2030, 10, 4), True),  # Friday
        (date(2030, 10, 5), False),  # Saturday
        (date(2030, 10, 6), False),  # Sunday
        (date(2027, 2, 8), True),  # Monday in what will be Spring Festival
        (date(2027, 1, 2), False),  # Saturday
        (date(2003, 1, 1), True),  # before the library's first year, a Wednesday
    ],
)
def test_uncovered_years_are_monday_to_friday_and_estimated(day, is_workday):
    calendar = Calendar()
    assert calendar.is_workday(day) is is_workday
    assert calendar.is_estimated(day)


def test_first_uncovered_year_is_estimated():
    assert Calendar().is_estimated(date(LAST_YEAR + 1, 1, 1))
    assert Calendar().is_estimated(date(FIRST_YEAR - 1, 12, 31))


def test_arithmetic_never_fails_beyond_the_library():
    calendar = Calendar()
    assert calendar.add_workdays(local(2030, 9, 27, 15), 1) == local(2030, 9, 30, 17)
    assert calendar.add_workdays(local(2030, 9, 30, 15), 1) == local(2030, 10, 1, 17)
    assert calendar.add_workhours(local(2030, 10, 4, 16), 2) == local(2030, 10, 7, 10)
    assert calendar.add_statutory_days(local(2030, 9, 20, 10), 15) == local(2030, 10, 7, 17)
    assert calendar.workdays_between(date(2030, 9, 27), date(2030, 10, 7)) == 6


def test_arithmetic_crosses_from_a_covered_into_an_uncovered_year():
    calendar = Calendar()
    start = local(LAST_YEAR, 12, 31, 10)
    result = calendar.add_workdays(start, 40)
    assert result.year == LAST_YEAR + 1
    assert calendar.workdays_between(start.date(), result.date()) == 40


# --- workdays_between ---------------------------------------------------------------------


def test_workdays_between_counts_the_end_and_not_the_start():
    calendar = Calendar()
    assert calendar.workdays_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert calendar.workdays_between(date(2026, 3, 9), date(2026, 3, 10)) == 1
    assert calendar.workdays_between(date(2026, 3, 13), date(2026, 3, 16)) == 1
    assert calendar.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


# --- Properties ---------------------------------------------------------------------------

aware_datetimes = st.datetimes(
    min_value=datetime(2004, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([LOCAL, UTC, NEW_YORK]),
)
workday_counts = st.integers(min_value=0, max_value=60)
hour_counts = st.integers(min_value=0, max_value=120)


@st.composite
def starts_with_overrides(draw):
    """A start and overrides on dates around it, where they change results."""
    start = draw(aware_datetimes)
    base = local_date(start)
    offsets = draw(st.dictionaries(st.integers(-3, 100), st.booleans(), max_size=40))
    return start, {base + timedelta(days=k): v for k, v in offsets.items()}


def check_add_workdays(calendar: Calendar, start: datetime, n: int) -> None:
    result = calendar.add_workdays(start, n)
    local_result = result.astimezone(LOCAL)
    assert local_result.time() == time(*settings.WORKDAY_END)
    if n >= 1:
        assert calendar.is_workday(local_result.date())
        assert result > start
        # Together with the above, this makes the result the n-th working day exactly.
        assert calendar.workdays_between(local_date(start), local_result.date()) == n
    else:
        assert local_result.date() == local_date(start)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, n=workday_counts)
def test_add_workdays_ends_the_nth_working_day(start, n):
    check_add_workdays(Calendar(), start, n)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, n=st.integers(min_value=0, max_value=59))
def test_add_workdays_is_strictly_monotonic(start, n):
    calendar = Calendar()
    assert calendar.add_workdays(start, n) < calendar.add_workdays(start, n + 1)


def check_add_workhours(calendar: Calendar, start: datetime, hours: int) -> None:
    result = calendar.add_workhours(start, hours)
    assert in_working_hours(calendar, result)
    assert result >= start
    assert working_time(calendar, start, result) == timedelta(hours=hours)
    if hours > 0:
        # No idle time before the last stretch: an earlier instant would have done.
        assert result > opening(local_date(result))


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, hours=hour_counts)
def test_add_workhours_adds_exactly_that_much_working_time(start, hours):
    check_add_workhours(Calendar(), start, hours)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, hours=st.integers(min_value=0, max_value=119))
def test_add_workhours_is_monotonic(start, hours):
    calendar = Calendar()
    assert calendar.add_workhours(start, hours) < calendar.add_workhours(start, hours + 1)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, h1=st.integers(0, 40), h2=st.integers(1, 40))
@example(start=local(2026, 9, 30, 9), h1=8, h2=1)  # first step ends at closing time
@example(start=local(2026, 3, 13, 17), h1=0, h2=1)  # starts at closing time
def test_add_workhours_in_two_steps_equals_one_step(start, h1, h2):
    """When the first step lands exactly at closing time, the second continues from the next
    opening, which is where the single step goes too: the closing instant and the next opening
    have the same working time before them. Zero hours in the second step is the separate
    test below."""
    calendar = Calendar()
    two_steps = calendar.add_workhours(calendar.add_workhours(start, h1), h2)
    assert two_steps == calendar.add_workhours(start, h1 + h2)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, hours=hour_counts)
@example(start=local(2026, 3, 10, 12, 30), hours=2)
def test_adding_zero_workhours_to_a_result_leaves_it_unchanged(start, hours):
    calendar = Calendar()
    result = calendar.add_workhours(start, hours)
    assert calendar.add_workhours(result, 0) == result


def check_add_statutory_days(calendar: Calendar, start: datetime, days: int) -> None:
    result = calendar.add_statutory_days(start, days)
    local_result = result.astimezone(LOCAL)
    end = local_date(start) + timedelta(days=days)
    assert local_result.time() == time(*settings.WORKDAY_END)
    assert calendar.is_workday(local_result.date())
    assert local_result.date() >= end
    if days >= 1:
        assert result > start
    # It rolls to the first working day, no further.
    day = end
    while day < local_result.date():
        assert not calendar.is_workday(day)
        day += timedelta(days=1)


@hypothesis_settings(deadline=None)
@given(start=aware_datetimes, days=st.integers(min_value=0, max_value=90))
def test_add_statutory_days_ends_on_the_first_working_day_from_the_last_day(start, days):
    check_add_statutory_days(Calendar(), start, days)


@hypothesis_settings(deadline=None)
@given(case=starts_with_overrides())
def test_overrides_decide_their_dates(case):
    start, overrides = case
    calendar, statutory = Calendar(overrides), Calendar()
    for day in (local_date(start) + timedelta(days=k) for k in range(-3, 101)):
        if day in overrides:
            assert calendar.is_workday(day) is overrides[day]
            assert not calendar.is_estimated(day)
        else:
            assert calendar.is_workday(day) is statutory.is_workday(day)
            assert calendar.is_estimated(day) is statutory.is_estimated(day)


@hypothesis_settings(deadline=None)
@given(case=starts_with_overrides(), n=st.integers(min_value=0, max_value=40))
def test_arithmetic_honours_random_overrides(case, n):
    start, overrides = case
    calendar = Calendar(overrides)
    check_add_workdays(calendar, start, n)
    check_add_workhours(calendar, start, n * 3)
    check_add_statutory_days(calendar, start, n)


def test_statutory_rule_agrees_with_chinese_calendar_on_every_covered_day():
    # Calendar.is_workday applies chinese_calendar's rule to its tables directly (for speed);
    # it must agree with the library on every day the library knows.
    import chinese_calendar

    calendar = Calendar()
    day, last = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
    while day <= last:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)

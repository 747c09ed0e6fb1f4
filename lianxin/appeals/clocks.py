"""The two clocks of an appeal: contact (响应) and handling (办理) deadlines."""

from datetime import datetime, timedelta

from lianxin.core.calendar import Calendar

from .models import Category, Track, Urgency

# Defaults from the architecture. Emergencies run on the wall clock; ordinary and complex
# appeals on working time of the statutory calendar.
CONTACT_CLOCK_HOURS: dict[str, float] = {Urgency.EMERGENCY: 0.5, Urgency.URGENT: 2}
HANDLING_CLOCK_HOURS: dict[str, float] = {Urgency.EMERGENCY: 2, Urgency.URGENT: 24}
DEFAULT_CONTACT_WORK_HOURS = 8
HANDLING_WORK_DAYS: dict[str, int] = {Urgency.ORDINARY: 7, Urgency.COMPLEX: 15}
# 《信访工作条例》(2022): acceptance notice within 15 days, handling within 60 days,
# one extension of at most 30 days.
XINFANG_ACCEPT_DAYS = 15
XINFANG_HANDLING_DAYS = 60
XINFANG_MAX_EXTENSION_DAYS = 30
HOTLINE_MAX_EXTENSION_WORK_DAYS = 30


def deadlines(
    *, start: datetime, urgency: str, track: str, category: Category | None, calendar: Calendar
) -> tuple[datetime, datetime]:
    if track == Track.XINFANG:
        return (
            calendar.add_statutory_days(start, XINFANG_ACCEPT_DAYS),
            calendar.add_statutory_days(start, XINFANG_HANDLING_DAYS),
        )
    if urgency in HANDLING_CLOCK_HOURS:
        return (
            start + timedelta(hours=CONTACT_CLOCK_HOURS[urgency]),
            start + timedelta(hours=HANDLING_CLOCK_HOURS[urgency]),
        )
    contact_hours = (category and category.contact_hours) or DEFAULT_CONTACT_WORK_HOURS
    days = HANDLING_WORK_DAYS[urgency]
    if urgency == Urgency.ORDINARY and category and category.handling_days:
        days = category.handling_days
    return calendar.add_workhours(start, contact_hours), calendar.add_workdays(start, days)


def extended(*, deadline: datetime, days: int, track: str, calendar: Calendar) -> datetime:
    if track == Track.XINFANG:
        return calendar.add_statutory_days(deadline, days)
    return calendar.add_workdays(deadline, days)

"""The leaders' dashboard: every figure from the daily roll-ups (a month is a few thousand rows
whatever the volume), except overdue work, which is read live from the open appeals' deadline
index because it changes with the clock, not with events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import quote

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals.models import (
    COUNTERS,
    OPEN_STATES,
    Appeal,
    Category,
    DailyAppealStat,
    DailyAppealTotal,
    MonthlyAppealStat,
    Satisfaction,
    Status,
)
from lianxin.appeals.rates import THREE_RATES, measures, percent
from lianxin.appeals.rollups import rollup_refreshed_at
from lianxin.appeals.selectors import appeals_visible_to, with_last_followup
from lianxin.core.calendar import LOCAL
from lianxin.core.dbrouter import on_replica
from lianxin.core.models import Unit
from lianxin.core.params import as_id

PERIODS = (7, 30, 90, 365)
TOP_CATEGORIES = 12


# The two clocks of an open appeal (as Appeal.objects.overdue reads them, one at a time).
NOT_ACCEPTED = (Status.SUBMITTED, Status.DISPATCHED)
OVERDUE = {
    "contact": lambda now: Q(status__in=NOT_ACCEPTED, contact_deadline__lt=now),
    "handling": lambda now: Q(status__in=OPEN_STATES, handling_deadline__lt=now),
}


def missed_deadlines(appeal: Appeal, now: datetime) -> list[tuple[str, datetime, timedelta]]:
    """Which of an appeal's deadlines have passed: ("contact" | "handling", deadline, by how
    much), for the drill-down list to say why it is there."""
    missed = []
    if appeal.status in NOT_ACCEPTED and appeal.contact_deadline and appeal.contact_deadline < now:
        missed.append(("contact", appeal.contact_deadline, now - appeal.contact_deadline))
    if appeal.status in OPEN_STATES and appeal.handling_deadline and appeal.handling_deadline < now:
        missed.append(("handling", appeal.handling_deadline, now - appeal.handling_deadline))
    return missed


def unit_rates(row: dict) -> dict:
    """响应率, 解决率, 满意率 of a sum of roll-up rows, in per cent (appeals.rates defines them)."""
    figures = measures({**row, "overdue_now": 0})
    return {name: percent(figures[name]) for name in THREE_RATES}


def drill_url(**params) -> str:
    """The list of appeals behind a figure."""
    return _drill_link(reverse("insight:drill"), params)


@lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    # The same few names, dates and ids over and over: each quoted once.
    return quote(value, safe="")


def _drill_link(base: str, params: dict) -> str:
    # Built by hand: a reverse() and Django's urlencode per link cost more than the rest of a
    # city's dashboard (a few thousand links: hundreds of units, a year of days). Every value
    # is a scalar.
    return (
        base
        + "?"
        + "&".join(
            f"{_quoted(k)}={_quoted(str(v))}" for k, v in params.items() if v not in (None, "")
        )
    )


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def last(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate(timezone=LOCAL)
        return cls(today - timedelta(days=days - 1), today)

    @property
    def params(self) -> dict:
        return {"since": self.start.isoformat(), "until": self.end.isoformat()}


def _sums(qs: QuerySet, *group: str) -> list[dict]:
    return list(qs.values(*group).annotate(**{c: Sum(c) for c in COUNTERS}).order_by(*group))


def _unit_category_sums(period: Period) -> list[dict]:
    """The period's figures by unit and category: whole calendar months from the monthly rows,
    the days before and after them from the daily ones."""
    first = (
        period.start
        if period.start.day == 1
        else (period.start + timedelta(days=32)).replace(day=1)
    )
    after = (period.end + timedelta(days=1)).replace(day=1)  # first day after the whole months
    if first >= after:  # no whole month inside: days only
        return _sums(
            DailyAppealStat.objects.filter(day__gte=period.start, day__lte=period.end),
            "unit_id",
            "category_id",
        )
    parts = [
        _sums(
            MonthlyAppealStat.objects.filter(month__gte=first, month__lt=after),
            "unit_id",
            "category_id",
        ),
        _sums(
            DailyAppealStat.objects.filter(
                Q(day__gte=period.start, day__lt=first) | Q(day__gte=after, day__lte=period.end)
            ),
            "unit_id",
            "category_id",
        ),
    ]
    merged: dict[tuple, dict] = {}
    for row in parts[0] + parts[1]:
        key = (row["unit_id"], row["category_id"])
        if key in merged:
            for c in COUNTERS:
                merged[key][c] = (merged[key][c] or 0) + (row[c] or 0)
        else:
            merged[key] = row
    return list(merged.values())


def _top_level(categories: dict[int, Category], pk: int | None) -> Category | None:
    category = categories.get(pk) if pk is not None else None
    while category is not None and category.parent_id:
        category = categories.get(category.parent_id)
    return category


@on_replica  # figures of the roll-ups: a replica's second of lag is invisible
def dashboard_figures(period: Period, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    base = reverse("insight:drill")

    def link(**params) -> str:
        return _drill_link(base, params)

    units = {u.pk: u for u in Unit.objects.all()}
    categories = {c.pk: c for c in Category.objects.all()}

    # Two reads of the roll-ups: the district's totals by day for the trend, by unit and
    # category for the rest.
    by_day = {
        row["day"]: row
        for row in DailyAppealTotal.objects.filter(
            day__gte=period.start, day__lte=period.end
        ).values("day", "received", "closed")
    }
    by_unit_category = _unit_category_sums(period)
    trend = []
    day = period.start
    while day <= period.end:
        of_day = by_day.get(day)
        trend.append(
            {
                "day": day.isoformat(),
                "received": (of_day["received"] if of_day else 0) or 0,
                "closed": (of_day["closed"] if of_day else 0) or 0,
                "url": link(since=day.isoformat(), until=day.isoformat()),
            }
        )
        day += timedelta(days=1)

    groups: dict[int | None, int] = {}
    for row in by_unit_category:
        top = _top_level(categories, row["category_id"])
        key = top.pk if top else None
        groups[key] = groups.get(key, 0) + (row["received"] or 0)
    ranked = sorted(groups.items(), key=lambda kv: -kv[1])
    category_rows = [
        {
            "name": categories[pk].name if pk else "",
            "received": n,
            "url": link(**period.params, group=pk if pk else "none"),
        }
        for pk, n in ranked[:TOP_CATEGORIES]
    ]

    # Two deadlines are missed separately: contact (not yet accepted past the contact deadline)
    # and handling (still open past the handling deadline). "Overdue" is either; an appeal past
    # both counts once there and in both of the others. One pass over the overdue appeals for
    # the three, read from the partial index of open appeals alone (COUNT(*): the id is not in
    # it).
    overdue_by_unit, contact_by_unit, handling_by_unit = {}, {}, {}
    for unit_id, overdue, contact, handling in (
        Appeal.objects.overdue(now)
        .values_list("unit_id")
        .annotate(
            overdue=Count("*"),
            # Each filter needs its deadline, so counting the deadline counts the appeals.
            contact=Count("contact_deadline", filter=OVERDUE["contact"](now)),
            handling=Count("handling_deadline", filter=OVERDUE["handling"](now)),
        )
        .order_by()
    ):
        overdue_by_unit[unit_id] = overdue
        contact_by_unit[unit_id] = contact
        handling_by_unit[unit_id] = handling
    by_unit: dict[int | None, dict] = {}
    for row in by_unit_category:
        sums = by_unit.setdefault(row["unit_id"], {c: 0 for c in COUNTERS})
        for c in COUNTERS:
            sums[c] += row[c] or 0
    unit_rows = []
    totals = {c: 0 for c in COUNTERS}
    for unit_id, row in by_unit.items():
        for c in COUNTERS:
            totals[c] += row[c]
        unit = units.get(unit_id) if unit_id is not None else None
        if unit is None:
            continue  # not yet dispatched: counted in the totals only
        unit_rows.append(
            {
                "name": unit.name,
                "received": row["received"],
                "open": row["open"],
                "overdue": overdue_by_unit.get(unit.pk, 0),
                "contact_overdue": contact_by_unit.get(unit.pk, 0),
                "handling_overdue": handling_by_unit.get(unit.pk, 0),
                "contact_overdue_url": link(unit=unit.pk, state="contact_overdue"),
                "handling_overdue_url": link(unit=unit.pk, state="handling_overdue"),
                **unit_rates(row),
                "url": link(**period.params, unit=unit.pk),
                "overdue_url": link(unit=unit.pk, state="overdue"),
                "dissatisfied_url": link(**period.params, unit=unit.pk, state="dissatisfied"),
            }
        )
    unit_rows.sort(key=lambda r: (-r["received"], r["name"]))
    overdue_total = sum(overdue_by_unit.values())
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "refreshed_at": rollup_refreshed_at(),
        "totals": {
            "received": totals["received"],
            "open": totals["open"],
            "overdue": overdue_total,
            "contact_overdue": sum(contact_by_unit.values()),
            "handling_overdue": sum(handling_by_unit.values()),
            "contact_overdue_url": link(state="contact_overdue"),
            "handling_overdue_url": link(state="handling_overdue"),
            **unit_rates(totals),
            "received_url": link(**period.params),
            "open_url": link(**period.params, state="open"),
            "overdue_url": link(state="overdue"),
        },
        "trend": trend,
        "categories": category_rows,
        "units": unit_rows,
    }


# --- drill-down: the appeals behind a figure -------------------------------------------------

DRILL_STATES = {
    "open": lambda now: Q(status__in=OPEN_STATES),
    "overdue": lambda now: Q(pk__in=Appeal.objects.overdue(now).values("pk")),
    "contact_overdue": lambda now: OVERDUE["contact"](now),
    "handling_overdue": lambda now: OVERDUE["handling"](now),
    "closed": lambda now: Q(status=Status.CLOSED),
    # The last follow-up counts, as in the figure (with_last_followup annotates it).
    "dissatisfied": lambda now: Q(last_satisfaction=Satisfaction.DISSATISFIED),
}


class BadFilter(ValueError):
    pass


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadFilter(value) from exc


def _pk(value: str) -> int:
    pk = as_id(value)  # digits alone may overflow the database's key (a 500, not a 400)
    if pk is None:
        raise BadFilter(value)
    return pk


def drill_appeals(user, params, *, now: datetime | None = None) -> QuerySet[Appeal]:
    """The appeals `user` may see that lie behind a dashboard figure. Unknown or malformed
    filters raise BadFilter (the page answers 400)."""
    now = now or timezone.now()
    qs = appeals_visible_to(user)
    if params.get("since"):
        qs = qs.filter(created_at__gte=datetime.combine(_day(params["since"]), time.min, LOCAL))
    if params.get("until"):
        end = datetime.combine(_day(params["until"]), time.min, LOCAL) + timedelta(days=1)
        qs = qs.filter(created_at__lt=end)
    if params.get("unit"):
        qs = qs.filter(unit_id=_pk(params["unit"]))
    group = params.get("group")
    if group == "none":
        qs = qs.filter(category__isnull=True)
    elif group:
        pk = _pk(group)
        qs = qs.filter(Q(category_id=pk) | Q(category__parent_id=pk))
    state = params.get("state")
    if state:
        if state not in DRILL_STATES:
            raise BadFilter(state)
        if state == "dissatisfied":
            qs = with_last_followup(qs)
        qs = qs.filter(DRILL_STATES[state](now)).distinct()
    return qs.order_by("-created_at")

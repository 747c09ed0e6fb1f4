"""`make bench-scale` builds a city's roll-ups with one SQL statement (bench/scale.py), because
the real `rollup_refresh(full=True)` holds every row in Python: both must give the same daily
and monthly rows and leave the same state behind, so the city's figures are the real ones."""

import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.appeals.models import (
    COUNTERS,
    DailyAppealStat,
    DailyAppealTotal,
    MonthlyAppealStat,
    RollupState,
    Status,
)
from lianxin.appeals.rollups import rollup_refresh
from lianxin.core import clock
from tests.appeals_helpers import appeal_in, fast_passwords, submit, walk  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the bench's SQL is for PostgreSQL"
    ),
]


def scale():
    from django.conf import settings

    bench = str(settings.BASE_DIR / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import scale as module

    return module


def rows(model, period: str) -> list[tuple]:
    return sorted(
        model.objects.values_list(period, "unit_id", "category_id", *COUNTERS),
        key=lambda r: (r[0], r[1] or 0, r[2] or 0),
    )


def test_the_bench_rollups_equal_rollup_refresh(people, district):
    # Appeals over three months and two units, in every kind of state, one of them followed up
    # twice (the last follow-up counts), one submitted near midnight in Beijing.
    start = timezone.now() - timedelta(days=80)
    for n in range(0, 80, 5):
        with clock.at(start + timedelta(days=n, hours=n % 24)):
            appeal = submit(title=f"诉求{n}")
            unit = district["vet"] if n % 2 else None
            state = [Status.CLOSED, Status.HANDLING, Status.REOPENED, Status.WITHDRAWN][n % 4]
            walk(appeal, state, people, district, unit)
    twice = appeal_in(Status.REOPENED, people, district)  # dissatisfied, then handled again
    walk(twice, Status.CLOSED, people, district)
    assert twice.followups.count() == 2
    submit(title="尚未派发")

    rollup_refresh(full=True)
    daily, monthly = rows(DailyAppealStat, "day"), rows(MonthlyAppealStat, "month")
    totals = list(DailyAppealTotal.objects.order_by("day").values_list("day", "received", "closed"))
    state = RollupState.objects.values_list("last_appeal_id", flat=True).get()
    assert len(daily) > 10 and len({r[0].month for r in daily}) >= 3
    assert sum(r[3 + COUNTERS.index("rated")] for r in daily) >= 5

    DailyAppealStat.objects.all().delete()
    MonthlyAppealStat.objects.all().delete()
    scale().rollups_sql()
    assert rows(DailyAppealStat, "day") == daily
    assert rows(MonthlyAppealStat, "month") == monthly
    assert (
        list(DailyAppealTotal.objects.order_by("day").values_list("day", "received", "closed"))
        == totals
    )
    assert RollupState.objects.values_list("last_appeal_id", flat=True).get() == state

"""Coverage in a period, recounted from the raw visits, checked against a hand count."""

import uuid
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lianxin.core import clock
from lianxin.core.models import Unit
from lianxin.outreach.models import Difficulty, VisitForm
from lianxin.outreach.selectors import coverage, is_overdue, overdue_pairings, period_bounds
from lianxin.outreach.services import pairing_assign, visit_record

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .outreach_helpers import register

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


def at(day: date):
    return clock.at(
        datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone())
    )


def visit(cadre, pairing, day):
    with at(day):
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=day,
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )


@pytest.fixture
def quarter(village, outreach_people, district):
    """2026Q4 by hand. 李家村: A visited in November (covered); B never visited (not);
    C in severe difficulty, visited in October and December but not November (not); D in
    severe difficulty, visited every month (covered); E reassigned on 16 November: the old
    pairing visited in October (covered), the new one not yet (not). 东湖社区: F visited in
    September only, before the quarter (not), G visited on 31 December (covered).
    So 李家村 3 of 6 (A, D, E's first), 东湖社区 1 of 2, in all 4 of 8."""
    leader, cadre, cadre2 = (outreach_people[k] for k in ("leader", "cadre", "cadre2"))
    community = district["community"]
    start = date(2026, 9, 1)
    with at(start):
        a, b, e = (register(leader, village, head_name=n) for n in ("甲", "乙", "戊"))
        c, d = (
            register(leader, village, head_name=n, difficulty=Difficulty.SEVERE)
            for n in ("丙", "丁")
        )
        f, g = (register(leader, community, head_name=n) for n in ("己", "庚"))
        pa, pb, pc, pd, pe, pf, pg = (
            pairing_assign(actor=leader, household=h, cadre=cadre, starts_on=start)
            for h in (a, b, c, d, e, f, g)
        )
    visit(cadre, pa, date(2026, 11, 3))
    visit(cadre, pc, date(2026, 10, 8))
    visit(cadre, pc, date(2026, 12, 1))
    for day in (date(2026, 10, 9), date(2026, 11, 9), date(2026, 12, 2)):
        visit(cadre, pd, day)
    visit(cadre, pe, date(2026, 10, 20))
    with at(date(2026, 11, 16)):
        pairing_assign(actor=leader, household=e, cadre=cadre2, starts_on=date(2026, 11, 16))
    visit(cadre, pf, date(2026, 9, 30))
    visit(cadre, pg, date(2026, 12, 31))
    return {"village": village, "community": community, "pb": pb}


def test_coverage_per_unit_matches_the_hand_count(quarter):
    rows = {row.unit.name: (row.covered, row.due) for row in coverage("2026Q4")}
    assert rows == {"李家村": (3, 6), "东湖社区": (1, 2)}


def test_the_command_prints_coverage_per_unit(quarter):
    out = StringIO()
    call_command("outreach_coverage", "--period", "2026Q4", "--cadres", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "period 2026Q4"
    assert "east-lake\t东湖社区\t1/2\t50.0%" in lines
    assert "lijia\t李家村\t3/6\t50.0%" in lines
    assert "  cadre2\t0/1" in lines
    assert lines[-1] == "total\t4/8\t50.0%"


def test_a_month_is_a_period_too(quarter):
    rows = {row.unit.name: (row.covered, row.due) for row in coverage("2026-10")}
    # October: C, D and E's first pairing visited; A, B not; F (September) and G (December) not.
    assert rows == {"李家村": (3, 5), "东湖社区": (0, 2)}


def test_a_bad_period_is_refused():
    with pytest.raises(CommandError):
        call_command("outreach_coverage", "--period", "2026Q5", stdout=StringIO())
    assert period_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))


def test_overdue_pairings_for_the_unit_leader(quarter, outreach_people):
    leader = outreach_people["leader"]
    overdue = {p.household.head_name for p in overdue_pairings(leader, today=date(2027, 1, 5))}
    # A visited 3 Nov (63 days: within a quarter); D (severe) 2 Dec (34 days > a month);
    # C (severe) 1 Dec; E's new pairing since 16 Nov, unvisited (50 days); G 31 Dec; B, F long ago.
    assert overdue == {"乙", "丙", "丁", "己"}
    assert not is_overdue(quarter["pb"], date(2027, 1, 1), today=date(2027, 1, 5))
    assert Unit.objects.filter(households__isnull=False).distinct().count() == 2

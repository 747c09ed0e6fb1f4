"""Visit coverage as an indicator: the provider the evaluation app's registry names, counted
by the same selector as `outreach_coverage`, checked against the hand count of
test_outreach_coverage's quarter."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from lianxin.evaluation.measures import MEASURES, measure_values
from lianxin.outreach.measures import unit_coverage, visit_coverage, year_periods

from . import outreach_helpers, test_outreach_coverage
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people
quarter = test_outreach_coverage.quarter

pytestmark = pytest.mark.django_db


def test_the_quarter_per_unit_matches_the_hand_count_and_the_command(quarter, district):
    street, community, lijia = district["street"], district["community"], quarter["village"]
    got = unit_coverage([district["root"], street, lijia, community, district["vet"]], "2026Q4")
    # By hand (test_outreach_coverage.quarter): 李家村 3 of 6, 东湖社区 1 of 2; the street and
    # the district hold both; the vet bureau has no households.
    assert got == {
        district["root"].pk: (4, 8),
        street.pk: (4, 8),
        lijia.pk: (3, 6),
        community.pk: (1, 2),
        district["vet"].pk: (0, 0),
    }
    out = StringIO()
    call_command("outreach_coverage", "--period", "2026Q4", "--unit", street.code, stdout=out)
    assert out.getvalue().splitlines()[-1] == "total\t4/8\t50.0%"


def test_the_year_sums_the_quarters_that_have_begun(quarter, district):
    """Pairings began on 1 September. 2026Q3 (their September) by hand: F visited on 30
    September (covered); A, B, E unvisited; C and D, in severe difficulty, unvisited in
    September: 李家村 0 of 5, 东湖社区 1 of 2. With 2026Q4: 李家村 3 of 11, 东湖社区 2 of 4,
    the street 5 of 15."""
    street, community, lijia = district["street"], district["community"], quarter["village"]
    units = [street, lijia, community, district["vet"]]
    with test_outreach_coverage.at(date(2027, 1, 5)):
        assert year_periods(2026) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
        assert unit_coverage(units, "2026Q3")[lijia.pk] == (0, 5)
        values = visit_coverage(units, 2026)
        assert values == {
            street.pk: round(100 * 5 / 15, 1),
            lijia.pk: round(100 * 3 / 11, 1),
            community.pk: 50.0,
            district["vet"].pk: None,  # nothing due: no value, never 100 %
        }
        # The indicator system reads the same numbers through its registry.
        assert MEASURES["visit_coverage"].available
        assert measure_values(["visit_coverage"], units, 2026)["visit_coverage"] == values
    with test_outreach_coverage.at(date(2026, 8, 1)):
        assert year_periods(2026) == ["2026Q1", "2026Q2", "2026Q3"]
        # Before the fourth quarter begins only the third counts: 1 of 7.
        assert visit_coverage([street], 2026) == {street.pk: round(100 / 7, 1)}

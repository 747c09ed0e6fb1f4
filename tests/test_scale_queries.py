"""The query paths changed for a city's volume (docs/scale.md) answer what they answered before:
the overdue filter said with "open" outside the OR, the dashboard's three overdue counts in one
pass, its drill-down links built without reverse() per link, and Open311's open list on its
partial index."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from lianxin.appeals.models import OPEN_STATES, TERMINAL_STATES, Appeal, Status
from lianxin.core import clock
from lianxin.insight.dashboard import OVERDUE, Period, _drill_link, dashboard_figures, drill_url
from tests.appeals_helpers import appeal_in, fast_passwords, submit  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def backlog(people, district):
    """Appeals past one deadline, both, or none, open and finished, at two units and none."""
    with clock.at(timezone.now() - timedelta(days=40)):
        submit(title="从未派发")  # past both deadlines, no unit
        appeal_in(Status.DISPATCHED, people, district)  # not accepted: both
        appeal_in(Status.HANDLING, people, district)  # handling deadline only
        appeal_in(Status.CLOSED, people, district)  # finished: neither
        appeal_in(Status.WITHDRAWN, people, district)
    with clock.at(timezone.now() - timedelta(days=2)):
        contact_only = appeal_in(Status.DISPATCHED, people, district)
    # Its deadlines set outright: they are counted in working days, so two days back is not
    # past the contact deadline on a Sunday or a Monday.
    Appeal.objects.filter(pk=contact_only.pk).update(
        contact_deadline=timezone.now() - timedelta(hours=1),
        handling_deadline=timezone.now() + timedelta(days=10),
    )
    appeal_in(Status.HANDLING, people, district)  # nothing missed yet


def test_overdue_is_the_same_set_as_the_or_of_its_two_deadlines(backlog):
    now = timezone.now()
    before = Appeal.objects.filter(
        Q(status__in=OPEN_STATES, handling_deadline__lt=now)
        | Q(status__in=[Status.SUBMITTED, Status.DISPATCHED], contact_deadline__lt=now)
    )
    assert set(Appeal.objects.overdue(now).values_list("pk", flat=True)) == set(
        before.values_list("pk", flat=True)
    )
    assert Appeal.objects.overdue(now).count() == 4


def test_dashboard_overdue_counts_by_unit_equal_three_separate_counts(backlog):
    now = timezone.now()

    def by_unit(qs) -> dict:
        return dict(qs.values_list("unit_id").annotate(n=Count("pk")).order_by())

    overdue = by_unit(Appeal.objects.overdue(now))
    contact = by_unit(Appeal.objects.filter(OVERDUE["contact"](now)))
    handling = by_unit(Appeal.objects.filter(OVERDUE["handling"](now)))
    figures = dashboard_figures(Period.last(90), now=now)
    totals = figures["totals"]
    assert (
        (totals["overdue"], totals["contact_overdue"], totals["handling_overdue"])
        == (
            sum(overdue.values()),
            sum(contact.values()),
            sum(handling.values()),
        )
        == (4, 3, 3)
    )
    for row in figures["units"]:
        unit = Appeal.objects.filter(unit__name=row["name"]).values_list("unit_id", flat=True)[0]
        assert row["overdue"] == overdue.get(unit, 0)
        assert row["contact_overdue"] == contact.get(unit, 0)
        assert row["handling_overdue"] == handling.get(unit, 0)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01", "until": "2026-01-31", "unit": 7, "state": "dissatisfied"},
        {"group": "none", "since": "2025-12-31", "until": ""},
        {"unit": 12, "state": "contact_overdue", "q": "水 电&费=?"},
    ],
)
def test_drill_links_say_what_reverse_and_urlencode_said(params):
    built = _drill_link(reverse("insight:drill"), params)
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    said = reverse("insight:drill") + "?" + urlencode(kept)
    assert urlsplit(built).path == urlsplit(said).path
    assert parse_qs(urlsplit(built).query) == parse_qs(urlsplit(said).query)
    assert drill_url(**params) == built


def test_open311_open_list_is_every_public_open_request_of_the_window(client, people, district):
    for state in (Status.SUBMITTED, Status.HANDLING, Status.CLOSED, Status.WITHDRAWN):
        appeal_in(state, people, district, is_public=True)
    appeal_in(Status.HANDLING, people, district, is_public=False)
    body = client.get("/open311/v2/requests.json", {"status": "open"}).json()
    expected = Appeal.objects.filter(is_public=True).exclude(status__in=TERMINAL_STATES)
    assert {r["service_request_id"] for r in body} == set(
        expected.values_list("tracking_number", flat=True)
    )
    assert len(body) == 2

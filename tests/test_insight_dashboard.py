"""The leaders' dashboard: roll-ups that stay equal to the appeals they count, the page, its
JSON, and the appeals behind each figure."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import (
    Appeal,
    DailyAppealStat,
    DailyAppealTotal,
    RollupState,
    Satisfaction,
    Status,
)
from lianxin.appeals.rollups import rollup_refresh
from lianxin.core import clock
from lianxin.insight.dashboard import Period, dashboard_figures
from tests.appeals_helpers import appeal_in, fast_passwords, submit, walk  # noqa: F401
from tests.test_insight_hot import hot_appeals  # noqa: F401

pytestmark = pytest.mark.django_db


def totals() -> dict:
    rows = DailyAppealStat.objects.all()
    keys = [
        "received",
        "dispatched",
        "replied",
        "open",
        "closed",
        "rated",
        "resolved",
        "satisfied",
        "dissatisfied",
    ]
    return {k: sum(getattr(r, k) for r in rows) for k in keys}


@pytest.fixture
def mix(people, district):
    """Five appeals in different states, all dispatched to the vet unit but one."""
    return {
        "new": submit(title="新诉求"),
        "handling": appeal_in(Status.HANDLING, people, district),
        "closed": appeal_in(Status.CLOSED, people, district),
        "reopened": appeal_in(Status.REOPENED, people, district),
        "withdrawn": appeal_in(Status.WITHDRAWN, people, district),
    }


def test_a_full_refresh_counts_what_the_appeals_say(mix):
    assert rollup_refresh() >= 1
    t = totals()
    assert t["received"] == Appeal.objects.count() == 5
    assert t["dispatched"] == Appeal.objects.filter(dispatched_at__isnull=False).count() == 3
    assert t["open"] == 3  # new, handling, reopened
    assert t["closed"] == 1
    assert t["rated"] == 2  # closed (satisfied) and reopened (dissatisfied)
    assert (t["satisfied"], t["dissatisfied"], t["resolved"]) == (1, 1, 1)
    assert RollupState.objects.get().refreshed_at is not None


def test_refresh_picks_up_changes_and_is_idempotent(mix, people, district):
    rollup_refresh()
    before = totals()
    walk(mix["handling"], Status.CLOSED, people, district)
    rollup_refresh()
    after = totals()
    assert after["closed"] == before["closed"] + 1
    assert after["open"] == before["open"] - 1
    assert after["received"] == before["received"]
    rollup_refresh()
    rollup_refresh(full=True)
    assert totals() == after
    # The district's daily totals (the dashboard's trend) follow the daily rows, incrementally
    # as after a full rebuild.
    walk(mix["new"], Status.CLOSED, people, district)
    rollup_refresh()
    by_day = (
        DailyAppealStat.objects.values("day")
        .annotate(received=Sum("received"), closed=Sum("closed"))
        .order_by("day")
    )
    assert list(DailyAppealTotal.objects.order_by("day").values("day", "received", "closed")) == [
        {"day": r["day"], "received": r["received"], "closed": r["closed"]} for r in by_day
    ]
    assert sum(t.closed for t in DailyAppealTotal.objects.all()) == totals()["closed"]


def test_an_imported_appeal_with_a_past_timestamp_is_not_missed(people, district):
    rollup_refresh()
    # An import replays history: updated_at lies before the watermark, the id does not.
    with clock.at(timezone.now() - timedelta(days=40)):
        submit(title="历史诉求")
    rollup_refresh()
    assert totals()["received"] == 1
    day = DailyAppealStat.objects.get().day
    assert day == timezone.localdate(timezone.now() - timedelta(days=40))


def test_figures_rates_and_overdue(mix, people, district):
    rollup_refresh()
    figures = dashboard_figures(Period.last(30), now=timezone.now() + timedelta(days=60))
    assert figures["totals"]["received"] == 5
    vet = next(u for u in figures["units"] if u["name"] == district["vet"].name)
    # Of two appeals followed up, one resolved and satisfied.
    assert vet["resolution_rate"] == 50.0
    assert vet["satisfaction_rate"] == 50.0
    # Sixty days on, the vet unit's open appeals (handling, reopened) are overdue.
    assert vet["overdue"] == 2
    assert figures["totals"]["overdue"] == 3  # and the undispatched one
    assert sum(d["received"] for d in figures["trend"]) == 5
    assert len(figures["trend"]) == 30


def test_page_is_for_leaders_and_drills_down(client, mix, people, district):
    rollup_refresh()
    client.force_login(people["vet_handler"])
    assert client.get(reverse("insight:dashboard")).status_code == 403
    assert client.get(reverse("insight:dashboard-data")).json()["code"] == "permission_denied"

    client.force_login(people["supervisor"])
    page = client.get(reverse("insight:dashboard"), {"days": 7})
    assert page.status_code == 200
    html = page.content.decode()
    assert district["vet"].name in html
    assert "echarts.min.js" in html

    data = client.get(reverse("insight:dashboard-data"), {"days": 7}).json()
    vet = next(u for u in data["units"] if u["name"] == district["vet"].name)
    drill = client.get(vet["url"])
    assert drill.status_code == 200
    listed = {a.tracking_number for a in drill.context["page"]}
    assert listed == set(
        Appeal.objects.filter(unit=district["vet"]).values_list("tracking_number", flat=True)
    )
    assert mix["new"].tracking_number not in listed

    open_only = client.get(reverse("insight:drill"), {"state": "open"})
    assert {a.pk for a in open_only.context["page"]} == {
        mix["new"].pk,
        mix["handling"].pk,
        mix["reopened"].pk,
    }


def test_drill_down_rejects_malformed_filters(client, people):
    client.force_login(people["supervisor"])
    for bad in ({"since": "2025-13-01"}, {"unit": "x"}, {"state": "nonsense"}):
        assert client.get(reverse("insight:drill"), bad).status_code == 400


def test_drill_down_shows_a_unit_leader_only_what_they_may_see(client, mix, people, district):
    other = submit(title="噪音")
    services.appeal_dispatch(appeal=other, unit=district["env"], actor=people["dispatcher"])
    client.force_login(people["vet_leader"])
    listed = {a.pk for a in client.get(reverse("insight:drill")).context["page"]}
    assert other.pk not in listed
    assert mix["closed"].pk in listed


def test_run_schedule_runs_every_periodic_task_once(mix):
    call_command("run_schedule", "--once")
    assert DailyAppealStat.objects.exists()


def test_dissatisfied_drill_lists_the_reopened_appeal(client, mix, people):
    client.force_login(people["supervisor"])
    page = client.get(reverse("insight:drill"), {"state": "dissatisfied"})
    assert [a.pk for a in page.context["page"]] == [mix["reopened"].pk]
    assert Satisfaction.DISSATISFIED in mix["reopened"].followups.values_list(
        "satisfaction", flat=True
    )


def test_months_and_days_add_up_to_the_same_figures_for_any_period(people, district):
    from datetime import date

    from lianxin.insight.dashboard import _sums, _unit_category_sums

    start = timezone.now() - timedelta(days=75)
    for n in range(0, 75, 4):  # an appeal every four days, across three month boundaries
        with clock.at(start + timedelta(days=n)):
            appeal = submit(title=f"诉求{n}")
            if n % 8 == 0:
                walk(appeal, Status.CLOSED, people, district)
    rollup_refresh()
    today = timezone.localdate()
    periods = [Period.last(d, today) for d in (1, 7, 30, 45, 90)]
    periods += [
        Period(date(today.year, today.month, 1), today),
        Period(today - timedelta(days=70), today - timedelta(days=20)),
    ]
    for period in periods:
        daily = _sums(
            DailyAppealStat.objects.filter(day__gte=period.start, day__lte=period.end),
            "unit_id",
            "category_id",
        )
        key = lambda row: (row["unit_id"] or 0, row["category_id"] or 0)  # noqa: E731
        assert sorted(_unit_category_sums(period), key=key) == sorted(daily, key=key), period


def test_dashboard_shows_hot_issues_once_analysed_and_open_alarms(client, people, hot_appeals):  # noqa: F811  (the fixture imported above)
    from lianxin.insight.tasks import refresh_hot_issues

    client.force_login(people["vet_leader"])
    page = client.get(reverse("insight:dashboard")).content.decode()
    assert reverse("insight:alarms") in page
    assert reverse("insight:hot-issue", args=[7, 1]) not in page  # nothing analysed yet

    assert refresh_hot_issues() >= 1
    page = client.get(reverse("insight:dashboard")).content.decode()
    assert reverse("insight:hot-issue", args=[7, 1]) in page


def test_contact_and_handling_overdue_are_counted_and_listed_apart(client, people, district):
    """A figure of "overdue" mixing two deadlines told a leader nothing about what to chase."""
    with clock.at(timezone.now() - timedelta(days=60)):
        new = submit(title="两个月前的新诉求")  # never accepted: past both deadlines
        handling = appeal_in(Status.HANDLING, people, district)  # accepted, never finished
    rollup_refresh()
    figures = dashboard_figures(Period.last(90))
    assert figures["totals"]["contact_overdue"] == 1
    assert figures["totals"]["handling_overdue"] == 2
    assert figures["totals"]["overdue"] == 2
    client.force_login(people["supervisor"])
    page = client.get(reverse("insight:dashboard")).content.decode()
    assert "当前联系超期" in page and "当前办理超期" in page
    contact = client.get(figures["totals"]["contact_overdue_url"])
    assert [a.pk for a in contact.context["page"]] == [new.pk]
    html = contact.content.decode()
    assert "联系超期：超过联系期限仍未签收" in html and "联系期限超期" in html
    listed = client.get(figures["totals"]["handling_overdue_url"])
    assert {a.pk for a in listed.context["page"]} == {new.pk, handling.pk}
    row = next(a for a in listed.context["page"] if a.pk == handling.pk)
    assert [str(m["which"]) for m in row.missed] == ["办理期限"]
    assert "办理期限超期" in listed.content.decode()


def test_drill_down_heading_names_the_figure_in_chinese(client, mix, people):
    client.force_login(people["supervisor"])
    for state in ("open", "overdue", "dissatisfied", "closed"):
        html = client.get(reverse("insight:drill"), {"state": state}).content.decode()
        heading = html.split("<h1>")[1].split("</table>")[0]
        assert f"· {state}" not in heading and f">{state}<" not in heading, state


def test_organisation_department_sees_no_link_it_may_not_follow(client, mix, people, district):
    from lianxin.core.models import Role

    from .conftest import make_user

    orgdept = make_user("orgdept", Role.ORGDEPT, district["root"])
    client.force_login(orgdept)
    page = client.get(reverse("insight:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("insight:hot", "insight:alarms", "insight:duplicates"):
        assert reverse(name) not in html, name
        assert client.get(reverse(name)).status_code == 403


def test_dissatisfied_drill_counts_the_last_follow_up_as_the_figure_does(client, mix, people):
    # The reopened appeal is later followed up again, satisfied: the figure no longer counts it
    # as dissatisfied, and neither does the list behind it.
    reopened = mix["reopened"]
    reopened.followups.create(
        resolved=True,
        satisfaction=Satisfaction.SATISFIED,
        by="operator",
        created_at=timezone.now() + timedelta(minutes=1),
    )
    rollup_refresh()
    assert totals()["dissatisfied"] == 0
    client.force_login(people["supervisor"])
    page = client.get(reverse("insight:drill"), {"state": "dissatisfied"})
    assert list(page.context["page"]) == []

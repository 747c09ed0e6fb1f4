"""The three rates, monthly rankings, their API, pages, drill-down and exports.

The figures come from the roll-ups; the central test here recounts every one of them straight
from the appeals and their follow-ups and requires them to agree."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, FollowUp, Satisfaction, Status
from lianxin.appeals.rollups import rollup_refresh
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Role, Unit
from lianxin.evaluation.exports import _headers
from lianxin.evaluation.rankings import assign_ranks, composite_score, compute_ranking
from lianxin.evaluation.rates import unit_measures
from lianxin.evaluation.selectors import DRILL_MEASURES, ranking_drill_appeals
from tests.appeals_helpers import GOOD_REPLY, fast_passwords, handler_of, submit, walk  # noqa: F401
from tests.conftest import make_user

FEB = datetime(2025, 2, 10, 10, 0, tzinfo=LOCAL)  # a Monday
MAR = datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL)  # a Monday
NOW = datetime(2025, 3, 28, 10, 0, tzinfo=LOCAL)  # March is the current month
pytestmark = pytest.mark.django_db

RATE_KEYS = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "reopen_rate",
    "returned_rate",
)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def _handler(people, district, unit):
    return handler_of(people, district, unit)


def populate(start, unit, people, district, *, mix: dict) -> None:
    """Appeals received at `start` and then handled in the ways `mix` counts."""
    handler = _handler(people, district, unit)
    dispatcher = people["dispatcher"]
    with travel(start):
        for _ in range(mix.get("closed", 0)):
            walk(submit(), Status.CLOSED, people, district, unit)
        for _ in range(mix.get("basic_unresolved", 0)):
            a = walk(submit(), Status.REPLIED, people, district, unit)
            services.appeal_follow_up(
                appeal=a, actor=dispatcher, resolved=False, satisfaction=Satisfaction.BASIC
            )
        for _ in range(mix.get("reopened", 0)):
            walk(submit(), Status.REOPENED, people, district, unit)
        for _ in range(mix.get("replied_unrated", 0)):
            walk(submit(), Status.REPLIED, people, district, unit)
        late_accept = [
            walk(submit(), Status.DISPATCHED, people, district, unit)
            for _ in range(mix.get("late_accept", 0))
        ]
        late_reply = [
            walk(submit(), Status.HANDLING, people, district, unit)
            for _ in range(mix.get("late_reply", 0))
        ]
        for _ in range(mix.get("never_accepted", 0)):
            walk(submit(), Status.DISPATCHED, people, district, unit)
        for _ in range(mix.get("returned", 0)):
            a = walk(submit(), Status.DISPATCHED, people, district, district["env"])
            a = services.appeal_return(
                appeal=a, actor=people["env_handler"], reason="不属于本单位职责"
            )
            services.appeal_dispatch(appeal=a, unit=unit, actor=dispatcher)
        for _ in range(mix.get("submitted", 0)):
            submit()
        for _ in range(mix.get("withdrawn", 0)):
            walk(submit(), Status.WITHDRAWN, people, district, unit)
    with travel(start + timedelta(days=3)):  # past the contact deadline
        for a in late_accept:
            services.appeal_accept(appeal=a, actor=handler)
    with travel(start + timedelta(days=16)):  # past the handling deadline
        for a in late_reply:
            services.appeal_reply(appeal=a, actor=handler, text=GOOD_REPLY)


@pytest.fixture
def scene(people, district):
    """February and March appeals for the vet and env departments, the street and its
    community; env's March appeals are never rated; the roll-ups refreshed at NOW."""
    d = district
    populate(
        FEB,
        d["vet"],
        people,
        d,
        mix={"closed": 3, "basic_unresolved": 1, "reopened": 1, "late_accept": 1, "late_reply": 1},
    )
    populate(FEB, d["street"], people, d, mix={"closed": 1, "never_accepted": 1})
    populate(
        MAR,
        d["vet"],
        people,
        d,
        mix={"closed": 2, "reopened": 1, "late_reply": 1, "returned": 1, "replied_unrated": 1},
    )
    populate(
        MAR,
        d["env"],
        people,
        d,
        mix={"never_accepted": 2, "late_accept": 1, "submitted": 1, "withdrawn": 1},
    )
    populate(MAR, d["street"], people, d, mix={"closed": 1, "basic_unresolved": 1})
    populate(MAR, d["community"], people, d, mix={"closed": 2, "reopened": 1, "late_accept": 1})
    with travel(NOW):
        rollup_refresh()
    return d


def recount(unit: Unit, month: datetime, now: datetime) -> dict:
    """Every measure counted directly from the appeals and their follow-ups, in Python."""
    start = month.replace(day=1, hour=0, minute=0)
    after = (start + timedelta(days=32)).replace(day=1)
    subtree = [a for a in Appeal.objects.all() if unit.contains(a.unit)]
    cohort = [a for a in subtree if start <= a.created_at < after]
    last = {}
    for f in FollowUp.objects.order_by("created_at", "pk"):
        last[f.appeal_id] = f
    rated = [last[a.pk] for a in cohort if a.pk in last]
    dispatched = [a for a in cohort if a.dispatched_at]
    replied = [a for a in cohort if a.replied_at]
    late = [a for a in replied if a.replied_at > a.handling_deadline]
    live = []
    if (start.year, start.month) == (now.year, now.month):
        live = [
            a
            for a in subtree
            if a.is_overdue(now) and not (a.replied_at and a.replied_at > a.handling_deadline)
        ]

    def ratio(n, d):
        return n / d if d else None

    return {
        "response_rate": ratio(
            sum(1 for a in dispatched if a.accepted_at and a.accepted_at <= a.contact_deadline),
            len(dispatched),
        ),
        "resolution_rate": ratio(sum(f.resolved for f in rated), len(rated)),
        "satisfaction_rate": ratio(
            sum(
                1
                if f.satisfaction == Satisfaction.SATISFIED
                else 0.5
                if f.satisfaction == Satisfaction.BASIC
                else 0
                for f in rated
            ),
            len(rated),
        ),
        "on_time_rate": ratio(len(replied) - len(late), len(replied)),
        "reopen_rate": ratio(sum(1 for a in cohort if a.reopen_count), len(dispatched)),
        "returned_rate": ratio(sum(1 for a in cohort if a.return_count), len(dispatched)),
        "received": len(cohort),
        "overdue_count": len(late) + len(live),
        # the drill-down sets
        "_sets": {
            "received": {a.pk for a in cohort},
            "dispatched": {a.pk for a in dispatched},
            "not_responded": {
                a.pk
                for a in dispatched
                if not (a.accepted_at and a.accepted_at <= a.contact_deadline)
            },
            "rated": {a.pk for a in cohort if a.pk in last},
            "unresolved": {a.pk for a in cohort if a.pk in last and not last[a.pk].resolved},
            "dissatisfied": {
                a.pk
                for a in cohort
                if a.pk in last and last[a.pk].satisfaction == Satisfaction.DISSATISFIED
            },
            "basically_satisfied": {
                a.pk
                for a in cohort
                if a.pk in last and last[a.pk].satisfaction == Satisfaction.BASIC
            },
            "replied_late": {a.pk for a in late},
            "reopened": {a.pk for a in cohort if a.reopen_count},
            "returned": {a.pk for a in cohort if a.return_count},
            "overdue": {a.pk for a in late} | {a.pk for a in live},
        },
    }


def test_every_figure_equals_a_recount_from_the_raw_appeals(scene):
    d = scene
    units = [d["vet"], d["env"], d["street"], d["community"], d["root"]]
    with travel(NOW):
        for month in (FEB, MAR):
            figures = unit_measures(units, month.date(), month.date())
            for unit in units:
                expected = recount(unit, month, NOW)
                got = figures[unit.pk]
                for key in (*RATE_KEYS, "received", "overdue_count"):
                    assert got[key] == pytest.approx(expected[key]), (unit.name, month, key)
    # The scene really exercises the figures: nothing trivially zero or empty.
    with travel(NOW):
        march = unit_measures(units, MAR.date(), MAR.date())
    vet = march[d["vet"].pk]
    assert 0 < vet["response_rate"] < 1 and 0 < vet["satisfaction_rate"] < 1
    assert vet["returned_rate"] > 0 and vet["reopen_rate"] > 0 and vet["overdue_count"] > 0
    assert march[d["env"].pk]["resolution_rate"] is None  # nothing rated
    # A street's figures include its communities'.
    assert march[d["street"].pk]["received"] == (
        march[d["community"].pk]["received"]
        + recount(d["street"], MAR, NOW)["received"]
        - recount(d["community"], MAR, NOW)["received"]
    )
    assert march[d["street"].pk]["received"] > march[d["community"].pk]["received"]


def test_a_range_of_months_sums_its_months(scene):
    d = scene
    with travel(NOW):
        both = unit_measures([d["vet"]], FEB.date(), MAR.date())[d["vet"].pk]
        feb = recount(d["vet"], FEB, NOW)
        mar = recount(d["vet"], MAR, NOW)
    assert both["received"] == feb["received"] + mar["received"]
    assert both["overdue_count"] == feb["overdue_count"] + mar["overdue_count"]


def test_the_drill_down_lists_exactly_the_appeals_behind_each_figure(scene, people):
    d = scene
    with travel(NOW):
        for unit in (d["vet"], d["street"], d["env"]):
            for month in (FEB, MAR):
                expected = recount(unit, month, NOW)["_sets"]
                for measure in DRILL_MEASURES:
                    got = set(
                        ranking_drill_appeals(
                            people["admin"],
                            unit=unit,
                            start=month.date(),
                            end=month.date(),
                            measure=measure,
                        ).values_list("pk", flat=True)
                    )
                    assert got == expected[measure], (unit.name, month, measure)
        # A handler of the vet department sees only the vet appeals behind a street figure: none.
        assert not ranking_drill_appeals(
            people["vet_handler"],
            unit=d["street"],
            start=MAR.date(),
            end=MAR.date(),
            measure="received",
        ).exists()


# --- ranking ----------------------------------------------------------------------------------


def test_composite_score_renormalises_weights_and_is_none_without_rates():
    assert composite_score(
        {"response_rate": 1.0, "resolution_rate": 0.5, "satisfaction_rate": 0.75}
    ) == pytest.approx(100 * (0.3 + 0.15 + 0.3))
    # No follow-ups: only the response rate counts, with the full weight.
    assert composite_score(
        {"response_rate": 0.8, "resolution_rate": None, "satisfaction_rate": None}
    ) == pytest.approx(80.0)
    assert (
        composite_score({"response_rate": None, "resolution_rate": None, "satisfaction_rate": None})
        is None
    )


def test_ranks_are_ordered_ties_share_a_rank_and_unscored_units_come_last():
    rows = [
        {"name": n, "score": s}
        for n, s in [("a", 80.0), ("b", 95.5), ("c", None), ("d", 80.0), ("e", 70.0)]
    ]
    ranked = assign_ranks(rows)
    assert [(r["name"], r["rank"]) for r in ranked] == [
        ("b", 1),
        ("a", 2),
        ("d", 2),
        ("e", 4),
        ("c", 5),
    ]


def test_units_of_a_level_are_ranked_by_their_month(scene):
    d = scene
    with travel(NOW):
        departments = compute_ranking("department", MAR.date())
        streets = compute_ranking("street", MAR.date())
    assert {r["unit_id"] for r in departments} == {d["vet"].pk, d["env"].pk}
    assert [r["unit_id"] for r in streets] == [d["street"].pk]
    scores = [r["score"] for r in departments]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in departments] == [1, 2]


def test_two_units_with_equal_figures_share_a_rank(people, district):
    d = district
    populate(MAR, d["vet"], people, d, mix={"closed": 1})
    populate(MAR, d["env"], people, d, mix={"closed": 1})
    with travel(NOW):
        rollup_refresh()
        rows = compute_ranking("department", MAR.date())
    assert [r["rank"] for r in rows] == [1, 1]
    assert rows[0]["score"] == rows[1]["score"] == 100.0


# --- API --------------------------------------------------------------------------------------

API = "/api/v1/evaluation/rankings/"


def test_api_answers_the_ranking_with_fractions_and_nulls(scene, client):
    d = scene
    with travel(NOW):
        response = client.get(API, {"period": "2025-03", "level": "department"})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2025-03" and body["level"] == "department"
    assert [set(r) for r in body["results"]] == [
        {
            "unit_id",
            "unit",
            "response_rate",
            "resolution_rate",
            "satisfaction_rate",
            "score",
            "rank",
        }
    ] * 2
    by_unit = {r["unit_id"]: r for r in body["results"]}
    vet, env = by_unit[d["vet"].pk], by_unit[d["env"].pk]
    assert vet["unit"] == "畜牧兽医局"
    for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert 0 <= vet[key] <= 1
    assert env["resolution_rate"] is None and env["satisfaction_rate"] is None
    assert env["response_rate"] is not None  # dispatched, some accepted late
    with travel(NOW):
        expected = unit_measures([d["vet"]], MAR.date(), MAR.date())[d["vet"].pk]
    assert vet["satisfaction_rate"] == pytest.approx(expected["satisfaction_rate"], abs=1e-4)


@pytest.mark.parametrize(
    "params, code",
    [
        ({"period": "2025-13", "level": "street"}, "invalid_period"),
        ({"period": "202503", "level": "street"}, "invalid_period"),
        ({"period": "2025-3", "level": "street"}, "invalid_period"),
        ({"period": "2025-04", "level": "street"}, "invalid_period"),  # the future
        ({"level": "street"}, "invalid_period"),
        ({"period": "2025-03", "level": "village"}, "invalid_level"),
        ({"period": "2025-03"}, "invalid_level"),
    ],
)
def test_api_rejects_a_bad_period_or_level(scene, client, params, code):
    with travel(NOW):
        response = client.get(API, params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]


@pytest.mark.parametrize("period", ["2025-Q1", "2025"])
def test_api_ranks_a_quarter_or_a_year_over_its_months_so_far(scene, client, period):
    d = scene
    with travel(NOW):
        body = client.get(API, {"period": period, "level": "department"}).json()
        # Both are January to March: the current quarter and year so far.
        expected = unit_measures([d["vet"]], FEB.date().replace(month=1), MAR.date())[d["vet"].pk]
    assert body["period"] == period
    vet = next(r for r in body["results"] if r["unit_id"] == d["vet"].pk)
    assert vet["satisfaction_rate"] == pytest.approx(expected["satisfaction_rate"], abs=1e-4)
    assert vet["response_rate"] == pytest.approx(expected["response_rate"], abs=1e-4)


@pytest.mark.parametrize("period", ["2025-Q5", "2025-Q", "2026", "2025-Q2"])
def test_api_rejects_a_bad_or_future_quarter_or_year(scene, client, period):
    with travel(NOW):
        response = client.get(API, {"period": period, "level": "street"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_period"


def test_api_says_when_a_month_has_no_data(scene, client):
    with travel(NOW):
        response = client.get(API, {"period": "2024-06", "level": "street"})
    assert response.status_code == 404
    assert response.json()["code"] == "no_data"
    assert "2024-06" in response.json()["detail"]


# --- pages ------------------------------------------------------------------------------------


def test_public_page_shows_the_rates_and_their_definitions_without_personal_data(scene, client):
    with travel(NOW):
        response = client.get("/evaluation/", {"period": "2025-03", "level": "department"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "畜牧兽医局" in html and "生态环境局" in html
    assert "Satisfaction rate = (satisfied + 0.5" in html or "满意率" in html
    for private in ("张三", "13812345678", "楼道灯坏了"):
        assert private not in html
    assert "/evaluation/leaders/appeals/" not in html  # no drill-down for the public


def test_public_page_answers_bad_input_with_a_message(scene, client):
    with travel(NOW):
        bad = client.get("/evaluation/", {"period": "2030-01", "level": "street"})
    assert bad.status_code == 400 and b'role="alert"' in bad.content


def test_a_period_without_figures_is_a_page_that_offers_the_latest_month_with_figures(
    scene, client
):
    # The header links /evaluation/ for everyone: a month nobody has appealed in yet (the
    # default, last month, on a new installation) must not be a dead link.
    with travel(NOW):
        empty = client.get("/evaluation/", {"period": "2024-06", "level": "street"})
        default = client.get("/evaluation/")  # February 2025 for the street: still figures
    assert empty.status_code == 200
    html = empty.content.decode()
    assert "2024-06" in html and 'id="no-figures"' in html
    assert "?period=2025-03&amp;level=street" in html
    assert default.status_code == 200 and 'id="no-figures"' not in default.content.decode()


def test_a_level_whose_units_never_received_an_appeal_says_so(client, district):
    with travel(NOW):
        response = client.get("/evaluation/", {"period": "2025-03", "level": "department"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-figures"' in html and "?period=" not in html.split('id="no-figures"')[1]


@pytest.mark.parametrize("who", ["street_handler", "citizen", "vet_handler", "dispatcher"])
def test_leaders_page_is_closed_to_others(scene, client, people, who):
    client.force_login(people[who])
    with travel(NOW):
        assert client.get("/evaluation/leaders/", {"period": "2025-03"}).status_code == 403
        assert (
            client.get(
                "/evaluation/leaders/appeals/",
                {"period": "2025-03", "unit": scene["vet"].pk, "measure": "received"},
            ).status_code
            == 403
        )


def test_leaders_page_for_a_period_without_figures_is_a_page(scene, client):
    client.force_login(make_user("reader-orgdept", Role.ORGDEPT, scene["root"]))
    with travel(NOW):
        response = client.get("/evaluation/leaders/", {"period": "2024-06", "level": "department"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-figures"' in html and "?period=2025-03&amp;level=department" in html
    assert 'id="trends-data"' not in html


def test_leaders_page_asks_anonymous_visitors_to_log_in(scene, client):
    with travel(NOW):
        response = client.get("/evaluation/leaders/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR, Role.ORGDEPT, Role.ADMIN])
def test_leaders_page_shows_trends_and_links_every_figure(scene, client, role):
    user = make_user(f"reader-{role}", role, scene["root"])
    client.force_login(user)
    with travel(NOW):
        response = client.get("/evaluation/leaders/", {"period": "2025-03", "level": "department"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="trends-data"' in html and "echarts.min.js" in html
    assert html.count("/evaluation/leaders/appeals/?") == 2 * 8  # two units x eight figures
    trends = response.context["trends"]
    assert len(trends["months"]) == 12 and trends["months"][-1] == "2025-03"
    vet = next(u for u in trends["units"] if u["id"] == scene["vet"].pk)
    assert vet["points"][-2]["month"] == "2025-02" and vet["points"][-2]["score"] is not None
    assert vet["points"][0]["score"] is None  # nothing in April 2024


def test_drill_page_lists_the_appeals_behind_a_figure(scene, client, people):
    client.force_login(people["vet_leader"])
    with travel(NOW):
        response = client.get(
            "/evaluation/leaders/appeals/",
            {"period": "2025-03", "unit": scene["vet"].pk, "measure": "reopened"},
        )
        expected = recount(scene["vet"], MAR, NOW)["_sets"]["reopened"]
    assert response.status_code == 200
    listed = {a.pk for a in response.context["page"]}
    assert listed == expected and len(expected) == 1
    assert response.context["figure"] == 1
    with travel(NOW):
        bad = client.get(
            "/evaluation/leaders/appeals/",
            {"period": "2025-03", "unit": scene["vet"].pk, "measure": "nonsense"},
        )
    assert bad.status_code == 400


# --- exports ----------------------------------------------------------------------------------


def test_export_writes_an_xlsx_ranking_with_definitions(scene, tmp_path):
    out = tmp_path / "ranking.xlsx"
    with travel(NOW):
        call_command(
            "evaluation_export",
            period="2025-03",
            format="xlsx",
            out=str(out),
            level="department",
            annual=True,
        )
    wb = load_workbook(out)
    ranking, annual, definitions = wb.worksheets
    assert "2025" in ranking["A1"].value
    header = [c.value for c in ranking[3]]
    assert header == _headers()
    rows = [[c.value for c in row] for row in ranking.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == [r["name"] for r in compute_ranking_at_now("department")]
    assert all(r[3] is None or 0 <= r[3] <= 1 for r in rows)  # fractions shown as per cent
    assert ranking.cell(row=4, column=4).number_format == "0.0%"
    annual_rows = [[c.value for c in row] for row in annual.iter_rows(min_row=4)]
    assert len(annual_rows) == 2 and len(annual_rows[0]) == 2 + 3 + 1 + 8  # Jan..Mar
    assert definitions.max_row >= 10


def compute_ranking_at_now(level):
    with travel(NOW):
        return compute_ranking(level, MAR.date())


def test_export_writes_a_pdf_with_chinese_text(scene, tmp_path):
    out = tmp_path / "ranking.pdf"
    with travel(NOW):
        call_command("evaluation_export", period="2025-03", format="pdf", out=str(out), annual=True)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"WenQuanYiMicroHei" in data
    # Every font is embedded (the reader's machine may have no CJK font).
    names = set(re.findall(rb"/BaseFont /(\S+)", data))
    assert names and data.count(b"/FontFile2") == len(names), names
    assert len(data) > 2000


@pytest.mark.parametrize("period", ["2025-13", "2030-01", "2024-06"])
def test_export_refuses_bad_periods_and_empty_months_writing_nothing(scene, tmp_path, period):
    out = tmp_path / "ranking.xlsx"
    with travel(NOW), pytest.raises(CommandError):
        call_command("evaluation_export", period=period, format="xlsx", out=str(out))
    assert list(tmp_path.iterdir()) == []


def test_the_public_page_shows_a_quarter(scene, client):
    with travel(NOW):
        page = client.get(
            reverse("evaluation:rankings"), {"period": "2025-Q1", "level": "department"}
        )
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025-Q1" in html and "畜牧兽医局" in html


def test_the_rankings_pages_offer_the_exports_as_downloads(scene, client, people):
    """The XLSX and PDF exports could only be made on the command line."""
    import html as html_module

    with travel(NOW):
        page = client.get(reverse("evaluation:rankings"), {"period": "2025-03"}).content.decode()
        links = dict(re.findall(r'id="download-(xlsx|pdf)" href="([^"]+)"', page))
        assert set(links) == {"xlsx", "pdf"}
        xlsx = client.get(html_module.unescape(links["xlsx"]))
        pdf = client.get(html_module.unescape(links["pdf"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "attachment" in xlsx["Content-Disposition"]
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with travel(NOW):
        assert client.get(
            reverse("evaluation:rankings-download"), {"period": "2030-01", "format": "pdf"}
        ).status_code in (400, 404)
        assert (
            client.get(
                reverse("evaluation:rankings-download"), {"period": "2025-03", "format": "doc"}
            ).status_code
            == 400
        )
        client.force_login(people["supervisor"])
        page = client.get(
            reverse("evaluation:rankings-leaders"), {"period": "2025-03"}
        ).content.decode()
        link = html_module.unescape(re.search(r'id="download-xlsx" href="([^"]+)"', page)[1])
        assert "annual=1" in link
        annual = client.get(link)
    assert annual.status_code == 200 and annual.content.startswith(b"PK")
    assert "annual" in annual["Content-Disposition"]

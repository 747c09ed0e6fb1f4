"""党群关系指标体系: schemes whose weights sum to 100 %, frozen published versions, results stored
as snapshots that later edits never touch, normalisation and composite scores."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Role
from lianxin.evaluation import appraisal, rates, services  # noqa: F401 (measures read them: fail, not skip)
from lianxin.evaluation.measures import MEASURES, Measure, measure_values
from lianxin.evaluation.models import (
    Direction,
    Indicator,
    IndicatorResult,
    IndicatorScheme,
    ResultSnapshot,
    SchemeStatus,
    UnitResult,
)
from tests.appeals_helpers import fast_passwords  # noqa: F401
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

YEAR = 2025
MARCH = datetime(YEAR, 3, 3, 10, 0, tzinfo=LOCAL)  # a Monday


def row(name, source, weight, *, target="100", direction="higher"):
    return {
        "name": name,
        "source": source,
        "direction": direction,
        "target": target,
        "weight": weight,
    }


SCHEME = [
    row("述职述廉评价", "duty_report_rating", "60", target="80"),
    row("质询按时答复", "inquiries_on_time", "40", target="100"),
]


@pytest.fixture
def orgdept(district):
    return make_user("orgdept", Role.ORGDEPT, district["root"])


@pytest.fixture
def cadres(district):
    return {
        "vet_a": make_user("vet_a", Role.LEADER, district["vet"]),
        "vet_b": make_user("vet_b", Role.HANDLER, district["vet"]),
        "env_a": make_user("env_a", Role.LEADER, district["env"]),
    }


@pytest.fixture
def citizens(district):
    return [make_user(f"citizen{n}", Role.CITIZEN, district["root"]) for n in range(4)]


def published(orgdept, year=YEAR, indicators=SCHEME):
    scheme = services.scheme_create(
        year=year, name=f"{year}年党群关系指标", actor=orgdept, indicators=indicators
    )
    return services.scheme_publish(scheme=scheme, actor=orgdept)


def rated_report(author, unit, stars: list[int], citizens, year=YEAR):
    report = services.duty_report_create(
        author=author, unit=unit, year=year, title="述职报告", text="一年来的工作和廉洁情况。"
    )
    services.duty_report_publish(report=report, actor=author)
    for citizen, n in zip(citizens, stars, strict=False):
        services.duty_report_rate(report=report, actor=citizen, stars=n)
    return report


@pytest.fixture
def year_data(district, cadres, citizens, people):
    """vet: reports rated 5 and 3 (mean 4 -> 75 points), one inquiry answered on time and one
    late (50 %). env: a report rated 5 (100 points), no inquiry (nothing to measure)."""
    rated_report(cadres["vet_a"], district["vet"], [5, 5], citizens)
    rated_report(cadres["vet_b"], district["vet"], [3, 3], citizens)
    rated_report(cadres["env_a"], district["env"], [5], citizens)
    with clock.at(MARCH):
        on_time = services.inquiry_submit(
            asker=citizens[0], unit=district["vet"], title="问一", text="为什么？"
        )
        late = services.inquiry_submit(
            asker=citizens[1], unit=district["vet"], title="问二", text="为什么？"
        )
    with clock.at(datetime(YEAR, 3, 10, 10, tzinfo=LOCAL)):
        services.inquiry_answer(inquiry=on_time, actor=cadres["vet_a"], text="答复。")
    with clock.at(datetime(YEAR, 5, 6, 10, tzinfo=LOCAL)):
        services.inquiry_answer(inquiry=late, actor=cadres["vet_a"], text="迟到的答复。")


def snapshot_state(snapshot: ResultSnapshot) -> list:
    return [
        (
            u.unit_id,
            u.composite,
            u.rank,
            [
                (
                    line.name,
                    line.source,
                    line.direction,
                    line.target,
                    line.weight,
                    line.value,
                    line.score,
                    line.effective_weight,
                    line.contribution,
                )
                for line in u.lines.all()
            ],
        )
        for u in UnitResult.objects.filter(snapshot=snapshot).order_by("unit_id")
    ]


# --- defining schemes --------------------------------------------------------------------------


def test_weights_not_summing_to_100_are_refused_and_nothing_is_saved(orgdept):
    bad = [
        row("述职述廉评价", "duty_report_rating", "60"),
        row("质询按时答复", "inquiries_on_time", "30"),
    ]
    with pytest.raises(InvalidInput) as error:
        services.scheme_create(year=YEAR, name="x", actor=orgdept, indicators=bad)
    assert error.value.code == "weights_not_100"
    assert "90.00" in str(error.value.message)
    assert not IndicatorScheme.objects.exists() and not Indicator.objects.exists()

    draft = services.scheme_create(year=YEAR, name="x", actor=orgdept, indicators=SCHEME)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        services.scheme_save(scheme=draft, actor=orgdept, indicators=bad, name="改名")
    draft.refresh_from_db()
    assert draft.name == "x"
    assert sorted(draft.indicators.values_list("weight", flat=True)) == [40, 60]
    assert AuditEvent.objects.count() == events


def test_weight_error_on_the_page_keeps_the_draft(client, orgdept):
    draft = services.scheme_create(year=YEAR, name="x", actor=orgdept, indicators=SCHEME)
    client.force_login(orgdept)
    data = {
        "name": "x",
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "50",
    }
    for n, (source, weight) in enumerate(
        [("duty_report_rating", "50"), ("inquiries_on_time", "40")]
    ):
        data.update(
            {
                f"form-{n}-name": f"指标{n}",
                f"form-{n}-source": source,
                f"form-{n}-direction": "higher",
                f"form-{n}-target": "80",
                f"form-{n}-weight": weight,
            }
        )
    response = client.post(reverse("evaluation:indicator-scheme", args=[draft.pk]), data)
    assert response.status_code == 400
    assert "100" in response.content.decode()
    assert sorted(draft.indicators.values_list("weight", flat=True)) == [40, 60]
    data["form-0-weight"] = "60"
    response = client.post(reverse("evaluation:indicator-scheme", args=[draft.pk]), data)
    assert response.status_code == 302
    assert set(draft.indicators.values_list("name", flat=True)) == {"指标0", "指标1"}


@pytest.mark.parametrize(
    "bad_row, code",
    [
        (row("a", "no_such_measure", "100"), "invalid_indicator"),
        (row("a", "duty_report_rating", "100", target="0"), "invalid_indicator"),
        (row("a", "duty_report_rating", "100", target="abc"), "invalid"),
        (row("a", "duty_report_rating", "100", direction="sideways"), "invalid_indicator"),
    ],
)
def test_bad_indicator_rows_are_refused_with_a_message(orgdept, bad_row, code):
    with pytest.raises(InvalidInput) as error:
        services.scheme_create(year=YEAR, name="x", actor=orgdept, indicators=[bad_row])
    assert error.value.code == code and str(error.value.message)
    assert not IndicatorScheme.objects.exists()


def test_unbuilt_sources_are_listed_as_unavailable():
    # Every hook is built now (visit_coverage by outreach): a provider that does not import
    # is what "unavailable" means.
    assert not Measure("x", "x", "%", None, "lianxin.nowhere.measures.x").available
    assert all(m.available for m in MEASURES.values())
    assert MEASURES["notice_responses"].available and MEASURES["milestones_on_time"].available
    assert MEASURES["duty_report_rating"].available and MEASURES["inquiries_on_time"].available


def test_a_handler_cannot_define_indicators(client, people, orgdept):
    with pytest.raises(PermissionDenied):
        services.scheme_create(year=YEAR, name="x", actor=people["vet_handler"], indicators=SCHEME)
    draft = services.scheme_create(year=YEAR, name="x", actor=orgdept, indicators=SCHEME)
    with pytest.raises(PermissionDenied):
        services.scheme_publish(scheme=draft, actor=people["vet_handler"])
    with pytest.raises(PermissionDenied):
        services.indicator_results_compute(year=YEAR, actor=people["vet_handler"])
    client.force_login(people["vet_handler"])
    assert client.get(reverse("evaluation:indicators")).status_code == 403
    assert (
        client.post(reverse("evaluation:indicator-scheme-new"), {"year": YEAR}).status_code == 403
    )
    assert IndicatorScheme.objects.count() == 1


def test_a_published_version_is_frozen_and_editing_makes_a_new_version(client, orgdept):
    scheme = published(orgdept)
    with pytest.raises(InvalidTransition):
        services.scheme_save(scheme=scheme, actor=orgdept, indicators=SCHEME)
    with pytest.raises(InvalidTransition):
        services.scheme_publish(scheme=scheme, actor=orgdept)
    client.force_login(orgdept)
    response = client.post(reverse("evaluation:indicator-scheme-act", args=[scheme.pk, "publish"]))
    assert response.status_code == 409
    revised = services.scheme_revise(scheme=scheme, actor=orgdept)
    assert (revised.year, revised.version, revised.status) == (YEAR, 2, SchemeStatus.DRAFT)
    services.scheme_save(
        scheme=revised, actor=orgdept, indicators=[row("述职述廉评价", "duty_report_rating", "100")]
    )
    services.scheme_publish(scheme=revised, actor=orgdept)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.RETIRED
    assert list(scheme.indicators.values_list("weight", flat=True)) == [60, 40]
    actions = list(
        AuditEvent.objects.filter(object_type="evaluation.indicatorscheme").values_list(
            "action", flat=True
        )
    )
    assert actions.count("scheme_publish") == 2 and "scheme_retire" in actions


# --- normalisation and composite ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, target, direction, score",
    [
        (45, "90", Direction.HIGHER, "50.00"),
        (99, "90", Direction.HIGHER, "100.00"),  # capped
        (0, "90", Direction.HIGHER, "0.00"),
        (2, "4", Direction.LOWER, "100.00"),  # under the target: full marks
        (8, "4", Direction.LOWER, "50.00"),  # inverted: target / value
        (3, "0", Direction.LOWER, "0.00"),
        (0, "0", Direction.LOWER, "100.00"),
    ],
)
def test_normalisation_against_target_and_direction_inversion(value, target, direction, score):
    assert services.normalise(value, target=Decimal(target), direction=direction) == Decimal(score)


def test_lower_is_better_inverts_the_ranking(orgdept, district, year_data):
    higher = [row("质询按时答复", "inquiries_on_time", "100", target="100")]
    lower = [
        row("质询按时答复（反向）", "inquiries_on_time", "100", target="25", direction="lower")
    ]
    published(orgdept, indicators=higher)
    first = services.indicator_results_compute(
        year=YEAR, actor=orgdept, units=[district["vet"], district["street"]]
    )
    vet = first.units.get(unit=district["vet"])
    assert vet.composite == Decimal("50.00")  # 50 % of a 100 % target
    services.scheme_create(year=YEAR + 1, name="反向", actor=orgdept, indicators=lower)
    scheme = IndicatorScheme.objects.get(year=YEAR + 1)
    services.scheme_publish(scheme=scheme, actor=orgdept)
    indicator = scheme.indicators.get()
    # The same 50 % now scores target / value = 25 / 50; 20 % is under the target: full marks.
    assert services.composite_lines([indicator], {indicator.pk: 50.0})[1] == Decimal("50.00")
    assert services.composite_lines([indicator], {indicator.pk: 20.0})[1] == Decimal("100.00")
    assert services.composite_lines([indicator], {indicator.pk: 100.0})[1] == Decimal("25.00")


def test_composite_is_the_sum_of_the_contributions(orgdept, district, year_data):
    published(orgdept)
    snapshot = services.indicator_results_compute(year=YEAR, actor=orgdept)
    results = {u.unit_id: u for u in snapshot.units.all()}
    for result in results.values():
        contributions = [line.contribution for line in result.lines.all()]
        if result.composite is not None:
            assert result.composite == sum(contributions)
    vet, env = results[district["vet"].pk], results[district["env"].pk]
    vet_lines = {line.source: line for line in vet.lines.all()}
    assert vet_lines["duty_report_rating"].value == pytest.approx(75.0)  # mean 4 of 5
    assert vet_lines["duty_report_rating"].score == Decimal("93.75")  # 75 / 80
    assert vet_lines["duty_report_rating"].contribution == Decimal("56.25")  # x 60 %
    assert vet_lines["inquiries_on_time"].value == pytest.approx(50.0)
    assert vet_lines["inquiries_on_time"].contribution == Decimal("20.00")
    assert vet.composite == Decimal("76.25")
    # env had no inquiry due: its 40 % goes to the one indicator it was measured on.
    env_lines = {line.source: line for line in env.lines.all()}
    assert env_lines["inquiries_on_time"].value is None
    assert env_lines["inquiries_on_time"].contribution == 0
    assert env_lines["duty_report_rating"].effective_weight == Decimal("100")
    assert env.composite == Decimal("100.00")
    assert (env.rank, vet.rank) == (1, 2)
    assert district["hotline"].pk not in results  # not an assessed level
    assert (
        results[district["street"].pk].composite is None
        and results[district["street"].pk].rank is None
    )


def test_results_page_shows_every_contribution(client, orgdept, district, year_data, people):
    published(orgdept)
    client.force_login(orgdept)
    response = client.post(reverse("evaluation:indicator-results", args=[YEAR]))
    assert response.status_code == 302
    assert ResultSnapshot.objects.count() == 1
    page = client.get(reverse("evaluation:indicator-results", args=[YEAR])).content.decode()
    assert "76.25" in page and "56.25" in page and "20.00" in page and "畜牧兽医局" in page
    client.force_login(people["vet_handler"])
    assert client.get(reverse("evaluation:indicator-results", args=[YEAR])).status_code == 403


def test_editing_next_years_scheme_leaves_last_years_snapshot_identical(
    orgdept, district, year_data, citizens
):
    scheme = published(orgdept)
    snapshot = services.indicator_results_compute(year=YEAR, actor=orgdept)
    before = snapshot_state(snapshot)
    lines = IndicatorResult.objects.count()

    following = services.scheme_create(
        year=YEAR + 1, name="下一年", actor=orgdept, copy_from=scheme
    )
    services.scheme_save(
        scheme=following,
        actor=orgdept,
        indicators=[
            row("述职述廉评价", "duty_report_rating", "30", target="95"),
            row("质询按时答复", "inquiries_on_time", "70", target="90", direction="lower"),
        ],
        name="改过的下一年",
    )
    services.scheme_publish(scheme=following, actor=orgdept)
    # The past year's own scheme: a new draft may be made, but it cannot replace the version
    # its results were computed with.
    revised = services.scheme_revise(scheme=scheme, actor=orgdept)
    services.scheme_save(
        scheme=revised, actor=orgdept, indicators=[row("述职述廉评价", "duty_report_rating", "100")]
    )
    with pytest.raises(InvalidTransition) as error:
        services.scheme_publish(scheme=revised, actor=orgdept)
    assert error.value.code == "results_exist"

    snapshot.refresh_from_db()
    assert snapshot.scheme_id == scheme.pk
    assert snapshot_state(snapshot) == before
    assert IndicatorResult.objects.count() == lines
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.PUBLISHED
    assert list(scheme.indicators.values_list("target", "weight")) == [
        (Decimal("80.00"), Decimal("60.00")),
        (Decimal("100.00"), Decimal("40.00")),
    ]


def test_a_year_without_data_or_scheme_is_a_clear_error(orgdept, district):
    with pytest.raises(InvalidInput) as error:
        services.indicator_results_compute(year=YEAR, actor=orgdept)
    assert error.value.code == "no_published_scheme"
    published(orgdept)
    with pytest.raises(InvalidInput) as error:
        services.indicator_results_compute(year=YEAR, actor=orgdept)
    assert error.value.code == "no_data"
    with pytest.raises(InvalidInput) as error:
        services.indicator_results_compute(year=2999, actor=orgdept)
    assert error.value.code in ("future_year", "invalid_year")
    assert not ResultSnapshot.objects.exists()


def test_appeal_measures_come_from_the_rankings_rates(orgdept, district):
    from lianxin.appeals.models import MonthlyAppealStat

    MonthlyAppealStat.objects.create(
        unit=district["vet"],
        month=date(YEAR, 3, 1),
        received=10,
        dispatched=10,
        responded_in_time=8,
        replied=10,
        replied_in_time=9,
    )
    values = measure_values(["response_rate", "overdue_count"], [district["vet"]], YEAR)
    assert values["response_rate"][district["vet"].pk] == pytest.approx(80.0)  # percent
    assert values["overdue_count"][district["vet"].pk] == pytest.approx(1.0)
    published(
        orgdept,
        indicators=[
            row("响应率", "response_rate", "50", target="90"),
            row("逾期件数", "overdue_count", "50", target="1", direction="lower"),
        ],
    )
    snapshot = services.indicator_results_compute(year=YEAR, actor=orgdept, units=[district["vet"]])
    vet = snapshot.units.get()
    assert [line.score for line in vet.lines.all()] == [Decimal("88.89"), Decimal("100.00")]
    assert vet.composite == Decimal("94.45")  # 44.45 + 50.00


def test_appraisal_scores_are_a_source(district):
    assert MEASURES["appraisal_score"].available
    # No closed campaign that year: nothing measured (None), never a made-up score.
    assert measure_values(["appraisal_score"], [district["vet"]], YEAR) == {
        "appraisal_score": {district["vet"].pk: None}
    }


def test_indicator_pages_render(client, orgdept, district, year_data):
    scheme = published(orgdept)
    draft = services.scheme_create(year=YEAR + 1, name="草稿", actor=orgdept, copy_from=scheme)
    services.indicator_results_compute(year=YEAR, actor=orgdept)
    client.force_login(orgdept)
    for url in [
        reverse("evaluation:indicators"),
        reverse("evaluation:indicator-scheme", args=[scheme.pk]),
        reverse("evaluation:indicator-scheme", args=[draft.pk]),
        reverse("evaluation:indicator-results", args=[YEAR]),
        reverse("evaluation:indicator-results", args=[YEAR + 1]),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("evaluation:indicators")).content.decode()
    assert "走访覆盖率" in page and "尚未启用" not in page  # visit coverage, now available
    response = client.post(reverse("evaluation:indicator-results", args=[YEAR + 1]))
    assert response.status_code == 400  # no published scheme for the year: said, not a 500
    client.force_login(
        make_user("siteadmin", Role.ADMIN, district["root"], is_staff=True, is_superuser=True)
    )
    for model in ("indicatorscheme", "resultsnapshot"):
        assert client.get(reverse(f"admin:evaluation_{model}_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:evaluation_indicatorscheme_change", args=[scheme.pk])).status_code
        == 200
    )


def test_a_schemes_name_is_labelled_as_a_name_not_a_persons_name(client, orgdept):
    """ "Name" alone is translated 姓名 (a person's name) elsewhere; a scheme has a 名称."""
    draft = services.scheme_create(year=YEAR, name="草稿", actor=orgdept)
    client.force_login(orgdept)
    pages = [
        client.get(reverse("evaluation:indicators"), HTTP_ACCEPT_LANGUAGE="zh-hans"),
        client.get(
            reverse("evaluation:indicator-scheme", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200 and "姓名" not in text and "名称" in text

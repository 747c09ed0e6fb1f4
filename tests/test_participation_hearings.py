"""Hearings: announcement rules, applications, the stratified draw (reproducible, exact
probabilities, refusals that change nothing) and the `hearing_draw` command."""

from datetime import timedelta
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.participation.errors import Code
from lianxin.participation.models import Applicant, Draw, Hearing, HearingStatus
from lianxin.participation.services import hearings
from lianxin.participation.services.draw import DrawImpossible, stratified_draw

pytestmark = pytest.mark.django_db


def announce(unit, actor, quotas, *, lead_days=10):
    held = clock.now() + timedelta(days=20)
    return hearings.hearing_announce(
        actor=actor,
        unit=unit,
        title="禁养区调整听证会",
        place="区政府三楼会议室",
        held_at=held,
        materials_at=held - timedelta(days=lead_days),
        quotas=quotas,
        selection_method="按利益相关类别分层随机抽取，种子为开奖前公布的福彩3D号码。",
    )


@pytest.fixture
def hearing(district, people):
    return announce(district["vet"], people["vet_leader"], {"farmer": 2, "resident": 1})


def apply_all(hearing, names_by_stake):
    for stake, names in names_by_stake.items():
        for name in names:
            hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name=name, stake=stake)


# --- the draw itself ---------------------------------------------------------------------------


def test_small_case_by_hand():
    """Farmers 1-4 share 2 seats (1/2 each), residents 5-7 share 1 (1/3 each), the expert 8
    has no quota (0). Every panel has 2 farmers and 1 resident."""
    applicants = [
        (1, "farmer"),
        (2, "farmer"),
        (3, "farmer"),
        (4, "farmer"),
        (5, "resident"),
        (6, "resident"),
        (7, "resident"),
        (8, "expert"),
    ]
    quotas = {"farmer": 2, "resident": 1}
    result = stratified_draw(applicants, quotas, "2026-318")
    assert result.probabilities == {
        1: Fraction(1, 2),
        2: Fraction(1, 2),
        3: Fraction(1, 2),
        4: Fraction(1, 2),
        5: Fraction(1, 3),
        6: Fraction(1, 3),
        7: Fraction(1, 3),
        8: Fraction(0),
    }
    assert stratified_draw(list(reversed(applicants)), quotas, "2026-318") == result
    # The frequencies over many seeds agree with the probabilities.
    counts = {pk: 0 for pk, _stake in applicants}
    runs = 3000
    for n in range(runs):
        picked = stratified_draw(applicants, quotas, f"seed-{n}").selected
        assert sorted(s for s in picked if s <= 4).__len__() == 2 and len(picked) == 3
        for pk in picked:
            counts[pk] += 1
    for pk, p in result.probabilities.items():
        assert abs(counts[pk] / runs - float(p)) < 0.04


def test_impossible_draws_are_explained():
    with pytest.raises(DrawImpossible, match="3"):
        stratified_draw([(1, "farmer"), (2, "farmer")], {"farmer": 3}, "s")
    with pytest.raises(DrawImpossible) as quota:
        stratified_draw(
            [(1, "farmer"), (2, "farmer"), (3, "expert")],
            {"expert": 2},
            "s",
            labels={"expert": "专家"},
        )
    assert "专家" in str(quota.value)


# --- announcing, applying, drawing ------------------------------------------------------------


def test_materials_less_than_seven_days_ahead_are_refused(district, people):
    with pytest.raises(InvalidInput) as refused:
        announce(district["vet"], people["vet_leader"], {"farmer": 1}, lead_days=6)
    assert refused.value.code == Code.MATERIALS_TOO_LATE
    assert "第十六条" in str(refused.value.message) or "7" in str(refused.value.message)
    assert not Hearing.objects.exists()


def test_only_the_organiser_announces_and_draws(district, people, hearing):
    with pytest.raises(PermissionDenied):
        announce(district["vet"], people["vet_handler"], {"farmer": 1})
    apply_all(hearing, {"farmer": ["张三", "李四"], "resident": ["王五"]})
    with pytest.raises(PermissionDenied):
        hearings.hearing_draw(hearing_id=hearing.pk, actor=people["env_handler"], seed="1")


def test_the_draw_is_published_and_reproducible(hearing, people):
    apply_all(
        hearing,
        {
            "farmer": ["张三", "李四", "赵六", "钱七"],
            "resident": ["王五", "孙八"],
            "expert": ["周九"],
        },
    )
    applicant = Applicant.objects.get(name="张三")
    assert applicant.public_label == "张*" and applicant.stake == "farmer"
    expected = hearings.draw_compute(hearing, "731")
    draw = hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="731")
    assert draw.result["selected"] == expected.selected
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.DRAWN
    selected = list(hearing.applicants.filter(selected=True).values_list("pk", flat=True))
    assert sorted(selected) == sorted(expected.selected)
    assert {a.name: a.probability for a in hearing.applicants.all()} == {
        "张三": 0.5,
        "李四": 0.5,
        "赵六": 0.5,
        "钱七": 0.5,
        "王五": 0.5,
        "孙八": 0.5,
        "周九": 0.0,
    }
    assert AuditEvent.objects.filter(action="hearing_draw", to_state="drawn").exists()
    with pytest.raises(InvalidTransition):
        hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name="晚到", stake="farmer")
    # The command re-runs it with the seed and prints the same panel, twice alike.
    outputs = []
    for _n in range(2):
        out = StringIO()
        call_command("hearing_draw", str(hearing.pk), "--seed", "731", stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert "matches the published draw" in outputs[0]
    printed = [int(line.split("\t")[0]) for line in outputs[0].splitlines()[1:-1]]
    assert printed == draw.result["selected"]


def test_a_draw_that_cannot_be_made_changes_nothing(hearing, people):
    apply_all(hearing, {"farmer": ["张三"], "resident": ["王五", "孙八"]})
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition) as refused:
        hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="9")
    assert refused.value.code == Code.DRAW_IMPOSSIBLE
    assert "农户" in str(refused.value.message) or "Farmer" in str(refused.value.message)
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.ANNOUNCED
    assert not Draw.objects.exists() and not Applicant.objects.filter(selected=True).exists()
    assert AuditEvent.objects.count() == events
    with pytest.raises(CommandError):
        call_command("hearing_draw", str(hearing.pk), "--seed", "9", stdout=StringIO())


def test_more_seats_than_applicants_is_refused(hearing, people):
    apply_all(hearing, {"farmer": ["张三", "李四"]})
    with pytest.raises(InvalidTransition) as refused:
        hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="9")
    assert refused.value.code == Code.DRAW_IMPOSSIBLE
    assert not Draw.objects.exists()


def test_minutes_and_positions_after_the_draw(hearing, people):
    apply_all(hearing, {"farmer": ["张三", "李四"], "resident": ["王五"]})
    with pytest.raises(InvalidTransition):
        hearings.hearing_minutes(
            hearing_id=hearing.pk, actor=people["vet_leader"], minutes="x", positions=[]
        )
    hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="1")
    with pytest.raises(InvalidInput):
        hearings.hearing_minutes(
            hearing_id=hearing.pk,
            actor=people["vet_leader"],
            minutes="纪要",
            positions=[("张*", "maybe", "x")],
        )
    held = hearings.hearing_minutes(
        hearing_id=hearing.pk,
        actor=people["vet_leader"],
        minutes="听证会纪要全文",
        positions=[
            ("张*", "against", "补助太低"),
            ("王*", "for", "支持保护水源"),
            ("李*", "conditions", "给两年过渡期"),
        ],
    )
    assert held.status == HearingStatus.HELD and held.positions.count() == 3
    position = held.positions.get(stance="conditions")
    hearings.position_respond(
        position_id=position.pk, actor=people["vet_leader"], response="过渡期延至2028年6月。"
    )
    position.refresh_from_db()
    assert position.response.startswith("过渡期")

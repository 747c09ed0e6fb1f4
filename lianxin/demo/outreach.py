"""The outreach demo (联户走访): a township cadre of 桥头镇 (`cadre`) paired with households in
difficulty in its villages, livestock farms paired with 畜牧兽医局's handler, and the last two
months of visits played through the services at the times they were made: some pairs are
overdue, and one farm visit yesterday found sick pigs in 大湾村, where citizens have reported
dead pigs (it joins their early-warning alarm).

Idempotent: households are keyed by village and head of household, pairings by household and
cadre, visits by a client id derived from their place in this list. Run by the demo loader
after the district's people exist (leader-qiaotou, leader-baishui, handler-vet)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Role, Unit
from lianxin.outreach.models import Difficulty, Household, Pairing, Reason, VisitForm
from lianxin.outreach.services import household_register, pairing_assign, visit_record

from .core import _person

CADRE = ("cadre", "桥头镇干部小刘", Role.HANDLER, "qiaotou")
VET = "handler-vet"
# Households were listed and paired this many days before the demo's "now".
PAIRED_DAYS_AGO = 100

# (village code, head of household, members, reasons, difficulty, phone, address)
HOUSEHOLDS = [
    ("qiaotou-dawan", "李桂兰", 1, [Reason.ELDERLY_ALONE], Difficulty.SEVERE, "13907160001", "大湾村2组"),
    ("qiaotou-dawan", "王德福", 4, [Reason.LOW_INCOME], Difficulty.ORDINARY, "13907160002", "大湾村4组"),
    ("qiaotou-dawan", "陈小军", 3, [Reason.LEFT_BEHIND_CHILDREN], Difficulty.ORDINARY, "13907160003", "大湾村6组"),
    ("qiaotou-shiqiao", "赵秀珍", 1, [Reason.ELDERLY_ALONE, Reason.DISABLED], Difficulty.SEVERE, "13907160004", "石桥村1组"),
    ("qiaotou-shiqiao", "孙志强", 5, [Reason.LOW_INCOME], Difficulty.ORDINARY, "13907160005", "石桥村3组"),
    ("qiaotou-liushu", "周阿婆", 1, [Reason.ELDERLY_ALONE], Difficulty.ORDINARY, "", "柳树村5组"),
    ("qiaotou-liushu", "刘建华", 3, [Reason.LEFT_BEHIND_CHILDREN], Difficulty.ORDINARY, "13907160007", "柳树村2组"),
]  # fmt: skip
# (village code, head of household, members, species, herd size, phone, address)
FARMS = [
    ("qiaotou-dawan", "张建国", 4, "生猪", 320, "13907160011", "大湾村3组"),
    ("qiaotou-shiqiao", "黄永福", 3, "肉牛", 45, "13907160012", "石桥村6组"),
    ("qiaotou-liushu", "吴春燕", 2, "蛋鸡", 5000, "13907160013", "柳树村1组"),
    ("baishui-shangba", "郑大山", 3, "山羊", 120, "13907160014", "上坝村4组"),
]
# Visits (head of household, days before now, notes, needs). Left unvisited, so overdue:
# 陈小军 and 刘建华 (since they were paired, 100 days), 吴春燕's farm; 赵秀珍, in severe
# difficulty, was last seen 40 days ago (due every month).
VISITS = [
    ("李桂兰", 62, "身体尚可，独居，子女在外地务工。", ""),
    ("李桂兰", 33, "送去过冬棉被，血压偏高，已提醒按时服药。", ""),
    ("李桂兰", 3, "入冬前查看取暖设施，用电安全。", ""),
    ("王德福", 30, "低保待遇已按月发放，妻子在镇上打零工。", ""),
    ("赵秀珍", 58, "行动不便，轮椅老旧。", ""),
    ("赵秀珍", 40, "村医每周上门一次，生活能够自理。", ""),
    ("孙志强", 12, "家中两间房屋漏雨，墙体有裂缝。", "房屋漏雨、墙体开裂，申请危房改造鉴定。"),
    ("周阿婆", 55, "电话联系，老人说一切都好，邻居常来照看。", ""),
]
# Farm visits (head of household, hours before now, sick, dead, immunised, biosecurity, notes).
FARM_VISITS = [
    ("张建国", 24 * 60, 0, 0, True, True, "秋防集中免疫已完成，消毒记录齐全。"),
    ("黄永福", 24 * 35, 0, 0, True, True, "口蹄疫免疫已完成，牛舍通风良好。"),
    ("郑大山", 24 * 50, 0, 0, True, False, "羊圈消毒池干涸，已要求补充消毒液。"),
    # Yesterday, in 大湾村, where citizens have reported dead pigs: sick pigs on the farm.
    ("张建国", 20, 5, 0, True, False, "5头育肥猪发热、食欲减退，已采样送检，要求隔离观察、禁止外调。"),
]  # fmt: skip
VISIT_FORMS = {"周阿婆": VisitForm.PHONE}


def load(*, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Loads the outreach demo; returns the logins it adds (username, role, unit)."""
    now = now or clock.now()
    logins = load_cadre()
    households = load_households(now=now)
    load_pairings(households, now=now)
    load_visits(households, now=now)
    return logins


def load_cadre() -> list[tuple[str, str, str]]:
    username, name, role, unit_code = CADRE
    unit = Unit.objects.get(code=unit_code)
    _person(username, name, role, unit)
    return [(username, role, unit.name)]


def _town_leader(village: Unit) -> Any:
    """The leader of the village's town, who lists and pairs its households (the demo's
    village codes start with their town's: "qiaotou-dawan")."""
    return get_user_model().objects.get(username=f"leader-{village.code.split('-')[0]}")


def _listed(village: Unit, head_name: str, now: datetime, **fields: Any) -> Household:
    found = Household.objects.filter(unit=village, head_name=head_name).first()
    if found is not None:
        return found
    leader = _town_leader(village)
    listed_at = now - timedelta(days=PAIRED_DAYS_AGO)
    with clock.at(listed_at):
        return household_register(
            actor=leader,
            unit=village,
            head_name=head_name,
            consent_on=listed_at.astimezone(LOCAL).date(),
            **fields,
        )


def load_households(*, now: datetime) -> dict[str, Household]:
    """The households and farms, by head of household."""
    out: dict[str, Household] = {}
    for code, head, members, reasons, difficulty, phone, address in HOUSEHOLDS:
        out[head] = _listed(
            Unit.objects.get(code=code),
            head,
            now,
            members=members,
            reasons=reasons,
            difficulty=difficulty,
            phone=phone,
            address=address,
        )
    for code, head, members, species, herd, phone, address in FARMS:
        out[head] = _listed(
            Unit.objects.get(code=code),
            head,
            now,
            members=members,
            reasons=[Reason.LIVESTOCK_FARM],
            species=species,
            herd_size=herd,
            phone=phone,
            address=address,
        )
    return out


def _cadre_of(household: Household) -> Any:
    username = VET if household.is_farm else CADRE[0]
    return get_user_model().objects.get(username=username)


def load_pairings(households: dict[str, Household], *, now: datetime) -> None:
    """Households with `cadre`, farms with 畜牧兽医局's handler, paired by the town's leader."""
    starts = now - timedelta(days=PAIRED_DAYS_AGO)
    for household in households.values():
        cadre = _cadre_of(household)
        if Pairing.objects.filter(household=household, cadre=cadre, ends_on__isnull=True).exists():
            continue
        leader = _town_leader(household.unit)
        with clock.at(starts):
            pairing_assign(
                actor=leader,
                household=household,
                cadre=cadre,
                starts_on=starts.astimezone(LOCAL).date(),
            )


def _visit(household: Household, at: datetime, key: str, **fields: Any) -> None:
    cadre = _cadre_of(household)
    pairing = Pairing.objects.get(household=household, cadre=cadre, ends_on__isnull=True)
    with clock.at(at):
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=at.astimezone(LOCAL).date(),
            # The same visit on a second run: the service finds it by its client id.
            client_uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"lianxin-demo:outreach:{key}"),
            **fields,
        )


def load_visits(households: dict[str, Household], *, now: datetime) -> None:
    day = now.astimezone(LOCAL).replace(hour=10, minute=0, second=0, microsecond=0)
    for n, (head, days, notes, needs) in enumerate(VISITS):
        _visit(
            households[head],
            day - timedelta(days=days),
            f"visit:{n}",
            form=VISIT_FORMS.get(head, VisitForm.HOME),
            notes=notes,
            needs=needs,
        )
    for n, (head, hours, sick, dead, immunised, biosecure, notes) in enumerate(FARM_VISITS):
        _visit(
            households[head],
            now - timedelta(hours=hours),
            f"farm:{n}",
            form=VisitForm.FARM,
            notes=notes,
            sick_count=sick,
            dead_count=dead,
            immunisation_done=immunised,
            biosecurity_ok=biosecure,
        )

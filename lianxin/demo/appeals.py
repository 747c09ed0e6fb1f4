"""The demo district's appeals: the service catalogue and about 500 appeals from real citizen
messages (data/teddy2020), each walked through the services to a state, spread over recent
months.

Idempotent: categories are keyed by code, appeals by their source reference."""

import csv
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from lianxin.appeals.models import Appeal, Category, Channel, Satisfaction, Status, Urgency
from lianxin.appeals.services import (
    appeal_accept,
    appeal_dispatch,
    appeal_follow_up,
    appeal_merge,
    appeal_reply,
    appeal_return,
    appeal_submit,
    appeal_withdraw,
    extension_request,
)
from lianxin.core import clock
from lianxin.core.models import Unit

from .core import DEPARTMENTS, STREETS

DATA = Path(settings.BASE_DIR) / "data" / "teddy2020"

# First-level category of the city's taxonomy → the department that handles it by default.
GROUP_UNITS = {
    "城乡建设": "housing",
    "环境保护": "env",
    "交通运输": "transport",
    "教育文体": "edu",
    "劳动和社会保障": "hrss",
    "卫生计生": "health",
    "商贸旅游": "commerce",
    "农村农业": "agri",
    "经济管理": "market",
    "民政": "civil",
    "政法": "police",
    "国土资源": "land",
    "科技与信息产业": "market",
    "党务政务": "gov-office",
    "纪检监察": "gov-office",
}
# Categories the taxonomy lacks; animal health goes straight to the veterinary bureau.
EXTRA_CATEGORIES = [
    (
        "animal-epidemic",
        "动物疫病",
        "农村农业",
        "vet",
        True,
        1,
        2,
        "病死畜禽、疑似疫情、防疫服务",
        "病死 疫情 猪瘟 禽流感 防疫 兽医",
    ),
    (
        "livestock-safety",
        "畜产品质量安全",
        "农村农业",
        "vet",
        True,
        3,
        4,
        "肉蛋奶质量、私屠滥宰、兽药残留",
        "屠宰 注水肉 兽药 养殖 检疫",
    ),
]
KEYWORDS = [
    ("农村农业", r"养猪|养殖|屠宰|病死|猪瘟|禽流感|兽医"),
    ("劳动和社会保障", r"社保|工资|养老|医保|公积金|就业|退休|人才|劳动"),
    ("教育文体", r"学校|教育|老师|学生|幼儿园|中学|小学|学位"),
    ("卫生计生", r"医院|医疗|疫苗|卫生|计生|医生|诊所"),
    ("交通运输", r"公交|交通|地铁|出租|车站|高速|路口|红绿灯"),
    ("环境保护", r"污染|噪音|噪声|环保|排放|臭|扰民|搅拌站"),
    ("商贸旅游", r"商家|旅游|消费|超市|商场|景区|酒店"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]


def load_catalogue(units: dict[str, Unit]) -> dict[str, Category]:
    groups: dict[str, Category] = {}
    rows = list(csv.DictReader((DATA / "taxonomy.csv").open(encoding="utf-8")))
    for n, first in enumerate(dict.fromkeys(r["一级分类"] for r in rows), start=1):
        groups[first], _ = Category.objects.get_or_create(
            code=f"c{n:02d}", defaults={"name": first, "default_unit": units[GROUP_UNITS[first]]}
        )
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        first, second = r["一级分类"], r["二级分类"]
        if (first, second) in seen or not second:
            continue
        seen[(first, second)] = 1
        index = sum(1 for k in seen if k[0] == first)
        Category.objects.get_or_create(
            code=f"{groups[first].code}-{index:02d}",
            defaults={
                "name": second,
                "parent": groups[first],
                "default_unit": units[GROUP_UNITS[first]],
            },
        )
    for code, name, group, unit, auto, days, hours, description, keywords in EXTRA_CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": groups[group],
                "default_unit": units[unit],
                "auto_dispatch": auto,
                "handling_days": days,
                "contact_hours": hours,
                "description": description,
                "keywords": keywords,
            },
        )
    return {c.name: c for c in Category.objects.filter(parent__isnull=True)} | {
        "动物疫病": Category.objects.get(code="animal-epidemic"),
        "畜产品质量安全": Category.objects.get(code="livestock-safety"),
    }


GREETING = re.compile(
    r"^(尊敬|敬爱|亲爱)的[^，,：:！!。]{0,20}[，,：:！!。]?\s*((您|你)好[，,！!。]?)?"
)


def _title_of(text: str) -> str:
    """train.csv joins title and detail: the title ends where the letter's greeting starts.
    A message that opens with the greeting gets its first sentence as title."""
    head = re.split(r"(尊敬|敬爱|亲爱)的", text, maxsplit=1)[0].strip()
    if len(head) < 6:
        body = GREETING.sub("", text).strip()
        head = re.split(r"[。！？!?]", body, maxsplit=1)[0].strip()
    return head[:30] + ("…" if len(head) > 30 else "") if head else text[:30]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _group_of(text: str) -> str:
    for group, pattern in KEYWORDS:
        if re.search(pattern, text):
            return group
    return "城乡建设"


def _messages(rng: random.Random) -> list[dict[str, str]]:
    """About 500 real messages: some with their real official reply, some still open."""
    replied = list(csv.DictReader((DATA / "replied-messages.csv").open(encoding="utf-8")))
    train = list(csv.DictReader((DATA / "train.csv").open(encoding="utf-8")))
    rng.shuffle(replied)
    rng.shuffle(train)
    animal = [r for r in replied if re.search(KEYWORDS[0][1], r["留言主题"] + r["留言详情"])][:6]
    out = [
        {
            "ref": f"replied:{r['留言编号']}",
            "title": _clean(r["留言主题"])[:60],
            "content": _clean(r["留言详情"]),
            "reply": _clean(r["答复意见"]),
            "group": _group_of(r["留言主题"] + r["留言详情"]),
        }
        for r in animal + [r for r in replied if r not in animal][: REPLIED_MESSAGES - len(animal)]
    ]
    out += [
        {
            "ref": f"train:{r['id']}",
            "title": _title_of(_clean(r["text"])),
            "content": _clean(r["text"]),
            "reply": "",
            "group": r["label"],
        }
        for r in train[:OPEN_MESSAGES]
    ]
    rng.shuffle(out)  # so that a smaller demo (--appeals N) still has every kind of appeal
    return out


# How many replayed messages come with their real reply (closed, replied or reopened appeals)
# and how many without (still open). A district receiving ~4 appeals a day has a few dozen open,
# all recent: a demo whose open work was a third of everything, crowded into the last days,
# looked like a sudden rise of every category everywhere and raised 16 "significant rise" alarms.
REPLIED_MESSAGES = 460
OPEN_MESSAGES = 40


def _age(start: datetime) -> str:
    days = (clock.now() - start).total_seconds() / 86400
    return "new" if days < 2 else "recent" if days < 10 else "old"


# Which states an appeal can be in for its age (multiplying STATE_WEIGHTS): new ones are waiting
# or being handled, recent ones being handled or answered, old ones done (a few still open).
_AGE_WEIGHTS = {
    "new": {Status.SUBMITTED: 1, Status.DISPATCHED: 1, Status.HANDLING: 1, Status.WITHDRAWN: 0.2},
    "recent": {
        Status.DISPATCHED: 0.1,
        Status.HANDLING: 1,
        Status.REPLIED: 1,
        Status.REOPENED: 1,
        Status.CLOSED: 0.5,
        Status.MERGED: 1,
        Status.WITHDRAWN: 0.5,
    },
    "old": {
        Status.CLOSED: 1,
        Status.MERGED: 1,
        Status.WITHDRAWN: 0.5,
        Status.HANDLING: 0.02,
        Status.REPLIED: 0.02,
    },
}

# Share of demo appeals per final state: most are done, some are at each open step.
STATE_WEIGHTS = [
    (Status.CLOSED, 46),
    (Status.REPLIED, 9),
    (Status.REOPENED, 3),
    (Status.HANDLING, 14),
    (Status.DISPATCHED, 9),
    (Status.SUBMITTED, 8),
    (Status.MERGED, 4),
    (Status.WITHDRAWN, 4),
]


def _play(
    message: dict[str, str],
    *,
    rng: random.Random,
    units: dict[str, Unit],
    categories: dict[str, Category],
    people: dict[str, Any],
    start: datetime,
) -> None:
    """Submit one appeal at `start` and walk it to a state, each step at a plausible time."""
    with_reply = bool(message["reply"])
    states = [s for s, _ in STATE_WEIGHTS]
    weights: list[float] = [
        w
        * (
            3
            if with_reply and s in (Status.CLOSED, Status.REPLIED, Status.REOPENED)
            else (0 if with_reply else 1)
        )
        for s, w in STATE_WEIGHTS
    ]
    if not with_reply:
        weights = [
            0 if s in (Status.CLOSED, Status.REPLIED, Status.REOPENED) else w
            for s, w in STATE_WEIGHTS
        ]
    by_age = _AGE_WEIGHTS[_age(start)]
    weights = [w * by_age.get(s, 0) for s, w in zip(states, weights, strict=True)]
    if not any(weights):  # an old message without a reply: still being handled, long overdue
        weights = [1 if s == Status.HANDLING else 0 for s in states]
    target = rng.choices(states, weights=weights)[0]
    group = message["group"]
    category = categories.get(group) or categories["城乡建设"]
    if group == "农村农业":
        category = categories[
            "动物疫病" if re.search("病死|疫|瘟", message["content"]) else "畜产品质量安全"
        ]
    street_code, street_name, _kind, children = rng.choice(STREETS)
    community = rng.choice(children)
    anonymous = rng.random() < 0.25
    moment = start

    def later(hours: float) -> datetime:
        nonlocal moment
        moment = min(moment + timedelta(hours=hours), clock.now())
        return moment

    with clock.at(start):
        appeal, created = appeal_submit(
            title=message["title"] or "市民来信",
            content=message["content"][:5000],
            category=category if rng.random() < 0.8 else None,
            urgency=rng.choices(
                [Urgency.ORDINARY, Urgency.URGENT, Urgency.COMPLEX, Urgency.EMERGENCY],
                [80, 10, 8, 2],
            )[0],
            channel=Channel.IMPORT,
            source_ref=message["ref"],
            contact_name="" if anonymous else rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone="" if anonymous else f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            address=f"{street_name}{community[1]}",
            is_public=rng.random() < 0.6,
            actor_label="12345",
        )
    if not created or appeal.status != Status.SUBMITTED and target == Status.SUBMITTED:
        return
    dispatcher = people["dispatcher"]
    unit = category.default_unit
    if group == "城乡建设" and rng.random() < 0.5:
        unit = units[street_code]
    if target == Status.SUBMITTED or unit is None:  # every demo category has a unit
        return
    if target == Status.WITHDRAWN:
        with clock.at(later(rng.uniform(1, 30))):
            appeal_withdraw(appeal=appeal, by_citizen=True, reason="问题已自行解决")
        return
    if target == Status.MERGED:
        master = (
            Appeal.objects.filter(category=appeal.category, created_at__lt=start)
            .exclude(status__in=[Status.MERGED, Status.WITHDRAWN])
            .order_by("-created_at")
            .first()
        )
        if master:
            with clock.at(later(rng.uniform(1, 8))):
                appeal_merge(appeal=appeal, master=master, actor=dispatcher)
            return
        target = Status.DISPATCHED
    handler = people[unit.code]
    if appeal.status == Status.SUBMITTED:
        if rng.random() < 0.08:  # a wrong first dispatch, returned by the unit
            wrong = units[rng.choice([c for c, _ in DEPARTMENTS if c != unit.code])]
            with clock.at(later(rng.uniform(0.2, 3))):
                appeal_dispatch(appeal=appeal, unit=wrong, actor=dispatcher)
            with clock.at(later(rng.uniform(1, 10))):
                appeal_return(
                    appeal=appeal, actor=people[wrong.code], reason="不属于本单位职责，请重新派单"
                )
        with clock.at(later(rng.uniform(0.2, 6))):
            appeal_dispatch(appeal=appeal, unit=unit, actor=dispatcher)
    if target == Status.DISPATCHED:
        return
    with clock.at(later(rng.uniform(0.5, 12))):
        appeal_accept(appeal=appeal, actor=handler)
    if target == Status.HANDLING:
        if rng.random() < 0.1:
            with clock.at(later(rng.uniform(24, 96))):
                extension_request(
                    appeal=appeal, actor=handler, days=5, reason="需协调多个部门现场核查"
                )
        return
    with clock.at(later(rng.uniform(24, 24 * 9))):
        appeal_reply(appeal=appeal, actor=handler, text=message["reply"][:5000])
    if target == Status.REPLIED:
        return
    if target == Status.REOPENED:
        with clock.at(later(rng.uniform(4, 48))):
            appeal_follow_up(
                appeal=appeal,
                actor=dispatcher,
                resolved=False,
                satisfaction=Satisfaction.DISSATISFIED,
                comment="问题依然存在，答复没有解决实际问题",
            )
        return
    satisfaction = rng.choices(
        [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED], [70, 20, 10]
    )[0]
    with clock.at(later(rng.uniform(4, 72))):
        if rng.random() < 0.5:
            appeal_follow_up(
                appeal=appeal,
                by_citizen=True,
                resolved=satisfaction != Satisfaction.DISSATISFIED,
                satisfaction=satisfaction,
                comment="",
            )
        else:
            appeal_follow_up(
                appeal=appeal,
                actor=dispatcher,
                resolved=satisfaction != Satisfaction.DISSATISFIED,
                satisfaction=satisfaction,
                comment="电话回访",
            )
    appeal.refresh_from_db()
    if appeal.status == Status.REOPENED:  # 重办: handled again, then judged once more
        with clock.at(later(rng.uniform(2, 24))):
            appeal_accept(appeal=appeal, actor=handler)
        with clock.at(later(rng.uniform(24, 24 * 5))):
            appeal_reply(
                appeal=appeal,
                actor=handler,
                text="经重新核查，已会同相关部门现场处理，问题已整改。",
            )
        with clock.at(later(rng.uniform(4, 48))):
            appeal_follow_up(
                appeal=appeal,
                actor=dispatcher,
                resolved=True,
                satisfaction=Satisfaction.BASIC,
                comment="电话回访：基本满意",
            )


def load_appeals(
    *,
    rng: random.Random,
    units: dict[str, Unit],
    categories: dict[str, Category],
    appeals: int,
    days: int,
    now: datetime,
    stdout: Any = None,
) -> None:
    """Replay `appeals` messages over the last `days` days, each through the services."""
    User = get_user_model()
    people: dict[str, Any] = {"dispatcher": User.objects.get(username="dispatcher")}
    for code, *_ in DEPARTMENTS + [(s[0],) for s in STREETS]:
        people[code] = User.objects.get(username=f"handler-{code}")
    messages = _messages(rng)[:appeals]
    # Messages without a reply are still open, so they are the newest (a stable sort keeps the
    # shuffled order otherwise).
    messages.sort(key=lambda m: not m["reply"])
    # Start times spread evenly over the window, oldest first, so merges find earlier masters.
    starts = sorted(now - timedelta(days=rng.uniform(0, days)) for _ in messages)
    for n, (message, start) in enumerate(zip(messages, starts, strict=True), start=1):
        _play(message, rng=rng, units=units, categories=categories, people=people, start=start)
        if stdout and n % 50 == 0:
            stdout.write(f"  demo appeals: {n}/{len(messages)}\n")

"""The demo district: units, people for every role, the service catalogue and about 500 appeals
from real citizen messages (data/teddy2020), spread over recent months and every state.

Idempotent: everything is keyed (unit codes, usernames, category codes, appeal source refs), so
a second run finds it all and changes nothing."""

import csv
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from lianxin.core import clock
from lianxin.core.models import Role, RoleAssignment, Unit
from lianxin.participation import demo as participation_demo

from . import services
from .models import Appeal, Category, Channel, Satisfaction, Status, Urgency

DATA = Path(settings.BASE_DIR) / "data" / "teddy2020"
DEMO_PASSWORD = "lianxin-demo"  # noqa: S105 - printed for the demo, documented in the README

DEPARTMENTS = [
    ("vet", "畜牧兽医局"),
    ("env", "生态环境局"),
    ("housing", "住房和城乡建设局"),
    ("hrss", "人力资源和社会保障局"),
    ("edu", "教育局"),
    ("health", "卫生健康委员会"),
    ("transport", "交通运输局"),
    ("commerce", "商务局"),
    ("market", "市场监督管理局"),
    ("agri", "农业农村局"),
    ("civil", "民政局"),
    ("land", "自然资源局"),
    ("police", "公安分局"),
    ("gov-office", "区政府办公室"),
]
STREETS = [
    ("dongcheng", "东城街道", "street", [("dongcheng-donghu", "东湖社区", "community"),
                                          ("dongcheng-yingbin", "迎宾社区", "community"),
                                          ("dongcheng-heping", "和平社区", "community")]),
    ("xicheng", "西城街道", "street", [("xicheng-jinxiu", "锦绣社区", "community"),
                                        ("xicheng-wenhua", "文化社区", "community")]),
    ("nanhu", "南湖街道", "street", [("nanhu-binhe", "滨河社区", "community"),
                                      ("nanhu-lifa", "丽发社区", "community"),
                                      ("nanhu-xingfu", "幸福社区", "community")]),
    ("qiaotou", "桥头镇", "town", [("qiaotou-dawan", "大湾村", "village"),
                                   ("qiaotou-shiqiao", "石桥村", "village"),
                                   ("qiaotou-liushu", "柳树村", "village")]),
    ("guoyuan", "果园镇", "town", [("guoyuan-xunlong", "浔龙村", "village"),
                                   ("guoyuan-huaxin", "花新村", "village")]),
    ("baishui", "白水乡", "town", [("baishui-shangba", "上坝村", "village"),
                                   ("baishui-xiaba", "下坝村", "village"),
                                   ("baishui-qingshan", "青山村", "village")]),
]
# First-level category of the city's taxonomy → the department that handles it by default.
GROUP_UNITS = {
    "城乡建设": "housing", "环境保护": "env", "交通运输": "transport", "教育文体": "edu",
    "劳动和社会保障": "hrss", "卫生计生": "health", "商贸旅游": "commerce", "农村农业": "agri",
    "经济管理": "market", "民政": "civil", "政法": "police", "国土资源": "land",
    "科技与信息产业": "market", "党务政务": "gov-office", "纪检监察": "gov-office",
}
# Categories the taxonomy lacks; animal health goes straight to the veterinary bureau.
EXTRA_CATEGORIES = [
    ("animal-epidemic", "动物疫病", "农村农业", "vet", True, 1, 2,
     "病死畜禽、疑似疫情、防疫服务", "病死 疫情 猪瘟 禽流感 防疫 兽医"),
    ("livestock-safety", "畜产品质量安全", "农村农业", "vet", True, 3, 4,
     "肉蛋奶质量、私屠滥宰、兽药残留", "屠宰 注水肉 兽药 养殖 检疫"),
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


@dataclass
class Plan:
    status: str
    days_ago: float


def _ensure_unit(code, name, kind, parent):
    unit, _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "kind": kind,
                                                              "parent": parent})
    return unit


def load_units() -> dict[str, Unit]:
    root = _ensure_unit("district", "示范区", "district", None)
    units = {"district": root, "hotline": _ensure_unit("hotline", "12345热线中心", "hotline", root)}
    for code, name in DEPARTMENTS:
        units[code] = _ensure_unit(code, name, "department", root)
    for code, name, kind, children in STREETS:
        street = units[code] = _ensure_unit(code, name, kind, root)
        for ccode, cname, ckind in children:
            units[ccode] = _ensure_unit(ccode, cname, ckind, street)
    return units


def _person(username, name, role, unit, **extra):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD,
                                        first_name=name, email=f"{username}@demo.lianxin.local",
                                        **extra)
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    return user


def load_people(units) -> list[tuple[str, str, str]]:
    """Returns (username, role, unit) of the demo logins, for printing."""
    root = units["district"]
    people = [
        ("admin", "系统管理员", Role.ADMIN, root, {"is_staff": True, "is_superuser": True}),
        ("dispatcher", "派单员小李", Role.DISPATCHER, root, {}),
        ("supervisor", "督办科老周", Role.SUPERVISOR, root, {}),
        ("inspector", "纪检员老吴", Role.INSPECTOR, root, {}),
        ("orgdept", "组织部小陈", Role.ORGDEPT, root, {}),
        ("citizen", "群众王大妈", Role.CITIZEN, root, {}),
    ]
    for code, name in DEPARTMENTS:
        people.append((f"handler-{code}", f"{name}承办人", Role.HANDLER, units[code], {}))
        people.append((f"leader-{code}", f"{name}负责人", Role.LEADER, units[code], {}))
    for code, name, _kind, _children in STREETS:
        people.append((f"handler-{code}", f"{name}承办人", Role.HANDLER, units[code], {}))
        people.append((f"leader-{code}", f"{name}负责人", Role.LEADER, units[code], {}))
    for username, name, role, unit, extra in people:
        _person(username, name, role, unit, **extra)
    return [(p[0], p[2], p[3].name) for p in people]


def load_catalogue(units) -> dict[str, Category]:
    groups: dict[str, Category] = {}
    rows = list(csv.DictReader((DATA / "taxonomy.csv").open(encoding="utf-8")))
    for n, first in enumerate(dict.fromkeys(r["一级分类"] for r in rows), start=1):
        groups[first], _ = Category.objects.get_or_create(
            code=f"c{n:02d}", defaults={"name": first, "default_unit": units[GROUP_UNITS[first]]})
    seen: dict[str, int] = {}
    for r in rows:
        first, second = r["一级分类"], r["二级分类"]
        if (first, second) in seen or not second:
            continue
        seen[(first, second)] = 1
        index = sum(1 for k in seen if k[0] == first)
        Category.objects.get_or_create(
            code=f"{groups[first].code}-{index:02d}",
            defaults={"name": second, "parent": groups[first],
                      "default_unit": units[GROUP_UNITS[first]]})
    for code, name, group, unit, auto, days, hours, description, keywords in EXTRA_CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={
            "name": name, "parent": groups[group], "default_unit": units[unit],
            "auto_dispatch": auto, "handling_days": days, "contact_hours": hours,
            "description": description, "keywords": keywords})
    return {c.name: c for c in Category.objects.filter(parent__isnull=True)} | {
        "动物疫病": Category.objects.get(code="animal-epidemic"),
        "畜产品质量安全": Category.objects.get(code="livestock-safety"),
    }


GREETING = re.compile(r"^(尊敬|敬爱|亲爱)的[^，,：:！!。]{0,20}[，,：:！!。]?\s*((您|你)好[，,！!。]?)?")


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


def _messages(rng: random.Random) -> list[dict]:
    """About 500 real messages: some with their real official reply, some still open."""
    replied = list(csv.DictReader((DATA / "replied-messages.csv").open(encoding="utf-8")))
    train = list(csv.DictReader((DATA / "train.csv").open(encoding="utf-8")))
    rng.shuffle(replied)
    rng.shuffle(train)
    animal = [r for r in replied if re.search(KEYWORDS[0][1], r["留言主题"] + r["留言详情"])][:6]
    out = [
        {"ref": f"replied:{r['留言编号']}", "title": _clean(r["留言主题"])[:60],
         "content": _clean(r["留言详情"]), "reply": _clean(r["答复意见"]),
         "group": _group_of(r["留言主题"] + r["留言详情"])}
        for r in animal + [r for r in replied if r not in animal][:REPLIED_MESSAGES - len(animal)]
    ]
    out += [
        {"ref": f"train:{r['id']}", "title": _title_of(_clean(r["text"])),
         "content": _clean(r["text"]), "reply": "", "group": r["label"]}
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
    "recent": {Status.DISPATCHED: 0.1, Status.HANDLING: 1, Status.REPLIED: 1, Status.REOPENED: 1,
               Status.CLOSED: 0.5, Status.MERGED: 1, Status.WITHDRAWN: 0.5},
    "old": {Status.CLOSED: 1, Status.MERGED: 1, Status.WITHDRAWN: 0.5, Status.HANDLING: 0.02,
            Status.REPLIED: 0.02},
}

# Share of demo appeals per final state: most are done, some are at each open step.
STATE_WEIGHTS = [
    (Status.CLOSED, 46), (Status.REPLIED, 9), (Status.REOPENED, 3), (Status.HANDLING, 14),
    (Status.DISPATCHED, 9), (Status.SUBMITTED, 8), (Status.MERGED, 4), (Status.WITHDRAWN, 4),
]


def _play(message: dict, *, rng, units, categories, people, start: datetime) -> None:
    """Submit one appeal at `start` and walk it to a state, each step at a plausible time."""
    with_reply = bool(message["reply"])
    states = [s for s, _ in STATE_WEIGHTS]
    weights = [w * (3 if with_reply and s in (Status.CLOSED, Status.REPLIED, Status.REOPENED)
                    else (0 if with_reply else 1)) for s, w in STATE_WEIGHTS]
    if not with_reply:
        weights = [0 if s in (Status.CLOSED, Status.REPLIED, Status.REOPENED) else w
                   for s, w in STATE_WEIGHTS]
    by_age = _AGE_WEIGHTS[_age(start)]
    weights = [w * by_age.get(s, 0) for s, w in zip(states, weights, strict=True)]
    if not any(weights):  # an old message without a reply: still being handled, long overdue
        weights = [1 if s == Status.HANDLING else 0 for s in states]
    target = rng.choices(states, weights=weights)[0]
    group = message["group"]
    category = categories.get(group) or categories["城乡建设"]
    if group == "农村农业":
        category = categories["动物疫病" if re.search("病死|疫|瘟", message["content"]) else "畜产品质量安全"]
    street_code, street_name, _kind, children = rng.choice(STREETS)
    community = rng.choice(children)
    anonymous = rng.random() < 0.25
    moment = start

    def later(hours: float) -> datetime:
        nonlocal moment
        moment = min(moment + timedelta(hours=hours), clock.now())
        return moment

    with clock.at(start):
        appeal, created = services.appeal_submit(
            title=message["title"] or "市民来信", content=message["content"][:5000],
            category=category if rng.random() < 0.8 else None,
            urgency=rng.choices([Urgency.ORDINARY, Urgency.URGENT, Urgency.COMPLEX, Urgency.EMERGENCY],
                                [80, 10, 8, 2])[0],
            channel=Channel.IMPORT, source_ref=message["ref"],
            contact_name="" if anonymous else rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone="" if anonymous else f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            address=f"{street_name}{community[1]}", is_public=rng.random() < 0.6,
            actor_label="12345",
        )
    if not created or appeal.status != Status.SUBMITTED and target == Status.SUBMITTED:
        return
    dispatcher = people["dispatcher"]
    unit = category.default_unit
    if group == "城乡建设" and rng.random() < 0.5:
        unit = units[street_code]
    if target == Status.SUBMITTED:
        return
    if target == Status.WITHDRAWN:
        with clock.at(later(rng.uniform(1, 30))):
            services.appeal_withdraw(appeal=appeal, by_citizen=True, reason="问题已自行解决")
        return
    if target == Status.MERGED:
        master = Appeal.objects.filter(category=appeal.category, created_at__lt=start).exclude(
            status__in=[Status.MERGED, Status.WITHDRAWN]).order_by("-created_at").first()
        if master:
            with clock.at(later(rng.uniform(1, 8))):
                services.appeal_merge(appeal=appeal, master=master, actor=dispatcher)
            return
        target = Status.DISPATCHED
    handler = people[unit.code]
    if appeal.status == Status.SUBMITTED:
        if rng.random() < 0.08:  # a wrong first dispatch, returned by the unit
            wrong = units[rng.choice([c for c, _ in DEPARTMENTS if c != unit.code])]
            with clock.at(later(rng.uniform(0.2, 3))):
                services.appeal_dispatch(appeal=appeal, unit=wrong, actor=dispatcher)
            with clock.at(later(rng.uniform(1, 10))):
                services.appeal_return(appeal=appeal, actor=people[wrong.code],
                                       reason="不属于本单位职责，请重新派单")
        with clock.at(later(rng.uniform(0.2, 6))):
            services.appeal_dispatch(appeal=appeal, unit=unit, actor=dispatcher)
    if target == Status.DISPATCHED:
        return
    with clock.at(later(rng.uniform(0.5, 12))):
        services.appeal_accept(appeal=appeal, actor=handler)
    if target == Status.HANDLING:
        if rng.random() < 0.1:
            with clock.at(later(rng.uniform(24, 96))):
                services.extension_request(appeal=appeal, actor=handler, days=5,
                                           reason="需协调多个部门现场核查")
        return
    with clock.at(later(rng.uniform(24, 24 * 9))):
        services.appeal_reply(appeal=appeal, actor=handler, text=message["reply"][:5000])
    if target == Status.REPLIED:
        return
    if target == Status.REOPENED:
        with clock.at(later(rng.uniform(4, 48))):
            services.appeal_follow_up(appeal=appeal, actor=dispatcher, resolved=False,
                                      satisfaction=Satisfaction.DISSATISFIED,
                                      comment="问题依然存在，答复没有解决实际问题")
        return
    satisfaction = rng.choices(
        [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED], [70, 20, 10])[0]
    with clock.at(later(rng.uniform(4, 72))):
        if rng.random() < 0.5:
            services.appeal_follow_up(appeal=appeal, by_citizen=True,
                                      resolved=satisfaction != Satisfaction.DISSATISFIED,
                                      satisfaction=satisfaction, comment="")
        else:
            services.appeal_follow_up(appeal=appeal, actor=dispatcher,
                                      resolved=satisfaction != Satisfaction.DISSATISFIED,
                                      satisfaction=satisfaction, comment="电话回访")
    appeal.refresh_from_db()
    if appeal.status == Status.REOPENED:  # 重办: handled again, then judged once more
        with clock.at(later(rng.uniform(2, 24))):
            services.appeal_accept(appeal=appeal, actor=handler)
        with clock.at(later(rng.uniform(24, 24 * 5))):
            services.appeal_reply(appeal=appeal, actor=handler,
                                  text="经重新核查，已会同相关部门现场处理，问题已整改。")
        with clock.at(later(rng.uniform(4, 48))):
            services.appeal_follow_up(appeal=appeal, actor=dispatcher, resolved=True,
                                      satisfaction=Satisfaction.BASIC, comment="电话回访：基本满意")


# The last week's signals for the insight pages. One matter many citizens raise at once: real
# messages about one place from the hot-issues data, left for the dispatcher (hot issue and
# duplicates). And three reports of dead pigs in one village within two days, which alarm the
# veterinary bureau: invented, because the data has no such cluster.
HOT_PLACE = "丽发新城"
HOT_MESSAGES = 8
CLUSTER = [
    ("大湾村好几头猪突然死了", "桥头镇大湾村3组我家养的猪这两天死了三头，发烧不吃食，怕是猪瘟，请兽医来看看。"),
    ("大湾村路边沟里有死猪", "桥头镇大湾村村口水沟里有两头死猪，没人处理，天热很臭，担心传染给别家的猪。"),
    ("大湾村邻居家猪发病", "桥头镇大湾村5组邻居家十几头猪发病，有的已经病死，请畜牧部门尽快来处理。"),
]


def _recent_signals(*, rng, categories, now: datetime) -> None:
    rows = csv.DictReader((DATA / "hot-issues-messages.csv").open(encoding="utf-8"))
    hot = [r for r in rows if HOT_PLACE in r["留言主题"]][:HOT_MESSAGES]
    for r in hot:
        with clock.at(now - timedelta(hours=rng.uniform(2, 24 * 6))):
            services.appeal_submit(
                title=_clean(r["留言主题"])[:60], content=_clean(r["留言详情"])[:5000],
                channel=Channel.IMPORT, source_ref=f"hot:{r['留言编号']}", is_public=True,
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                actor_label="12345")
    for n, (title, content) in enumerate(CLUSTER):
        with clock.at(now - timedelta(hours=40 - 16 * n)):
            services.appeal_submit(
                title=title, content=content, category=categories["动物疫病"],
                urgency=Urgency.URGENT, channel=Channel.IMPORT, source_ref=f"demo-cluster:{n}",
                address="桥头镇大湾村", contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                contact_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                actor_label="12345")


def load_demo(*, appeals: int = 500, days: int = 120, stdout=None) -> list[tuple[str, str, str]]:
    # What the demo stores in words (public notes, notifications) is written in the active
    # language: the site's own, whichever language the caller (a test after an English
    # request, a shell) happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        return _load_demo(appeals=appeals, days=days, stdout=stdout)


def _load_demo(*, appeals: int, days: int, stdout) -> list[tuple[str, str, str]]:
    rng = random.Random(12345)
    with transaction.atomic():
        units = load_units()
        logins = load_people(units)
        categories = load_catalogue(units)
    User = get_user_model()
    people = {"dispatcher": User.objects.get(username="dispatcher")}
    for code, *_ in DEPARTMENTS + [(s[0],) for s in STREETS]:
        people[code] = User.objects.get(username=f"handler-{code}")
    messages = _messages(rng)[:appeals]
    # Messages without a reply are still open, so they are the newest (a stable sort keeps the
    # shuffled order otherwise).
    messages.sort(key=lambda m: not m["reply"])
    now = clock.now()
    # Start times spread evenly over the window, oldest first, so merges find earlier masters.
    starts = sorted(now - timedelta(days=rng.uniform(0, days)) for _ in messages)
    for n, (message, start) in enumerate(zip(messages, starts, strict=True), start=1):
        _play(message, rng=rng, units=units, categories=categories, people=people, start=start)
        if stdout and n % 50 == 0:
            stdout.write(f"  demo appeals: {n}/{len(messages)}\n")
    _recent_signals(rng=rng, categories=categories, now=now)
    participation_demo.seed(now=now)
    return logins

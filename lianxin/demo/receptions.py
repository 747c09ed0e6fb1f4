"""The outreach demo's contact points, played through the services at the times things happened.

Contact points: the 畜牧兽医局's leader (`leader-vet`) keeps one at a pig farm in 大湾村:
two past receptions, recorded, some matters filed as appeals and handled since; two coming
reception days with slots, a few places already booked (one by the hotline for a caller who
gave no name). Run after the district's people and the catalogue exist."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from lianxin.appeals.models import Category
from lianxin.appeals.services import appeal_accept, appeal_reply
from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Unit
from lianxin.outreach.models import ContactPoint, ContactPointKind
from lianxin.outreach.services import (
    booking_make,
    contact_point_create,
    reception_day_add,
    reception_matter_add,
    reception_matter_to_appeal,
    reception_record,
)

CONTACT_POINT = "大湾村生猪养殖场联系点"
SLOTS = [(time(9, 0), time(10, 0)), (time(10, 0), time(11, 0)), (time(14, 30), time(15, 30))]

# Past receptions: (days ago, walk-ins, summary, bookings, matters). A booking is
# (name, phone, matter, came); a matter is (booking index or None, title, content, filed,
# reply or "" — the reply of an appeal the unit has answered since).
PastBooking = tuple[str, str, str, bool]
PastMatter = tuple[int | None, str, str, bool, str]
PAST: list[tuple[int, int, str, list[PastBooking], list[PastMatter]]] = [
    (
        35,
        1,
        "接待养殖户三人次，现场解答禁养区范围问题一件，两件转为诉求件办理。",
        [
            ("张德旺", "13907310011", "生猪调运检疫证明办理要跑好几趟", True),
            ("刘桂芳", "13907310022", "散养户能不能申请能繁母猪补贴", True),
            ("陈国强", "13907310033", "猪场粪污处理设备补助", False),
        ],
        [
            (
                0,
                "生猪调运检疫证明办理慢",
                "养殖户反映办理生猪调运检疫证明要到镇上和区里跑三趟，希望能在村里申报。",
                True,
                "已在桥头镇畜牧兽医站开通检疫申报受理点，养殖户可通过电话预约官方兽医上门检疫出证。",
            ),
            (
                1,
                "散养户能繁母猪补贴政策咨询",
                "散养户询问存栏不足规模标准时能否申请能繁母猪补贴。",
                True,
                "",
            ),
            (
                None,
                "禁养区范围咨询",
                "来访群众询问自家猪圈是否在新划定的禁养区内，已现场对照矢量图答复。",
                False,
                "",
            ),
        ],
    ),
    (
        7,
        0,
        "接待养殖户两人次，反映病死猪无害化收集不及时，已转为诉求件。",
        [
            ("赵德胜", "13907310044", "病死猪收集车来得不及时", True),
            ("孙秀英", "13907310055", "想了解非洲猪瘟疫苗", True),
        ],
        [
            (
                0,
                "病死猪无害化收集不及时",
                "养殖户反映报告病死猪后收集车两三天才来，天热易腐败，担心传播疫病。",
                True,
                "",
            ),
            (
                1,
                "非洲猪瘟防控知识咨询",
                "群众询问非洲猪瘟疫苗，已现场说明目前没有批准上市的疫苗，并讲解生物安全措施。",
                False,
                "",
            ),
        ],
    ),
]
# Coming reception days: (days ahead, bookings (name, phone, matter)); an empty name is a
# caller booked by the hotline who gave no name.
COMING: list[tuple[int, list[tuple[str, str, str]]]] = [
    (6, [("王建国", "13907310066", "猪舍改造用地审批"), ("", "", "来电反映邻村养殖场异味")]),
    (34, [("周立新", "13907310077", "养殖保险理赔慢")]),
]


def load(*, now: datetime | None = None) -> None:
    now = now or clock.now()
    contact_point_demo(now=now)


def _local(day_offset: int, hour: int, now: datetime) -> datetime:
    day = now.astimezone(LOCAL).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour), tzinfo=LOCAL)


def _weekday(day_offset: int, now: datetime) -> int:
    """The offset moved off a weekend (back for a past day, on for a coming one): receptions
    are held on working days."""
    step = -1 if day_offset < 0 else 1
    while _local(day_offset, 9, now).weekday() >= 5:
        day_offset += step
    return day_offset


def contact_point_demo(*, now: datetime) -> ContactPoint | None:
    """The vet bureau leader's contact point (once: a second run finds it and does nothing)."""
    if ContactPoint.objects.filter(name=CONTACT_POINT).exists():
        return None
    User = get_user_model()
    leader, handler = (
        User.objects.get(username="leader-vet"),
        User.objects.get(username="handler-vet"),
    )
    operator = User.objects.get(username="dispatcher")
    category = Category.objects.filter(code="livestock-safety").first()
    with clock.at(_local(-60, 10, now)):
        point = contact_point_create(
            actor=leader,
            unit=Unit.objects.get(code="vet"),
            leader=leader,
            leader_title="区畜牧兽医局局长",
            name=CONTACT_POINT,
            kind=ContactPointKind.FARM,
            village=Unit.objects.get(code="qiaotou-dawan"),
            address="桥头镇大湾村3组 大湾生猪养殖合作社",
            description="区畜牧兽医局局长联系大湾村生猪养殖户，每月一次到养殖场接待群众，"
            "现场解答防疫、补贴、禁养区等问题，不能当场解决的转为诉求件办理并公开结果。",
        )
    for days_ago, walk_ins, summary, bookings, matters in PAST:
        _past_reception(
            point=point,
            day_offset=_weekday(-days_ago, now),
            walk_ins=walk_ins,
            summary=summary,
            bookings=bookings,
            matters=matters,
            handler=handler,
            category=category,
            now=now,
        )
    for days_ahead, coming in COMING:
        with clock.at(_local(-3, 10, now)):
            reception = reception_day_add(
                actor=handler,
                contact_point=point,
                day=_local(_weekday(days_ahead, now), 9, now).date(),
                slots=SLOTS,
                capacity=3,
            )
        first = reception.slots.all()[0]
        for name, phone, wants in coming:
            booking_make(
                slot=first,
                name=name,
                phone=phone,
                matter=wants,
                anonymous=not name,
                actor=operator if not name else None,
            )
    return point


def _past_reception(
    *,
    point: ContactPoint,
    day_offset: int,
    walk_ins: int,
    summary: str,
    bookings: list[PastBooking],
    matters: list[PastMatter],
    handler: Any,
    category: Category | None,
    now: datetime,
) -> None:
    """A reception day published two weeks ahead, booked, held and recorded; its matters
    filed, the appeals accepted and (some) answered since."""
    with clock.at(_local(day_offset - 14, 10, now)):
        reception = reception_day_add(
            actor=handler,
            contact_point=point,
            day=_local(day_offset, 9, now).date(),
            slots=SLOTS,
            capacity=3,
        )
    slots = list(reception.slots.all())
    made = []
    for n, (name, phone, wants, _came) in enumerate(bookings):
        with clock.at(_local(day_offset - 10 + n, 20, now)):
            made.append(
                booking_make(slot=slots[n % len(slots)], name=name, phone=phone, matter=wants)
            )
    with clock.at(_local(day_offset, 17, now)):
        reception_record(
            actor=handler,
            reception=reception,
            attended=[b.pk for b, row in zip(made, bookings, strict=True) if row[3]],
            walk_ins=walk_ins,
            summary=summary,
        )
        for index, title, content, filed, reply in matters:
            matter = reception_matter_add(
                actor=handler,
                reception=reception,
                booking=made[index] if index is not None else None,
                title=title,
                content=content,
            )
            if not filed:
                continue
            appeal = reception_matter_to_appeal(
                actor=handler, matter=matter, category=category, is_public=bool(reply)
            )
            if appeal.unit_id is None:  # no category to dispatch it: the dispatchers will
                continue
            with clock.at(_local(day_offset + 1, 10, now)):
                appeal_accept(appeal=appeal.pk, actor=handler)
            if reply:
                with clock.at(_local(day_offset + 6, 15, now)):
                    appeal_reply(appeal=appeal.pk, actor=handler, text=reply)

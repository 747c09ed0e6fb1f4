"""The participation demo: the adjustment of the livestock-farming exclusion zone (畜禽养殖禁养区
调整) of the demo district, played through the services at the times things happened: a notice
with comments and answers, a hearing with a published draw, the decision's statutory steps,
milestones and one correction request. Run by the demo loader after the district's people
exist (handler-vet, leader-vet, citizen)."""

import io
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from lianxin.core import clock, uploads
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Unit
from lianxin.participation.models import Notice
from lianxin.participation.services import aftercare, corrections, decisions, hearings, notices

TITLE = "关于调整示范区畜禽养殖禁养区范围的公告（征求意见稿）"
TEXT = """为保护饮用水水源和人居环境，依据《畜禽规模养殖污染防治条例》和《畜禽养殖禁养区划定技术指南》，结合本区实际，拟对畜禽养殖禁养区范围作如下调整，现公开征求意见。

第一条 东湖水库饮用水水源一级保护区、二级保护区全部划入禁养区。

第二条 东城街道、西城街道、南湖街道城镇居民区及其外延500米范围划入禁养区。

第三条 桥头镇大湾村河道两侧各200米范围划入禁养区；原划入禁养区的桥头镇北部丘陵地带调出禁养区，作为限养区管理。

第四条 禁养区内现有畜禽养殖场（户）应于2027年12月31日前关闭或搬迁。关闭或搬迁的，按生猪存栏每头300元、牛每头1500元、羊每只150元给予一次性补助。

第五条 禁养区边界以区政府公布的矢量图为准，由畜牧兽医局会同生态环境局设立界桩。

第六条 本公告自公布之日起施行。"""

COMMENTS = [  # (paragraph number or None, text, anonymous)
    (4, "每头300元补助太低，现在新建一个标准化猪舍每头成本至少800元，希望提高补助标准。", False),
    (4, "搬迁期限太紧，2027年底前很难找到新场址，建议给三年过渡期。", True),
    (2, "外延500米对城郊养殖户影响很大，能否按实际风向和地形划定？", False),
    (3, "支持北部丘陵调出禁养区，那里离村庄远，适合发展规模养殖。", True),
    (None, "建议公布禁养区矢量图，方便群众查询自家是否在禁养区内。", False),
    (4, "补助应该按养殖场实际投入算，不能只按存栏数。", True),
]

APPLICANTS = [  # (name, stake)
    ("王建国", "farmer"),
    ("刘桂芳", "farmer"),
    ("陈国强", "farmer"),
    ("赵德胜", "farmer"),
    ("孙秀英", "farmer"),
    ("周立新", "resident"),
    ("吴丽华", "resident"),
    ("郑海波", "resident"),
    ("冯春梅", "resident"),
    ("何志刚", "business"),
    ("许文静", "business"),
    ("高明远", "expert"),
    ("林晓燕", "expert"),
    ("马振华", "deputy"),
    ("罗素芬", "deputy"),
]
SEED = "2026年第211期福彩3D开奖号码 5 2 7"


ZONES = [  # what the attached explanation lists: area, change
    ("东湖水库饮用水水源一级、二级保护区", "划入禁养区"),
    ("东城、西城、南湖街道城镇居民区及外延500米", "划入禁养区"),
    ("桥头镇大湾村河道两侧各200米", "划入禁养区"),
    ("桥头镇北部丘陵地带", "调出禁养区，作为限养区管理"),
]


def zone_list_pdf() -> bytes:
    """The notice's attachment, made at load time (nothing binary in the repository): a one-page
    PDF listing the areas the draft moves in or out of the zone, in reportlab's built-in CJK
    font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setTitle("禁养区调整范围说明")
    page.setFont("STSong-Light", 16)
    page.drawString(72, 770, "示范区畜禽养殖禁养区调整范围说明（征求意见稿附件）")
    page.setFont("STSong-Light", 11)
    y = 730
    for n, (area, change) in enumerate(ZONES, start=1):
        page.drawString(72, y, f"{n}. {area}：{change}")
        y -= 24
    page.drawString(72, y - 12, "边界以区政府公布的矢量图为准。示范区畜牧兽医局")
    page.showPage()
    page.save()
    return out.getvalue()


def seed(*, now: datetime | None = None) -> Notice | None:
    """Creates the case once (a second run finds it and does nothing)."""
    if Notice.objects.filter(title=TITLE).exists():
        return None
    User = get_user_model()
    handler, leader = (
        User.objects.get(username="handler-vet"),
        User.objects.get(username="leader-vet"),
    )
    citizen = User.objects.get(username="citizen")
    vet = Unit.objects.get(code="vet")
    now = now or clock.now()
    day = (
        (now - timedelta(days=120))
        .astimezone(LOCAL)
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )

    def at(n: int):
        return clock.at(day + timedelta(days=n))

    with transaction.atomic():
        with at(0):
            decision = decisions.decision_create(
                actor=leader,
                unit=vet,
                title="示范区畜禽养殖禁养区调整",
                summary="调整东湖水库水源保护区、城镇居民区周边和大湾村河道两侧的禁养区范围，"
                "北部丘陵调出禁养区；禁养区内养殖场限期关闭或搬迁并给予补助。",
                responsible=leader,
            )
        with at(5):
            notice = notices.notice_create(
                actor=handler,
                unit=vet,
                title=TITLE,
                text=TEXT,
                opens_at=day + timedelta(days=5),
                closes_at=day + timedelta(days=40),
                channels="电子邮箱 xmsy@demo.gov.cn；"
                "信函寄至示范区畜牧兽医局（注明“禁养区意见”）；电话 12345",
                decision=decision,
            )
            corrections.notice_attach(
                notice_id=notice.pk,
                actor=handler,
                files=[uploads.buffer(zone_list_pdf(), "禁养区调整范围说明.pdf")],
            )
        with at(9):
            corrections.notice_correct(
                notice_id=notice.pk,
                actor=handler,
                reason="电子邮箱地址有误，更正为正确地址。",
                channels="电子邮箱 xmsyj@demo.gov.cn；"
                "信函寄至示范区畜牧兽医局（注明“禁养区意见”）；电话 12345",
            )
        paragraphs = {p.number: p.pk for p in notice.paragraphs.all()}
        made = []
        for n, (number, text, anonymous) in enumerate(COMMENTS):
            with at(7 + 3 * n):
                made.append(
                    notices.notice_comment(
                        notice_id=notice.pk,
                        actor=citizen if not anonymous else None,
                        text=text,
                        paragraph_id=paragraphs[number + 1] if number is not None else None,
                    )
                )
        with at(25):
            spam = notices.notice_comment(
                notice_id=notice.pk, actor=None, text="出售二手养殖设备，价格优惠，电话138xxxx"
            )
            notices.comment_hide(
                comment_id=spam.pk, actor=handler, reason="与征求意见无关的商业广告"
            )
        with at(39):
            group = notices.comments_group(
                notice_id=notice.pk,
                actor=handler,
                topic="补助标准",
                comment_ids=[made[0].pk, made[5].pk],
            )
            notices.group_answer(
                group_id=group.pk,
                actor=handler,
                outcome="partly",
                reason="补助标准提高为生猪每头400元、牛每头2000元、羊每只200元；"
                "按实际投入补偿涉及评估，成本高、周期长，未采纳。",
            )
            notices.comment_answer(
                comment_id=made[1].pk,
                actor=handler,
                outcome="partly",
                reason="过渡期延长至2028年6月30日；三年过渡期不利于水源保护，未全部采纳。",
            )
            notices.comment_answer(
                comment_id=made[2].pk,
                actor=handler,
                outcome="not_adopted",
                reason="外延距离依据《畜禽养殖禁养区划定技术指南》确定，不宜按风向逐户调整。",
            )
            notices.comment_answer(
                comment_id=made[3].pk,
                actor=handler,
                outcome="adopted",
                reason="感谢支持，北部丘陵调出禁养区。",
            )
            notices.comment_answer(
                comment_id=made[4].pk,
                actor=handler,
                outcome="adopted",
                reason="矢量图将在区政府网站公布，并可在12345热线查询。",
            )
        with at(41):
            notices.notice_close(
                notice_id=notice.pk,
                actor=handler,
                summary=(
                    "共收到有效意见6条，采纳2条，部分采纳3条，未采纳1条，1条广告已屏蔽。"
                    "补助标准和过渡期已据此调整。"
                ),
            )

        held = day + timedelta(days=30)
        with at(8):
            hearing = hearings.hearing_announce(
                actor=leader,
                unit=vet,
                title="畜禽养殖禁养区调整听证会",
                place="示范区政府三楼第一会议室",
                held_at=held,
                materials_at=day + timedelta(days=9),
                materials="征求意见稿、禁养区矢量图、补助测算说明",
                notice=notice,
                decision=decision,
                selection_method="报名人按利害关系分为养殖户、周边居民、企业、专家、人大代表五类，"
                "按名额在各类中分别随机抽取；随机种子为抽签当日福彩3D开奖号码，"
                "任何人可用公布的种子复核抽签结果。",
                quotas={"farmer": 3, "resident": 2, "business": 1, "expert": 1, "deputy": 1},
            )
        for n, (name, stake) in enumerate(APPLICANTS):
            with clock.at(day + timedelta(days=9, hours=n)):
                hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name=name, stake=stake)
        with at(20):
            hearings.hearing_draw(hearing_id=hearing.pk, actor=leader, seed=SEED)
        with at(30):
            hearings.hearing_minutes(
                hearing_id=hearing.pk,
                actor=leader,
                minutes="听证会于上午9时开始，11时40分结束。8名听证参加人全部到会，"
                "畜牧兽医局介绍调整方案，生态环境局说明水源保护要求，参加人逐一发言。",
                positions=[
                    ("王*国（养殖户）", "against", "补助标准过低，搬迁后无力新建猪舍。"),
                    ("周*新（周边居民）", "for", "养殖场气味影响生活，支持尽快划定。"),
                    ("高*远（专家）", "conditions", "支持调整，建议给予合理过渡期并提供新场址。"),
                ],
            )
        for position in hearing.positions.all():
            with at(76):
                hearings.position_respond(
                    position_id=position.pk,
                    actor=leader,
                    response={
                        "against": "补助标准已提高至生猪每头400元。",
                        "for": "禁养区自公布之日起划定。",
                        "conditions": "过渡期延长至2028年6月30日，北部丘陵提供新场址。",
                    }[position.stance],
                )

        steps: list[tuple[str, int, int, dict[str, Any]]] = [  # kind, start day, end day, extra
            ("participation", 5, 42, {}),
            (
                "argumentation",
                43,
                50,
                {
                    "opinions": [
                        ("省农科院 林教授", "禁养区范围总体合理，城镇外延500米符合技术指南。"),
                        ("区环保协会 高工程师", "建议对河道两侧的存量养殖场优先搬迁。"),
                    ]
                },
            ),
            ("risk", 51, 58, {}),
            ("legality", 59, 80, {}),
            ("discussion", 82, 82, {"dissent": "一名副区长认为补助标准仍偏低，建议再提高10%。"}),
            (
                "publication",
                85,
                85,
                {
                    "adoption": "公众意见采纳2条、部分采纳3条、未采纳1条；"
                    "专家关于优先搬迁河道两侧养殖场的意见已采纳。"
                },
            ),
        ]
        summaries = {
            "participation": "公开征求意见35日，召开听证会一次。",
            "argumentation": "组织2名专家论证。",
            "risk": "社会稳定风险评估结论为低风险。",
            "legality": "区司法局审查，认为方案合法。",
            "discussion": "区政府常务会议讨论通过。",
            "publication": "在区政府网站和12345平台公布决定。",
        }
        for kind, start, end, extra in steps:
            with at(end + 1):
                decisions.decision_step(
                    decision_id=decision.pk,
                    actor=leader,
                    kind=kind,
                    started_on=(day + timedelta(days=start)).date(),
                    ended_on=(day + timedelta(days=end)).date(),
                    summary=summaries[kind],
                    evidence=f"示范区畜牧兽医局档案 2026-{kind}",
                    **extra,
                )
        with at(86):
            border = aftercare.milestone_add(
                decision_id=decision.pk,
                actor=leader,
                title="设立禁养区界桩并公布矢量图",
                due_on=(day + timedelta(days=100)).date(),
            )
            moving = aftercare.milestone_add(
                decision_id=decision.pk,
                actor=leader,
                title="禁养区内养殖场关闭或搬迁",
                due_on=(day + timedelta(days=300)).date(),
            )
            aftercare.milestone_add(
                decision_id=decision.pk,
                actor=leader,
                title="发放关闭搬迁补助",
                due_on=(day + timedelta(days=180)).date(),
            )
        with at(98):
            aftercare.milestone_progress(
                milestone_id=border.pk,
                actor=leader,
                progress=100,
                evidence="界桩126根已设立；矢量图已在区政府网站公布。",
            )
        with at(110):
            aftercare.milestone_progress(
                milestone_id=moving.pk,
                actor=leader,
                progress=35,
                evidence="禁养区内43家养殖场已关闭或搬迁15家。",
            )
            aftercare.correction_request(
                decision_id=decision.pk,
                actor=citizen,
                text="我家养殖场在大湾村河道250米外，界桩却立在我家场子后面，请核实边界。",
            )
    notice.refresh_from_db()
    return notice

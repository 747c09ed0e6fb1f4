"""Articles for the knowledge-base tests: written, submitted and published through the
services as the unit's staff would."""

from datetime import date

from lianxin.core.access import SYSTEM
from lianxin.knowledge.services import article_create, article_publish, article_submit


def published(unit, question, answer, policy_basis="", *, valid_to: date | None = None, **kw):
    article = article_create(
        actor=SYSTEM,
        unit=unit,
        question=question,
        answer=answer,
        policy_basis=policy_basis,
        valid_to=valid_to,
        **kw,
    )
    article_submit(actor=SYSTEM, article=article.pk)
    return article_publish(actor=SYSTEM, article=article.pk)


CORPUS = [
    (
        "城区养狗需要办理养犬登记证吗？",
        "需要。在城区饲养犬只，应当先为犬只接种狂犬病疫苗，取得免疫证明后到所在地派出所办理养犬登记，领取犬牌。",
        "《××市养犬管理条例》第十条",
    ),
    (
        "哪些区域属于畜禽禁养区？",
        "城镇居民区、文化教育科学研究区、饮用水水源保护区等区域划定为畜禽禁养区，禁养区内不得新建畜禽养殖场。",
        "《畜禽规模养殖污染防治条例》第十一条",
    ),
    (
        "最低生活保障（低保）怎么申请？",
        "由申请人向户籍所在地乡镇人民政府（街道办事处）提出书面申请，如实提供家庭收入和财产状况，经审核确认后按月发放低保金。",
        "《社会救助暂行办法》第十一条",
    ),
    (
        "小区物业费收费标准由谁定？",
        "普通住宅前期物业服务收费实行政府指导价，由价格主管部门会同住房城乡建设部门制定基准价及浮动幅度。",
        "《物业服务收费管理办法》第六条",
    ),
    (
        "灵活就业人员如何缴纳社保？",
        "灵活就业人员可以持身份证到社保经办机构办理参保登记，按月或按季度缴纳基本养老保险和医疗保险费。",
        "国办发〔2020〕53号 第三条",
    ),
    (
        "犬只死亡后如何处理？",
        "病死犬只应当进行无害化处理，不得随意丢弃。可联系畜牧兽医部门的无害化处理点。",
        "《动物防疫法》第五十七条",
    ),
]

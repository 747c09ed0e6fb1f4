"""Helpers shared by the appeal tests: submitting appeals and walking them through the lifecycle."""

from datetime import datetime

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Satisfaction, Status
from lianxin.core.calendar import LOCAL
from lianxin.core.models import AuditEvent

# A Monday in an ordinary working week (no holiday before Qingming on 4 April 2025).
MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL)

# A reply that answers the default appeal below (楼道灯坏了) and cites its basis: it passes the
# reply-quality gate, so walking the ordinary path does not stop in `reviewing`.
GOOD_REPLY = (
    "您好！关于您反映的三单元楼道灯坏了、晚上看不见台阶的问题，物业公司已于3月4日更换三单元"
    "楼道的灯泡，现已恢复照明。根据《物业管理条例》第三十五条，物业服务企业应当维护共用设施，"
    "我们已要求物业每周巡查楼道照明。感谢您的监督。"
)

CONTACT = {
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "contact_email": "zhangsan@example.net",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is meant to be slow; the `people` fixture hashes nine passwords per test.
    Import this fixture into a test module to make it autouse there."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def submit(**fields) -> Appeal:
    values = {
        "title": "楼道灯坏了",
        "content": "三单元楼道的灯坏了一周，晚上看不见台阶。",
        **fields,
    }
    appeal, created = services.appeal_submit(**values)
    assert created
    return appeal


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def events_of(appeal: Appeal) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="appeals.appeal", object_id=str(appeal.pk)).order_by(
            "id"
        )
    )


# The ordinary path; each step takes the appeal one state further.
PATH = [Status.SUBMITTED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED, Status.CLOSED]


def handler_of(people, district, unit):
    """The fixture's handler of `unit` (the street's handler reaches its community too)."""
    return {district["vet"]: people["vet_handler"], district["env"]: people["env_handler"]}.get(
        unit, people["street_handler"]
    )


def walk(appeal: Appeal, to: str, people, district, unit=None) -> Appeal:
    """Move `appeal` along the ordinary path (dispatched to `unit`, default the vet unit) until
    it is in state `to`; REOPENED, MERGED and WITHDRAWN are reached by their own side exits."""
    unit = unit or district["vet"]
    handler = handler_of(people, district, unit)
    if to == Status.REOPENED:
        walk(appeal, Status.REPLIED, people, district, unit)
        return services.appeal_follow_up(
            appeal=appeal,
            actor=people["dispatcher"],
            resolved=False,
            satisfaction=Satisfaction.DISSATISFIED,
        )
    if to == Status.WITHDRAWN:
        return services.appeal_withdraw(
            appeal=appeal, actor=people["dispatcher"], reason="重复提交"
        )
    if to == Status.MERGED:
        master = submit(title="同一问题的主诉求")
        return services.appeal_merge(appeal=appeal, master=master, actor=people["dispatcher"])
    appeal = fresh(appeal)
    while appeal.status != to:
        if appeal.status == Status.SUBMITTED:
            appeal = services.appeal_dispatch(appeal=appeal, unit=unit, actor=people["dispatcher"])
        elif appeal.status in (Status.DISPATCHED, Status.REOPENED):
            appeal = services.appeal_accept(appeal=appeal, actor=handler)
        elif appeal.status == Status.HANDLING:
            appeal = services.appeal_reply(appeal=appeal, actor=handler, text=GOOD_REPLY)
        elif appeal.status == Status.REPLIED:
            appeal = services.appeal_follow_up(
                appeal=appeal,
                actor=people["dispatcher"],
                resolved=True,
                satisfaction=Satisfaction.SATISFIED,
            )
        else:
            raise AssertionError(f"cannot walk from {appeal.status} to {to}")
    return appeal


def appeal_in(state: str, people, district, **fields) -> Appeal:
    return fresh(walk(submit(**fields), state, people, district))

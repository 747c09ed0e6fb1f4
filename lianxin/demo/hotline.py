"""The hotline centre's demo: the operator `operator` and the calls of the current shift — two
consultations answered on the spot, one appeal taken on the call, one follow-up call added to a
caller's open appeal — recorded through the hotline's services at the times they happened.

Idempotent: the calls are keyed by their recording reference (DEMO-CALL-n)."""

from datetime import datetime, timedelta
from typing import Any

from lianxin.appeals.models import OPEN_STATES, Appeal, Track, Urgency
from lianxin.core import clock
from lianxin.core.models import Role, Unit
from lianxin.hotline.models import Call
from lianxin.hotline.services import (
    call_add_to_appeal,
    call_answer,
    call_create_appeal,
    call_open,
)
from lianxin.knowledge.selectors import search_articles

from .core import _person

# Questions the demo knowledge base answers (lianxin/demo/knowledge.py, loaded before this);
# a direct answer without an article records what the operator said instead.
CONSULTATIONS = [
    ("13507310021", "低保怎么申请", "按知识库告知低保申请材料和受理的街道（乡镇）窗口。"),
    ("13607310035", "城区养狗登记", "按知识库告知城区养犬登记的地点和所需材料。"),
]


def _article(query: str) -> Any:
    found = search_articles(query, limit=1)
    return found[0] if found else None


def load(*, now: datetime | None = None) -> list[tuple[str, str, str]]:
    now = now or clock.now()
    hotline = Unit.objects.get(code="hotline")
    operator = _person("operator", "坐席小王", Role.OPERATOR, hotline)
    logins: list[tuple[str, str, str]] = [("operator", str(Role.OPERATOR), hotline.name)]
    if Call.objects.filter(recording_ref__startswith="DEMO-CALL-").exists():
        return logins
    start = now - timedelta(minutes=50)

    def at(minutes: float) -> Any:
        return clock.at(start + timedelta(minutes=minutes))

    n = 0
    for phone, query, said in CONSULTATIONS:
        n += 1
        with at(10 * n):
            call, _ = call_open(operator=operator, phone=phone, recording_ref=f"DEMO-CALL-{n}")
        with at(10 * n + 2.5):
            call_answer(call=call, actor=operator, article=_article(query), note=said)
    n += 1
    with at(10 * n):
        call, _ = call_open(operator=operator, phone="13807310048", recording_ref=f"DEMO-CALL-{n}")
    with at(10 * n + 4):
        call_create_appeal(
            call=call,
            actor=operator,
            title="小区门口井盖破损",
            content="幸福小区北门人行道上的井盖裂开一半，晚上有人踩空，请尽快修复。",
            urgency=Urgency.URGENT,
            track=Track.HOTLINE,
            contact_name="周先生",
            address="幸福小区北门",
        )
    # A caller whose appeal is still being handled calls again.
    follow = (
        Appeal.objects.filter(status__in=OPEN_STATES, unit__isnull=False)
        .exclude(contact_phone="")
        .order_by("-created_at")
        .first()
    )
    if follow is not None:
        n += 1
        with at(10 * n):
            call, _ = call_open(
                operator=operator, phone=follow.contact_phone, recording_ref=f"DEMO-CALL-{n}"
            )
        with at(10 * n + 3):
            call_add_to_appeal(
                call=call,
                actor=operator,
                tracking_number=follow.tracking_number,
                note="来电补充：情况仍未改善，希望承办单位尽快联系。",
            )
    return logins

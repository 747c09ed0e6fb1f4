"""What the appeal pages tell office staff: unit pickers in tree order, the address in the
dispatcher's queue, messages that say what happened, and who acted in the reader's language."""

import re

import pytest
from django.db import transaction
from django.utils import translation

from lianxin.appeals import services
from lianxin.appeals.models import Status
from lianxin.core.audit import audit_record
from lianxin.core.models import AuditEvent, Unit
from tests.browser import untranslated_words

from .appeals_helpers import GOOD_REPLY, fast_passwords, submit  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def options_of(html: str, name: str = "unit") -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<option value="\d+"[^>]*>(.*?)</option>', select, re.S)
    ]


def test_unit_pickers_list_parents_before_children_and_siblings_in_order(client, people, district):
    # Ids of different lengths: as text, "…100000." sorts before "…99998.".
    root = district["root"]
    first = Unit.objects.create(
        pk=99998, name="甲局", code="dept-a", kind="department", parent=root
    )
    street = Unit.objects.create(
        pk=99999, name="乙街道", code="street-b", kind="street", parent=root
    )
    last = Unit.objects.create(
        pk=100000, name="丙局", code="dept-c", kind="department", parent=root
    )
    Unit.objects.create(pk=100001, name="丁社区", code="comm-d", kind="community", parent=street)
    assert [u.name for u in Unit.objects.filter(pk__gte=99998).in_tree_order()] == [
        first.name,
        street.name,
        "丁社区",
        last.name,
    ]
    appeal = submit()
    client.force_login(people["dispatcher"])

    expected = [
        "畜牧兽医局",
        "生态环境局",
        "东城街道",
        "东城街道 / 东湖社区",
        "甲局",
        "乙街道",
        "乙街道 / 丁社区",
        "丙局",
    ]
    assert options_of(client.get("/dispatch/").content.decode()) == expected
    detail = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert options_of(detail) == expected


def test_the_dispatcher_queue_shows_each_appeals_address(client, people, categories):
    appeal = submit(address="东湖社区3栋2单元")
    client.force_login(people["dispatcher"])
    html = client.get("/dispatch/").content.decode()
    card = html.split(f'id="queue-{appeal.tracking_number}"')[1].split('class="card')[0]
    assert "地址: 东湖社区3栋2单元" in card


def test_messages_say_what_was_done(client, people, district):
    appeal = submit()
    tn = appeal.tracking_number
    dispatcher, handler = people["dispatcher"], people["vet_handler"]

    def act(user, action, **data):
        client.force_login(user)
        version = type(appeal).objects.get(pk=appeal.pk).version
        # The page a person goes back to shows the message (a returned appeal leaves the unit).
        response = client.post(
            f"/appeals/{tn}/act/{action}/",
            {"version": version, "next": "/board/", **data},
            follow=True,
        )
        return messages_of(response)

    assert act(dispatcher, "dispatch", unit=district["env"].pk) == [
        f"诉求 {tn} 已派单至生态环境局。"
    ]
    assert act(people["env_handler"], "return", reason="不属本局") == [
        f"诉求 {tn} 已退单，退回派单员。"
    ]
    assert act(dispatcher, "dispatch", unit=district["vet"].pk) == [
        f"诉求 {tn} 已派单至畜牧兽医局。"
    ]
    assert act(handler, "accept") == [f"诉求 {tn} 已签收。"]
    assert act(handler, "reply", text=GOOD_REPLY) == [f"诉求 {tn} 已答复，群众可以查看答复。"]
    assert act(dispatcher, "followup", resolved="no", satisfaction="dissatisfied") == [
        f"诉求 {tn} 的回访已记录，诉求已重办。"
    ]
    assert act(dispatcher, "transfer", unit=district["street"].pk, reason="属地管理") == [
        f"诉求 {tn} 已转办至东城街道。"
    ]

    other = submit(title="楼道灯又坏了")
    client.force_login(dispatcher)
    response = client.post(
        f"/appeals/{other.tracking_number}/act/merge/",
        {"version": other.version, "master": tn},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert messages_of(response) == [f"Appeal {other.tracking_number} merged into {tn}."]
    assert type(other).objects.get(pk=other.pk).status == Status.MERGED


def test_messages_of_the_other_actions_say_what_was_done(client, people, district):
    appeal, spare = submit(), submit(title="楼道灯又坏了")

    def act(user, action, target=appeal, **data):
        client.force_login(people[user])
        version = type(target).objects.get(pk=target.pk).version
        response = client.post(
            f"/appeals/{target.tracking_number}/act/{action}/",
            {"version": version, "next": "/board/", **data},
            follow=True,
        )
        return messages_of(response)

    tn = appeal.tracking_number
    act("dispatcher", "dispatch", unit=district["vet"].pk)
    act("vet_handler", "accept")
    assert act("dispatcher", "co_handle", units=[district["env"].pk]) == [
        f"诉求 {tn} 已增加协办单位：生态环境局。"
    ]
    assert act("vet_handler", "extension_request", days="5", reason="需要检测") == [
        f"诉求 {tn} 已申请延期 5 个工作日。"
    ]
    assert act("supervisor", "extension_decide", approve="yes") == [f"诉求 {tn} 的延期申请已批准。"]
    assert act("vet_handler", "reply", text="已处理。") == [
        f"诉求 {tn} 的答复已提交，待单位领导审核。"
    ]  # too thin: held for the leader
    assert act("vet_leader", "review", approve="yes") == [
        f"诉求 {tn} 的答复已审核通过，已发送给群众。"
    ]
    assert act("dispatcher", "close", reason="群众电话无法接通") == [f"诉求 {tn} 已办结。"]
    act("dispatcher", "dispatch", target=spare, unit=district["vet"].pk)
    assert act("supervisor", "supervise", target=spare, note="请尽快派单") == [
        f"诉求 {spare.tracking_number} 已督办，已通知单位领导。"
    ]
    assert act("dispatcher", "withdraw", target=spare) == [f"诉求 {spare.tracking_number} 已撤回。"]


def test_history_names_the_actors_in_the_readers_language(client, people, categories):
    appeal = submit(category=categories["noise"])  # from the web: stored as "web"
    dispatcher = people["dispatcher"]
    dispatcher.first_name = "派单员小李"
    dispatcher.save()
    services.appeal_dispatch(appeal=appeal, unit=categories["noise"].default_unit, actor=dispatcher)
    with transaction.atomic():
        for label in ("router", "system", "12345", "open311:街道App"):
            audit_record(actor_label=label, action="supervise", obj=appeal)
    client.force_login(people["supervisor"])

    html = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    history = html.split('class="timeline"')[1]
    actors = [a.strip() for a in re.findall(r'<div class="muted">[^<]*? · ([^<]*)</div>', history)]
    assert actors == [
        "网上群众",
        "派单员小李",
        "智能分派",
        "系统",
        "12345热线",
        "Open311 接口 · 街道App",
    ]
    assert AuditEvent.objects.filter(actor_label="web").exists()  # the stored label is unchanged


def test_every_actor_label_reads_in_chinese():
    from lianxin.core.models import ACTOR_LABELS

    with translation.override("zh-hans"):
        shown = {label: str(text) for label, text in ACTOR_LABELS.items()}
    assert {label: untranslated_words(text) for label, text in shown.items()} == {
        label: [] for label in ACTOR_LABELS
    }

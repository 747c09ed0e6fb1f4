"""The hotline's calls: taking one (console or telephone system), the three outcomes, what each
refuses (nothing written, a Chinese message), who may do what, the lookups and the figures."""

from datetime import timedelta

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from lianxin.appeals.models import Appeal, Channel, Status, Track, Urgency
from lianxin.core import clock
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Notification
from lianxin.core.queue import work_pending
from lianxin.hotline import selectors
from lianxin.hotline.models import Call, Outcome, Source
from lianxin.hotline.services import (
    call_add_to_appeal,
    call_answer,
    call_create_appeal,
    call_open,
)
from lianxin.knowledge.models import ArticleStatus

from . import hotline_helpers
from .appeals_helpers import fast_passwords, submit  # noqa: F401 - autouse fixture
from .hotline_helpers import CALLER, article

operator = hotline_helpers.operator
other_operator = hotline_helpers.other_operator
pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Call.objects.filter(outcome=Outcome.OPEN).count(),
        Call.objects.count(),
        Appeal.objects.count(),
        AuditEvent.objects.count(),
    )


def events(obj, action):
    return AuditEvent.objects.filter(
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
        object_id=str(obj.pk),
        action=action,
    )


# --- Taking a call ---------------------------------------------------------------------------


def test_a_call_typed_on_the_console_opens_once_and_is_audited(operator):
    call, created = call_open(operator=operator, phone=" 139 0000 1111 ")
    assert created and call.phone == CALLER and call.outcome == Outcome.OPEN
    again, created_again = call_open(operator=operator, phone="13800000000")
    assert again == call and not created_again
    event = events(call, "call_open").get()
    assert CALLER not in str(event.data)  # the number stays on the call row only


def test_the_telephone_system_cannot_open_a_second_call_while_one_is_open(operator):
    call_open(operator=operator, phone=CALLER, source=Source.TELEPHONY)
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        call_open(operator=operator, phone="13800000000", source=Source.TELEPHONY)
    assert exc.value.code == "call_already_open"
    assert snapshot() == before


@pytest.mark.parametrize("phone", ["", "12", "abc", "1" * 30])
def test_a_call_needs_a_phone_number(operator, phone):
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        call_open(operator=operator, phone=phone)
    assert "号码" in str(exc.value.message)
    assert Call.objects.count() == 0


def test_only_operators_take_calls(people):
    for person in ("dispatcher", "vet_handler", "citizen", "supervisor"):
        with pytest.raises(PermissionDenied):
            call_open(operator=people[person], phone=CALLER)
    assert Call.objects.count() == 0


# --- Answered directly -----------------------------------------------------------------------


def test_a_consultation_answered_from_an_article_is_no_appeal(operator, district):
    kb = article(district["hotline"])
    call, _ = call_open(operator=operator, phone=CALLER)
    call = call_answer(call=call, actor=operator, article=kb.pk, note="已告知所需材料")
    assert call.outcome == Outcome.ANSWERED and call.article == kb and call.appeal is None
    assert call.ended_at and call.seconds is not None
    assert Appeal.objects.count() == 0
    assert events(call, "call_answer").get().data == {"article": kb.pk}


@pytest.mark.parametrize(
    "status", [ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.WITHDRAWN]
)
def test_a_direct_answer_cannot_cite_an_unpublished_or_unknown_article(operator, district, status):
    kb = article(district["hotline"], status=status)
    call, _ = call_open(operator=operator, phone=CALLER)
    before = snapshot()
    for bad in (kb.pk, 999999, "abc"):
        with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
            call_answer(call=call, actor=operator, article=bad, note="x")
        assert exc.value.code == "unknown_article"
        assert "知识库" in str(exc.value.message)
    assert snapshot() == before


def test_an_expired_article_is_refused(operator, district):
    kb = article(district["hotline"])
    kb.valid_to = clock.now().date() - timedelta(days=1)
    kb.save()
    call, _ = call_open(operator=operator, phone=CALLER)
    with pytest.raises(InvalidInput):
        call_answer(call=call, actor=operator, article=kb.pk)


def test_a_direct_answer_says_what_was_answered(operator):
    call, _ = call_open(operator=operator, phone=CALLER)
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        call_answer(call=call, actor=operator)
    assert exc.value.code == "answer_missing"
    assert Call.objects.get().outcome == Outcome.OPEN
    # A note alone is an answer (the operator knew it without the knowledge base).
    assert call_answer(call=call, actor=operator, note="告知办理时间").outcome == Outcome.ANSWERED


# --- Appeal created --------------------------------------------------------------------------


def test_an_appeal_created_on_the_call_carries_the_number_the_answers_and_the_choices(
    operator, categories
):
    call, _ = call_open(operator=operator, phone=CALLER, recording_ref="REC-1")
    call, appeal = call_create_appeal(
        call=call,
        actor=operator,
        title="村里猪场死猪",
        content="后山猪场这两天死了好几头猪。",
        category="animal-epidemic",
        answers={"species": "猪", "sick": "12", "dead": "3", "place": "后山村二组"},
        urgency=Urgency.URGENT,
        track=Track.HOTLINE,
        contact_name="李四",
    )
    assert call.outcome == Outcome.CREATED and call.appeal == appeal
    assert call.answers == {"species": "猪", "sick": 12, "dead": 3, "place": "后山村二组"}
    assert appeal.channel == Channel.PHONE and appeal.contact_phone == CALLER
    assert appeal.urgency == Urgency.URGENT and appeal.submitted_by == operator
    assert (
        "病了几头" in appeal.content or "sick" in appeal.content.lower() or "12" in appeal.content
    )
    # The category dispatches at once (auto_dispatch), as intake decides for every channel.
    assert appeal.status == Status.DISPATCHED and appeal.unit == categories["epidemic"].default_unit
    assert events(call, "call_appeal").get().data == {"appeal": appeal.tracking_number}


def test_an_appeal_without_category_is_queued_for_the_router(operator, district):
    call, _ = call_open(operator=operator, phone=CALLER)
    _call, appeal = call_create_appeal(
        call=call,
        actor=operator,
        title="路灯不亮",
        content="小区门口路灯坏了。",
        urgency=Urgency.ORDINARY,
        track=Track.HOTLINE,
    )
    assert appeal.status == Status.SUBMITTED and appeal.unit is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"urgency": ""}, "urgency"),
        ({"track": "other"}, "track"),
        ({"title": ""}, "title"),
        ({"category": "no-such"}, "category"),
        ({"answers": {"species": "猪", "sick": "许多", "dead": "1", "place": "村里"}}, "q_sick"),
        ({"answers": {"species": "猪", "sick": "1", "dead": "-2", "place": "村里"}}, "q_dead"),
        ({"answers": {"sick": "1", "dead": "1", "place": "村里"}}, "q_species"),
    ],
)
def test_bad_appeal_data_writes_nothing_and_names_the_field(operator, categories, change, field):
    call, _ = call_open(operator=operator, phone=CALLER)
    values = {
        "title": "死猪",
        "content": "猪场死猪。",
        "category": "animal-epidemic",
        "answers": {"species": "猪", "sick": "1", "dead": "1", "place": "村里"},
        "urgency": Urgency.URGENT,
        "track": Track.HOTLINE,
        **change,
    }
    before = snapshot()
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        call_create_appeal(call=call, actor=operator, **values)
    assert field in exc.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert snapshot() == before
    assert Call.objects.get().outcome == Outcome.OPEN


# --- Added to an existing appeal -------------------------------------------------------------


def test_a_follow_up_call_goes_on_the_appeal_for_its_handler(operator, people, categories):
    appeal = submit(contact_phone=CALLER, category=categories["epidemic"])  # auto-dispatched
    call, _ = call_open(operator=operator, phone=CALLER)
    call, same = call_add_to_appeal(
        call=call, actor=operator, tracking_number=appeal.tracking_number, note="又死了两头"
    )
    assert same == appeal and call.outcome == Outcome.ADDED
    supplement = events(appeal, "supplement").get()
    assert supplement.reason == "又死了两头" and supplement.data["call"] == call.pk
    assert Appeal.objects.get(pk=appeal.pk).version == appeal.version + 1  # stale forms refused
    told = Notification.objects.filter(
        recipient=people["vet_handler"], channel="inapp", link=f"/appeals/{appeal.tracking_number}/"
    )
    assert [n.subject for n in told.order_by("id")][-1].endswith("作了补充")
    # The handler reads it on the appeal's page.
    from django.test import Client

    page = Client()
    page.force_login(people["vet_handler"])
    assert "又死了两头" in page.get(f"/appeals/{appeal.tracking_number}/").content.decode()


def test_adding_to_an_unknown_or_closed_appeal_is_refused(operator, chief, categories):
    appeal = submit(contact_phone=CALLER)
    call, _ = call_open(operator=operator, phone=CALLER)
    before = snapshot()
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        call_add_to_appeal(call=call, actor=operator, tracking_number="000", note="补充")
    assert exc.value.code == "unknown_appeal" and "000" in str(exc.value.message)
    from lianxin.appeals.services import appeal_withdraw

    appeal_withdraw(appeal=appeal, actor=chief, reason="重复")
    before = snapshot()
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as closed:
        call_add_to_appeal(
            call=call, actor=operator, tracking_number=appeal.tracking_number, note="补充"
        )
    assert "新诉求" in str(closed.value.message)
    assert snapshot() == before
    with pytest.raises(InvalidInput):  # nothing to add
        call_add_to_appeal(
            call=call, actor=operator, tracking_number=appeal.tracking_number, note=""
        )


# --- One outcome, by its operator ------------------------------------------------------------


def test_a_call_ends_once_and_only_by_its_operator(operator, other_operator):
    call, _ = call_open(operator=operator, phone=CALLER)
    with pytest.raises(PermissionDenied) as exc:
        call_answer(call=call, actor=other_operator, note="x")
    assert exc.value.code == "not_your_call"
    call_answer(call=call, actor=operator, note="x")
    with pytest.raises(InvalidTransition) as twice:
        call_answer(call=call, actor=operator, note="y")
    assert twice.value.code == "call_closed"
    with pytest.raises(Conflict):  # a stale console tab
        call_answer(call=call.pk, actor=operator, note="y", version=1)


def test_permissions(operator, other_operator, people):
    from lianxin.core.access import may

    call, _ = call_open(operator=operator, phone=CALLER)
    assert may(operator, "hotline.take_call") and may(operator, "hotline.handle_call", call)
    assert not may(other_operator, "hotline.handle_call", call)
    assert not may(people["dispatcher"], "hotline.take_call")
    assert may(operator, "hotline.view_caller_phone", call)
    assert not may(people["supervisor"], "hotline.view_caller_phone", call)
    assert selectors.call_phone(people["supervisor"], call) == "139****1111"
    assert may(people["supervisor"], "hotline.view_centre")
    assert not may(operator, "hotline.view_centre")
    assert not may(people["vet_handler"], "hotline.view_centre")
    assert may(operator, "appeals.supplement_appeal", None)
    assert not may(people["vet_handler"], "appeals.supplement_appeal", None)


# --- Lookups and figures ---------------------------------------------------------------------


def test_caller_history_lists_open_appeals_first(operator, chief):
    old = submit(contact_phone=CALLER, title="早先的事")
    from lianxin.appeals.services import appeal_withdraw

    appeal_withdraw(appeal=old, actor=chief, reason="不需要了")
    open_one = submit(contact_phone=CALLER, title="还在办的事")
    submit(contact_phone="13700000000", title="别人的事")
    rows = selectors.caller_history(CALLER)
    assert [a.pk for a in rows] == [open_one.pk, old.pk]


def test_similar_appeals_come_from_the_duplicates_engine(operator):
    text = "东湖社区3栋楼下烧烤店每天晚上油烟很大，窗户都不敢开，希望有关部门管一管。"
    earlier = submit(title="烧烤油烟扰民", content=text)
    work_pending()  # insight fingerprints the appeal after commit
    rows = selectors.similar_appeals(text)
    assert rows and rows[0]["tracking_number"] == earlier.tracking_number
    assert selectors.similar_appeals("完全不相关的一句话，关于公交车站") == []


def test_suggestion_through_the_plugged_router(settings, categories):
    settings.CATEGORY_SUGGESTER = "tests.hotline_helpers.keyword_suggester"
    s = selectors.suggestion("村里死了好多猪")
    assert s["category"] == "animal-epidemic" and s["unit"] == "畜牧兽医局"
    assert s["dispatch_at_once"] is True
    noise = selectors.suggestion("楼下噪音很大")
    assert noise["category"] == "env-noise" and noise["dispatch_at_once"] is False
    assert selectors.suggestion("你好") is None


def test_shift_figures(operator, district, categories):
    kb = article(district["hotline"])
    start = clock.now()
    for n in range(3):
        with clock.at(start + timedelta(minutes=10 * n)):
            call, _ = call_open(operator=operator, phone=CALLER)
        with clock.at(start + timedelta(minutes=10 * n, seconds=60)):
            if n < 2:
                call_answer(call=call, actor=operator, article=kb.pk)
            else:
                call_create_appeal(
                    call=call,
                    actor=operator,
                    title="噪音",
                    content="楼下噪音",
                    category="env-noise",
                    urgency=Urgency.ORDINARY,
                    track=Track.HOTLINE,
                )
    call_open(operator=operator, phone=CALLER)  # still on the line: not counted yet
    f = selectors.operator_figures(operator, since=start - timedelta(minutes=1))
    assert (f.handled, f.answered, f.created, f.added) == (3, 2, 1, 0)
    assert f.avg_seconds == 60 and f.answered_percent == "66.7%"
    total, per = selectors.centre_figures(since=start - timedelta(minutes=1))
    assert total.handled == 3 and per[0][0] == operator


def test_shift_start(settings):
    from datetime import datetime

    from lianxin.core.calendar import LOCAL

    settings.HOTLINE_SHIFT_STARTS = [0, 8, 16]
    at = datetime(2026, 3, 3, 9, 30, tzinfo=LOCAL)
    assert selectors.shift_start(at) == datetime(2026, 3, 3, 8, 0, tzinfo=LOCAL)
    settings.HOTLINE_SHIFT_STARTS = [8, 20]
    early = datetime(2026, 3, 3, 6, 0, tzinfo=LOCAL)
    assert selectors.shift_start(early) == datetime(2026, 3, 2, 20, 0, tzinfo=LOCAL)


# --- The telephone system's API and the lookups over HTTP ------------------------------------


@pytest.fixture
def token_client(operator):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "operator", "password": "pw-operator"}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_the_telephone_system_opens_a_call_on_the_operators_console(token_client, operator):
    response = token_client.post(
        "/api/v1/hotline/calls/", {"phone": CALLER, "recording_ref": "CTI-77"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == CALLER and body["outcome"] == "open" and body["source"] == "telephony"
    call = Call.objects.get(pk=body["id"])
    assert call.operator == operator and call.recording_ref == "CTI-77"
    again = token_client.post(
        "/api/v1/hotline/calls/",
        {"phone": "13800000000"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert again.status_code == 409 and again.json()["code"] == "call_already_open"
    assert "来电" in again.json()["detail"]


def test_the_api_refuses_bad_numbers_and_non_operators(token_client, people):
    bad = token_client.post(
        "/api/v1/hotline/calls/", {"phone": "hello"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert "号码" in bad.json()["detail"]
    missing = token_client.post("/api/v1/hotline/calls/", {}, format="json")
    assert missing.status_code == 400
    client = APIClient()
    client.force_authenticate(people["dispatcher"])
    assert (
        client.post("/api/v1/hotline/calls/", {"phone": CALLER}, format="json").status_code == 403
    )
    assert APIClient().post("/api/v1/hotline/calls/", {"phone": CALLER}).status_code in (401, 403)
    assert Call.objects.count() == 0


def test_the_lookups_answer_operators_only(client, operator, people, district):
    article(district["hotline"])
    submit(contact_phone=CALLER)
    client.force_login(operator)
    history = client.get("/hotline/lookup/history/", {"phone": CALLER}).json()["results"]
    assert len(history) == 1 and history[0]["open"]
    found = client.get("/hotline/lookup/articles/", {"q": "居住证"}).json()["results"]
    assert found[0]["question"] == "居住证怎么办理"
    assert client.get("/hotline/lookup/articles/", {"q": "火星移民补贴"}).json()["results"] == []
    questions = client.get("/hotline/lookup/questions/", {"category": "animal-epidemic"}).json()
    assert [q["key"] for q in questions["results"]] == ["species", "sick", "dead", "place", "since"]
    bad = client.get("/hotline/lookup/history/", {"phone": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    client.force_login(people["dispatcher"])
    for url in ("history", "suggest", "similar", "articles", "questions", "current"):
        assert client.get(f"/hotline/lookup/{url}/", {"phone": CALLER}).status_code == 403
    assert client.get("/hotline/").status_code == 403


def test_the_console_form_refuses_bad_input_with_a_4xx_in_chinese(client, operator):
    client.force_login(operator)
    start = client.post("/hotline/calls/start/", {"phone": "abc"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert start.status_code == 400 and "号码" in start.content.decode()
    client.post("/hotline/calls/start/", {"phone": CALLER})
    call = Call.objects.get()
    page = client.post(
        f"/hotline/calls/{call.pk}/finish/",
        {"outcome": "added", "add_to": "20990101000", "note": "补充"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400 and "20990101000" in page.content.decode()
    odd = client.post(f"/hotline/calls/{call.pk}/finish/", {"outcome": "hung-up"})
    assert odd.status_code == 400
    assert Call.objects.get().outcome == Outcome.OPEN


def test_the_centre_page_masks_numbers(client, operator, people):
    call, _ = call_open(operator=operator, phone=CALLER)
    call_answer(call=call, actor=operator, note="已答复")
    client.force_login(people["supervisor"])
    html = client.get("/hotline/centre/?period=today").content.decode()
    assert "139****1111" in html and CALLER not in html
    client.force_login(operator)
    assert client.get("/hotline/centre/").status_code == 403

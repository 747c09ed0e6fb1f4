"""An operator's calls at a desk, through the console only (keyboard first): a follow-up call
put through by the telephone system and added to the caller's open appeal; a consultation
answered from the knowledge base; a search with no answer; an appeal taken on the call."""

import pytest
from rest_framework.test import APIClient

from lianxin.appeals.models import Appeal, Channel, Status, Urgency
from lianxin.core.models import AuditEvent
from lianxin.hotline.models import Call, Outcome
from tests.browser import assert_clean, login

from . import hotline_helpers
from .appeals_helpers import fast_passwords, submit  # noqa: F401 - autouse fixture
from .hotline_helpers import CALLER, article

operator = hotline_helpers.operator
pytestmark = pytest.mark.browser


def test_a_follow_up_call_from_the_telephone_system_is_added_to_the_open_appeal(
    chromium, live_server, operator, people, categories
):
    appeal = submit(
        title="猪场死猪",
        content="后山猪场死了三头猪。",
        contact_phone=CALLER,
        category=categories["epidemic"],
    )
    page = login(chromium, live_server, "operator")
    assert page.url.endswith("/hotline/")  # where an operator lands
    # The telephone system puts the call through with the operator's token.
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"username": "operator", "password": "pw-operator"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert (
        api.post("/api/v1/hotline/calls/", {"phone": CALLER, "recording_ref": "CTI-9"}).status_code
        == 201
    )
    # The console opens the call by itself, the number's open appeal first.
    page.wait_for_selector("#call-form", timeout=10_000)
    assert page.inner_text("#caller") == CALLER
    item = page.locator(f"#caller-history li[data-appeal='{appeal.tracking_number}']")
    assert "猪场死猪" in item.inner_text() and "办理期限" in item.inner_text()
    item.locator("button[data-add-to]").click()
    assert page.input_value("#add_to") == appeal.tracking_number
    assert page.evaluate("document.activeElement.id") == "note"  # straight on to typing
    page.keyboard.type("今天又死了两头，请尽快来人。")
    page.keyboard.press("Alt+3")
    page.wait_for_selector(".messages")
    assert page.inner_text(".messages") == f"已补充到诉求 {appeal.tracking_number}。"
    call = Call.objects.get()
    assert call.outcome == Outcome.ADDED and call.appeal == appeal and call.recording_ref == "CTI-9"
    assert AuditEvent.objects.filter(
        object_id=str(appeal.pk), action="supplement", reason="今天又死了两头，请尽快来人。"
    ).exists()
    assert page.inner_text("[data-figure=handled]") == "1"
    assert_clean(page)

    # The unit's handler reads what the caller added on the appeal's page.
    handler = login(chromium, live_server, "vet_handler")
    handler.goto(f"{live_server.url}/appeals/{appeal.tracking_number}/")
    assert "今天又死了两头" in handler.inner_text(".timeline")
    assert "群众来电补充情况" in handler.inner_text(".timeline")
    assert_clean(handler)


def test_a_consultation_is_answered_from_the_knowledge_base(
    chromium, live_server, operator, district
):
    kb = article(district["hotline"])
    page = login(chromium, live_server, "operator")
    page.fill("#phone", CALLER)
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-form")
    assert "该号码没有历史诉求" in page.inner_text("#caller-history")
    page.keyboard.type("居住证怎么办理")  # the title field has the focus
    answer = page.locator(f"#articles li[data-article='{kb.pk}']")
    answer.wait_for(timeout=5_000)
    assert "社区服务中心" in answer.inner_text() and "居住证暂行条例" in answer.inner_text()
    answer.locator("button").click()
    assert page.inner_text("#article-label") == "居住证怎么办理"
    page.keyboard.type("已告知所需材料和办理地点")
    page.keyboard.press("Alt+1")
    page.wait_for_selector(".messages")
    assert page.inner_text(".messages") == "来电已记录：直接答复。"
    call = Call.objects.get()
    assert call.outcome == Outcome.ANSWERED and call.article == kb and call.appeal is None
    assert Appeal.objects.count() == 0
    assert page.inner_text("[data-figure=answered-share]") == "100.0%"
    assert_clean(page)


def test_an_article_search_with_no_match_says_so_and_a_direct_answer_needs_one(
    chromium, live_server, operator, district
):
    article(district["hotline"])
    page = login(chromium, live_server, "operator")
    page.fill("#phone", CALLER)
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-form")
    page.fill("#kb-query", "火星移民补贴标准")
    page.locator("#articles", has_text="知识库中没有匹配的答案").wait_for(timeout=5_000)
    page.keyboard.press("Alt+1")  # answered directly, with neither article nor note
    page.wait_for_selector("#console-error")
    assert "请选择答复所依据的知识库条目" in page.inner_text("#console-error")
    assert Call.objects.get().outcome == Outcome.OPEN
    page.trouble.expected_statuses.add(400)
    assert_clean(page)


def test_an_appeal_is_taken_on_the_call_with_the_categorys_questions(
    chromium, live_server, operator, categories, settings
):
    settings.CATEGORY_SUGGESTER = "tests.hotline_helpers.keyword_suggester"
    page = login(chromium, live_server, "operator")
    page.fill("#phone", "13700002222")
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-form")
    page.keyboard.type("后山村猪场死猪")
    page.keyboard.press("Enter")  # on to the next field, not sending the form
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.type("养殖户说这两天猪陆续病倒，已经死了几头。")
    suggestion = page.locator("#suggestion button[data-category]")
    suggestion.wait_for(timeout=5_000)
    assert "畜牧兽医局" in page.inner_text("#suggestion")
    suggestion.click()
    assert page.input_value("#category") == "animal-epidemic"
    page.wait_for_selector("#q_species")
    labels = page.locator("#questions label").all_inner_texts()
    assert labels[:3] == [
        "1. 是什么动物（畜种）？",
        "2. 发病多少头（只）？",
        "3. 死亡多少头（只）？",
    ]
    page.fill("#q_species", "生猪")
    page.fill("#q_sick", "8")
    page.fill("#q_dead", "3")
    page.fill("#q_place", "后山村二组")
    page.select_option("#track", "hotline")
    # Urgency not chosen: the operator is asked for it, nothing is written.
    page.keyboard.press("Alt+2")
    page.wait_for_selector("#console-error")
    assert "紧急程度" in page.inner_text("#console-error")
    assert Appeal.objects.count() == 0
    assert page.input_value("#q_dead") == "3"  # what was typed is kept
    page.select_option("#urgency", Urgency.URGENT)
    page.keyboard.press("Alt+2")
    page.wait_for_selector(".messages")
    appeal = Appeal.objects.get()
    assert page.inner_text(".messages") == f"诉求 {appeal.tracking_number} 已登记（已派单）。"
    assert appeal.channel == Channel.PHONE and appeal.contact_phone == "13700002222"
    assert appeal.status == Status.DISPATCHED and appeal.urgency == Urgency.URGENT
    assert "死亡多少头（只）？ 3" in appeal.content
    assert Call.objects.get().answers == {
        "species": "生猪",
        "sick": 8,
        "dead": 3,
        "place": "后山村二组",
    }
    page.trouble.expected_statuses.add(400)
    assert_clean(page)

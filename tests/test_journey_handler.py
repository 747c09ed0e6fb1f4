"""A handler's day, through the pages only: at the office (desktop) the department's handler
returns an appeal that is not theirs, accepts one, asks for more time and replies, and follows
a notification about an appeal the hotline has since transferred elsewhere; in the field (phone)
a street's handler accepts and replies. Each form is first sent wrong: the message stands beside
the field, what was typed stays, nothing is stored."""

import pytest
from django.utils import translation

from lianxin.appeals import services
from lianxin.appeals.models import Extension, Status
from lianxin.core.models import AuditEvent
from tests.appeals_helpers import GOOD_REPLY, fast_passwords, fresh, submit  # noqa: F401
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, untranslated_words

pytestmark = pytest.mark.browser


def dispatched(unit, dispatcher, **fields):
    appeal = submit(**fields)
    services.appeal_dispatch(appeal=appeal, unit=unit, actor=dispatcher)
    return fresh(appeal)


def events(appeal) -> int:
    return AuditEvent.objects.filter(object_type="appeals.appeal", object_id=str(appeal.pk)).count()


def open_form(page, action):
    """Unfold the action's form on the appeal page (the first one is unfolded already)."""
    if not page.is_visible(f"#form-{action}"):
        page.click(f"details:has(#form-{action}) > summary")


def send(page, action):
    with page.expect_navigation():
        page.click(f"#form-{action} button[type=submit]")


def open_from_workbench(page, live_server, appeal):
    page.goto(f"{live_server.url}/workbench/")
    page.click(f"a:text-is('{appeal.tracking_number}')")
    page.wait_for_selector("#status")


@pytest.fixture
def settings_for_replies(settings):
    # Replies are scored and a weak one is held; GOOD_REPLY passes at this threshold.
    settings.REPLY_REVIEW_THRESHOLD = 0.5


def test_the_department_handler_at_the_office(
    chromium, live_server, people, district, settings_for_replies
):
    d, dispatcher = district, people["dispatcher"]
    lamp = dispatched(d["vet"], dispatcher)
    not_ours = dispatched(
        d["vet"], dispatcher, title="小区噪音扰民", content="楼下商铺晚上十一点还在放音乐。"
    )
    moved = dispatched(d["vet"], dispatcher, title="河边有死鱼", content="东湖河边漂着很多死鱼。")
    services.appeal_transfer(appeal=moved, unit=d["env"], actor=dispatcher, reason="属环保职责")

    page = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    page.click("header nav a[href='/workbench/']")
    table = page.inner_text("main table")
    assert lamp.tracking_number in table and not_ours.tracking_number in table
    assert moved.tracking_number not in table

    # 退单 without a reason: refused beside the field, nothing stored; then with one.
    open_from_workbench(page, live_server, not_ours)
    open_form(page, "return")
    before = events(not_ours)
    send(page, "return")
    assert page.is_visible("#return-reason + .error")
    assert page.locator(".messages .error").count() == 0  # not at the top of the page
    assert fresh(not_ours).status == Status.DISPATCHED and events(not_ours) == before
    page.fill("#return-reason", "噪音扰民不属畜牧兽医局职责，请改派城管或公安。")
    send(page, "return")
    assert page.locator(".messages .success").count() == 1
    assert fresh(not_ours).status == Status.SUBMITTED and fresh(not_ours).unit is None

    # 签收.
    open_from_workbench(page, live_server, lamp)
    send(page, "accept")
    assert fresh(lamp).status == Status.HANDLING

    # 延期: too long an extension is refused beside the days, the reason stays.
    open_form(page, "extension_request")
    page.fill("#extension_request-days", "45")
    page.fill("#extension_request-reason", "需要等待供电公司更换线路。")
    before = events(lamp)
    send(page, "extension_request")
    assert page.is_visible("#extension_request-days + .error")
    assert page.input_value("#extension_request-reason") == "需要等待供电公司更换线路。"
    assert page.input_value("#extension_request-days") == "45"
    assert not Extension.objects.filter(appeal=lamp).exists() and events(lamp) == before
    page.fill("#extension_request-days", "5")
    send(page, "extension_request")
    assert Extension.objects.get(appeal=lamp).days == 5

    # 答复: an empty reply is refused beside the field; then the reply goes out.
    open_form(page, "reply")
    send(page, "reply")
    assert page.is_visible("#reply-text + .error")
    assert fresh(lamp).status == Status.HANDLING
    page.fill("#reply-text", GOOD_REPLY)
    send(page, "reply")
    assert fresh(lamp).status == Status.REPLIED
    with translation.override("zh-hans"):
        assert page.inner_text("#status") == fresh(lamp).get_status_display()

    # The notification of the appeal the hotline transferred away says where it went.
    page.click("header nav a[href='/notifications/']")
    with page.expect_navigation():
        page.click(f"a[href='/appeals/{moved.tracking_number}/']")
    text = page.inner_text("main")
    assert "生态环境局" in text and "转办" in text
    assert "死鱼" not in text and "属环保职责" not in text
    assert untranslated_words(text) == []
    assert_clean(page)


def test_the_street_handler_in_the_field_on_a_phone(
    chromium, live_server, people, district, settings_for_replies
):
    appeal = dispatched(
        district["street"],
        people["dispatcher"],
        title="路灯不亮",
        content="东城街道幸福路口的路灯连续三晚不亮。",
    )

    page = login(chromium, live_server, "street_handler", viewport=PHONE)
    page.goto(f"{live_server.url}/workbench/")
    assert fits_width(page)
    page.click(f"a:text-is('{appeal.tracking_number}')")
    page.wait_for_selector("#form-accept")
    assert fits_width(page)
    send(page, "accept")
    assert fresh(appeal).status == Status.HANDLING

    open_form(page, "reply")
    # The reply is written in a box as wide as the screen allows, not in a narrow slot.
    assert page.locator("#reply-text").bounding_box()["width"] > 0.75 * PHONE["width"]
    page.fill("#reply-text", "   ")
    send(page, "reply")
    assert page.is_visible("#reply-text + .error")
    assert fits_width(page)
    assert fresh(appeal).status == Status.HANDLING
    page.fill(
        "#reply-text",
        "您好！关于您反映的幸福路口路灯连续三晚不亮的问题，街道已于今日更换路灯"
        "控制器，现已恢复照明。根据《城市照明管理规定》第二十二条，我们将每周巡查。",
    )
    send(page, "reply")
    assert fresh(appeal).status == Status.REPLIED
    assert page.locator(".messages .success").count() == 1
    assert fits_width(page)
    assert_clean(page)

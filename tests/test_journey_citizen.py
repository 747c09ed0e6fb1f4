"""A citizen's journey on a phone, through the pages only: submit an appeal (a bad phone number
first), track it with the tracking number and query code (a wrong code first), withdraw it, and
rate the answer to an earlier appeal dissatisfied, which sends it back to the unit (重办)."""

import re

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, FollowUp, Status
from tests.browser import PHONE, assert_clean, fits_width, open_page

from .appeals_helpers import submit, walk

pytestmark = pytest.mark.browser


def test_a_citizen_submits_tracks_withdraws_and_rates(
    chromium, live_server, people, district, categories
):
    # Before the journey: an earlier appeal of this citizen, answered by the veterinary bureau.
    earlier = walk(submit(contact_phone="13912345678"), Status.REPLIED, people, district)
    earlier_code = services.query_code_for(earlier.tracking_number)

    page = open_page(chromium, live_server, viewport=PHONE)

    # Submit, with a phone number one digit short first.
    page.goto(f"{live_server.url}/submit/")
    page.fill("#id_title", "小区门口路灯不亮")
    page.fill("#id_content", "东湖社区北门口的两盏路灯已经一周不亮了，晚上出行不安全。")
    page.fill("#id_address", "东湖社区北门")
    page.fill("#id_contact_name", "王芳")
    page.fill("#id_contact_phone", "138 1234")  # digits missing
    page.click("#submit-appeal")
    assert page.locator("#id_contact_phone + .error").inner_text() == (
        "请输入有效的电话号码，例如 13812345678。"
    )
    assert page.input_value("#id_title") == "小区门口路灯不亮"
    assert page.input_value("#id_content").startswith("东湖社区北门口的两盏路灯")
    assert page.input_value("#id_address") == "东湖社区北门"
    assert page.input_value("#id_contact_name") == "王芳"
    assert page.input_value("#id_contact_phone") == "138 1234"
    assert Appeal.objects.count() == 1  # only the earlier one
    assert fits_width(page)

    page.fill("#id_contact_phone", "13812345678")
    page.click("#submit-appeal")
    tracking_number = page.inner_text("#tracking-number").strip()
    query_code = page.inner_text("#query-code").strip()
    assert re.fullmatch(r"\d{15}", tracking_number) and re.fullmatch(r"\d{6}", query_code)
    appeal = Appeal.objects.get(tracking_number=tracking_number)
    assert (appeal.contact_phone, appeal.address) == ("13812345678", "东湖社区北门")

    # Track it: a mistyped query code first.
    page.click("header a[href='/track/']")
    page.fill("#tn", tracking_number)
    wrong = "000000" if query_code != "000000" else "111111"
    page.fill("#qc", wrong)
    page.click("form button[type=submit]")
    assert page.inner_text("#qc-error") == "未找到与该受理编号和查询码相符的诉求。"
    assert page.input_value("#tn") == tracking_number and page.input_value("#qc") == wrong
    page.fill("#qc", query_code)
    page.click("form button[type=submit]")
    assert page.inner_text("#status") == "已提交"
    assert fits_width(page)

    # Withdraw it: the matter was fixed before anyone was sent.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=撤回我的诉求")
    assert page.inner_text("#status") == "已撤回"
    assert "您的诉求已撤回。" in page.inner_text(".messages")

    # Rate the earlier appeal's answer: nothing chosen first, then dissatisfied.
    page.click("header a[href='/track/']")
    page.fill("#tn", earlier.tracking_number)
    page.fill("#qc", earlier_code)
    page.click("form button[type=submit]")
    assert "物业公司已于3月4日更换" in page.inner_text("#reply")
    page.fill("#comment", "灯换了两天又坏了。")
    page.click("#rate")
    assert page.locator("input[name=resolved]:invalid").count() == 2  # the browser stops it here
    assert page.input_value("#comment") == "灯换了两天又坏了。"
    assert not FollowUp.objects.filter(appeal=earlier).exists()
    page.check("input[name=resolved][value=no]")
    page.check("input[name=satisfaction][value=dissatisfied]")
    page.click("#rate")
    assert page.inner_text("#status") == "重办中"
    assert "重办" in page.inner_text(".timeline")
    assert fits_width(page)

    earlier.refresh_from_db()
    appeal.refresh_from_db()
    assert earlier.status == Status.REOPENED and earlier.reopen_count == 1
    assert earlier.followups.get().satisfaction == "dissatisfied"
    assert appeal.status == Status.WITHDRAWN
    assert_clean(page)

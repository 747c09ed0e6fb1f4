"""Appeal pages in Chromium, where the trouble showed in the browser: the time left in the
tables, and the submit page's errors at the first submit."""

import re

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Urgency
from tests.browser import PHONE, assert_clean, fits_width, login, open_page

pytestmark = pytest.mark.browser


def test_an_urgent_appeal_due_tomorrow_reads_as_about_a_day_left(
    chromium, live_server, people, categories
):
    appeal, _ = services.appeal_submit(
        title="搅拌站夜间施工",
        content="每晚十点后仍在施工，噪音很大。",
        category=categories["noise"],
        urgency=Urgency.URGENT,
    )
    services.appeal_dispatch(
        appeal=appeal, unit=categories["noise"].default_unit, actor=people["dispatcher"]
    )
    page = login(chromium, live_server, "env_handler")
    page.goto(f"{live_server.url}/workbench/")
    row = page.locator("tr", has=page.locator(f"a:text-is('{appeal.tracking_number}')"))
    left = row.locator("td").nth(4).inner_text()
    assert re.match(r"(23\s*小时|1\s*天)", left), left  # due in 24 hours
    assert_clean(page)


def test_a_bad_phone_number_is_flagged_at_the_first_submit(chromium, live_server, categories):
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/submit/")
    page.fill("#id_content", "东湖社区的路灯坏了三天。")
    page.fill("#id_contact_name", "王芳")
    page.fill("#id_contact_phone", "12345")
    page.click("#submit-appeal")  # the title is missing too

    assert page.locator("#id_title + .error").inner_text() == "此项为必填项。"
    assert page.locator("#id_contact_phone + .error").inner_text() == (
        "请输入有效的电话号码，例如 13812345678。"
    )
    assert page.input_value("#id_content") == "东湖社区的路灯坏了三天。"
    assert page.input_value("#id_contact_name") == "王芳"
    assert page.input_value("#id_contact_phone") == "12345"
    assert not Appeal.objects.exists()
    assert fits_width(page)
    assert_clean(page)

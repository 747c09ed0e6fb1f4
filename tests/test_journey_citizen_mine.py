"""A citizen on a phone, through 我的诉求: the hotline operator took their call and filed an
appeal for their number; they sign in with the code the SMS brings (a mistyped code and an
expired one first), see that appeal, withdraw it, rate an earlier answer, download a copy of
their data and delete their account."""

import json
import re
from io import BytesIO

import pytest

from lianxin.appeals.models import Appeal, Channel, Status
from lianxin.appeals.services import appeal_submit
from lianxin.core import clock
from lianxin.core.models import CitizenAccount, SigninCode
from tests.browser import PHONE, assert_clean, fits_width, open_page, untranslated_words

from .appeals_helpers import appeal_in, fast_passwords  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

NUMBER = "13812345678"


def code_from_log(caplog) -> str:
    """The last code the logging SMS backend wrote (SMS_LOG_TEXT: a developer's machine)."""
    sent = [r.getMessage() for r in caplog.records if r.name == "lianxin.sms"]
    assert sent and "138****5678" in sent[-1] and NUMBER not in sent[-1]
    return re.findall(r"(?<!\d)\d{6}(?!\d)", sent[-1])[-1]


def test_a_citizen_signs_in_by_sms_and_looks_after_their_appeals(
    chromium, live_server, people, district, categories, settings, caplog
):
    settings.SMS_BACKEND = "lianxin.core.sms.LoggingSmsBackend"
    settings.SMS_LOG_TEXT = True
    caplog.set_level("INFO", logger="lianxin.sms")
    # The operator typed the caller's number as they said it, spaces and all.
    called, _created = appeal_submit(
        title="楼下饭店油烟扰民",
        content="东湖社区3号楼楼下饭店每天晚上油烟很大，窗户都不敢开。",
        channel=Channel.PHONE,
        contact_name="王芳",
        contact_phone="138 1234 5678",
        actor_label="12345",
    )
    earlier = appeal_in(Status.REPLIED, people, district, contact_phone=NUMBER)
    someone_else, _created = appeal_submit(
        title="别人的诉求", content="不是这位群众的。", contact_phone="13900001111"
    )

    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/portal/")
    page.click("#nav-mine")
    assert "/my/signin/" in page.url
    page.fill("#phone", NUMBER)
    page.click("#send-code")
    assert "138****5678" in page.inner_text("#sent")
    code = code_from_log(caplog)
    assert fits_width(page)

    # A mistyped code: said in Chinese, the number kept.
    page.fill("#code", f"{(int(code) + 1) % 10**6:06d}")
    page.click("#check-code")
    assert page.inner_text("#signin-error") == "验证码不正确，请核对短信后重新输入。"

    # The five minutes pass before the right code is typed.
    SigninCode.objects.update(expires_at=clock.now())
    page.fill("#code", code)
    page.click("#check-code")
    assert page.inner_text("#signin-error") == "验证码已过期或已使用，请重新获取。"
    assert not CitizenAccount.objects.exists()

    page.click("#resend")
    code = code_from_log(caplog)
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("#check-code")
    assert page.url.endswith("/my/")

    # The operator's appeal is there, in plain words, beside the earlier one; no one else's.
    assert page.locator(".card.appeal").count() == 2
    card = page.inner_text(f"[data-tn='{called.tracking_number}']")
    assert "楼下饭店油烟扰民" in card and "已提交" in card
    assert "已收到，正在派给承办单位。" in card and "前答复" in card
    assert "已经答复，请告诉我们您是否满意。" in page.inner_text("main")
    assert someone_else.tracking_number not in page.content()
    assert fits_width(page)
    assert untranslated_words(page.inner_text("main")) == []

    # Withdraw it: fixed before anyone came.
    page.click(f"[data-tn='{called.tracking_number}'] h2 a")
    assert "东湖社区3号楼" in page.inner_text("main")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=撤回我的诉求")
    assert page.inner_text("#status") == "已撤回"
    assert "您的诉求已撤回。" in page.inner_text(".messages")

    # Rate the earlier answer.
    page.click("#back-mine")
    page.click(f"[data-tn='{earlier.tracking_number}'] a.button")
    page.check("input[name=resolved][value=yes]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("#rate")
    assert page.inner_text("#status") == "已办结"
    assert fits_width(page)

    # A copy of their data, in Excel and JSON.
    page.click("#back-mine")
    page.click("#account-link")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    numbers = [row[0] for row in book["诉求"].values][1:]
    assert sorted(numbers) == sorted([called.tracking_number, earlier.tracking_number])
    with page.expect_download() as info:
        page.click("#export-json")
    data = json.loads(open(info.value.path(), "rb").read())  # noqa: SIM115
    assert {a["tracking_number"] for a in data["appeals"]} == set(numbers)
    assert fits_width(page)

    # Delete the account: everything finished, so it may go.
    page.check("#confirm-delete")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#delete-account")
    assert "您的账号已注销" in page.inner_text(".messages")
    assert not CitizenAccount.objects.exists()
    assert not Appeal.objects.filter(contact_phone_key__gt="", contact_phone=NUMBER).exists()
    assert Appeal.objects.get(pk=called.pk).contact_phone == ""
    page.goto(f"{live_server.url}/my/")
    assert "/my/signin/" in page.url
    assert_clean(page)

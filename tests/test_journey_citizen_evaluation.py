"""A citizen's part in evaluation, on a phone: voting in a 民主评议 campaign with the code on
a slip, and raising a 质询 without an account, then reading the unit's public answer."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.core.models import Notification, Role
from lianxin.evaluation import services
from lianxin.evaluation.appraisal import token_display
from lianxin.evaluation.models import (
    AppraisalCampaign,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
    AppraisalTarget,
    Inquiry,
)
from tests.browser import PHONE, assert_clean, fits_width, open_page
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign_with_a_code(district):
    """An open campaign and the code on the slip the citizen was handed."""
    orgdept = make_user("orgdept", Role.ORGDEPT, district["root"])
    now = timezone.now()
    campaign = AppraisalCampaign.objects.create(
        name="年度部门民主评议",
        year=now.year,
        created_by=orgdept,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    for order, unit in enumerate([district["vet"], district["env"]]):
        AppraisalTarget.objects.create(campaign=campaign, unit=unit, order=order)
    AppraisalQuestion.objects.create(campaign=campaign, order=1, kind="rating", text="工作作风")
    AppraisalQuestion.objects.create(campaign=campaign, order=2, kind="text", text="意见建议")
    services.appraisal_campaign_open(campaign=campaign, actor=orgdept)
    [code] = services.appraisal_tokens_issue(campaign=campaign, count=1, actor=orgdept)
    return campaign, token_display(code)


def test_a_citizen_votes_and_raises_an_inquiry_on_a_phone(
    chromium, live_server, people, district, campaign_with_a_code
):
    campaign, code = campaign_with_a_code
    page = open_page(chromium, live_server, viewport=PHONE)

    # --- 民主评议: the code typed from the slip, a mistyped one refused first ----------------
    page.goto(f"{live_server.url}/evaluation/appraisal/vote/")
    mistyped = code[:-1] + ("2" if code[-1] != "2" else "3")
    page.fill("#token", mistyped)
    page.click("#token-form button[type=submit]")
    assert page.locator("#vote-error").is_visible()
    assert page.input_value("#token") == mistyped
    page.fill("#token", code)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#ballot")
    assert fits_width(page)
    page.locator("#ballot .stars").nth(0).locator("label").nth(0).click()  # vet: 5 stars
    page.locator("#ballot .stars").nth(1).locator("label").nth(3).click()  # env: 2 stars
    page.locator("#ballot textarea").first.fill("窗口排队时间太长")
    page.click("#cast")
    page.wait_for_selector("#vote-done")
    tallies = {t.target.unit: t for t in AppraisalTally.objects.filter(campaign=campaign)}
    assert (tallies[district["vet"]].c5, tallies[district["env"]].c2) == (1, 1)
    assert AppraisalInvitation.objects.get(campaign=campaign).used
    assert campaign.comments.get().text == "窗口排队时间太长"

    # --- 质询 without an account: a wrong mobile number refused beside the field -----------
    page.goto(f"{live_server.url}/evaluation/inquiries/")
    page.click("#ask-inquiry")
    page.select_option("#pick-unit", str(district["vet"].pk))
    page.wait_for_selector("#id_title")
    page.fill("#id_title", "养殖场异味何时整治？")
    page.fill("#id_text", "村东养殖场夏天异味很重，请说明整治计划和时间。")
    page.fill("#id_name", "王芳")
    page.fill("#id_phone", "1380000")
    page.click("form[method=post] button[type=submit]")
    errors = page.locator("#id_phone ~ .errorlist")
    assert errors.first.is_visible()
    assert page.input_value("#id_text") == "村东养殖场夏天异味很重，请说明整治计划和时间。"
    assert page.input_value("#id_name") == "王芳"
    assert not Inquiry.objects.exists()
    assert fits_width(page)
    page.fill("#id_phone", "13800000001")
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/evaluation/inquiries/\d+/$"))
    inquiry = Inquiry.objects.get()
    assert (inquiry.asker, inquiry.asker_phone, inquiry.unit) == (
        None,
        "13800000001",
        district["vet"],
    )
    assert "13800000001" not in page.content()
    address = page.url

    # --- the unit answers; the citizen is told by SMS and reads the answer -------------------
    services.inquiry_answer(
        inquiry=inquiry, actor=people["vet_leader"], text="已责令养殖场在本月底前完成除臭改造。"
    )
    sms = Notification.objects.get(channel="sms", address="13800000001")
    assert sms.link in address
    page.goto(address)
    assert "已责令养殖场在本月底前完成除臭改造。" in page.inner_text("main")
    assert fits_width(page)
    assert_clean(page)

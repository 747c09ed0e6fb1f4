"""The new pages in a real browser: the leaders' dashboard draws its charts without a script
error, and a citizen reports misconduct, keeps the receipt and follows the case, without the
reporting channel ever setting a cookie."""

import re

import pytest

from lianxin.appeals.rollups import rollup_refresh
from lianxin.supervision import services as supervision
from lianxin.supervision.models import Report
from tests.appeals_helpers import submit
from tests.test_browser import login

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts(chromium, live_server, people, categories):
    for n in range(3):
        submit(title=f"夜间施工噪音{n}", category="env-noise")
    rollup_refresh()
    page = login(chromium, live_server, "supervisor")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/insight/?days=7")
    page.wait_for_selector("#chart-trend canvas", timeout=10_000)
    page.wait_for_selector("#chart-categories canvas", timeout=10_000)
    assert errors == []
    assert page.inner_text(".kpis .kpi strong >> nth=0").strip() == "3"  # received
    assert "噪音污染" in page.inner_text("main")


def test_a_citizen_reports_and_follows_the_case_without_a_cookie(
        chromium, live_server, people, cheap_crypto):
    supervision.inspector_key_create(user=people["inspector"],
                                     passphrase="a long inspector passphrase")
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/supervision/report/")
    page.fill("#accused", "某局某科长")
    page.fill("#content", "该科长在审批中收取好处费，时间是上个月。")
    page.click("#report-submit")
    receipt = page.inner_text("#receipt").strip()
    assert re.fullmatch(r"\d{16}", receipt.replace(" ", "").replace("-", ""))
    assert Report.objects.count() == 1

    page.goto(f"{live_server.url}/supervision/report/status/")
    page.fill("#receipt", receipt)
    page.click("form.card button[type=submit]")
    assert page.inner_text("#status").strip()
    page.fill("#text", "补充：还有一张收据。")
    page.click("#send-message")
    assert "补充" in page.inner_text("#messages")

    # Nothing on the way set a cookie: no session, no CSRF token, nothing to track.
    assert context.cookies() == []

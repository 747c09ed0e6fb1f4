"""The new pages in a real browser: the leaders' dashboard draws its charts without a script
error, and a citizen reports misconduct, keeps the receipt and follows the case, without the
reporting channel ever setting a cookie."""

import re

import nacl.pwhash
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


@pytest.fixture
def cheap_crypto(settings, tmp_path):
    """argon2 at its minimum cost (never in production), and a private media folder."""
    settings.REPORT_RECEIPT_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    cheap = (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)
    settings.REPORT_RECEIPT_KDF = cheap
    settings.INSPECTOR_PASSPHRASE_KDF = cheap
    settings.MEDIA_ROOT = tmp_path / "media"


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


def test_a_cadre_declares_on_a_phone_and_the_organisation_department_reads_it(
        chromium, live_server, people, district):
    from lianxin.core.models import Role
    from lianxin.supervision.models import Declaration, IntegrityReadLog
    from tests.conftest import make_user

    make_user("orgdept", Role.ORGDEPT, district["root"])
    page = login(chromium, live_server, "vet_handler")
    page.goto(f"{live_server.url}/supervision/integrity/declaration/2025/")
    for section in ("family", "real_estate", "income"):
        page.click(f"details:has(input[name='{section}-TOTAL_FORMS']) summary")
    page.fill("[name='family-0-name']", "王伟")
    page.select_option("[name='family-0-relation']", "self")
    page.fill("[name='real_estate-0-holder']", "王伟")
    page.fill("[name='real_estate-0-address']", "东湖路1号")
    page.fill("[name='real_estate-0-area']", "90")
    page.fill("[name='real_estate-0-value']", "-5")  # refused, with the reason beside the field
    page.fill("[name='income-0-holder']", "王伟")
    page.select_option("[name='income-0-kind']", "salary")
    page.fill("[name='income-0-amount']", "180000")
    page.click("button[value=submit]")
    assert page.locator(".error").count() >= 1
    assert not Declaration.objects.exists()
    # Nothing typed is lost: the form comes back filled in, the bad value is corrected.
    assert page.input_value("[name='real_estate-0-address']") == "东湖路1号"
    page.fill("[name='real_estate-0-value']", "900000")
    page.click("button[value=submit]")
    page.wait_for_url(lambda url: "/declaration/2025/" not in url)
    declaration = Declaration.objects.get()
    assert declaration.status == "submitted"
    # The page fits a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    reader = login(chromium, live_server, "orgdept")
    reader.goto(f"{live_server.url}/supervision/integrity/declarations/")
    reader.click(f"a[href='/supervision/integrity/declarations/{declaration.pk}/']")
    assert "东湖路1号" in reader.inner_text("main")
    assert IntegrityReadLog.objects.filter(user__username="orgdept").exists()

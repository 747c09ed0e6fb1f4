"""Journey of a report of misconduct (举报), through the pages only. A citizen on a phone files
it (a date in the future is refused beside the field, nothing typed is lost) and keeps the
receipt; the inspector, at a desk, unlocks the reporting key (a wrong passphrase is refused
and changes nothing), accepts the report, starts the investigation and records its steps
(for the inspectors alone), writes to the citizen and
concludes it (a conclusion without a result is refused beside the text, nothing changes); the
citizen reads the answer with the receipt (a wrong receipt is refused). The citizen's side
never holds a cookie."""

import pytest
from django.utils import translation

from lianxin.supervision import services as supervision
from lianxin.supervision.models import InspectorKey, Report, ReportStatus
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, open_page

pytestmark = pytest.mark.browser

PASSPHRASE = "a long inspector passphrase"


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


@pytest.fixture
def inspector(people, cheap_crypto):
    """The district's inspection lead, with a reporting key: without one the channel takes
    no report."""
    user = people["inspector"]
    user.first_name = "纪检员"
    user.save(update_fields=["first_name"])
    supervision.inspector_key_create(user=user, passphrase=PASSPHRASE)
    return user


def test_a_report_from_a_citizen_through_the_inspector_and_back(chromium, live_server, inspector):
    # --- the citizen files the report on a phone ---
    citizen = open_page(chromium, live_server, viewport=PHONE)
    # Straight to the channel, as from the address on a poster: the portal's language switch
    # would plant Django's CSRF cookie before the channel is reached.
    citizen.goto(f"{live_server.url}/supervision/report/")
    citizen.fill("#accused", "畜牧兽医局某科长")
    citizen.select_option("#accused_unit", label="畜牧兽医局")
    citizen.fill("#content", "该科长在检疫审批中收取好处费，每次五百元。")
    citizen.fill("#occurred_on", "2099-01-01")
    citizen.click("#report-submit")
    assert citizen.locator("#occurred_on + p.error").is_visible()
    assert not Report.objects.exists()
    assert citizen.input_value("#content") == "该科长在检疫审批中收取好处费，每次五百元。"
    assert citizen.input_value("#accused") == "畜牧兽医局某科长"
    citizen.fill("#occurred_on", "2026-10-12")
    citizen.click("#report-submit")
    receipt = citizen.inner_text("#receipt").strip()
    assert len(receipt.replace(" ", "")) == 16
    assert fits_width(citizen)
    report = Report.objects.get()

    # --- the inspector unlocks the key and handles the case ---
    page = login(chromium, live_server, "inspector", viewport=DESKTOP)
    page.click("header a[href='/supervision/cases/']")
    page.click("a[href='/supervision/cases/key/']")
    sealed = bytes(InspectorKey.objects.get(user=inspector).sealed_private_key)
    page.fill("#passphrase", "not my passphrase at all")
    page.click("form.card button[type=submit]")
    assert page.locator("#passphrase + p.error#key-error").is_visible()
    assert not any(c["name"] == "lianxin_unlock" for c in page.context.cookies())
    assert bytes(InspectorKey.objects.get(user=inspector).sealed_private_key) == sealed
    page.fill("#passphrase", PASSPHRASE)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/supervision/cases/")

    page.click(f"a[href='/supervision/cases/{report.pk}/']")
    assert "收取好处费" in page.inner_text("#content")
    page.click("button[value=accept]")
    assert page.inner_text("#status").strip() == zh(ReportStatus.ASSESSED.label)
    page.click("button[value=investigate]")
    assert page.inner_text("#status").strip() == zh(ReportStatus.INVESTIGATING.label)
    # The steps of the investigation are recorded for the inspectors alone.
    page.fill("#note", "约谈办事群众两名，核实每次收费五百元。")
    page.click("button[value=note]")
    assert "约谈办事群众两名" in page.inner_text("#notes")
    page.fill("#text", "已开始核查，请问收据是否还在？")
    page.click("button[value=message]")
    assert "收据是否还在" in page.inner_text("main .timeline")

    # Concluding needs the result told to the citizen: refused beside the text box.
    page.click("button[value=conclude]")
    assert page.locator("#text + #text-error").is_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.INVESTIGATING
    page.fill("#text", "经查属实，已对该科长立案审查。感谢您的举报。")
    page.click("button[value=conclude]")
    assert page.inner_text("#status").strip() == zh(ReportStatus.CONCLUDED.label)
    report.refresh_from_db()
    assert report.status == ReportStatus.CONCLUDED and report.feedback_on is not None

    # Every read of the case is in the lead's log, in words.
    page.click("header a[href='/supervision/cases/']")
    page.click("a[href='/supervision/cases/reads/']")
    assert "举报件内容" in page.inner_text("main table")
    assert "纪检员" in page.inner_text("main table")
    assert_clean(page)

    # --- the citizen reads the answer with the receipt ---
    citizen.click("a[href='/supervision/report/status/'] >> nth=-1")
    citizen.fill("#receipt", "1111 2222 3333 4444")
    citizen.click("form.card button[type=submit]")
    assert citizen.locator("#receipt + p.error#status-error").is_visible()
    assert citizen.input_value("#receipt") == "1111 2222 3333 4444"  # to correct a typo
    citizen.fill("#receipt", receipt)
    citizen.click("form.card button[type=submit]")
    assert citizen.inner_text("#status").strip() == zh(ReportStatus.CONCLUDED.label)
    messages = citizen.inner_text("#messages")
    assert "收据是否还在" in messages and "经查属实" in messages
    assert "约谈" not in citizen.inner_text("main")
    assert fits_width(citizen)
    # No session, no CSRF token, nothing to recognise the citizen by.
    assert citizen.context.cookies() == []
    assert_clean(citizen)

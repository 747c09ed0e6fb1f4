"""The organisation department's work, through its pages at desktop width: a 民主评议 campaign
from creation to published results (codes printed as slips that citizens vote with on their
phones), an indicator scheme, and the rankings downloaded from their pages."""

import io
import re

import pypdf
import pytest

from lianxin.appeals.rollups import rollup_refresh
from lianxin.demo import DEMO_PASSWORD
from lianxin.evaluation.models import (
    AppraisalCampaign,
    AppraisalInvitation,
    AppraisalTally,
    Indicator,
    IndicatorScheme,
)
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, open_page

pytestmark = pytest.mark.browser

CODE = re.compile(r"\b[2-9A-HJKMNP-TV-Z]{5}(?:-[2-9A-HJKMNP-TV-Z]{5}){4}\b")


def _vote(chromium, live_server, code, *, wrong=None):
    """A citizen on a phone votes with a code (first trying `wrong`, if given)."""
    phone = open_page(chromium, live_server, viewport=PHONE)
    phone.goto(f"{live_server.url}/evaluation/appraisal/vote/")
    if wrong:
        phone.fill("#token", wrong)
        phone.click("#token-form button[type=submit]")
        assert phone.locator("#vote-error").is_visible()
        assert phone.input_value("#token") == wrong  # what was typed is still there
    phone.fill("#token", code)
    phone.click("#token-form button[type=submit]")
    phone.wait_for_selector("#ballot")
    assert fits_width(phone)
    for group in phone.locator("#ballot .stars").all():
        group.locator("label").nth(1).click()  # 4 stars everywhere
    phone.click("#cast")
    phone.wait_for_selector("#vote-done")
    return phone


def test_orgdept_runs_an_appraisal_an_indicator_scheme_and_downloads_rankings(
    chromium, live_server, demo, settings
):
    settings.APPRAISAL_MIN_RESPONSES, settings.APPRAISAL_MIN_RESPONSE_RATE = 2, 0.5
    rollup_refresh()  # the rankings' monthly figures, as the scheduler keeps them
    page = login(chromium, live_server, "orgdept", DEMO_PASSWORD, viewport=DESKTOP)

    # --- a campaign: created on the app's own page (not Django admin) ---------------------
    page.goto(f"{live_server.url}/evaluation/appraisal/")
    page.click("#new-campaign")
    page.fill("#intro", "请根据日常接触如实评价。")
    units = page.locator("#pick-units input[type=checkbox]")
    units.nth(0).check()
    units.nth(1).check()
    page.click("#save-campaign")  # no name: refused
    assert page.locator("#error-name").is_visible()
    assert page.input_value("#intro") == "请根据日常接触如实评价。"
    assert units.nth(0).is_checked() and units.nth(1).is_checked()
    assert not AppraisalCampaign.objects.exists()
    page.fill("#name", "年度部门民主评议")
    page.click("#save-campaign")
    page.wait_for_url(re.compile(r"/evaluation/appraisal/\d+/$"))
    campaign = AppraisalCampaign.objects.get()
    assert campaign.targets.count() == 2 and campaign.status == "draft"
    page.click("#open")
    page.wait_for_load_state()
    campaign.refresh_from_db()
    assert campaign.status == "open"

    # --- codes printed as slips; the PDF opened and read ---------------------------------------
    page.fill("#count", "4")
    with page.expect_download() as download:
        page.click("#issue")
    pdf = open(download.value.path(), "rb").read()  # noqa: SIM115
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    codes = CODE.findall(text)
    assert len(codes) == 4 and "民主评议 · 年度部门民主评议" in text
    assert AppraisalInvitation.objects.filter(campaign=campaign).count() == 4

    # --- citizens vote on their phones; a wrong code and a used code are refused ------------
    phone = _vote(chromium, live_server, codes[0], wrong="ABCDE-FGHJK-MNPQR-STVWX-YZ234")
    phone.goto(f"{live_server.url}/evaluation/appraisal/vote/")
    phone.fill("#token", codes[0])
    phone.click("#token-form button[type=submit]")
    assert "已经" in phone.inner_text("#vote-error")  # already used
    assert_clean(phone)
    assert (
        sum(t.c4 for t in AppraisalTally.objects.filter(campaign=campaign))
        == AppraisalTally.objects.filter(campaign=campaign).count()
    )

    # One vote of four codes: below the minimum, the results are withheld and the rule stated.
    page.goto(f"{live_server.url}/evaluation/appraisal/{campaign.pk}/results/")
    assert page.locator("#too-few").is_visible()
    assert "2" in page.inner_text("#min-rule") and "50" in page.inner_text("#min-rule")
    assert page.locator("table").count() == 0

    assert_clean(_vote(chromium, live_server, codes[1].lower().replace("-", " ")))

    # --- closed and published: two of four codes voted, the results are shown ---------------
    page.goto(f"{live_server.url}/evaluation/appraisal/{campaign.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#close")
    page.wait_for_selector("#publish")
    page.click("#publish")
    page.wait_for_load_state()
    campaign.refresh_from_db()
    assert campaign.status == "published"
    public = open_page(chromium, live_server, viewport=PHONE)
    public.goto(f"{live_server.url}/evaluation/appraisal/{campaign.pk}/results/")
    assert public.locator("#too-few").count() == 0
    body = public.inner_text("main")
    assert "4.00" in body and "50 %" in body
    assert_clean(public)

    # --- an indicator scheme: created, a wrong total refused, then saved -------------------------
    page.goto(f"{live_server.url}/evaluation/indicators/")
    page.fill("#id_year", "2031")
    page.fill("#id_name", "党群关系指标体系")
    page.click("form[action$='/indicators/new/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/evaluation/indicators/\d+/$"))
    assert "名称" in page.inner_text("label[for=scheme-name]")
    scheme = IndicatorScheme.objects.get(year=2031)
    page.fill("#id_form-0-name", "群众满意率")
    page.select_option("#id_form-0-source", "satisfaction_rate")
    page.fill("#id_form-0-target", "95")
    page.fill("#id_form-0-weight", "60")
    page.click("form.card button[type=submit]")
    assert page.locator("#scheme-error").is_visible()  # 60 % is not 100 %
    assert page.input_value("#id_form-0-name") == "群众满意率"
    assert not Indicator.objects.filter(scheme=scheme).exists()
    page.fill("#id_form-1-name", "响应率")
    page.select_option("#id_form-1-source", "response_rate")
    page.fill("#id_form-1-target", "90")
    page.fill("#id_form-1-weight", "40")
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#scheme-error").count() == 0
    assert sorted(Indicator.objects.filter(scheme=scheme).values_list("name", flat=True)) == [
        "响应率",
        "群众满意率",
    ]

    # --- rankings downloaded from the page's buttons ---------------------------------------
    page.goto(f"{live_server.url}/evaluation/leaders/")
    with page.expect_download() as xlsx:
        page.click("#download-xlsx")
    assert open(xlsx.value.path(), "rb").read(2) == b"PK"  # noqa: SIM115
    with page.expect_download() as pdf_download:
        page.click("#download-pdf")
    assert open(pdf_download.value.path(), "rb").read(4) == b"%PDF"  # noqa: SIM115
    assert_clean(page)

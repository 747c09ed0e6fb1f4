"""Journey of a township cadre on a phone: from their households to a farm visit logged with
its checklist; a visit dated in the future is refused with a clear message and saves nothing,
and what was typed stays in the form; the need found becomes an appeal in one step."""

from datetime import timedelta

import pytest

from lianxin.outreach.models import Visit
from tests.browser import PHONE, assert_clean, fits_width, login

from . import outreach_helpers
from .outreach_helpers import farm, paired, today

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.browser


def test_a_cadre_logs_a_farm_visit_on_a_phone(chromium, live_server, village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    paired(leader, cadre, pig_farm)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    page.goto(f"{live_server.url}/outreach/")
    assert "张养殖" in page.inner_text("main")
    assert fits_width(page)
    page.click("text=记录走访")
    assert page.input_value("#form") == "farm"  # a farm household: a farm visit by default
    page.fill("#visited_on", (today() + timedelta(days=3)).isoformat())
    page.fill("#notes", "栏舍已消毒，存栏三百二十头")
    page.select_option("#immunisation_done", "yes")
    page.fill("#sick_count", "2")
    page.fill("#dead_count", "0")
    page.select_option("#biosecurity_ok", "yes")
    page.click("text=保存走访记录")
    assert "走访日期不能晚于今天" in page.inner_text("#visit-error")
    assert page.input_value("#notes") == "栏舍已消毒，存栏三百二十头"
    assert not Visit.objects.exists()
    assert fits_width(page)
    page.fill("#visited_on", today().isoformat())
    page.fill("#needs", "饲料涨价，想了解生猪养殖补贴政策")
    page.click("text=保存走访记录")
    page.wait_for_url(f"**/outreach/households/{pig_farm.pk}/")
    assert "走访记录已保存" in page.inner_text("main")
    visit = Visit.objects.get()
    assert (visit.form, visit.sick_count, visit.immunisation_done) == ("farm", 2, True)
    assert "栏舍已消毒" in page.inner_text("main")
    assert fits_width(page)
    # The need found becomes an appeal in one step; its number shows on the household's page.
    page.click("text=转为诉求件办理")
    page.wait_for_url(f"**/outreach/households/{pig_farm.pk}/")
    visit.refresh_from_db()
    assert visit.appeal is not None
    assert visit.appeal.tracking_number in page.inner_text("main")
    assert fits_width(page)
    assert_clean(page)

"""Journey of the street's leader keeping the household registry on a phone: a file that is
not .xlsx is refused with a clear message and nothing stored; a small registry is imported
through the pages (mapping proposed from the Chinese headers, progress, result with each
skipped row and its reason); then one household registered by hand, after a validation error
that keeps what was typed and saves nothing."""

import pytest

from lianxin.outreach.models import Household, HouseholdImport
from lianxin.outreach.services import imports
from tests.browser import PHONE, assert_clean, fits_width, login

from . import outreach_helpers
from .outreach_helpers import today
from .test_outreach_registry import ROWS, xlsx

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.browser


def test_a_leader_imports_a_registry_and_registers_a_household_on_a_phone(
    chromium, live_server, village, outreach_people, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "STEP_ROWS", 2)  # a long file in small: several steps
    page = login(chromium, live_server, "street_leader", viewport=PHONE)
    steps = []
    page.on("request", lambda r: steps.append(r.url) if r.url.endswith("/step/") else None)
    page.goto(f"{live_server.url}/outreach/registry/")
    assert fits_width(page)
    page.click("text=从 Excel 导入")
    page.wait_for_url("**/outreach/registry/import/")
    assert fits_width(page)

    # A CSV file is refused: a clear message, nothing stored.
    csv = tmp_path / "联户名册.csv"
    csv.write_text("户主姓名,联系电话\n王大爷,13812345678\n")
    page.set_input_files("#file", str(csv))
    page.click("button:has-text('上传')")
    assert "只能导入 Excel .xlsx 文件" in page.inner_text("#import-error")
    assert not HouseholdImport.objects.exists() and not Household.objects.exists()

    # The registry itself: the mapping is proposed from its headers.
    registry = tmp_path / "联户名册.xlsx"
    registry.write_bytes(xlsx(ROWS))
    page.set_input_files("#file", str(registry))
    page.click("button:has-text('上传')")
    page.wait_for_url("**/outreach/registry/import/*/")
    assert page.input_value("#map-head_name") == "户主姓名"
    assert page.input_value("#map-consent_on") == "同意日期"
    assert page.input_value("#map-cadre") == "结对干部"
    assert fits_width(page)
    page.click("#mapping button")
    # The progress page steps through the rows by itself, then shows the result.
    page.wait_for_selector("#import-result")
    assert len(steps) == 5  # 9 rows, 2 a step: the page asked for each step and showed it
    assert page.inner_text("#count-created") == "3"
    assert page.inner_text("#count-skipped") == "5"
    skipped = page.inner_text("#skipped")
    assert "不存在村" in skipped and "养殖场户须填写存栏量" in skipped and "富裕户" in skipped
    assert Household.objects.count() == 3
    assert fits_width(page)

    # One household by hand: a farm without its species first.
    page.goto(f"{live_server.url}/outreach/registry/new/")
    assert page.is_hidden("#species")  # the farm's fields only for a farm
    page.select_option("#unit", str(village.pk))
    page.fill("#head_name", "陈养殖")
    page.fill("#members", "3")
    page.fill("#phone", "13911112222")
    page.check("#reason-livestock_farm")
    assert page.is_visible("#species")
    page.fill("#herd_size", "150")
    page.fill("#consent_on", today().isoformat())
    page.click("button:has-text('登记')")
    assert "养殖场户须填写畜种" in page.inner_text("#household-error")
    assert "养殖场户须填写畜种" in page.inner_text("#species-error")
    assert page.input_value("#head_name") == "陈养殖"
    assert page.input_value("#herd_size") == "150"
    assert Household.objects.count() == 3
    assert fits_width(page)
    page.fill("#species", "肉牛")
    page.click("button:has-text('登记')")
    page.wait_for_url("**/outreach/households/*/")
    assert "联系户已登记" in page.inner_text("main")
    household = Household.objects.get(head_name="陈养殖")
    assert (household.species, household.herd_size, household.unit) == ("肉牛", 150, village)
    assert fits_width(page)
    page.trouble.expected_statuses.add(400)
    assert_clean(page)

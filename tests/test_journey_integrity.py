"""Journey of an asset declaration (财产申报), through the pages only: a cadre fills it on a
phone — two family members in one go, no draft saved first — is told beside the field what
is wrong, loses nothing typed, and submits; the organisation department, at a desk, lists and
reads it (each read logged), is refused a send-back without a reason, locks it as reviewed,
and draws the year's spot check."""

import pytest

from lianxin.core.models import Role
from lianxin.supervision.models import (
    Declaration,
    DeclarationStatus,
    IntegrityReadLog,
    SpotCheck,
)
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login
from tests.conftest import make_user

pytestmark = pytest.mark.browser

YEAR = 2025


def section(page, kind):
    return page.locator(f"details:has(input[name='{kind}-TOTAL_FORMS'])")


def count_of(page, kind) -> str:
    return section(page, kind).locator("summary .row-count").inner_text().strip()


def error_beside(page, name):
    return page.locator(f"div:has(> [name='{name}']) :is(.error, .errorlist)").first


@pytest.fixture
def cadre_and_orgdept(people, district):
    cadre = people["vet_handler"]
    cadre.first_name = "王伟"
    cadre.save(update_fields=["first_name"])
    return cadre, make_user("orgdept", Role.ORGDEPT, district["root"], first_name="组织部")


def test_a_cadre_declares_on_a_phone_and_the_organisation_department_reviews_it(
    chromium, live_server, cadre_and_orgdept
):
    cadre, _orgdept = cadre_and_orgdept
    page = login(chromium, live_server, "vet_handler", viewport=PHONE)
    page.goto(f"{live_server.url}/supervision/integrity/")
    page.click(f"a[href='/supervision/integrity/declaration/{YEAR}/']")
    assert count_of(page, "family") == "0"

    # Two family members without saving a draft: the second row is added on the page.
    section(page, "family").locator("summary").click()
    assert page.inner_text("label[for='id_family-0-name']").startswith("姓名")  # a person's
    page.fill("[name='family-0-name']", "王伟")
    page.select_option("[name='family-0-relation']", "self")
    section(page, "family").locator("button.add-row").click()
    page.fill("[name='family-1-name']", "李娜")
    page.select_option("[name='family-1-relation']", "spouse")
    assert count_of(page, "family") == "2"

    section(page, "real_estate").locator("summary").click()
    page.fill("[name='real_estate-0-holder']", "王伟")
    page.fill("[name='real_estate-0-address']", "东湖路1号")
    page.fill("[name='real_estate-0-area']", "90")
    page.fill("[name='real_estate-0-value']", "-5")  # refused, with the reason beside it
    section(page, "income").locator("summary").click()
    page.fill("[name='income-0-holder']", "王伟")
    page.select_option("[name='income-0-kind']", "salary")
    page.fill("[name='income-0-amount']", "180000")
    section(page, "income").locator("button.add-row").click()
    page.fill("[name='income-1-holder']", "李娜")
    page.select_option("[name='income-1-kind']", "salary")
    page.fill("[name='income-1-amount']", "120000")
    assert fits_width(page)
    page.click("button[value=submit]")

    assert error_beside(page, "real_estate-0-value").is_visible()
    assert not Declaration.objects.exists()
    # Nothing typed is lost, the added rows included, and the counts say what is there.
    assert page.input_value("[name='family-1-name']") == "李娜"
    assert page.input_value("[name='income-1-amount']") == "120000"
    assert page.input_value("[name='real_estate-0-address']") == "东湖路1号"
    assert (
        count_of(page, "family"),
        count_of(page, "real_estate"),
        count_of(page, "income"),
        count_of(page, "vehicles"),
    ) == ("2", "1", "2", "0")
    assert fits_width(page)
    page.fill("[name='real_estate-0-value']", "900000")
    page.click("button[value=submit]")
    page.wait_for_url(lambda url: f"/declaration/{YEAR}/" not in url)

    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.SUBMITTED
    assert sorted(declaration.familymember_items.values_list("name", flat=True)) == ["李娜", "王伟"]
    assert declaration.incomeitem_items.count() == 2
    assert "李娜" in page.inner_text("main")
    assert fits_width(page)
    assert_clean(page)

    # The organisation department reads it: the list and the declaration are logged reads.
    reader = login(chromium, live_server, "orgdept", viewport=DESKTOP)
    reader.goto(f"{live_server.url}/supervision/integrity/")
    reader.click("a[href='/supervision/integrity/declarations/']")
    assert "王伟" in reader.inner_text("main table")
    reader.click(f"a[href='/supervision/integrity/declarations/{declaration.pk}/']")
    assert "东湖路1号" in reader.inner_text("main")
    kinds = set(
        IntegrityReadLog.objects.filter(
            user__username="orgdept", declaration=declaration
        ).values_list("kind", flat=True)
    )
    assert kinds == {IntegrityReadLog.Kind.LIST, IntegrityReadLog.Kind.DETAIL}

    # Sending it back needs a reason: refused beside the field, nothing changed.
    reader.fill("#reason", "   ")
    reader.click("button[value=return]")
    assert reader.locator("#reason-error").is_visible()
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.SUBMITTED
    # Reviewed: locked for good.
    reader.click("button[value=lock]")
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.LOCKED
    assert cadre.username not in reader.inner_text("header")

    # The spot check of the year: a share of nothing is refused beside the field, the seed
    # typed stays; then the draw, which anyone can re-run.
    reader.click("main a[href='/supervision/integrity/']")
    reader.click("a[href='/supervision/integrity/spot-checks/']")
    reader.fill("#id_year", str(YEAR))
    reader.select_option("#id_unit", label="示范区")
    reader.fill("#id_share", "0")
    reader.fill("#id_seed", "2026年1月5日 会上宣读 7")
    reader.click("form.card button")
    assert error_beside(reader, "share").is_visible()
    assert reader.input_value("#id_seed") == "2026年1月5日 会上宣读 7"
    assert not SpotCheck.objects.exists()
    reader.fill("#id_share", "1")
    reader.click("form.card button")
    reader.click("button:has-text('立即抽取')")
    check = SpotCheck.objects.get()
    assert check.drawn == [cadre.username]
    assert cadre.username in reader.inner_text("main")

    # And the read log shows who read the declaration.
    reader.goto(f"{live_server.url}/supervision/integrity/reads/")
    assert "组织部" in reader.inner_text("main table")
    assert "王伟" in reader.inner_text("main table")
    assert_clean(reader)

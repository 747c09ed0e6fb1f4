"""The administrator's journey through the Django admin only, at desk width, in Chinese: a new
community under a street, a new person, a role for them there, and a working-day override."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from lianxin.core.models import CalendarOverride, Role, RoleAssignment, Unit
from tests.browser import DESKTOP, LATIN_WORD, assert_clean, login, untranslated_words

pytestmark = pytest.mark.browser


def chinese(page) -> None:
    """The page reads in Chinese (the admin shows some captions in capitals). Usernames, unit
    codes and a password hash's summary are data, not words. The lists of permissions name
    every app's models: the crawl (tests/test_crawl.py) checks those names, app by app."""
    data = {
        *get_user_model().objects.values_list("username", flat=True),
        *Unit.objects.values_list("code", flat=True),
    }
    if page.locator(".field-password").count():
        data |= set(LATIN_WORD.findall(page.inner_text(".field-password")))
    text = page.evaluate("""() => {
        const hidden = [...document.querySelectorAll('.field-user_permissions')];
        hidden.forEach(e => e.style.display = 'none');
        const text = document.body.innerText;
        hidden.forEach(e => e.style.display = '');
        return text; }""")
    words = untranslated_words(text, allowed=data)
    assert words == [], f"{page.url}: {words}"


def follow(page, href: str) -> None:
    """Clicks the link to `href` and waits for the page it opens."""
    with page.expect_navigation():
        page.click(f"a[href='{href}']")


def save(page) -> None:
    with page.expect_navigation():
        page.click("input[name=_save]")


def pick_autocomplete(page, field: str, text: str) -> None:
    """Chooses `text` in one of the admin's search-as-you-type selects."""
    page.click(f"#id_{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def test_the_administrator_sets_up_a_unit_a_person_a_role_and_a_holiday(
    chromium, live_server, people, district
):
    units_before = Unit.objects.count()
    page = login(chromium, live_server, "admin", viewport=DESKTOP)
    assert page.url.endswith("/admin/")
    assert "连心 管理" in page.inner_text("#site-name")
    chinese(page)

    # A new community under the street; first with a code another unit already has.
    follow(page, "/admin/core/unit/add/")
    chinese(page)
    page.fill("#id_name", "西湖社区")
    page.fill("#id_code", "east-lake")
    page.select_option("#id_kind", "community")
    page.select_option("#id_parent", str(district["street"].pk))
    save(page)
    error = page.inner_text(".field-code .errorlist")
    assert "已存在" in error
    assert page.input_value("#id_name") == "西湖社区"  # nothing typed is lost
    assert page.input_value("#id_parent") == str(district["street"].pk)
    assert Unit.objects.count() == units_before
    chinese(page)
    page.fill("#id_code", "west-lake")
    save(page)
    unit = Unit.objects.get(code="west-lake")
    assert unit.parent == district["street"] and district["street"].contains(unit)
    assert "西湖社区" in page.inner_text(".messagelist")
    chinese(page)

    # A new person.
    page.goto(f"{live_server.url}/admin/")
    follow(page, "/admin/auth/user/add/")
    chinese(page)
    page.fill("#id_username", "west_handler")
    page.fill("#id_password1", "Wl-2026-handler")
    page.fill("#id_password2", "Wl-2026-other")  # a typo in the repeat
    save(page)
    assert page.locator(".errorlist").count() >= 1
    assert page.input_value("#id_username") == "west_handler"
    assert not get_user_model().objects.filter(username="west_handler").exists()
    page.fill("#id_password1", "Wl-2026-handler")
    page.fill("#id_password2", "Wl-2026-handler")
    save(page)
    person = get_user_model().objects.get(username="west_handler")
    assert person.check_password("Wl-2026-handler")
    chinese(page)
    page.fill("#id_first_name", "西湖承办人")
    save(page)
    person.refresh_from_db()
    assert person.first_name == "西湖承办人"

    # The person handles appeals in the new community.
    page.goto(f"{live_server.url}/admin/")
    follow(page, "/admin/core/roleassignment/add/")
    chinese(page)
    pick_autocomplete(page, "user", "west_handler")
    page.select_option("#id_role", Role.HANDLER)
    pick_autocomplete(page, "unit", "西湖社区")
    save(page)
    assert RoleAssignment.objects.filter(user=person, role=Role.HANDLER, unit=unit).exists()
    chinese(page)

    # National Day week: Saturday 10 October 2026 is a working day; first a date that is not.
    page.goto(f"{live_server.url}/admin/")
    follow(page, "/admin/core/calendaroverride/add/")
    chinese(page)
    page.fill("#id_date", "2026-02-30")
    page.check("#id_is_workday")
    page.fill("#id_note", "国庆调休上班")
    save(page)
    assert page.locator(".field-date .errorlist").count() == 1
    assert page.input_value("#id_note") == "国庆调休上班"
    assert not CalendarOverride.objects.exists()
    chinese(page)
    page.fill("#id_date", "2026-10-10")
    save(page)
    override = CalendarOverride.objects.get()
    assert override.date == date(2026, 10, 10) and override.is_workday
    assert "2026" in page.inner_text(".messagelist")
    chinese(page)
    assert_clean(page)

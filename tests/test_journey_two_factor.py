"""Journey of an inspector's second factor, at a desk, through the pages only: the first sign-in
leads from the password to setting up the authenticator app (a QR code drawn in the page, the
key in text), a code from the app lets them in to their cases; the next sign-in asks for the
code after the password, a wrong one is refused with its reason, the right one lets them in."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser import DESKTOP, assert_clean, login, untranslated_words
from tests.test_two_factor import code, wrong

pytestmark = [pytest.mark.browser, pytest.mark.two_factor]


def test_an_inspector_sets_up_the_app_then_signs_in_with_its_codes(chromium, live_server, people):
    page = login(chromium, live_server, "inspector", viewport=DESKTOP)
    assert "/two-factor/setup/" in page.url
    assert page.locator(".qr svg").is_visible()
    assert page.locator(".qr svg").bounding_box()["width"] >= 120  # big enough to scan
    device = TOTPDevice.objects.get(user=people["inspector"])
    shown = page.inner_text("#totp-secret").replace(" ", "")
    assert shown and len(shown) == 32
    # Nothing but the sign-out and the language on the way: no work links yet.
    assert page.locator("header a[href='/supervision/cases/']").count() == 0
    key_groups = set(page.inner_text("#totp-secret").split())  # the key itself is Latin
    assert untranslated_words(page.inner_text("main"), allowed=key_groups) == []
    page.fill("#id_code", code(device))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/supervision/cases/")
    assert "验证器应用已设置" in page.inner_text(".messages")
    assert_clean(page)

    page.click("header form[action='/logout/'] button")
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "inspector")
    page.fill("#id_password", "pw-inspector")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/two-factor/?next=" in page.url
    page.fill("#id_code", wrong(device))
    with page.expect_navigation():
        page.click("main form:not([action]) button[type=submit]")
    assert "验证码不正确" in page.inner_text("#code-error")
    assert page.get_attribute("#id_code", "aria-invalid") == "true"
    # The code the set-up used is spent: the app's next one.
    page.fill("#id_code", code(device, steps=1))
    with page.expect_navigation():
        page.click("main form:not([action]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/supervision/cases/")
    assert page.locator("header a[href='/supervision/cases/']").count() == 1
    assert_clean(page)

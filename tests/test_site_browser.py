"""Site-wide pages in a real browser: the API docs, the icon, the login form, error pages."""

import pytest

from tests.browser import DESKTOP, assert_clean, open_page

pytestmark = pytest.mark.browser


def test_api_docs_render_their_operations_from_the_server_alone(chromium, live_server, db):
    page = open_page(chromium, live_server, viewport=DESKTOP)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI draws one block per operation once it has read the schema.
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert_clean(page)


def test_every_page_has_the_sites_icon(chromium, live_server, db):
    page = open_page(chromium, live_server)
    page.goto(f"{live_server.url}/")
    icons = page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
    assert icons
    # The browser asks for /favicon.ico on its own too.
    for url in icons + [f"{live_server.url}/favicon.ico"]:
        response = page.request.get(url)
        assert response.ok, url
        assert response.headers["content-type"].startswith("image/"), url
    assert_clean(page)


def test_a_wrong_password_keeps_the_username_and_says_what_went_wrong(
    chromium, live_server, people
):
    page = open_page(chromium, live_server, viewport=DESKTOP)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dispatcher")
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login/" in page.url
    assert page.input_value("#id_username") == "dispatcher"
    assert page.input_value("#id_password") == ""
    assert "用户名或密码错误" in page.inner_text("#login-error")
    # The second try needs only the password.
    page.fill("#id_password", "pw-dispatcher")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login/" not in page.url
    assert_clean(page)

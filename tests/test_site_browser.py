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

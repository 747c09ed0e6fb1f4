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

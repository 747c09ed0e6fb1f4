"""The leaders' dashboard in a real browser: it draws its charts without a script error.
(The reporting channel and the asset declarations are walked through in
tests/test_journey_inspector.py and tests/test_journey_integrity.py.)"""

import pytest

from lianxin.appeals.rollups import rollup_refresh
from tests.appeals_helpers import submit
from tests.test_browser import login

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts(chromium, live_server, people, categories):
    for n in range(3):
        submit(title=f"夜间施工噪音{n}", category="env-noise")
    rollup_refresh()
    page = login(chromium, live_server, "supervisor")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/insight/?days=7")
    page.wait_for_selector("#chart-trend canvas", timeout=10_000)
    page.wait_for_selector("#chart-categories canvas", timeout=10_000)
    assert errors == []
    assert page.inner_text(".kpis .kpi strong >> nth=0").strip() == "3"  # received
    assert "噪音污染" in page.inner_text("main")

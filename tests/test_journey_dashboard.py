"""Journey: the district's figures in a real browser at desktop width, in Chinese.

A supervisor opens the dashboard, reads the figures, drills from "handling overdue" to the
appeals behind it (each saying which deadline it missed and by how much) and opens one; the
organisation department sees the dashboard with no link it may not follow; a 畜牧兽医局 handler
follows the early-warning notification to a page that opens."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from lianxin.appeals.models import Appeal
from lianxin.appeals.rollups import rollup_refresh
from lianxin.demo import DEMO_PASSWORD
from lianxin.insight.dashboard import OVERDUE
from lianxin.insight.models import Alarm
from lianxin.insight.tasks import analyse_new_appeals, refresh_hot_issues
from tests.browser import DESKTOP, assert_clean, login, untranslated_words

pytestmark = pytest.mark.browser


@pytest.fixture
def district_today(demo):
    """The demo district as the background jobs leave it: roll-ups, hot issues and alarms
    computed."""
    analyse_new_appeals()
    rollup_refresh()
    refresh_hot_issues()
    return demo


def _main_text(page) -> str:
    return page.inner_text("main")


def _links(page) -> list[str]:
    """Every same-site link on the page, as absolute URLs without the fragment."""
    hrefs = page.eval_on_selector_all("main a[href], nav a[href]", "els => els.map(e => e.href)")
    return sorted({h.split("#")[0] for h in hrefs if h.startswith(("http://", "https://"))})


def test_dashboard_journeys(chromium, live_server, district_today):
    """One demo district (it takes a while to load) for the three people's journeys."""
    supervisor_drills_from_handling_overdue_to_an_appeal(chromium, live_server)
    organisation_department_sees_no_link_it_may_not_follow(chromium, live_server)
    vet_handler_follows_the_alarm_notification_to_a_page_that_opens(chromium, live_server)


def supervisor_drills_from_handling_overdue_to_an_appeal(chromium, live_server):
    page = login(chromium, live_server, "supervisor", DEMO_PASSWORD, viewport=DESKTOP)
    page.click("header >> text=数据看板")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/insight/"
    main = _main_text(page)
    assert untranslated_words(main) == []
    assert "当前联系超期" in main and "当前办理超期" in main
    now = timezone.now()
    handling_overdue = Appeal.objects.filter(OVERDUE["handling"](now)).count()
    contact_overdue = Appeal.objects.filter(OVERDUE["contact"](now)).count()
    assert page.inner_text("#kpi-handling-overdue strong").strip() == str(handling_overdue)
    assert page.inner_text("#kpi-contact-overdue strong").strip() == str(contact_overdue)
    assert handling_overdue >= 1, "the demo district should have some work past its deadline"

    page.click("#kpi-handling-overdue")
    page.wait_for_load_state()
    main = _main_text(page)
    assert "办理超期：超过办理期限仍未办结" in main
    assert f"({handling_overdue})" in main
    assert untranslated_words(main) == []
    rows = page.locator("main tbody tr")
    assert rows.count() == min(handling_overdue, 30)
    for i in range(rows.count()):
        assert re.search(r"办理期限超期 (\d|不到 1 分钟)", rows.nth(i).inner_text()), rows.nth(
            i
        ).inner_text()

    first = rows.nth(0).locator("a").first
    number = first.inner_text().strip()
    first.click()
    page.wait_for_load_state()
    assert number in page.inner_text("main")
    assert f"/appeals/{number}" in page.url or number in page.url

    # Every other 社情民意 page speaks Chinese too (no English or developer words).
    page.goto(f"{live_server.url}/insight/")
    for name in ("热点问题", "预警", "重复诉求"):
        page.click(f"main nav.subnav >> text={name}")
        page.wait_for_load_state()
        assert untranslated_words(_main_text(page)) == [], page.url
        if name == "热点问题":
            page.locator("main tbody a").first.click()
            page.wait_for_load_state()
            assert untranslated_words(_main_text(page)) == [], page.url
            page.go_back()
        page.goto(f"{live_server.url}/insight/")
    assert_clean(page)


def organisation_department_sees_no_link_it_may_not_follow(chromium, live_server):
    page = login(chromium, live_server, "orgdept", DEMO_PASSWORD, viewport=DESKTOP)
    page.goto(f"{live_server.url}/insight/")
    assert "当前办理超期" in _main_text(page)
    links = [u for u in _links(page) if urlsplit(u).netloc == urlsplit(live_server.url).netloc]
    assert links, "the dashboard links to the appeals behind its figures"
    assert not [u for u in links if "/insight/hot" in u or "/insight/alarms" in u]
    for url in links:
        if "/logout" in url:
            continue
        response = page.request.get(url)
        assert response.status < 400, f"{url}: {response.status}"
    # ... and one of them, followed as a person would, opens.
    page.locator("main a[href*='/insight/appeals/']").first.click()
    page.wait_for_load_state()
    assert "诉求" in _main_text(page)
    assert_clean(page)


def vet_handler_follows_the_alarm_notification_to_a_page_that_opens(chromium, live_server):
    alarm = Alarm.objects.get(kind=Alarm.Kind.CLUSTER, area__name="大湾村")
    page = login(chromium, live_server, "handler-vet", DEMO_PASSWORD, viewport=DESKTOP)
    page.goto(f"{live_server.url}/notifications/")
    link = page.locator("main a", has_text="大湾村").first
    response_status = []
    page.on(
        "response",
        lambda r: (
            response_status.append(r.status) if urlsplit(r.url).path == "/insight/alarms/" else None
        ),
    )
    link.click()
    page.wait_for_load_state()
    assert response_status and response_status[-1] == 200
    card = page.locator(f"#alarm-{alarm.pk}")
    assert "大湾村" in card.inner_text() and "动物疫病" in card.inner_text()
    # A handler reads the alarm; acknowledging it is for the unit's leader.
    assert card.locator("button").count() == 0
    # Every appeal link on the page opens for this handler.
    for url in _links(page):
        if "/appeals/" in url:
            assert page.request.get(urljoin(live_server.url, url)).status == 200, url
    assert untranslated_words(_main_text(page)) == []
    assert_clean(page)

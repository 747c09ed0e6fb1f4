"""The whole job in a real browser: a citizen submits, a dispatcher dispatches, a handler
accepts and replies, the citizen rates it satisfied, and it is closed."""

import re

import pytest

from lianxin.appeals.models import Appeal, Status
from tests.browser import PHONE
from tests.browser import login as browser_login

pytestmark = pytest.mark.browser


def login(browser, live_server, username):
    return browser_login(browser, live_server, username, viewport=PHONE, locale="en-US")


def test_citizen_to_closed_in_the_browser(chromium, live_server, people, categories):
    # The citizen, on a phone-sized screen.
    citizen = chromium.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}
    ).new_page()
    citizen.goto(f"{live_server.url}/submit/")
    citizen.fill("#id_title", "Night-time noise from the mixing plant")
    citizen.fill("#id_content", "The concrete plant works all night <b>every day</b>.")
    citizen.select_option("#id_category", "env-noise")
    citizen.fill("#id_contact_name", "王芳")
    citizen.fill("#id_contact_phone", "13812345678")
    citizen.click("#submit-appeal")
    tracking_number = citizen.inner_text("#tracking-number").strip()
    query_code = citizen.inner_text("#query-code").strip()
    assert re.fullmatch(r"\d{15}", tracking_number) and re.fullmatch(r"\d{6}", query_code)
    appeal = Appeal.objects.get(tracking_number=tracking_number)
    assert appeal.status == Status.SUBMITTED

    # The dispatcher sends it to the suggested unit in one click.
    dispatcher = login(chromium, live_server, "dispatcher")
    dispatcher.goto(f"{live_server.url}/dispatch/")
    dispatcher.click(f"#queue-{tracking_number} button.dispatch-suggested")
    assert "dispatched to 生态环境局" in dispatcher.inner_text(".messages")
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.unit.code == "env"

    # The handler of that unit accepts and replies.
    handler = login(chromium, live_server, "env_handler")
    handler.goto(f"{live_server.url}/workbench/")
    handler.click(f"text={tracking_number}")
    assert "138****5678" not in handler.content()  # the handling unit sees the number whole
    assert "13812345678" in handler.content()
    handler.click("#form-accept button[type=submit]")
    handler.click("summary:has-text('Reply')")
    handler.fill(
        "#form-reply textarea[name=text]", "We inspected the plant; night work has stopped."
    )
    handler.click("#form-reply button[type=submit]")
    assert handler.inner_text("#status") == "Replied"

    # The citizen reads the reply and rates it.
    citizen.goto(f"{live_server.url}/track/")
    citizen.fill("#tn", tracking_number)
    citizen.fill("#qc", query_code)
    citizen.click("button[type=submit]")
    assert "night work has stopped" in citizen.inner_text("#reply")
    assert "<b>every day</b>" in citizen.inner_text(".pre")  # markup shown as text
    citizen.check("input[name=resolved][value=yes]")
    citizen.check("input[name=satisfaction][value=satisfied]")
    citizen.click("#rate")
    assert citizen.inner_text("#status") == "Closed"
    assert "13812345678" not in citizen.content()

    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert appeal.followups.get().satisfaction == "satisfied"

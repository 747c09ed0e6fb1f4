"""The supervisor's work, through the pages only (desktop): open the supervision board, go to an
overdue appeal and press its unit (督办) with a note, first sent empty; the unit's leader is told
and the handler sees the note on the appeal."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from lianxin.appeals.models import Status
from lianxin.core.models import AuditEvent, Notification
from tests.appeals_helpers import appeal_in, fast_passwords  # noqa: F401
from tests.browser import DESKTOP, assert_clean, login, untranslated_words
from tests.test_journey_handler import events, send

pytestmark = pytest.mark.browser

NOTE = "已超期五个工作日，请于本周五前办结并报送办理结果。"


def test_the_supervisor_presses_an_overdue_appeal(chromium, live_server, people, district):
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        late = appeal_in(
            Status.HANDLING,
            people,
            district,
            title="养殖场臭气扰民",
            content="村东养殖场臭气熏天，夏天无法开窗。",
        )
    on_time = appeal_in(Status.HANDLING, people, district, title="宠物医院乱收费")

    page = login(chromium, live_server, "supervisor", viewport=DESKTOP)
    page.click("header nav a[href='/supervision/']")
    board = page.inner_text("main")
    assert "畜牧兽医局" in board
    assert late.tracking_number in board and on_time.tracking_number not in board
    with page.expect_navigation():
        page.click(f"a:text-is('{late.tracking_number}')")

    # An empty note is refused beside the field; nothing is recorded, nobody is told.
    assert page.is_visible("#form-supervise")
    before, told = events(late), Notification.objects.count()
    send(page, "supervise")
    assert page.is_visible("#supervise-note + .error")
    assert page.locator(".messages .error").count() == 0
    assert events(late) == before and Notification.objects.count() == told
    page.fill("#supervise-note", NOTE)
    send(page, "supervise")
    assert page.locator(".messages .success").count() == 1
    event = AuditEvent.objects.filter(object_id=str(late.pk), action="supervise").get()
    assert event.reason == NOTE and event.actor == people["supervisor"]
    assert Notification.objects.filter(
        recipient=people["vet_leader"], channel="inapp", subject__contains=late.tracking_number
    ).exists()
    assert (
        untranslated_words(
            page.inner_text("main"), allowed={"dispatcher", "vet_handler", "supervisor", "web"}
        )
        == []
    )
    assert_clean(page)

    # The handler sees the supervision and its note on the appeal.
    handler = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    handler.click("header nav a[href='/workbench/']")
    handler.click(f"a:text-is('{late.tracking_number}')")
    history = handler.inner_text(".timeline")
    assert "督办" in history and NOTE in history
    assert_clean(handler)

"""The unit leader's work, through the pages only (desktop): review the replies held for their
low quality score (reject one, first without a reason, then with one; let another go out),
decide the extension of a letters-and-visits case, and go from the figures on the workbench and
the dashboard to the appeals behind them."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import Extension, Status
from lianxin.appeals.rollups import rollup_refresh
from tests.appeals_helpers import appeal_in, fast_passwords, fresh  # noqa: F401
from tests.browser import DESKTOP, assert_clean, login, untranslated_words
from tests.test_journey_handler import events, open_form, send

pytestmark = pytest.mark.browser

WEAK = "您好！您的来信已收悉，正在处理。"  # scores below the threshold: held for the leader


def test_the_unit_leader_reviews_decides_and_drills_down(
    chromium, live_server, people, district, settings
):
    settings.REPLY_REVIEW_THRESHOLD = 0.5
    handler = people["vet_handler"]
    rejected = services.appeal_reply(
        appeal=appeal_in(Status.HANDLING, people, district), actor=handler, text=WEAK
    )
    approved = services.appeal_reply(
        appeal=appeal_in(
            Status.HANDLING,
            people,
            district,
            title="兽药店无证经营",
            content="镇上有一家兽药店没有经营许可证。",
        ),
        actor=handler,
        text="您好！您反映的问题已收悉，我们会尽快处理。",
    )
    case = appeal_in(
        Status.HANDLING,
        people,
        district,
        track="xinfang",
        title="养殖场补贴未发放",
        content="去年的生猪养殖补贴至今未发放。",
    )
    services.extension_request(
        appeal=case, actor=handler, days=10, reason="需核对三个乡镇的发放台账"
    )
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        late = [
            appeal_in(
                Status.HANDLING,
                people,
                district,
                title=f"病死猪无害化处理{n}",
                content="村口发现病死猪，无人处理。",
            )
            for n in range(2)
        ]
    rollup_refresh()
    assert fresh(rejected).status == fresh(approved).status == Status.REVIEWING

    page = login(chromium, live_server, "vet_leader", viewport=DESKTOP)

    # From the notification to the held reply. Reject without a reason: the message stands
    # beside the reason and the choice stays "reject" (it used to flip back to "approve").
    page.click("header nav a[href='/notifications/']")
    with page.expect_navigation():
        page.click(f"a[href='/appeals/{rejected.tracking_number}/']")
    assert WEAK in page.inner_text("#reply-review")
    page.check("#form-review input[name=approve][value=no]")
    before = events(rejected)
    send(page, "review")
    assert page.is_visible("#review-reason + .error")
    assert page.locator(".messages .error").count() == 0
    assert page.is_checked("#form-review input[name=approve][value=no]")
    assert not page.is_checked("#form-review input[name=approve][value=yes]")
    assert fresh(rejected).status == Status.REVIEWING and events(rejected) == before
    page.fill("#review-reason", "答复没有说明灯何时修好，请写明处理结果和依据。")
    send(page, "review")
    rejected = fresh(rejected)
    assert rejected.status == Status.HANDLING and rejected.reply == ""
    assert rejected.reply_review["rejected_reason"].startswith("答复没有说明")

    # The other held reply goes out to the citizen.
    page.click("header nav a[href='/workbench/']")
    page.click(f"a:text-is('{approved.tracking_number}')")
    send(page, "review")  # "approve" is the preselected choice
    assert fresh(approved).status == Status.REPLIED

    # The extension of the letters-and-visits case: a note too long is refused beside it,
    # the choice and the text kept; then the leader approves.
    page.click("header nav a[href='/workbench/']")
    page.click(f"a:text-is('{case.tracking_number}')")
    open_form(page, "extension_decide")
    page.check("#form-extension_decide input[name=approve][value=no]")
    page.fill("#extension_decide-reason", "核" * 1001)
    deadline = fresh(case).handling_deadline
    send(page, "extension_decide")
    assert page.is_visible("#extension_decide-reason + .error")
    assert page.is_checked("#form-extension_decide input[name=approve][value=no]")
    assert page.input_value("#extension_decide-reason") == "核" * 1001
    assert Extension.objects.get(appeal=case).decision == Extension.Decision.PENDING
    page.check("#form-extension_decide input[name=approve][value=yes]")
    page.fill("#extension_decide-reason", "同意延期10日，请按期办结。")
    send(page, "extension_decide")
    assert Extension.objects.get(appeal=case).decision == Extension.Decision.APPROVED
    assert fresh(case).handling_deadline > deadline

    # From the figures to the appeals behind them: the workbench's overdue list ...
    page.click("header nav a[href='/workbench/']")
    page.click("a[href='?overdue=1']")
    table = page.inner_text("main table")
    assert all(a.tracking_number in table for a in late)
    assert case.tracking_number not in table

    # ... and the dashboard's "overdue now", whose number is the list it opens.
    page.click("header nav a[href='/insight/']")
    kpi = page.locator("a.kpi:has-text('当前办理超期')")
    shown = int(kpi.locator("strong").inner_text())
    kpi.click()
    page.wait_for_selector("main table")
    rows = page.locator("main table tbody tr")
    assert shown == rows.count() == len(late)
    with page.expect_navigation():
        page.click(f"a:text-is('{late[0].tracking_number}')")
    assert "病死猪无害化处理0" in page.inner_text("h1")
    assert (
        untranslated_words(page.inner_text("main"), allowed={"dispatcher", "vet_handler", "web"})
        == []
    )
    assert_clean(page)

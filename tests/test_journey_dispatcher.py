"""A dispatcher's journey at a desk, through the pages only: dispatch from the queue choosing a
unit (first with none chosen, then again from a stale tab), dispatch an appeal to the unit the
router suggested, merge a repeated appeal into the earlier one, and read the time left."""

import csv
import random
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Category, Status, Urgency
from lianxin.core.models import Unit
from lianxin.core.queue import work_pending
from lianxin.insight.models import DuplicateCandidate
from lianxin.insight.suggest import forget_router
from tests.browser import assert_clean, login

from .test_insight_duplicates import MIXER, MIXER_AGAIN

TRAIN = Path(__file__).resolve().parent.parent / "data" / "teddy2020" / "train.csv"
pytestmark = pytest.mark.browser


@pytest.fixture
def router(settings, tmp_path, district):
    """A real router trained on 300 real messages (as in test_insight_routing), one category
    per label with its unit, and never sure enough to dispatch by itself."""
    settings.VAR_DIR = tmp_path
    settings.AUTO_DISPATCH_CONFIDENCE = 1.01
    forget_router()
    with TRAIN.open(encoding="utf-8") as f:
        rows = random.Random(11).sample(list(csv.DictReader(f)), 300)
    path = tmp_path / "train.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows([r["text"], r["label"]] for r in rows)
    for n, label in enumerate(sorted({r["label"] for r in rows})):
        unit = Unit.objects.create(
            name=f"{label}局", code=f"u{n}", kind="department", parent=district["root"]
        )
        Category.objects.create(code=f"g{n}", name=label, default_unit=unit)
    call_command("router_train", "--data", str(path), "--folds", "3", stdout=StringIO())
    yield rows
    forget_router()


def test_a_dispatcher_dispatches_merges_and_watches_the_clock(
    chromium, live_server, people, categories, router
):
    # Before the journey: the morning's queue.
    noise, _ = services.appeal_submit(
        title="夜间噪音扰民",
        content="楼下商铺每晚放音乐到凌晨一点。",
        address="东湖社区3栋",
        category=categories["noise"],
        urgency=Urgency.URGENT,
    )
    school = next(r["text"] for r in router if r["label"] == "教育文体")
    routed, _ = services.appeal_submit(title="市民来信", content=school)
    first, _ = services.appeal_submit(title=MIXER[0], content=MIXER[1])
    again, _ = services.appeal_submit(title=MIXER_AGAIN[0], content=MIXER_AGAIN[1])
    work_pending()  # run_schedule's pass (with a broker their tasks did it already)
    routed.refresh_from_db()
    suggested = routed.suggested_category
    assert suggested is not None and routed.status == Status.SUBMITTED  # the router's advice
    assert DuplicateCandidate.objects.filter(appeal=again, earlier=first).exists()

    stale = login(chromium, live_server, "dispatcher")  # a second window, left open
    stale.goto(f"{live_server.url}/dispatch/")
    page = login(chromium, live_server, "dispatcher")
    page.goto(f"{live_server.url}/dispatch/")

    # The noise complaint: its address says which community; no unit chosen first.
    card = page.locator(f"#queue-{noise.tracking_number}")
    assert "地址: 东湖社区3栋" in card.inner_text()
    picker, button = (
        card.locator("select[name=unit]").bounding_box(),
        card.locator("button.secondary").bounding_box(),
    )
    middle = [box["y"] + box["height"] / 2 for box in (picker, button)]
    assert abs(middle[0] - middle[1]) < 10 and button["x"] > picker["x"]  # side by side
    card.locator("button.secondary").click()
    assert card.locator("select[name=unit]:invalid").count() == 1  # the browser asks for one
    assert page.url.endswith("/dispatch/")
    assert Appeal.objects.get(pk=noise.pk).status == Status.SUBMITTED
    card.locator("select[name=unit]").select_option(label="东城街道 / 东湖社区")
    card.locator("button.secondary").click()
    assert page.inner_text(".messages") == f"诉求 {noise.tracking_number} 已派单至东湖社区。"
    assert page.locator(f"#queue-{noise.tracking_number}").count() == 0

    # The stale window still offers it: a second dispatch is refused, the first one stands.
    stale_card = stale.locator(f"#queue-{noise.tracking_number}")
    stale_card.locator("select[name=unit]").select_option(label="生态环境局")
    stale_card.locator("button.secondary").click()
    assert stale.inner_text(".messages li.error") == "其他人刚刚修改了这件诉求，请刷新页面后重试。"
    assert Appeal.objects.get(pk=noise.pk).unit == Unit.objects.get(code="east-lake")

    # The letter without a category: one click sends it where the router suggests.
    card = page.locator(f"#queue-{routed.tracking_number}")
    assert f"建议: {suggested.name}" in card.inner_text()
    card.locator("button.dispatch-suggested").click()
    unit = suggested.default_unit
    assert page.inner_text(".messages") == f"诉求 {routed.tracking_number} 已派单至{unit.name}。"
    routed.refresh_from_db()
    assert (routed.status, routed.unit, routed.category) == (Status.DISPATCHED, unit, suggested)

    # The mixing plant again: merged into the earlier appeal from the duplicates page.
    page.click("text=可能与先前诉求重复的诉求")
    pair = page.locator(f"#appeal-{again.pk}")
    assert first.tracking_number in pair.inner_text()
    pair.locator("form[action$='/merge/'] button").click()
    assert page.inner_text(".messages") == (
        f"{again.tracking_number} 已并入先前诉求 {first.tracking_number}。"
    )
    again.refresh_from_db()
    assert again.status == Status.MERGED and again.master == first

    # The urgent complaint is due in a day: the board says so.
    page.click("header a[href='/supervision/']")
    row = page.locator("tr", has=page.locator(f"a:text-is('{noise.tracking_number}')"))
    left = row.locator("td").nth(4).inner_text()
    assert re.match(r"(23\s*小时|1\s*天)", left), left
    assert_clean(page)
    assert_clean(stale)

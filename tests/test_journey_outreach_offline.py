"""Journey of a township cadre on a phone in a village without signal: the visit pages opened
once online open again offline (the service worker's copies), a farm visit saved offline waits
on the phone ("1 条走访记录等待发送") and arrives exactly once, with the date entered offline,
when the signal returns; a visit dated in the future saved offline is refused on sync with the
server's message, kept on the phone, corrected and then stored."""

from datetime import datetime, timedelta

import pytest

from lianxin.outreach.models import Visit
from tests.browser import PHONE, assert_clean, fits_width, login

from . import outreach_helpers
from .outreach_helpers import farm, paired, today

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.browser


def kept_on_phone(page) -> list[dict]:
    return page.evaluate("VisitQueue.all()")


def controlled(page) -> None:
    """Waits until the service worker controls the page (it claims it once installed)."""
    page.evaluate(
        """() => navigator.serviceWorker.controller || new Promise((done) =>
             navigator.serviceWorker.addEventListener("controllerchange", done))"""
    )


def waiting(page) -> str:
    return page.get_attribute("#visit-queue", "data-count") or ""


def test_a_farm_visit_saved_offline_arrives_once(chromium, live_server, village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    pairing = paired(leader, cadre, pig_farm)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    context = page.context
    page.goto(f"{live_server.url}/outreach/")
    # The worker takes the page once installed; "my households" then has it keep each
    # household's page and form.
    controlled(page)
    form_url = f"{live_server.url}/outreach/households/{pig_farm.pk}/visit/"
    page.click("text=记录走访")
    page.wait_for_url(form_url)

    # No signal: the form opens from the phone's copy.
    context.set_offline(True)
    page.reload()
    assert page.input_value("#form") == "farm"
    assert "张养殖" in page.inner_text("main")
    assert fits_width(page)
    day = today() - timedelta(days=1)
    page.fill("#visited_on", day.isoformat())
    page.fill("#notes", "无信号，栏舍已消毒")
    page.select_option("#immunisation_done", "yes")
    page.fill("#sick_count", "1")
    page.fill("#dead_count", "0")
    page.select_option("#biosecurity_ok", "yes")
    page.click("text=保存走访记录")
    page.wait_for_selector("#visit-queue[data-count='1']")
    assert "1 条走访记录等待发送" in page.inner_text("#visit-queue-count")
    assert "已保存在本机" in page.inner_text("#visit-queue-notice")
    [entry] = kept_on_phone(page)
    client_uuid = entry["client_uuid"]
    assert not Visit.objects.exists()
    assert fits_width(page)
    # Other pages opened online open offline too.
    page.goto(f"{live_server.url}/outreach/")
    assert "张养殖" in page.inner_text("main")
    page.wait_for_selector("#visit-queue[data-count='1']")

    # The signal returns: the visit is sent, stored once with the date entered offline.
    context.set_offline(False)
    page.wait_for_selector("#visit-queue[data-count='0']", state="attached")
    visit = Visit.objects.get(client_uuid=client_uuid)
    assert (visit.visited_on, visit.form, visit.sick_count, visit.pairing_id) == (
        day,
        "farm",
        1,
        pairing.pk,
    )
    assert (visit.immunisation_done, visit.biosecurity_ok, visit.dead_count) == (True, True, 0)
    # With the time the phone saved it, not the time it arrived.
    assert visit.saved_at == datetime.fromisoformat(entry["saved_at"])
    assert visit.saved_at < visit.created_at
    assert kept_on_phone(page) == []
    assert page.is_hidden("#visit-queue-count")
    assert "本机保存的 1 条走访记录已发送" in page.inner_text("#visit-queue-notice")

    # The same visit sent again (an answer lost on the way): stored once still.
    resend = page.evaluate(
        """(body) => fetch("/outreach/visits/sync/", {method: "POST",
             headers: {"Content-Type": "application/json",
                       "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]},
             body: JSON.stringify(body)}).then(r => r.json().then(j => [r.status, j]))""",
        {
            "client_uuid": client_uuid,
            "pairing": pairing.pk,
            "visited_on": day.isoformat(),
            "form": "farm",
            "notes": "无信号，栏舍已消毒",
            "immunisation_done": True,
            "sick_count": "1",
            "dead_count": "0",
            "biosecurity_ok": True,
        },
    )
    assert resend[0] == 200 and resend[1]["created"] is False
    assert Visit.objects.filter(client_uuid=client_uuid).count() == 1
    assert_clean(page)


def test_a_visit_refused_on_sync_is_kept_with_the_message(
    chromium, live_server, village, outreach_people
):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    paired(leader, cadre, pig_farm)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    context = page.context
    page.goto(f"{live_server.url}/outreach/")
    controlled(page)
    page.click("text=记录走访")

    context.set_offline(True)
    page.reload()
    page.fill("#visited_on", (today() + timedelta(days=2)).isoformat())
    page.fill("#notes", "日期填错了")
    page.click("text=保存走访记录")
    page.wait_for_selector("#visit-queue[data-count='1']")

    # Back online: the server refuses it; the cadre reads why, and it stays on the phone.
    context.set_offline(False)
    refusal = page.wait_for_selector("#visit-queue-refused li")
    assert "走访日期不能晚于今天" in refusal.inner_text()
    assert waiting(page) == "1"
    assert not Visit.objects.exists()
    [entry] = kept_on_phone(page)
    assert entry["error"]["code"] == "future_date"
    assert fits_width(page)

    # Corrected: the form comes back filled in, with the message; saved online, it is stored
    # once under the id made on the phone, and leaves the phone.
    page.click("#visit-queue-refused >> text=修改")
    # offline.js fills the form from the phone's list (IndexedDB) after the page has loaded.
    page.wait_for_function("() => document.querySelector('#notes')?.value === '日期填错了'")
    assert "走访日期不能晚于今天" in page.inner_text("main")
    page.fill("#visited_on", today().isoformat())
    page.click("text=保存走访记录")
    page.wait_for_url(f"**/outreach/households/{pig_farm.pk}/")
    assert "走访记录已保存" in page.inner_text("main")
    visit = Visit.objects.get()
    assert (str(visit.client_uuid), visit.visited_on) == (entry["client_uuid"], today())
    page.wait_for_selector("#visit-queue[data-count='0']", state="attached")
    assert kept_on_phone(page) == []
    assert_clean(page)


def test_a_refused_visit_is_deleted_only_when_the_cadre_says_so_and_logging_out_drops_pages(
    chromium, live_server, village, outreach_people
):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    paired(leader, cadre, pig_farm)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    page.goto(f"{live_server.url}/outreach/")
    controlled(page)
    page.click("text=记录走访")
    page.context.set_offline(True)
    page.reload()
    page.fill("#visited_on", (today() + timedelta(days=1)).isoformat())
    page.click("text=保存走访记录")
    page.wait_for_selector("#visit-queue[data-count='1']")
    page.context.set_offline(False)
    page.wait_for_selector("#visit-queue-refused li")
    # Dismissing the question keeps it; accepting it deletes it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#visit-queue-refused >> text=删除")
    assert len(kept_on_phone(page)) == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#visit-queue-refused >> text=删除")
    page.wait_for_selector("#visit-queue[data-count='0']", state="attached")
    assert kept_on_phone(page) == [] and not Visit.objects.exists()
    # Logging out drops the copies of the pages (names and phones of the households).
    assert page.evaluate("caches.has('outreach-pages')")
    with page.expect_navigation():
        page.click("header form[action='/logout/'] button")
    assert not page.evaluate("caches.has('outreach-pages')")
    assert_clean(page)


def test_a_visit_whose_answer_was_lost_is_stored_once(
    chromium, live_server, village, outreach_people
):
    """The weak signal's worst case: the post reaches the server, the answer never comes back.
    The phone keeps the visit; sent again, the server says it has it already: one visit."""
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    paired(leader, cadre, pig_farm)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    page.goto(f"{live_server.url}/outreach/")
    controlled(page)
    page.click("text=记录走访")
    page.fill("#notes", "回程信号中断")

    def answer_lost(route):
        route.fetch()  # the server gets the post and stores the visit
        route.abort("connectionreset")  # the phone never hears back

    page.context.route(f"**/outreach/households/{pig_farm.pk}/visit/", answer_lost)
    # The phone keeps it, and the page sends it again at once (the signal is back): the
    # server answers "stored before" (200, not created) and the phone lets it go.
    with page.expect_response(lambda r: r.url.endswith("/outreach/visits/sync/")) as resent:
        page.click("text=保存走访记录")
    stored = Visit.objects.get()
    assert resent.value.status == 200
    assert resent.value.json() == {
        "id": stored.pk,
        "client_uuid": str(stored.client_uuid),
        "created": False,
    }
    page.wait_for_selector("#visit-queue[data-count='0']", state="attached")
    assert "本机保存的 1 条走访记录已发送" in page.inner_text("#visit-queue-notice")
    assert kept_on_phone(page) == []
    assert Visit.objects.count() == 1 and Visit.objects.get().notes == "回程信号中断"
    assert_clean(page)

"""Every supervision page, as the people who use it see it in Chromium: in Chinese with no
English or developer word left (raw state codes, field names), and every POST form of the
reporting channel accepted by the browser as it really submits it (its Origin header
included) — for an anonymous citizen and for someone signed in."""

import pytest

from lianxin.core.models import Role
from lianxin.supervision import services as supervision
from lianxin.supervision.models import InspectorKey, Report
from tests.browser import DESKTOP, PHONE, assert_clean, login, open_page, untranslated_words
from tests.conftest import make_user

pytestmark = pytest.mark.browser

PASSPHRASE = "a long inspector passphrase"

# Words that are data or notation on these pages, not interface: the spot check's
# verification recipe names its algorithm and the language of its one-line check.
ALLOWED = {"HMAC", "SHA", "Python"}


def visible_words(page) -> list[str]:
    """Latin words in what the page shows, leaving out code the page quotes on purpose
    (the spot check's verification command)."""
    text = page.evaluate("""() => {
        const main = document.querySelector('main');
        let text = main.innerText;  // of the rendered page: a detached copy runs cells together
        main.querySelectorAll('code').forEach(c => { text = text.replace(c.innerText, ' '); });
        return text + ' ' + document.title;
    }""")
    return untranslated_words(text, allowed=ALLOWED)


def named(user, name):
    user.first_name = name
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def supervision_data(people, district, cheap_crypto):
    """A report an inspector has read, filed declarations of two years, a personal-matter
    report and a drawn spot check, so that every page has something on it."""
    named(people["inspector"], "纪检员")
    named(people["vet_handler"], "王伟")
    orgdept = named(make_user("orgdept", Role.ORGDEPT, district["root"]), "组织部")
    supervision.inspector_key_create(user=people["inspector"], passphrase=PASSPHRASE)
    report, receipt = supervision.report_submit(accused="某局某科长", content="收取好处费。")
    private_key = supervision.inspector_key_unlock(user=people["inspector"], passphrase=PASSPHRASE)
    supervision.report_read(report=report, actor=people["inspector"], private_key=private_key)
    cadre = people["vet_handler"]
    for year, value in ((2024, "800000"), (2025, "2900000")):
        declaration = supervision.declaration_save(
            cadre=cadre,
            year=year,
            actor=cadre,
            items={
                "family": [{"name": "王伟", "relation": "self"}],
                "real_estate": [
                    {"holder": "王伟", "address": "东湖路1号", "area": "90", "value": value}
                ],
                "income": [{"holder": "王伟", "kind": "salary", "amount": "180000"}],
            },
        )
        declaration = supervision.declaration_submit(declaration=declaration, actor=cadre)
    personal = supervision.personal_report_save(
        cadre=cadre,
        year=2025,
        actor=cadre,
        items={
            "travels": [
                {
                    "start": "2025-05-01",
                    "end": "2025-05-07",
                    "destination": "新加坡",
                    "purpose": "旅游",
                }
            ]
        },
    )
    personal = supervision.personal_report_submit(report=personal, actor=cadre)
    check = supervision.spot_check_announce(
        year=2025, seed="2026-01-05 第一次会议 7", share="0.5", unit=district["root"], actor=orgdept
    )
    supervision.spot_check_draw(spot_check=check, actor=orgdept)
    return {
        "report": report,
        "receipt": receipt,
        "declaration": declaration,
        "personal": personal,
        "check": check,
    }


def test_every_supervision_page_speaks_chinese(chromium, live_server, people, supervision_data):
    d = supervision_data
    found = {}

    def look(page, path):
        page.goto(live_server.url + path)
        words = visible_words(page)
        if words:
            found[path] = words

    citizen = open_page(chromium, live_server, viewport=PHONE)
    look(citizen, "/supervision/report/")
    look(citizen, "/supervision/report/status/")
    citizen.fill("#receipt", d["receipt"])
    citizen.click("form.card button[type=submit]")
    words = visible_words(citizen)
    if words:
        found["/supervision/report/status/ (a case)"] = words
    assert_clean(citizen)

    inspector = login(chromium, live_server, "inspector")
    look(inspector, "/supervision/cases/key/")
    inspector.fill("#passphrase", PASSPHRASE)
    inspector.click("form.card button[type=submit]")
    for path in (
        "/supervision/cases/",
        f"/supervision/cases/{d['report'].pk}/",
        "/supervision/cases/reads/",
    ):
        look(inspector, path)
    assert_clean(inspector)

    reader = login(chromium, live_server, "orgdept")
    for path in (
        "/supervision/integrity/",
        "/supervision/integrity/declarations/",
        f"/supervision/integrity/declarations/{d['declaration'].pk}/",
        f"/supervision/integrity/personal-reports/{d['personal'].pk}/",
        "/supervision/integrity/reads/",
        "/supervision/integrity/spot-checks/",
        f"/supervision/integrity/spot-checks/{d['check'].pk}/",
    ):
        look(reader, path)
    assert_clean(reader)

    cadre = login(chromium, live_server, "vet_handler", viewport=PHONE)
    for path in (
        "/supervision/integrity/",
        "/supervision/integrity/declaration/2026/",
        "/supervision/integrity/personal-report/2026/",
        f"/supervision/integrity/declarations/{d['declaration'].pk}/",
    ):
        look(cadre, path)
    assert_clean(cadre)

    assert found == {}


def test_a_signed_in_person_can_log_out_from_the_reporting_pages(
    chromium, live_server, people, supervision_data
):
    """The channel's pages send no page address as referrer; the header's log-out form posts with an
    Origin Django's CSRF check accepts (Chromium sends `Origin: null` under no-referrer)."""
    for path in ("/supervision/report/", "/supervision/report/status/"):
        page = login(chromium, live_server, "inspector", viewport=DESKTOP)
        page.goto(live_server.url + path)
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("header form[action='/logout/'] button")
        assert posted.value.status < 400, f"log-out from {path}: {posted.value.status}"
        assert page.context.cookies() == [] or all(
            c["name"] != "sessionid" for c in page.context.cookies()
        )
        assert_clean(page)


def test_the_channel_sends_no_referrer_path_anywhere(
    chromium, live_server, people, supervision_data
):
    """What the page's own requests (its style sheet, a link followed) carry as Referer
    never names the reporting page: not to another site, not to the server's access log."""
    page = open_page(chromium, live_server, viewport=PHONE)
    referers = []
    page.on("request", lambda r: referers.append(r.headers.get("referer", "")))
    page.goto(f"{live_server.url}/supervision/report/")
    page.click("a[href='/supervision/report/status/'] >> nth=-1")
    page.wait_for_load_state()
    assert referers and not any("/supervision/" in r for r in referers)
    page.fill("#receipt", supervision_data["receipt"])
    page.click("form.card button[type=submit]")
    page.fill("#text", "补充：还有一张收据。")
    page.click("#send-message")
    assert "补充" in page.inner_text("#messages")
    assert Report.objects.get().messages.count() == 1
    assert not any("/supervision/" in r for r in referers)
    assert page.context.cookies() == []
    assert_clean(page)


def test_every_form_of_the_inspectors_key_posts_in_chromium(
    chromium, live_server, people, district, supervision_data
):
    """Create a key (a mismatch refused beside the fields), be given a case by a colleague's
    share, change the passphrase and lock the key: each a POST the browser makes, each accepted
    by the CSRF check."""
    report = supervision_data["report"]
    make_user("inspector2", Role.INSPECTOR, district["root"], first_name="新纪检员")
    newcomer = login(chromium, live_server, "inspector2")
    newcomer.click("header a[href='/supervision/cases/']")
    newcomer.click("a[href='/supervision/cases/key/']")
    newcomer.fill("#passphrase", "my own long passphrase")
    newcomer.fill("#passphrase2", "my own long passphrase!")
    newcomer.click("form.card button[type=submit]")
    assert newcomer.locator("#passphrase2 + p.error#key-error").is_visible()
    assert not InspectorKey.objects.filter(user__username="inspector2").exists()
    newcomer.fill("#passphrase", "my own long passphrase")
    newcomer.fill("#passphrase2", "my own long passphrase")
    newcomer.click("form.card button[type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/supervision/cases/")
    assert InspectorKey.objects.filter(user__username="inspector2").exists()

    # The report came before the newcomer's key: a colleague shares it.
    lead = login(chromium, live_server, "inspector")
    lead.goto(f"{live_server.url}/supervision/cases/key/")
    lead.fill("#passphrase", PASSPHRASE)
    lead.click("form.card button[type=submit]")
    lead.click(f"a[href='/supervision/cases/{report.pk}/']")
    lead.click("button[value=share]")
    assert report.wraps.filter(inspector_key__user__username="inspector2").exists()
    assert_clean(lead)

    newcomer.click(f"a[href='/supervision/cases/{report.pk}/']")
    assert "收取好处费" in newcomer.inner_text("#content")
    newcomer.goto(f"{live_server.url}/supervision/cases/key/")
    newcomer.click("details.card summary")
    newcomer.fill("#current-passphrase", "my own long passphrase")
    newcomer.fill("#new-passphrase", "another long passphrase")
    newcomer.fill("#new-passphrase2", "another long passphrase")
    newcomer.click("details.card button[type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/supervision/cases/")
    newcomer.click("button[value=lock]")
    newcomer.click(f"a[href='/supervision/cases/{report.pk}/']")
    assert newcomer.locator("#content").count() == 0
    newcomer.click("a[href^='/supervision/cases/key/']")
    newcomer.fill("#passphrase", "another long passphrase")
    newcomer.click("form.card button[type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/supervision/cases/{report.pk}/")
    assert "收取好处费" in newcomer.inner_text("#content")
    assert_clean(newcomer)

"""The server's side of visits logged offline: the service worker is served over the outreach
pages with its shell, the cadre's pages carry what the phone needs to keep a visit, and a visit
synced with the time the phone saved it keeps that time (never later than its arrival).
The journey through a real browser is tests/test_journey_outreach_offline.py."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from lianxin.core.models import AuditEvent
from lianxin.outreach.models import Visit

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .outreach_helpers import farm, paired, today

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    return {"farm": pig_farm, "pairing": paired(leader, cadre, pig_farm), **outreach_people}


def test_the_service_worker_covers_the_outreach_pages(client):
    response = client.get("/outreach/sw.js")
    assert response.status_code == 200  # no sign-in: the script holds no personal data
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/outreach/"
    assert response["Cache-Control"] == "no-cache"  # a new release reaches the phones
    script = response.content.decode()
    # The shell, from this server only.
    for path in ("/static/outreach/queue.js", "/static/css/lianxin.css", "/static/js/site.js"):
        assert f'"{path}"' in script
    assert 'importScripts("/static/outreach/queue.js")' in script
    assert "http" not in script.replace("http-equiv", "")
    assert "{%" not in script and "{{" not in script


@pytest.mark.parametrize(
    ("lang", "text"),
    [("zh-hans", "没有信号，这个页面此前也没有在本机打开过"), ("en", "There is no signal")],
)
def test_the_workers_own_page_speaks_the_language_of_the_pages(client, lang, text):
    # The script's request carries the browser's language; the pages name theirs.
    script = client.get(f"/outreach/sw.js?lang={lang}", HTTP_ACCEPT_LANGUAGE="fr").content
    assert text in script.decode()


def test_the_worker_changes_when_its_shell_changes(client, monkeypatch, tmp_path):
    from lianxin.outreach.views import offline

    before = client.get("/outreach/sw.js").content.decode()
    assert f"outreach-shell-{offline._shell_version()}" in before
    changed = tmp_path / "site.js"
    changed.write_text("// a new release")
    real_find = offline.finders.find
    monkeypatch.setattr(
        offline.finders,
        "find",
        lambda name, **kw: str(changed) if name == "js/site.js" else real_find(name, **kw),
    )
    offline._shell_version.cache_clear()
    try:
        after = client.get("/outreach/sw.js").content.decode()
    finally:
        offline._shell_version.cache_clear()
    assert after != before  # phones install the new worker and drop the old shell


def test_the_visit_form_carries_what_the_phone_keeps(client, setup):
    client.force_login(setup["cadre"])
    page = client.get(f"/outreach/households/{setup['farm'].pk}/visit/").content.decode()
    assert f'name="offline_pairing" value="{setup["pairing"].pk}"' in page
    assert f'name="offline_cadre" value="{setup["cadre"].pk}"' in page
    assert (
        'data-sw="/outreach/sw.js?lang=zh-hans"' in page
        and 'data-sync="/outreach/visits/sync/"' in page
    )
    assert "data-fresh" in page  # a blank form: the phone makes its own client id
    assert "条走访记录等待发送" in page


def sync(client, body):
    return client.post(
        "/outreach/visits/sync/",
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def visit_body(setup, **change):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "pairing": setup["pairing"].pk,
        "visited_on": (today() - timedelta(days=2)).isoformat(),
        "form": "farm",
        "immunisation_done": True,
        "sick_count": "0",
        "dead_count": "0",
        "biosecurity_ok": True,
    }
    body.update(change)
    return body


def test_a_synced_visit_keeps_the_time_the_phone_saved_it(client, setup):
    client.force_login(setup["cadre"])
    saved = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2, hours=3)
    body = visit_body(setup, saved_at=saved.isoformat().replace("+00:00", "Z"))
    assert sync(client, body).status_code == 201
    visit = Visit.objects.get()
    assert visit.saved_at == saved
    event = AuditEvent.objects.get(action="visit_record", object_id=str(visit.pk))
    assert event.data["saved_at"] == saved.isoformat()
    assert (
        "手机离线保存于" in client.get(f"/outreach/households/{setup['farm'].pk}/").content.decode()
    )


def test_a_phone_clock_running_ahead_cannot_date_a_visit_after_it_arrived(client, setup):
    client.force_login(setup["cadre"])
    with time_machine.travel(datetime(2026, 11, 20, 8, 0, tzinfo=UTC), tick=False):
        ahead = "2026-11-20T09:30:00.000Z"
        body = visit_body(setup, visited_on="2026-11-20", saved_at=ahead)
        assert sync(client, body).status_code == 201
    assert Visit.objects.get().saved_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("saved_at", "message"),
    [("yesterday", "不是有效的时间"), ("2026-11-20T09:30:00", "没有时区")],
)
def test_a_saved_time_that_is_not_one_is_refused(client, setup, saved_at, message):
    client.force_login(setup["cadre"])
    response = sync(client, visit_body(setup, saved_at=saved_at))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in response.json()["message"]
    assert not Visit.objects.exists()


def test_a_visit_posted_with_signal_has_no_phone_time(client, setup):
    client.force_login(setup["cadre"])
    assert sync(client, visit_body(setup)).status_code == 201
    assert Visit.objects.get().saved_at is None

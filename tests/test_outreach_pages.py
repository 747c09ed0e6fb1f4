"""The outreach pages: the cadre's households, a household with its visits (masked for a
supervisor), the visit form (clear errors, nothing saved on error), the unit leader's page."""

import uuid
from datetime import timedelta

import pytest

from lianxin.appeals.models import Appeal
from lianxin.core.models import AuditEvent
from lianxin.outreach.models import Visit, VisitForm
from lianxin.outreach.services import visit_record

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .outreach_helpers import farm, paired, register, today

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pig_farm = farm(leader, village)
    pairing = paired(leader, cadre, pig_farm)
    lonely = register(leader, village, head_name="刘奶奶", phone="13700002222")
    return {"farm": pig_farm, "pairing": pairing, "unpaired": lonely, **outreach_people}


def as_user(client, user):
    client.force_login(user)
    return client


def test_the_cadre_sees_their_households(client, setup):
    page = as_user(client, setup["cadre"]).get("/outreach/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张养殖" in text and "刘奶奶" not in text


def test_a_farm_visit_through_the_form(client, setup):
    c = as_user(client, setup["cadre"])
    url = f"/outreach/households/{setup['farm'].pk}/visit/"
    form = c.get(url)
    assert form.status_code == 200
    key = str(uuid.uuid4())
    data = {
        "visited_on": today().isoformat(),
        "form": "farm",
        "notes": "栏舍干净",
        "needs": "",
        "immunisation_done": "yes",
        "sick_count": "3",
        "dead_count": "1",
        "biosecurity_ok": "no",
        "client_uuid": key,
    }
    done = c.post(url, data)
    assert done.status_code == 302
    visit = Visit.objects.get()
    assert (visit.sick_count, visit.dead_count, visit.biosecurity_ok) == (3, 1, False)
    # The same form sent again (a double tap, a resend): still one visit.
    assert c.post(url, data).status_code == 302
    assert Visit.objects.count() == 1
    assert "栏舍干净" in c.get(f"/outreach/households/{setup['farm'].pk}/").content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visited_on": "FUTURE"}, "走访日期不能晚于今天"),
        ({"visited_on": "yesterday"}, "请填写走访日期"),
        ({"sick_count": "-2"}, "病畜数"),
        ({"form": "party"}, "请选择走访方式"),
    ],
)
def test_a_visit_form_with_an_error_saves_nothing(client, setup, change, message):
    c = as_user(client, setup["cadre"])
    url = f"/outreach/households/{setup['farm'].pk}/visit/"
    data = {
        "visited_on": today().isoformat(),
        "form": "farm",
        "notes": "记下的内容",
        "sick_count": "0",
        "dead_count": "0",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(change)
    if data["visited_on"] == "FUTURE":
        data["visited_on"] = (today() + timedelta(days=2)).isoformat()
    page = c.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    text = page.content.decode()
    assert message in text
    assert "记下的内容" in text  # nothing typed is lost
    assert not Visit.objects.exists()


def test_only_the_paired_cadre_logs_visits(client, setup):
    url = f"/outreach/households/{setup['farm'].pk}/visit/"
    assert as_user(client, setup["cadre2"]).get(url).status_code == 404
    assert as_user(client, setup["supervisor"]).get(url).status_code == 403
    assert (
        as_user(client, setup["citizen"])
        .get(f"/outreach/households/{setup['farm'].pk}/")
        .status_code
        == 404
    )


def test_a_supervisor_sees_the_household_masked(client, setup):
    page = as_user(client, setup["supervisor"]).get(f"/outreach/households/{setup['farm'].pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "张**" in text and "139****1111" in text
    assert "张养殖" not in text and "13900001111" not in text
    leader_page = (
        as_user(client, setup["leader"])
        .get(f"/outreach/households/{setup['farm'].pk}/")
        .content.decode()
    )
    assert "张养殖" in leader_page and "13900001111" in leader_page


def test_a_need_becomes_an_appeal_from_the_household_page(client, setup):
    visit, _ = visit_record(
        actor=setup["cadre"],
        pairing=setup["pairing"],
        visited_on=today(),
        form=VisitForm.FARM,
        client_uuid=uuid.uuid4(),
        needs="饲料价格上涨，希望了解补贴政策",
    )
    c = as_user(client, setup["cadre"])
    assert c.post(f"/outreach/visits/{visit.pk}/appeal/").status_code == 302
    appeal = Appeal.objects.get()
    page = c.get(f"/outreach/households/{setup['farm'].pk}/").content.decode()
    assert appeal.tracking_number in page


def test_the_unit_leader_sees_unpaired_and_overdue(client, setup):
    page = as_user(client, setup["leader"]).get("/outreach/unit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "刘奶奶" in text  # without a cadre
    assert as_user(client, setup["cadre"]).get("/outreach/unit/").status_code == 403


def test_the_unit_leader_pairs_an_unpaired_household(client, setup):
    c = as_user(client, setup["leader"])
    lonely = setup["unpaired"]
    done = c.post("/outreach/unit/pair/", {"household": lonely.pk, "cadre": setup["cadre2"].pk})
    assert done.status_code == 302
    assert lonely.pairings.get().cadre == setup["cadre2"]
    page = c.get("/outreach/unit/").content.decode()
    assert "已与 cadre2 结对" in page  # the message of the pairing just made
    assert "刘奶奶" not in page.split("无联系干部的联系户")[1].split("超期未走访")[0]


def test_a_pairing_with_someone_outside_the_units_is_refused(client, setup):
    c = as_user(client, setup["leader"])
    lonely = setup["unpaired"]
    page = c.post(
        "/outreach/unit/pair/",
        {"household": lonely.pk, "cadre": setup["vet_handler"].pk},
        follow=True,
    )
    assert "请从列表中选择干部" in page.content.decode()
    assert not lonely.pairings.exists()
    assert (
        as_user(client, setup["cadre"])
        .post("/outreach/unit/pair/", {"household": lonely.pk, "cadre": setup["cadre"].pk})
        .status_code
        == 404
    )
    assert not lonely.pairings.exists()


def test_the_admin_pages_of_outreach_open_and_edits_are_audited(client, setup):
    c = as_user(client, setup["admin"])
    for model in ("household", "pairing", "visit"):
        assert c.get(f"/admin/outreach/{model}/").status_code == 200
        assert c.get(f"/admin/outreach/{model}/add/").status_code == 200
    household = setup["farm"]
    page = c.get(f"/admin/outreach/household/{household.pk}/change/")
    assert page.status_code == 200 and "养殖品种" in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(
        {
            "herd_size": "300",
            "reasons": '["livestock_farm"]',
            "consent_on": household.consent_on.isoformat(),
            "pairings-TOTAL_FORMS": "1",
            "pairings-INITIAL_FORMS": "1",
            "pairings-MIN_NUM_FORMS": "0",
            "pairings-MAX_NUM_FORMS": "1000",
            "pairings-0-id": str(setup["pairing"].pk),
            "pairings-0-household": str(household.pk),
        }
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    done = c.post(f"/admin/outreach/household/{household.pk}/change/", data)
    assert done.status_code == 302, (
        done.context["adminform"].form.errors,
        [f.errors for f in done.context["inline_admin_formsets"][0].formset],
    )
    household.refresh_from_db()
    assert household.herd_size == 300
    assert AuditEvent.objects.filter(
        action="outreach.household_change", object_id=str(household.pk)
    ).exists()


def test_a_visit_kept_offline_is_synced_once(client, setup):
    c = as_user(client, setup["cadre"])
    body = {
        "pairing": setup["pairing"].pk,
        "visited_on": today().isoformat(),
        "form": "farm",
        "client_uuid": str(uuid.uuid4()),
        "notes": "没有信号时记下的",
        "sick_count": 1,
        "dead_count": 0,
        "immunisation_done": True,
        "biosecurity_ok": True,
    }
    first = c.post("/outreach/visits/sync/", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["created"] is True
    again = c.post("/outreach/visits/sync/", body, content_type="application/json")
    assert again.status_code == 200 and again.json() == {**first.json(), "created": False}
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"visited_on": "FUTURE"}, 400, "future_date"),
        ({"client_uuid": "not-a-uuid"}, 400, "invalid"),
        ({"pairing": 999999}, 404, "not_found"),
        ({"form": "party"}, 400, "invalid"),
    ],
)
def test_a_bad_synced_visit_is_refused_with_its_code(client, setup, change, status, code):
    c = as_user(client, setup["cadre"])
    body = {
        "pairing": setup["pairing"].pk,
        "visited_on": today().isoformat(),
        "form": "home",
        "client_uuid": str(uuid.uuid4()),
    }
    body.update(change)
    if body["visited_on"] == "FUTURE":
        body["visited_on"] = (today() + timedelta(days=1)).isoformat()
    answer = c.post(
        "/outreach/visits/sync/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == status
    assert answer.json()["code"] == code and answer.json()["message"]
    assert not Visit.objects.exists()
    assert (
        c.post("/outreach/visits/sync/", "[1]", content_type="application/json").status_code == 400
    )

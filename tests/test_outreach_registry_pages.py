"""The registry's pages: the list masked for a supervisor, the form (clear errors, nothing
saved on error), edit and deactivate for the unit leader only, the import from upload through
mapping and steps to the result, bad files refused with nothing stored."""

import pytest

from lianxin.core.models import AuditEvent, Role
from lianxin.outreach.models import Household, HouseholdImport, Reason

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .conftest import make_user
from .outreach_helpers import register, today
from .test_outreach_registry import ROWS, xlsx

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client, outreach_people):
    client.force_login(outreach_people["leader"])
    return outreach_people["leader"]


def form(**changes):
    data = {
        "unit": "",
        "head_name": "刘奶奶",
        "members": "1",
        "phone": "13700002222",
        "address": "",
        "reasons": [Reason.ELDERLY_ALONE],
        "difficulty": "severe",
        "species": "",
        "herd_size": "",
        "consent_on": today().isoformat(),
    }
    data.update(changes)
    return data


def test_the_registry_is_masked_for_a_supervisor(client, village, outreach_people, district):
    register(outreach_people["leader"], village, head_name="王大爷", phone="13812345678")
    client.force_login(outreach_people["leader"])
    text = client.get("/outreach/registry/").content.decode()
    assert "王大爷" in text and "13812345678" in text
    client.force_login(make_user("overseer", Role.SUPERVISOR, district["street"]))
    page = client.get("/outreach/registry/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "王大爷" not in text and "13812345678" not in text
    assert "王**" in text and "138****5678" in text
    assert "/outreach/registry/new/" not in text  # no registering for an overseer
    assert client.get("/outreach/registry/new/").status_code == 403
    assert client.get("/outreach/registry/import/").status_code == 403


def test_a_supervisor_over_a_unit_without_households_sees_an_empty_registry(client, district):
    client.force_login(make_user("overseer", Role.SUPERVISOR, district["vet"]))
    page = client.get("/outreach/registry/")
    assert page.status_code == 200 and "暂无联系户" in page.content.decode()


def test_a_cadre_without_units_may_not_open_the_registry(client, outreach_people):
    client.force_login(outreach_people["cadre"])
    assert client.get("/outreach/registry/").status_code == 403


def test_the_form_registers_and_refuses_with_clear_messages(client, village, leader):
    assert client.get("/outreach/registry/new/").status_code == 200
    farm = form(unit=village.pk, reasons=[Reason.LIVESTOCK_FARM], species="")
    refused = client.post("/outreach/registry/new/", farm)
    assert refused.status_code == 400
    assert "养殖场户须填写畜种" in refused.content.decode()
    assert 'value="刘奶奶"' in refused.content.decode()  # what was typed stays
    no_consent = client.post("/outreach/registry/new/", form(unit=village.pk, consent_on=""))
    assert no_consent.status_code == 400 and "同意" in no_consent.content.decode()
    bad_date = client.post("/outreach/registry/new/", form(unit=village.pk, consent_on="昨天"))
    assert bad_date.status_code == 400 and "2026-01-15" in bad_date.content.decode()
    other = client.post("/outreach/registry/new/", form(unit=99999))
    assert other.status_code == 400
    assert not Household.objects.exists()
    done = client.post("/outreach/registry/new/", form(unit=village.pk))
    household = Household.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/outreach/households/{household.pk}/"
    assert (household.unit, household.difficulty) == (village, "severe")


def test_edit_and_deactivate_for_the_leader_only(client, village, leader, outreach_people):
    household = register(leader, village)
    url = f"/outreach/households/{household.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and 'value="王大爷"' in page.content.decode()
    data = form(unit=village.pk, head_name="王大爷", phone="13812345678", members="2")
    data["version"] = household.version
    assert client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.members == 2
    stale = client.post(url, {**data, "members": "3"})  # the form of before the change
    assert stale.status_code == 409
    household.refresh_from_db()
    assert household.members == 2
    client.force_login(outreach_people["cadre"])
    assert client.get(url).status_code == 404  # not theirs to see
    client.force_login(leader)
    deactivate = f"/outreach/households/{household.pk}/deactivate/"
    client.post(deactivate, {"reason": "", "version": household.version})
    household.refresh_from_db()
    assert household.is_active
    client.post(deactivate, {"reason": "已搬离", "version": household.version})
    household.refresh_from_db()
    assert not household.is_active and household.deactivation_reason == "已搬离"
    assert "已搬离" in client.get(f"/outreach/households/{household.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="household_deactivate").count() == 1


def upload(client, data, name="registry.xlsx", unit=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"file": SimpleUploadedFile(name, data)}
    if unit is not None:
        payload["unit"] = unit.pk
    return client.post("/outreach/registry/import/", payload)


def test_the_import_from_upload_to_result(client, village, leader, district):
    assert client.get("/outreach/registry/import/").status_code == 200
    sent = upload(client, xlsx(ROWS), unit=district["street"])
    job = HouseholdImport.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/outreach/registry/import/{job.pk}/"
    mapping = client.get(sent["Location"]).content.decode()
    assert '<option value="户主姓名" selected>' in mapping  # proposed from the header
    choices = {**job.mapping, "version": job.version}
    assert client.post(sent["Location"], choices).status_code == 302
    step = client.post(f"/outreach/registry/import/{job.pk}/step/", HTTP_ACCEPT="application/json")
    assert step.json() == {"done": 9, "total": 9, "finished": True}
    result = client.get(sent["Location"]).content.decode()
    assert 'id="count-created">3<' in result and 'id="count-skipped">5<' in result
    assert "不存在村" in result
    assert Household.objects.count() == 3


def test_an_import_is_discarded_and_its_rows_deleted(client, village, leader, district):
    upload(client, xlsx(ROWS), unit=district["street"])
    job = HouseholdImport.objects.get()
    assert job.rows
    assert client.post(f"/outreach/registry/import/{job.pk}/discard/").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows) == ("discarded", [])
    assert (
        "文件中的数据已删除" in client.get(f"/outreach/registry/import/{job.pk}/").content.decode()
    )
    step = client.post(f"/outreach/registry/import/{job.pk}/step/", HTTP_ACCEPT="application/json")
    assert step.json()["finished"] is True and not Household.objects.exists()
    again = client.post(f"/outreach/registry/import/{job.pk}/discard/")
    assert (
        again.status_code == 302
        and AuditEvent.objects.filter(action="household_import_discard").count() == 1
    )


def test_a_mapping_without_a_required_column_is_refused(client, village, leader, district):
    upload(client, xlsx(ROWS), unit=district["street"])
    job = HouseholdImport.objects.get()
    refused = client.post(
        f"/outreach/registry/import/{job.pk}/",
        {**job.mapping, "consent_on": "", "version": job.version},
    )
    assert refused.status_code == 400 and "本人同意日期" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == "mapping" and not Household.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a,b\n1,2\n", "registry.csv", "只能导入 Excel .xlsx 文件"),
        (b"", "registry.xlsx", "只能导入 Excel .xlsx 文件"),
        ("no header", "registry.xlsx", "第一行须为表头"),
    ],
)
def test_bad_files_give_a_clear_message_and_store_nothing(
    client, village, leader, data, name, message
):
    if data == "no header":
        data = xlsx(ROWS, header=None)
    page = upload(client, data, name)
    assert page.status_code == 400 and message in page.content.decode()
    assert not HouseholdImport.objects.exists() and not Household.objects.exists()


def test_an_oversized_file_is_refused(client, village, leader, settings):
    data = xlsx(ROWS)
    settings.OUTREACH_IMPORT_MAX_BYTES = len(data) // 2
    page = upload(client, data)
    assert page.status_code == 400 and "拆分" in page.content.decode()
    assert not HouseholdImport.objects.exists()


def test_another_units_import_is_not_found(client, village, leader, district):
    upload(client, xlsx(ROWS), unit=district["street"])
    job = HouseholdImport.objects.get()
    client.force_login(make_user("other_leader", Role.LEADER, district["vet"]))
    assert client.get(f"/outreach/registry/import/{job.pk}/").status_code == 404
    assert client.post(f"/outreach/registry/import/{job.pk}/step/").status_code == 404


def test_the_template_downloads(client, leader):
    page = client.get("/outreach/registry/import/template.xlsx")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("application/vnd.openxmlformats")
    assert page.content.startswith(b"PK")

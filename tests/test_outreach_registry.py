"""The household registry: registering and editing keep only what each reason needs, refuse
with clear messages and change nothing, deactivation ends the pairing, every change audited;
the .xlsx import (mapping, skipped rows with reasons, safe to re-run, bad files refused with
nothing stored); the visit intervals read from settings."""

import io
import uuid
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from lianxin.core import clock
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Role
from lianxin.outreach.models import (
    Household,
    HouseholdImport,
    ImportStatus,
    Pairing,
    Reason,
    VisitForm,
)
from lianxin.outreach.registry_file import propose_mapping, read_sheet, template_xlsx
from lianxin.outreach.selectors import coverage, is_overdue, overdue_pairings
from lianxin.outreach.services import household_deactivate, household_update, visit_record
from lianxin.outreach.services.imports import (
    household_import_open,
    household_import_run,
    household_import_start,
    household_import_step,
)

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .conftest import make_user
from .outreach_helpers import paired, register, today

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db

HEADER = [
    "户主姓名",
    "联系电话",
    "村/社区",
    "列入原因",
    "困难程度",
    "畜种",
    "存栏量",
    "同意日期",
    "结对干部",
]
ROWS = [
    # row 2: elderly, severe, paired with `cadre`
    ["王大爷", "13812345678", "李家村", "独居老人", "特困", "", "", "2026-01-05", "cadre"],
    # row 3: a pig farm, phone typed as a number, date with slashes
    ["张养殖", 13900001111, "李家村", "养殖场户", "", "生猪", 320, "2026/1/6", ""],
    # row 4: a village that is not under the street
    ["李四", "13700000000", "不存在村", "低保", "", "", "", "2026-01-05", ""],
    # row 5: no consent date
    ["赵五", "13700000001", "李家村", "低保", "", "", "", "", ""],
    # row 6: a blank line, not a row
    [None] * 9,
    # row 7: a farm without its herd size
    ["钱六", "13700000002", "东湖社区", "养殖场户", "", "肉牛", "", "2026-01-05", ""],
    # row 8: an unknown reason
    ["孙七", "13700000003", "东湖社区", "富裕户", "", "", "", "2026-01-05", ""],
    # row 9: a cadre nobody is called; low income in the community, species not kept
    ["周八", "13700000004", "东湖社区", "低收入", "", "生猪", 5, "2026-01-05", "无此人"],
    # row 10: low income in the community, no phone
    ["吴九", "", "东湖社区", "低保、残疾人", "一般", "", "", date(2026, 1, 7), ""],
]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def street(district):
    return district["street"]


def run_import(actor, unit, data, name="registry.xlsx", mapping=None):
    job = household_import_open(actor=actor, unit=unit, data=data, file_name=name)
    job = household_import_start(actor=actor, job=job, mapping=mapping or job.mapping)
    return household_import_run(actor=actor, job=job)


# --- registering and editing ---------------------------------------------------------------


def test_a_farm_needs_species_and_herd_size_and_other_households_keep_neither(
    village, outreach_people
):
    leader = outreach_people["leader"]
    with pytest.raises(InvalidInput) as refused:
        register(leader, village, head_name="张", reasons=[Reason.LIVESTOCK_FARM], species="生猪")
    assert refused.value.code == "farm_details" and "herd_size" in refused.value.fields
    assert not Household.objects.exists()
    poor = register(leader, village, reasons=[Reason.LOW_INCOME], species="生猪", herd_size=9)
    assert (poor.species, poor.herd_size) == ("", None)  # PIPL: not needed, not kept


def test_a_household_is_listed_once_per_village_head_and_phone(village, outreach_people):
    leader = outreach_people["leader"]
    register(leader, village, phone="13812345678")
    with pytest.raises(InvalidInput) as refused:
        register(leader, village, phone="138 1234-5678")
    assert refused.value.code == "duplicate_household"
    assert Household.objects.count() == 1
    register(leader, village, phone="13812345679")  # another phone: another household
    assert Household.objects.count() == 2


def test_a_consent_date_in_the_future_is_refused(village, outreach_people):
    with pytest.raises(InvalidInput) as refused:
        register(outreach_people["leader"], village, consent_on=today() + timedelta(days=1))
    assert refused.value.code == "no_consent" and "consent_on" in refused.value.fields


def test_an_edit_is_audited_by_field_name_and_a_stale_form_is_refused(village, outreach_people):
    leader = outreach_people["leader"]
    household = register(leader, village)
    version = household.version
    household_update(
        actor=leader,
        household=household,
        version=version,
        phone="13600000000",
        reasons=[Reason.LIVESTOCK_FARM],
        species="羊",
        herd_size=40,
    )
    household.refresh_from_db()
    assert (household.phone, household.species, household.herd_size) == ("13600000000", "羊", 40)
    event = AuditEvent.objects.get(action="household_update")
    assert event.data["fields"] == ["phone", "reasons", "species", "herd_size"]
    assert "13600000000" not in str(event.data)  # the log keeps which fields, not the values
    with pytest.raises(Conflict):
        household_update(actor=leader, household=household, version=version, members=3)
    household.refresh_from_db()
    assert household.members == 1


def test_only_the_unit_leader_edits(village, outreach_people, street):
    leader = outreach_people["leader"]
    household = register(leader, village)
    overseer = make_user("overseer", Role.SUPERVISOR, street)
    for actor in (overseer, outreach_people["cadre"]):
        with pytest.raises(PermissionDenied):
            household_update(actor=actor, household=household, members=2)
    assert not AuditEvent.objects.filter(action="household_update").exists()


def test_deactivation_needs_a_reason_ends_the_pairing_and_freezes_the_record(
    village, outreach_people
):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    household = register(leader, village)
    pairing = paired(leader, cadre, household)
    with pytest.raises(InvalidInput):
        household_deactivate(actor=leader, household=household, reason="  ")
    household_deactivate(actor=leader, household=household, reason="已搬迁至县城")
    household.refresh_from_db()
    pairing.refresh_from_db()
    assert not household.is_active and household.deactivated_on == today()
    assert pairing.ends_on == today()
    event = AuditEvent.objects.get(action="household_deactivate")
    assert event.reason == "已搬迁至县城" and event.data["pairing_ended"] == pairing.pk
    with pytest.raises(InvalidTransition):
        household_update(actor=leader, household=household, members=2)
    assert overdue_pairings(leader, today=today() + timedelta(days=400)) == []


# --- import ----------------------------------------------------------------------------------


def test_the_header_names_propose_the_mapping():
    mapping = propose_mapping(["户主", "手机号", "村（社区）", "原因", "同意日期", "备注"])
    assert mapping == {
        "head_name": "户主",
        "phone": "手机号",
        "village": "村（社区）",
        "reasons": "原因",
        "consent_on": "同意日期",
    }


def test_an_import_lists_pairs_and_skips_rows_with_their_reasons(
    village, outreach_people, street, district
):
    with translation.override("zh-hans"):  # as the page runs it: the reasons in Chinese
        job = run_import(outreach_people["leader"], street, xlsx(ROWS))
    assert job.status == ImportStatus.DONE and job.rows == []
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    skipped = dict(job.skipped)
    assert sorted(skipped) == [4, 5, 7, 8, 9]
    assert "不存在村" in skipped[4]
    assert "同意" in skipped[5]
    assert "存栏" in skipped[7]
    assert "富裕户" in skipped[8]
    assert "无此人" in skipped[9]
    old = Household.objects.get(head_name="王大爷")
    assert (old.unit, old.difficulty, old.consent_on) == (village, "severe", date(2026, 1, 5))
    assert old.pairings.get().cadre == outreach_people["cadre"]
    pigs = Household.objects.get(head_name="张养殖")
    assert (pigs.phone, pigs.species, pigs.herd_size) == ("13900001111", "生猪", 320)
    wu = Household.objects.get(head_name="吴九")
    assert wu.unit == district["community"] and wu.reasons == ["low_income", "disabled"]
    assert wu.consent_on == date(2026, 1, 7)
    done = AuditEvent.objects.get(action="household_import_done")
    assert done.data == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 5}


def test_the_same_file_twice_lists_nobody_twice(village, outreach_people, street):
    leader = outreach_people["leader"]
    run_import(leader, street, xlsx(ROWS))
    households = set(Household.objects.values_list("pk", "version"))
    pairings = Pairing.objects.count()
    again = run_import(leader, street, xlsx(ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert [line for line, _reason in again.skipped] == [4, 5, 7, 8, 9]
    assert set(Household.objects.values_list("pk", "version")) == households
    assert Pairing.objects.count() == pairings


def test_a_changed_file_updates_and_reassigns(village, outreach_people, street):
    leader = outreach_people["leader"]
    run_import(leader, street, xlsx(ROWS[:2]))
    changed = [
        ["王大爷", "13812345678", "李家村", "独居老人", "一般", "", "", "2026-01-05", "cadre2"],
        ["张养殖", "13900001111", "李家村", "养殖场户", "", "生猪", 280, "2026-01-06", ""],
    ]
    later = clock.now() + timedelta(days=1)  # a pairing is handed on from the next day
    with clock.at(later):
        job = run_import(leader, street, xlsx(changed))
    assert (job.created, job.updated, job.unchanged, job.skipped) == (0, 2, 0, [])
    old = Household.objects.get(head_name="王大爷")
    assert old.difficulty == "ordinary"
    assert old.pairings.get(ends_on__isnull=True).cadre == outreach_people["cadre2"]
    assert Household.objects.get(head_name="张养殖").herd_size == 280


def test_a_deactivated_household_in_the_file_is_skipped(village, outreach_people, street):
    leader = outreach_people["leader"]
    run_import(leader, street, xlsx(ROWS[:1]))
    household = Household.objects.get()
    household_deactivate(actor=leader, household=household, reason="已去世")
    job = run_import(leader, street, xlsx(ROWS[:1]))
    assert [line for line, _reason in job.skipped] == [2]
    assert str(today()) in job.skipped[0][1]  # "deactivated on <day>"
    household.refresh_from_db()
    assert not household.is_active


def test_an_empty_village_means_the_importing_village_itself(village, outreach_people, street):
    leader = outreach_people["leader"]
    row = ["王大爷", "13812345678", "", "独居老人", "", "", "", "2026-01-05", ""]
    into_street = run_import(leader, street, xlsx([row]))
    assert [line for line, _reason in into_street.skipped] == [2]  # a street is no village
    into_village = run_import(leader, village, xlsx([row]))
    assert into_village.created == 1 and Household.objects.get().unit == village


def test_the_progress_advances_step_by_step(village, outreach_people, street):
    leader = outreach_people["leader"]
    job = household_import_open(actor=leader, unit=street, data=xlsx(ROWS), file_name="a.xlsx")
    job = household_import_start(actor=leader, job=job, mapping=job.mapping)
    positions = []
    while job.status == ImportStatus.RUNNING:
        job = household_import_step(actor=leader, job=job, rows=4)
        positions.append((job.position, job.total))
    assert positions == [(4, 9), (8, 9), (9, 9)]
    assert job.created == 3 and len(job.skipped) == 5


def test_a_step_sent_with_an_old_copy_of_the_import_goes_on_from_the_stored_position(
    village, outreach_people, street
):
    """Two tabs (or a resent request) stepping the same import: each step locks the import
    and starts where the last one stopped, so no row is imported twice."""
    leader = outreach_people["leader"]
    job = household_import_open(actor=leader, unit=street, data=xlsx(ROWS), file_name="a.xlsx")
    stale = household_import_start(actor=leader, job=job, mapping=job.mapping)
    first = household_import_step(actor=leader, job=stale, rows=4)
    second = household_import_step(actor=leader, job=stale, rows=4)
    assert (first.position, second.position) == (4, 8)
    assert second.created + second.unchanged + len(second.skipped) == 7  # rows 2-8, one blank
    assert second.unchanged == 0


def test_a_custom_header_is_mapped_by_hand_and_a_missing_field_refused(
    village, outreach_people, street
):
    leader = outreach_people["leader"]
    header = ["名字", "电话", "村/社区", "列入原因", "日期"]
    data = xlsx([["王大爷", "13812345678", "李家村", "独居老人", "2026-01-05"]], header=header)
    job = household_import_open(actor=leader, unit=street, data=data, file_name="b.xlsx")
    assert "head_name" not in job.mapping and "consent_on" not in job.mapping
    with pytest.raises(InvalidInput) as refused:
        household_import_start(actor=leader, job=job, mapping=job.mapping)
    assert refused.value.code == "bad_mapping"
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING
    mapping = {**job.mapping, "head_name": "名字", "consent_on": "日期"}
    job = household_import_run(
        actor=leader, job=household_import_start(actor=leader, job=job, mapping=mapping)
    )
    assert job.created == 1


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"head_name,phone\n", "registry.csv", "not_xlsx"),
        (b"PK\x03\x04 not really a workbook", "registry.xlsx", "not_xlsx"),
        ("no header", "registry.xlsx", "no_header"),
        ("header only", "registry.xlsx", "no_rows"),
        ("too large", "registry.xlsx", "file_too_large"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    village, outreach_people, street, settings, data, name, code
):
    if data == "no header":
        data = xlsx(ROWS[:2], header=None)
    elif data == "header only":
        data = xlsx([])
    elif data == "too large":
        data = xlsx(ROWS)
        settings.OUTREACH_IMPORT_MAX_BYTES = len(data) - 1
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        household_import_open(
            actor=outreach_people["leader"], unit=street, data=data, file_name=name
        )
    assert refused.value.code == code and str(refused.value.message)
    assert not HouseholdImport.objects.exists() and not Household.objects.exists()
    assert AuditEvent.objects.count() == before


def test_too_many_rows_are_refused(village, outreach_people, street, settings):
    settings.OUTREACH_IMPORT_MAX_ROWS = 3
    with pytest.raises(InvalidInput) as refused:
        household_import_open(
            actor=outreach_people["leader"], unit=street, data=xlsx(ROWS), file_name="c.xlsx"
        )
    assert refused.value.code == "too_many_rows"
    assert not HouseholdImport.objects.exists()


def test_only_a_leader_over_the_unit_imports(village, outreach_people, district):
    with pytest.raises(PermissionDenied):
        household_import_open(
            actor=outreach_people["leader"],
            unit=district["root"],
            data=xlsx(ROWS),
            file_name="d.xlsx",
        )
    assert not HouseholdImport.objects.exists()


def test_the_template_has_the_expected_headers():
    sheet = load_workbook(io.BytesIO(template_xlsx())).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["户主姓名", "联系电话", "村/社区", "列入原因"]
    assert {"困难程度", "畜种", "存栏量", "同意日期", "结对干部"} <= set(header)
    assert set(propose_mapping(header)) == {
        "head_name", "phone", "village", "reasons", "difficulty", "members", "address",
        "species", "herd_size", "consent_on", "cadre",
    }  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        read_sheet(template_xlsx(), "template.xlsx")
    assert refused.value.code == "no_rows"  # the template itself imports nothing


def test_the_command_imports_and_reruns_safely(village, outreach_people, street, tmp_path):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(xlsx(ROWS))
    out = StringIO()
    call_command("outreach_import", str(path), "--unit", "east", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "rows: 9, imported: 3, updated: 0, unchanged: 0, skipped: 5" in text
    assert "  row 4: " in text and "不存在村" in text
    household = Household.objects.get(head_name="王大爷")
    assert household.consent_recorded_by is None  # the command line: recorded by the system
    assert AuditEvent.objects.filter(action="household_register", actor_label="system").exists()
    out = StringIO()
    call_command("outreach_import", str(path), "--unit", "east", stdout=out, stderr=StringIO())
    assert "imported: 0, updated: 0, unchanged: 3, skipped: 5" in out.getvalue()
    assert Household.objects.count() == 3


def test_the_command_refuses_a_bad_file_or_unit(village, tmp_path):
    path = tmp_path / "registry.txt"
    path.write_text("户主姓名\n王大爷\n")
    with pytest.raises(CommandError, match="xlsx"):
        call_command("outreach_import", str(path), "--unit", "east", stdout=StringIO())
    with pytest.raises(CommandError, match="unknown unit"):
        call_command("outreach_import", str(path), "--unit", "nowhere", stdout=StringIO())
    assert not Household.objects.exists() and not HouseholdImport.objects.exists()


def test_a_column_is_mapped_on_the_command_line(village, tmp_path):
    path = tmp_path / "r.xlsx"
    header = ["名字", "联系电话", "村/社区", "列入原因", "同意日期"]
    path.write_bytes(xlsx([["王大爷", "13812345678", "李家村", "低保", "2026-01-05"]], header))
    with pytest.raises(CommandError, match="户主"):  # no column found for the head
        call_command("outreach_import", str(path), "--unit", "east", stdout=StringIO())
    assert not HouseholdImport.objects.exists()
    out = StringIO()
    call_command(
        "outreach_import", str(path), "--unit", "east", "--map", "head_name=名字",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert "imported: 1" in out.getvalue()
    assert Household.objects.get().head_name == "王大爷"


# --- visit intervals from settings -----------------------------------------------------------


def test_the_visit_intervals_are_settings(village, outreach_people, settings):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    household = register(leader, village, consent_on=date(2026, 1, 2))
    with clock.at(datetime(2026, 1, 10, 12, tzinfo=timezone.get_current_timezone())):
        pairing = paired(leader, cadre, household, starts_on=date(2026, 1, 10))
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=date(2026, 1, 10),
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )
    assert not is_overdue(pairing, date(2026, 1, 10), today=date(2026, 3, 1))
    assert [(r.covered, r.due) for r in coverage("2026Q1")] == [(1, 1)]
    settings.OUTREACH_VISIT_INTERVAL_MONTHS = 1  # every month: January's visit is not enough
    assert is_overdue(pairing, date(2026, 1, 10), today=date(2026, 3, 1))
    assert [(r.covered, r.due) for r in coverage("2026Q1")] == [(0, 1)]
    assert [(r.covered, r.due) for r in coverage("2026-01")] == [(1, 1)]

"""The reporting channel (举报): anonymity, encryption at rest, conflict of interest, the read
log, the workflow and its clocks, receipts and their lockout, bad input, and who may do what."""

import io
import json
import re
import struct
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import nacl.pwhash
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lianxin.core.audit import audit_breaks
from lianxin.core.errors import InvalidTransition
from lianxin.core.models import AuditEvent, Notification, Role, RoleAssignment
from lianxin.supervision import reporting as rp
from lianxin.supervision import services
from lianxin.supervision.models import (
    InspectorKey,
    Report,
    ReportFile,
    ReportKeyWrap,
    ReportMessage,
    ReportRead,
    ReportStatus,
)
from lianxin.supervision.rules import report_conflicts
from lianxin.supervision.tasks import escalate_overdue_reports
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery staple"
SUBMIT = "/api/v1/reports/"
STATUS = "/api/v1/reports/status/"
MESSAGES = "/api/v1/reports/messages/"
LOCAL = ZoneInfo("Asia/Shanghai")
CONTENT = "2024年5月在项目验收中收受承包商红包两万元"
ACCUSED = "畜牧兽医局 王大锤"
PNG = b"\x89PNG\r\n\x1a\n" + b"EVIDENCE-SECRET-PIXELS" * 10


@pytest.fixture(autouse=True)
def _cheap_crypto(settings, tmp_path):
    """argon2 at its minimum cost (never in production), and a private media folder."""
    settings.REPORT_RECEIPT_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    cheap = (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)
    settings.REPORT_RECEIPT_KDF = cheap
    settings.INSPECTOR_PASSPHRASE_KDF = cheap
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_CLOCKS = "eu"
    # The people fixtures' login passwords: not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(district, people):
    """Everyone of the permission matrix, and the inspectors of the conflict rules, with keys.
    `lead` is the inspector at the district root (the inspection lead); `inspector` works in
    the environment bureau; `vet_inspector` in the veterinary bureau (the accused unit of the
    reports below); `li` is an inspector whose name, 李明, a report names."""
    d = district
    everyone = {
        "citizen": people["citizen"],
        "dispatcher": people["dispatcher"],
        "handler": people["vet_handler"],
        "leader": people["vet_leader"],
        "supervisor": people["supervisor"],
        "admin": people["admin"],
        "orgdept": make_user("orgdept", Role.ORGDEPT, d["root"]),
        "lead": people["inspector"],
        "inspector": make_user("env_inspector", Role.INSPECTOR, d["env"]),
        "vet_inspector": make_user("vet_inspector", Role.INSPECTOR, d["vet"]),
        "li": make_user("li_ming", Role.INSPECTOR, d["env"], first_name="明", last_name="李"),
    }
    for name in ("lead", "inspector", "vet_inspector", "li"):
        services.inspector_key_create(user=everyone[name], passphrase=PASSPHRASE)
    return everyone


def submit(client, **fields):
    data = {"accused": ACCUSED, "content": CONTENT, "accused_unit": "vet", **fields}
    return client.post(SUBMIT, data, content_type="application/json")


@pytest.fixture
def filed(client, staff):
    """A report on the veterinary bureau and two of its people (one of them 李明, the name of
    an inspector), with one evidence file, and its receipt."""
    response = client.post(
        SUBMIT,
        {
            "accused": ACCUSED + "、李明",
            "content": CONTENT,
            "occurred_on": "2024-05-20",
            "accused_unit": "vet",
            "files": [SimpleUploadedFile("收据.png", PNG)],
        },
    )
    assert response.status_code == 201, response.content
    return Report.objects.get(), response.json()["receipt"]


def unlock(client, user):
    client.force_login(user)
    response = client.post(
        "/supervision/cases/key/", {"action": "unlock", "passphrase": PASSPHRASE}
    )
    assert response.status_code == 302, response.content
    return client


def private_key(user):
    return services.inspector_key_unlock(user=user, passphrase=PASSPHRASE)


def database_dump() -> bytes:
    """Every row of every table, as a copy of the database would hold them."""
    out = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        out += bytes(value)
                    else:
                        out += str(value).encode()
                    out += b"\x00"
    return bytes(out)


def media_dump(settings) -> bytes:
    return b"".join(p.read_bytes() for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


def forms_of(text: str) -> list[bytes]:
    """A secret as it could sit in storage: UTF-8, or escaped inside JSON."""
    return [text.encode(), json.dumps(text)[1:-1].encode()]


def media_files(settings) -> list:
    return (
        [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
        if settings.MEDIA_ROOT.exists()
        else []
    )


# --- submission, receipts and encryption at rest -------------------------------------------
def test_a_report_gets_a_16_digit_receipt_and_only_an_argon2_hash_of_it_is_kept(client, staff):
    response = submit(client)
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert re.fullmatch(r"\d{16}", receipt)
    report = Report.objects.get()
    assert report.receipt_hash.startswith("$argon2id$")
    assert rp.receipt_matches(report.receipt_hash, receipt)
    assert type(report.received_on) is date  # the day, no time of day
    assert not hasattr(report, "created_at")
    # Wrapped for every inspector free of conflict, never for the vet bureau's nor for 李明.
    wrapped_for = set(ReportKeyWrap.objects.values_list("inspector_key__user__username", flat=True))
    assert wrapped_for == {"inspector", "env_inspector", "li_ming"}


def test_a_copy_of_the_database_and_the_media_folder_reveals_no_report(client, staff, settings):
    settings.PUBLIC_SUBMIT_RATE = "30/hour"  # the rate limit's counter must not keep the address
    address = "203.0.113.77"
    response = client.post(
        SUBMIT,
        {
            "accused": ACCUSED,
            "content": CONTENT,
            "files": [SimpleUploadedFile("evidence.png", PNG)],
        },
        REMOTE_ADDR=address,
    )
    receipt = response.json()["receipt"]
    client.post(
        MESSAGES,
        {"text": "REPORTER-SECRET-MESSAGE 补充材料"},
        content_type="application/json",
        headers={"X-Receipt": receipt},
    )
    client.get(STATUS, headers={"X-Receipt": "0000000000000000"}, REMOTE_ADDR=address)
    report = Report.objects.get()
    services.report_assess(
        report=report,
        actor=staff["inspector"],
        private_key=private_key(staff["inspector"]),
        accept=True,
        reason="INSPECTOR-SECRET-REPLY 已受理",
    )
    with time_machine.travel(datetime.now(LOCAL) + timedelta(days=1)):
        escalate_overdue_reports()  # audits the submission the next day
    assert AuditEvent.objects.filter(action="report_received").count() == 1

    stored = database_dump() + media_dump(settings)
    secrets = [
        CONTENT,
        "王大锤",
        receipt,
        " ".join(receipt[i : i + 4] for i in range(0, 16, 4)),
        "EVIDENCE-SECRET-PIXELS",
        "REPORTER-SECRET-MESSAGE",
        "INSPECTOR-SECRET-REPLY",
        "evidence.png",
        address,
    ]
    for secret in secrets:
        for form in forms_of(secret):
            assert form not in stored, secret
    # …while the inspector with the passphrase reads all of it.
    case = services.report_read(
        report=report, actor=staff["inspector"], private_key=private_key(staff["inspector"])
    )
    assert case["content"] == CONTENT and case["accused"] == ACCUSED
    assert [m["text"] for m in case["messages"]] == [
        "REPORTER-SECRET-MESSAGE 补充材料",
        "INSPECTOR-SECRET-REPLY 已受理",
    ]
    assert list(audit_breaks()) == []


def table_rows() -> dict[str, set[tuple]]:
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = {
                tuple(bytes(v).hex() if isinstance(v, (bytes, memoryview)) else str(v) for v in row)
                for row in cursor.fetchall()
            }
    return rows


def test_nothing_at_rest_dates_a_report_within_its_day_or_leads_to_an_address(
    client, staff, settings
):
    """Rate limiting a submit and wrong-receipt look-ups writes no row that holds the time of
    day (as a date, a time or a Unix second) or the address, plain or under any of our keys."""
    from lianxin.core.keys import tag

    settings.PUBLIC_SUBMIT_RATE = "30/hour"
    address = "203.0.113.77"
    before = table_rows()
    now = datetime.now(LOCAL)
    response = client.post(
        SUBMIT,
        {"accused": ACCUSED, "content": CONTENT},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    assert response.status_code == 201
    for _ in range(3):
        client.get(STATUS, headers={"X-Receipt": "0000000000000000"}, REMOTE_ADDR=address)
    after = table_rows()
    new_values = [
        value
        for table, rows in after.items()
        for row in rows - before.get(table, set())
        for value in row
    ]
    assert new_values  # the report itself
    moments = {
        f"{t:%H:%M}" for t in (now, now.astimezone(ZoneInfo("UTC")), now + timedelta(minutes=1))
    }
    epoch = int(now.timestamp())
    tags = {tag("rate-address", address)}
    for value in new_values:
        assert not any(m in value for m in moments), value
        if value.isdigit() and abs(int(value) - epoch) < 2 * 86400:
            assert int(value) % 86400 == 0, value  # only whole days
        assert address not in value and not any(t in value for t in tags), value


def test_no_inspector_key_means_no_report_is_taken(client, district, people):
    response = submit(client)
    assert response.status_code == 503
    assert response.json()["code"] == "channel_unavailable"
    assert Report.objects.count() == 0


# --- inspectors: reading, the read log, conflicts of interest --------------------------------
def test_an_inspector_with_the_passphrase_reads_the_case_and_every_read_is_logged(
    client, filed, staff
):
    report, _receipt = filed
    unlock(client, staff["inspector"])
    page = client.get(f"/supervision/cases/{report.pk}/")
    assert page.status_code == 200
    assert CONTENT in page.content.decode() and "收据.png" in page.content.decode()
    evidence = ReportFile.objects.get()
    download = client.get(f"/supervision/cases/{report.pk}/files/{evidence.pk}/")
    assert download.status_code == 200 and download.content == PNG
    assert download["Content-Type"] == "image/png"
    reads = ReportRead.objects.filter(report=report, user=staff["inspector"])
    assert sorted(reads.values_list("what", flat=True)) == ["case", "file"]
    # The lead sees who read it; the inspector does not see the read log.
    assert client.get("/supervision/cases/reads/").status_code == 403
    unlock(client, staff["lead"])
    log = client.get("/supervision/cases/reads/").content.decode()
    assert "env_inspector" in log


def test_a_locked_key_shows_no_content_and_logs_no_read(client, filed, staff):
    report, _receipt = filed
    client.force_login(staff["inspector"])
    page = client.get(f"/supervision/cases/{report.pk}/")
    assert page.status_code == 200 and CONTENT not in page.content.decode()
    assert not ReportRead.objects.exists()
    wrong = client.post(
        "/supervision/cases/key/", {"action": "unlock", "passphrase": "wrong one!!!!"}
    )
    assert wrong.status_code == 403 and "lianxin_unlock" not in wrong.cookies


@pytest.mark.parametrize("who", ["vet_inspector", "li"])
def test_a_conflicted_inspector_can_neither_list_nor_open_the_case(client, filed, staff, who):
    report, _receipt = filed
    user = staff[who]
    assert not ReportKeyWrap.objects.filter(inspector_key__user=user).exists()
    unlock(client, user)
    listing = client.get("/supervision/cases/")
    assert listing.status_code == 200 and report.short_id not in listing.content.decode()
    evidence = ReportFile.objects.get()
    assert client.get(f"/supervision/cases/{report.pk}/").status_code == 404
    assert client.get(f"/supervision/cases/{report.pk}/files/{evidence.pk}/").status_code == 404
    assert (
        client.post(
            f"/supervision/cases/{report.pk}/act/", {"action": "message", "text": "x"}
        ).status_code
        == 404
    )
    with pytest.raises(services.NotFound):
        services.report_read(report=report, actor=user, private_key=private_key(user))
    assert not ReportRead.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "role_unit, accused_unit, conflicted",
    [
        ("vet", "vet", True),  # works in the accused unit
        ("community", "street", True),  # in a unit inside it
        ("street", "community", True),  # in a unit above it
        ("env", "vet", False),  # elsewhere
        ("root", "vet", False),  # the district root is above everyone: no conflict
    ],
)
def test_conflict_of_interest_follows_the_unit_tree(district, role_unit, accused_unit, conflicted):
    user = make_user("someone", Role.INSPECTOR, district[role_unit])
    report = Report(
        accused_unit=district[accused_unit],
        accused_salt=b"s" * 16,
        accused_hashes=rp.accused_name_hashes(b"s" * 16, "某人"),
    )
    assert report_conflicts(user, report) is conflicted


def test_any_role_in_the_accused_unit_conflicts_even_for_the_lead(district, staff):
    RoleAssignment.objects.create(user=staff["lead"], role=Role.LEADER, unit=district["vet"])
    staff["lead"]._lianxin_roles = None
    report = Report(accused_unit=district["vet"], accused_salt=b"s" * 16, accused_hashes=[])
    assert report_conflicts(staff["lead"], report)


def test_the_accused_named_only_in_the_text_is_kept_away(client, staff):
    assert submit(client, accused="东城街道 李明 主任", accused_unit="").status_code == 201
    report = Report.objects.get()
    assert report.accused_unit.code == "east"  # matched from the text
    assert report_conflicts(staff["li"], report)
    assert not report_conflicts(staff["inspector"], report)


def test_an_inspector_added_later_gets_the_case_when_another_shares_it(
    client, filed, staff, district
):
    report, _receipt = filed
    newcomer = make_user("newcomer", Role.INSPECTOR, district["env"])
    services.inspector_key_create(user=newcomer, passphrase=PASSPHRASE)
    unlock(client, newcomer)
    page = client.get(f"/supervision/cases/{report.pk}/").content.decode()
    assert CONTENT not in page and not ReportRead.objects.filter(user=newcomer).exists()
    unlock(client, staff["inspector"])
    assert (
        client.post(f"/supervision/cases/{report.pk}/act/", {"action": "share"}).status_code == 302
    )
    assert not ReportKeyWrap.objects.filter(inspector_key__user=staff["vet_inspector"]).exists()
    unlock(client, newcomer)
    assert CONTENT in client.get(f"/supervision/cases/{report.pk}/").content.decode()


def test_changing_the_passphrase_keeps_the_cases_readable(client, filed, staff):
    report, _receipt = filed
    inspector = staff["inspector"]
    before = InspectorKey.objects.get(user=inspector)
    client.force_login(inspector)
    page = client.get("/supervision/cases/key/").content.decode()
    assert 'name="new_passphrase"' in page
    # A wrong current passphrase, a mismatch or a short new one changes nothing.
    for data, status in [
        (
            {
                "passphrase": "wrong one!!!!",
                "new_passphrase": "n" * 12,
                "new_passphrase2": "n" * 12,
            },
            403,
        ),
        ({"passphrase": PASSPHRASE, "new_passphrase": "n" * 12, "new_passphrase2": "m" * 12}, 400),
        ({"passphrase": PASSPHRASE, "new_passphrase": "short", "new_passphrase2": "short"}, 400),
    ]:
        response = client.post("/supervision/cases/key/", {"action": "change", **data})
        assert response.status_code == status
        assert bytes(InspectorKey.objects.get(user=inspector).sealed_private_key) == bytes(
            before.sealed_private_key
        )
    new = "a new passphrase, long enough"
    response = client.post(
        "/supervision/cases/key/",
        {
            "action": "change",
            "passphrase": PASSPHRASE,
            "new_passphrase": new,
            "new_passphrase2": new,
        },
    )
    assert response.status_code == 302 and "lianxin_unlock" in response.cookies
    after = InspectorKey.objects.get(user=inspector)
    assert bytes(after.public_key) == bytes(before.public_key)
    assert bytes(after.salt) != bytes(before.salt)
    with pytest.raises(services.PermissionDenied):
        services.inspector_key_unlock(user=inspector, passphrase=PASSPHRASE)
    # The wrapped report key was not touched, and the case opens with the new passphrase.
    assert CONTENT in client.get(f"/supervision/cases/{report.pk}/").content.decode()
    key = services.inspector_key_unlock(user=inspector, passphrase=new)
    assert (
        services.report_read(report=report, actor=inspector, private_key=key)["content"] == CONTENT
    )
    assert AuditEvent.objects.filter(
        action="inspector_key_change_passphrase", object_id=str(after.pk)
    ).exists()


def test_a_scripted_setup_reads_the_passphrase_from_the_environment(district, people, monkeypatch):
    inspector = make_user("demo_inspector", Role.INSPECTOR, district["root"])
    monkeypatch.setenv("DEMO_PASSPHRASE", PASSPHRASE)
    args = ["--user", "demo_inspector", "--if-missing", "--passphrase-env", "DEMO_PASSPHRASE"]
    call_command("inspector_keys_create", *args, stdout=io.StringIO())
    assert services.inspector_key_unlock(user=inspector, passphrase=PASSPHRASE)
    created = InspectorKey.objects.get(user=inspector).public_key
    call_command("inspector_keys_create", *args, stdout=io.StringIO())  # again: nothing changes
    assert InspectorKey.objects.get(user=inspector).public_key == created


def test_keys_are_created_by_command_with_a_prompted_passphrase(district, people, monkeypatch):
    inspector = make_user("new_inspector", Role.INSPECTOR, district["root"])
    answers = iter([PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr(
        "lianxin.supervision.management.commands.inspector_keys_create.getpass",
        lambda prompt: next(answers),
    )
    call_command("inspector_keys_create", "--user", "new_inspector")
    assert services.inspector_key_unlock(user=inspector, passphrase=PASSPHRASE)
    assert PASSPHRASE.encode() not in bytes(
        InspectorKey.objects.get(user=inspector).sealed_private_key
    )
    answers = iter([PASSPHRASE, PASSPHRASE])
    with pytest.raises(CommandError):  # already has one
        call_command("inspector_keys_create", "--user", "new_inspector")
    answers = iter([PASSPHRASE, PASSPHRASE])
    with pytest.raises(CommandError):  # not an inspector
        call_command("inspector_keys_create", "--user", "citizen")
    answers = iter([PASSPHRASE, "something else entirely"])
    with pytest.raises(CommandError):  # the two differ
        call_command("inspector_keys_create", "--user", "inspector")
    assert InspectorKey.objects.count() == 1


# --- the workflow and its clocks ------------------------------------------------------------
def test_the_workflow_runs_through_and_the_reporter_hears_the_result(client, filed, staff):
    report, receipt = filed
    actor, key = staff["inspector"], private_key(staff["inspector"])
    with pytest.raises(InvalidTransition):
        services.report_investigate(report=report, actor=actor)
    services.report_assess(report=report, actor=actor, private_key=key, accept=True)
    services.report_investigate(report=report, actor=actor)
    unlock(client, actor)
    wrong = client.post(f"/supervision/cases/{report.pk}/act/", {"action": "investigate"})
    assert wrong.status_code == 409
    assert (
        client.post(
            f"/supervision/cases/{report.pk}/act/",
            {"action": "conclude", "text": "经查属实，已立案处理"},
        ).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.CONCLUDED and report.feedback_on is not None
    status = client.get(STATUS, headers={"X-Receipt": receipt}).json()
    assert status["status"] == "concluded"
    assert status["messages"][-1] == {
        "side": "inspector",
        "day": status["messages"][-1]["day"],
        "text": "经查属实，已立案处理",
    }
    closed = client.post(
        MESSAGES, {"text": "谢谢"}, content_type="application/json", headers={"X-Receipt": receipt}
    )
    assert closed.status_code == 409
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.pk)).values_list("action", "to_state")
    )
    assert actions == [
        ("report_assess", "assessed"),
        ("report_investigate", "investigating"),
        ("report_conclude", "concluded"),
    ]
    assert not AuditEvent.objects.filter(reason__contains="经查").exists()


def test_investigation_steps_are_sealed_for_the_inspectors_and_never_reach_the_reporter(
    client, filed, staff
):
    report, receipt = filed
    actor, key = staff["inspector"], private_key(staff["inspector"])
    services.report_assess(report=report, actor=actor, private_key=key, accept=True)
    services.report_investigate(report=report, actor=actor)
    unlock(client, actor)
    blank = client.post(f"/supervision/cases/{report.pk}/act/", {"action": "note", "note": " "})
    assert blank.status_code == 400 and 'id="note-error"' in blank.content.decode()
    assert (
        client.post(
            f"/supervision/cases/{report.pk}/act/", {"action": "note", "note": "约谈办事群众两名"}
        ).status_code
        == 302
    )
    note = ReportMessage.objects.get()
    assert note.side == ReportMessage.Side.NOTE and "约谈".encode() not in bytes(note.ciphertext)
    case = services.report_read(
        report=report, actor=staff["lead"], private_key=private_key(staff["lead"])
    )
    assert [n["text"] for n in case["notes"]] == ["约谈办事群众两名"] and case["messages"] == []
    status = client.get(STATUS, headers={"X-Receipt": receipt}).json()
    assert status["messages"] == []
    # A note tells the reporter nothing: it is no feedback.
    report.refresh_from_db()
    assert report.feedback_on is None
    assert not AuditEvent.objects.filter(reason__contains="约谈").exists()


def test_not_accepting_needs_a_reason_which_the_reporter_reads(client, filed, staff):
    report, receipt = filed
    actor, key = staff["inspector"], private_key(staff["inspector"])
    with pytest.raises(services.InvalidInput):
        services.report_assess(report=report, actor=actor, private_key=key, accept=False)
    services.report_assess(
        report=report, actor=actor, private_key=key, accept=False, reason="不属于本委受理范围"
    )
    status = client.get(STATUS, headers={"X-Receipt": receipt}).json()
    assert status["status"] == "not_accepted"
    assert status["messages"][0]["text"] == "不属于本委受理范围"
    with pytest.raises(InvalidTransition):
        services.report_assess(report=report, actor=actor, private_key=key, accept=True)


def test_overdue_reports_are_escalated_to_the_lead_without_content(client, staff):
    with time_machine.travel(datetime(2025, 3, 3, 10, tzinfo=LOCAL), tick=False):
        submit(client)
    report = Report.objects.get()
    assert (report.ack_due, report.feedback_due) == (date(2025, 3, 10), date(2025, 6, 3))
    with time_machine.travel(datetime(2025, 3, 11, 8, tzinfo=LOCAL), tick=False):
        assert escalate_overdue_reports() == 1
        assert escalate_overdue_reports() == 0  # once per clock
    link = f"/supervision/cases/{report.pk}/"
    notes = Notification.objects.filter(recipient=staff["lead"], link=link)
    assert notes.count() == 2  # in the app and by email
    assert all(CONTENT not in n.body and "王大锤" not in n.body for n in notes)
    assert not Notification.objects.filter(recipient=staff["inspector"], link=link).exists()
    assert AuditEvent.objects.filter(action="report_escalate", object_id=str(report.pk)).exists()
    # Answered in time: the feedback clock does not escalate again.
    services.report_assess(
        report=report,
        actor=staff["inspector"],
        private_key=private_key(staff["inspector"]),
        accept=True,
        reason="已受理",
    )
    with time_machine.travel(datetime(2025, 7, 1, 8, tzinfo=LOCAL), tick=False):
        assert escalate_overdue_reports() == 0


def test_the_xinfang_clocks_can_be_chosen(client, staff, settings):
    settings.REPORT_CLOCKS = "xinfang"
    with time_machine.travel(datetime(2025, 3, 3, 10, tzinfo=LOCAL), tick=False):
        submit(client)
    report = Report.objects.get()
    assert report.clocks == "xinfang"
    assert (report.ack_due, report.feedback_due) == (date(2025, 3, 18), date(2025, 5, 6))


# --- the reporter's side: status, messages, wrong receipts, lockout --------------------------
def test_the_reporter_follows_and_writes_with_the_receipt_header(client, filed, staff):
    report, receipt = filed
    status = client.get(STATUS, headers={"X-Receipt": receipt})
    assert status.status_code == 200 and status["Cache-Control"] == "no-store"
    assert status.json()["status"] == "received" and status.json()["messages"] == []
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    sent = client.post(
        MESSAGES,
        {"text": "还有一份录音"},
        content_type="application/json",
        headers={"X-Receipt": spaced},
    )
    assert sent.status_code == 201 and sent.json()["messages"][0]["side"] == "reporter"
    message = ReportMessage.objects.get()
    assert isinstance(message.sent_on, date) and not isinstance(message.sent_on, datetime)
    case = services.report_read(
        report=report, actor=staff["lead"], private_key=private_key(staff["lead"])
    )
    assert case["messages"][0]["text"] == "还有一份录音"
    empty = client.post(
        MESSAGES, {"text": " "}, content_type="application/json", headers={"X-Receipt": receipt}
    )
    assert empty.status_code == 400 and empty.json()["code"] == "message_required"


def test_messages_are_cleaned_like_all_text_and_keep_the_channels_codes(client, filed, staff):
    """The channel's messages go through core.text: invisible characters are no message, are
    not stored, and a message over the limit is refused with the channel's own code."""
    report, receipt = filed
    invisible = client.post(
        MESSAGES,
        {"text": "\u200b\u202e\ufeff"},
        content_type="application/json",
        headers={"X-Receipt": receipt},
    )
    assert invisible.status_code == 400 and invisible.json()["code"] == "message_required"
    long = client.post(
        MESSAGES,
        {"text": "长" * (services.REPORT_MAX_MESSAGE_CHARS + 1)},
        content_type="application/json",
        headers={"X-Receipt": receipt},
    )
    assert long.status_code == 400 and long.json()["code"] == "message_too_long"
    assert not ReportMessage.objects.exists()
    sent = client.post(
        MESSAGES,
        {"text": "录\u200b音"},
        content_type="application/json",
        headers={"X-Receipt": receipt},
    )
    assert sent.status_code == 201
    case = services.report_read(
        report=report, actor=staff["lead"], private_key=private_key(staff["lead"])
    )
    assert case["messages"][0]["text"] == "录音"


def test_a_wrong_receipt_answers_exactly_like_a_malformed_one(client, filed):
    _report, receipt = filed
    wrong = f"{(int(receipt) + 1) % 10**16:016d}"
    answers = [
        client.get(STATUS, headers={"X-Receipt": value})
        for value in (wrong, "12345", "abcdefghijklmnop", "")
    ]
    answers.append(client.get(STATUS))
    answers.append(
        client.post(
            MESSAGES, {"text": "x"}, content_type="application/json", headers={"X-Receipt": wrong}
        )
    )
    assert {(a.status_code, a.content) for a in answers} == {(404, answers[0].content)}
    assert json.loads(answers[0].content)["code"] == "not_found"


@pytest.mark.ratelimit
def test_guessing_receipts_locks_the_address_out(client, filed, settings):
    settings.REPORT_RECEIPT_MAX_FAILURES = 3
    _report, receipt = filed
    for _ in range(3):
        assert client.get(STATUS, headers={"X-Receipt": "1111222233334444"}).status_code == 404
    locked = client.get(STATUS, headers={"X-Receipt": receipt})
    assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
    # Another address still gets in; the page says the same.
    assert (
        client.get(STATUS, headers={"X-Receipt": receipt}, REMOTE_ADDR="198.51.100.9").status_code
        == 200
    )
    assert client.post("/supervision/report/status/", {"receipt": receipt}).status_code == 429


@pytest.mark.ratelimit
def test_guessing_from_many_addresses_locks_the_channel_globally(client, filed, settings):
    settings.REPORT_RECEIPT_MAX_GLOBAL_FAILURES = 5
    _report, receipt = filed
    for n in range(5):
        client.get(STATUS, headers={"X-Receipt": "1111222233334444"}, REMOTE_ADDR=f"192.0.2.{n}")
    assert (
        client.get(STATUS, headers={"X-Receipt": receipt}, REMOTE_ADDR="192.0.2.200").status_code
        == 429
    )


# --- bad input: a clear 400 and nothing stored ----------------------------------------------
def office_zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def ole(clsid: bytes) -> bytes:
    header = bytearray(1024)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 0x1E, 9)
    struct.pack_into("<I", header, 0x30, 0)
    header[512 + 0x50 : 512 + 0x60] = clsid
    return bytes(header)


@pytest.mark.parametrize(
    "data, kind",
    [
        (PNG, "png"),
        (b"%PDF-1.7\n...", "pdf"),
        (b"\xff\xd8\xff\xe0JFIF", "jpeg"),
        (office_zip({"[Content_Types].xml": "x", "word/document.xml": "x"}), "docx"),
        (office_zip({"mimetype": "application/vnd.oasis.opendocument.text"}), "odf"),
        (ole(bytes(16)), "ole"),
        (b"MZ\x90\x00" + bytes(100), None),  # a Windows program
        (b"\x7fELF" + bytes(100), None),  # a Linux program
        (b"#!/bin/sh\nrm -rf /", None),  # a script
        (office_zip({"AndroidManifest.xml": "x", "classes.dex": "x"}), None),  # an APK
        (ole(bytes.fromhex("84100c0000000000c000000000000046")), None),  # an .msi installer
        (b"", None),
    ],
)
def test_evidence_is_judged_by_its_content(data, kind):
    assert rp.sniff_file_type(data) == kind


@pytest.mark.parametrize(
    "case", ["no_accused", "no_content", "exe_as_pdf", "oversized", "too_many", "future_date"]
)
def test_bad_reports_get_a_clear_400_and_leave_nothing_behind(client, staff, settings, case):
    settings.REPORT_MAX_FILE_BYTES = 1000
    settings.REPORT_MAX_FILES = 2
    good = SimpleUploadedFile("ok.png", PNG)
    fields = {"accused": ACCUSED, "content": CONTENT, "files": [good]}
    expected = {
        "no_accused": ("accused_required", {"accused": "  "}),
        "no_content": ("content_required", {"content": ""}),
        "exe_as_pdf": (
            "file_type",
            {
                "files": [
                    good,
                    SimpleUploadedFile(
                        "invoice.pdf", b"MZ\x90\x00" + bytes(200), content_type="application/pdf"
                    ),
                ]
            },
        ),
        "oversized": (
            "file_too_large",
            {"files": [good, SimpleUploadedFile("big.png", PNG + bytes(2000))]},
        ),
        "too_many": (
            "too_many_files",
            {"files": [SimpleUploadedFile(f"{n}.png", PNG) for n in range(3)]},
        ),
        "future_date": ("occurred_on", {"occurred_on": "2999-01-01"}),
    }[case]
    code, change = expected
    response = client.post(SUBMIT, {**fields, **change})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Report.objects.count() == 0 and ReportFile.objects.count() == 0
    assert media_files(settings) == []
    # The page refuses the same way, with the message on the form.
    good.seek(0)
    for upload in change.get("files", []):
        upload.seek(0)
    page = client.post("/supervision/report/", {**fields, **change})
    assert page.status_code == 400 and 'id="report-error"' in page.content.decode()
    assert Report.objects.count() == 0 and media_files(settings) == []


def test_a_failure_after_files_were_written_removes_them(client, staff, settings, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReportFile.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.report_submit(
            accused=ACCUSED, content=CONTENT, files=[SimpleUploadedFile("a.png", PNG)]
        )
    assert Report.objects.count() == 0 and media_files(settings) == []


def test_a_json_body_of_the_wrong_shape_is_a_400(client, staff):
    assert client.post(SUBMIT, "[1, 2]", content_type="application/json").status_code == 400
    response = client.post(
        SUBMIT, {"accused": ["x"], "content": CONTENT}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert client.post(SUBMIT, "{not json", content_type="application/json").status_code == 400
    assert Report.objects.count() == 0


# --- the public pages: no cookies, the receipt once --------------------------------------------
def test_the_public_pages_set_no_cookie_and_show_the_receipt_once(client, staff):
    form = client.get("/supervision/report/")
    assert form.status_code == 200 and not form.cookies
    assert 'id="privacy"' in form.content.decode()
    sent = client.post(
        "/supervision/report/",
        {
            "accused": ACCUSED,
            "content": CONTENT,
            "accused_unit": "vet",
            "files": [SimpleUploadedFile("a.png", PNG)],
        },
    )
    assert sent.status_code == 201 and not sent.cookies
    assert sent["Cache-Control"] == "no-store"
    receipt = re.search(r'id="receipt">([\d ]+)<', sent.content.decode()).group(1).replace(" ", "")
    assert len(receipt) == 16 and ReportFile.objects.count() == 1
    page = client.post("/supervision/report/status/", {"receipt": receipt})
    assert page.status_code == 200 and not page.cookies and 'id="status"' in page.content.decode()
    reply = client.post(
        "/supervision/report/status/",
        {"receipt": receipt, "action": "message", "text": "补充：时间是晚上"},
    )
    assert reply.status_code == 200 and "补充：时间是晚上" in reply.content.decode()
    wrong = client.post("/supervision/report/status/", {"receipt": "1234"})
    assert wrong.status_code == 404 and not wrong.cookies
    api = submit(client)
    assert api.status_code == 201 and not api.cookies


def test_nothing_the_reporter_sends_reaches_the_logs(client, staff, caplog):
    caplog.set_level("DEBUG")
    submit(client, accused="", content="")  # refused: the error is not logged with the input
    response = client.post(
        SUBMIT,
        {"accused": ACCUSED, "content": CONTENT},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.5",
    )
    receipt = response.json()["receipt"]
    client.get(STATUS, headers={"X-Receipt": receipt}, REMOTE_ADDR="203.0.113.5")
    client.get(STATUS, headers={"X-Receipt": "9" * 16}, REMOTE_ADDR="203.0.113.5")
    client.post("/supervision/report/status/", {"receipt": "1234"}, REMOTE_ADDR="203.0.113.5")
    logged = caplog.text
    for secret in (
        "203.0.113.5",
        receipt,
        CONTENT,
        "王大锤",
        "/api/v1/reports",
        "/supervision/report",
    ):
        assert secret not in logged


def test_gunicorn_can_be_told_not_to_log_the_channel(monkeypatch):
    from gunicorn.glogging import Logger

    from lianxin.deploy.gunicorn_logging import PrivateAccessLogger

    written = []
    monkeypatch.setattr(Logger, "access", lambda self, *args: written.append(args[2]["PATH_INFO"]))
    logger = PrivateAccessLogger.__new__(PrivateAccessLogger)
    for path in ("/api/v1/reports/", "/supervision/report/status/", "/api/v1/appeals/"):
        logger.access(None, None, {"PATH_INFO": path}, 0)
    assert written == ["/api/v1/appeals/"]


# --- who may see and do what ---------------------------------------------------------------
ROLES = [
    "anonymous",
    "citizen",
    "dispatcher",
    "handler",
    "leader",
    "supervisor",
    "inspector",
    "lead",
    "orgdept",
    "admin",
]
INSPECTORS = {"inspector", "lead"}


def expected(endpoint: str, role: str) -> int:
    public = {"form": 200, "submit": 201, "status_page": 200, "status": 200, "message": 201}
    if endpoint in public:
        return public[endpoint]
    if role == "anonymous":
        return 302  # to the login page
    if endpoint == "reads":
        return 200 if role == "lead" else 403
    if role in INSPECTORS:
        return {"act": 302}.get(endpoint, 200)
    return 403


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, filed, staff, role):
    report, receipt = filed
    evidence = ReportFile.objects.get()
    if role in INSPECTORS:
        unlock(client, staff[role])
    elif role != "anonymous":
        client.force_login(staff[role])
    case = f"/supervision/cases/{report.pk}/"
    calls = {
        "form": lambda: client.get("/supervision/report/"),
        "submit": lambda: submit(client),
        "status_page": lambda: client.get("/supervision/report/status/"),
        "status": lambda: client.get(STATUS, headers={"X-Receipt": receipt}),
        "message": lambda: client.post(
            MESSAGES,
            {"text": "补充"},
            content_type="application/json",
            headers={"X-Receipt": receipt},
        ),
        "cases": lambda: client.get("/supervision/cases/"),
        "key": lambda: client.get("/supervision/cases/key/"),
        "case": lambda: client.get(case),
        "file": lambda: client.get(f"{case}files/{evidence.pk}/"),
        "act": lambda: client.post(f"{case}act/", {"action": "message", "text": "请补充材料"}),
        "reads": lambda: client.get("/supervision/cases/reads/"),
    }
    got = {name: call().status_code for name, call in calls.items()}
    assert got == {name: expected(name, role) for name in calls}
    # Only inspectors' reads are logged, one per case page and file opened.
    logged = ReportRead.objects.filter(report=report).count()
    assert logged == (2 if role in INSPECTORS else 0)


def test_an_installer_whose_directory_lies_far_into_the_file_is_still_refused():
    # The root entry past the first megabyte (sector 4096 of 512 bytes): the check reads it
    # where it is (core.uploads.sniff, shared with every upload), not only the file's start.
    header = bytearray(ole(bytes.fromhex("84100c0000000000c000000000000046"))[:512])
    struct.pack_into("<I", header, 0x30, 4096)
    data = bytearray(header) + bytearray(4097 * 512 + 0x60)
    data[4097 * 512 + 0x50 : 4097 * 512 + 0x60] = bytes.fromhex("84100c0000000000c000000000000046")
    assert rp.sniff_file_type(bytes(data)) is None
    data[4097 * 512 + 0x50 : 4097 * 512 + 0x60] = bytes(16)  # an ordinary old Word file
    assert rp.sniff_file_type(bytes(data)) == "ole"

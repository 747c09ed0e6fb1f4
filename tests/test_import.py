"""Importing an organisation's historical appeals, and loading the demo district."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lianxin.appeals.models import Appeal, Category, Status
from lianxin.core.models import AuditEvent, Unit
from lianxin.demo import insight as demo
from lianxin.demo import receptions as reception_demo

pytestmark = pytest.mark.django_db

HEADER = ["留言编号", "留言主题", "留言详情", "留言时间", "一级分类", "答复意见", "答复时间"]
ROWS = [
    ["1001", "路灯不亮", "东湖社区门口路灯坏了一个月", "2026/3/2 9:15:00", "噪音污染", "", ""],
    [
        "1002",
        "夜间施工扰民",
        "工地每晚施工到凌晨",
        "2026/3/3 22:01:00",
        "噪音污染",
        "已责令停止夜间施工",
        "2026/3/5 10:00:00",
    ],
    ["1003", "日期不对", "内容", "去年春天", "", "", ""],
    ["1004", "分类不对", "内容", "2026/3/4 8:00:00", "不存在的分类", "", ""],
    ["1005", "", "", "2026/3/4 8:00:00", "", "", ""],
]


def write_csv(path, rows, encoding="utf-8-sig"):
    import csv

    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(path, *args):
    out = StringIO()
    call_command("import_appeals", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_rows_are_imported_through_intake_and_bad_rows_are_reported(tmp_path, categories):
    output = run(write_csv(tmp_path / "a.csv", ROWS))
    assert "rows: 5, imported: 2, already there: 0, skipped: 3" in output
    assert "line 4:" in output and "line 5:" in output and "line 6:" in output
    assert "不存在的分类" in output
    first = Appeal.objects.get(source_ref="1001")
    assert first.status == Status.SUBMITTED and first.category == categories["noise"]
    assert first.created_at.isoformat().startswith("2026-03-02T01:15")  # 09:15 in Shanghai
    submit = AuditEvent.objects.get(object_id=str(first.pk), action="submit")
    assert submit.created_at == first.created_at  # the history carries the real time


def test_an_answered_row_is_replayed_to_closed_at_its_reply_time(tmp_path, categories):
    run(write_csv(tmp_path / "a.csv", ROWS[1:2]))
    appeal = Appeal.objects.get(source_ref="1002")
    assert appeal.status == Status.CLOSED
    assert appeal.reply == "已责令停止夜间施工"
    assert appeal.unit == categories["noise"].default_unit
    assert appeal.replied_at.isoformat().startswith("2026-03-05T02:00")
    actions = list(
        AuditEvent.objects.filter(object_id=str(appeal.pk)).values_list("action", flat=True)
    )
    assert actions == ["submit", "dispatch", "accept", "reply", "close"]
    # Historical replies are recorded, never sent to anybody.
    assert not appeal.contact_phone
    call_command("audit_verify", stdout=StringIO())


def test_running_it_again_changes_nothing(tmp_path, categories):
    path = write_csv(tmp_path / "a.csv", ROWS)
    run(path)
    before = (Appeal.objects.count(), AuditEvent.objects.count())
    assert "imported: 0, already there: 2, skipped: 3" in run(path)
    assert (Appeal.objects.count(), AuditEvent.objects.count()) == before


def test_gb18030_csv_and_xlsx_with_a_column_mapping(tmp_path, categories):
    run(write_csv(tmp_path / "gbk.csv", ROWS[:1], encoding="gb18030"))
    assert Appeal.objects.get(source_ref="1001").title == "路灯不亮"

    book = Workbook()
    sheet = book.active
    sheet.append(["工单号", "诉求标题", "诉求正文"])
    sheet.append(["X-1", "垃圾清运不及时", "小区垃圾三天没人清运"])
    book.save(tmp_path / "own.xlsx")
    output = run(tmp_path / "own.xlsx", "--map", "ref=工单号", "--map", "content=诉求正文")
    assert "imported: 1" in output
    assert Appeal.objects.get(source_ref="X-1").content == "小区垃圾三天没人清运"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "content=没有这一列"], "没有这一列"),
        (["--map", "nonsense"], "bad --map"),
        (["--map", "colour=x"], "bad --map"),
    ],
)
def test_wrong_mappings_stop_before_writing_anything(tmp_path, categories, args, message):
    path = write_csv(tmp_path / "a.csv", ROWS)
    with pytest.raises(CommandError, match=message):
        run(path, *args)
    assert not Appeal.objects.exists()


def test_unsupported_files_are_refused(tmp_path, district):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError):
        run(tmp_path / "a.pdf")
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.csv")


def test_the_demo_district_loads_and_a_second_load_changes_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's files (a notice's PDF, photos)
    call_command("load_demo", "--appeals", "40", "--quiet", stdout=StringIO())
    counts = (
        Unit.objects.count(),
        Category.objects.count(),
        Appeal.objects.count(),
        AuditEvent.objects.count(),
    )
    assert Unit.objects.filter(name="畜牧兽医局").exists()
    assert Category.objects.get(code="animal-epidemic").default_unit.name == "畜牧兽医局"
    # 40 replayed appeals, the last week's signals (a hot matter and an animal cluster), and
    # the matters raised at the contact point's past receptions that were filed as appeals,
    # the two appeals with photos, and the one the demo operator created on a call.
    filed = sum(1 for *_, matters in reception_demo.PAST for m in matters if m[3])
    assert counts[2] == 40 + demo.HOT_MESSAGES + len(demo.CLUSTER) + filed + 2 + 1
    assert Appeal.objects.filter(source_ref__startswith="call-").count() == 1
    assert len(set(Appeal.objects.values_list("status", flat=True))) >= 4
    call_command("load_demo", "--appeals", "40", "--quiet", stdout=StringIO())
    assert (
        Unit.objects.count(),
        Category.objects.count(),
        Appeal.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    call_command("audit_verify", stdout=StringIO())

    from lianxin.insight.models import Alarm, DuplicateCandidate
    from lianxin.insight.tasks import analyse_new_appeals

    analyse_new_appeals()
    # Three citizens' dead-pig reports and the outreach demo's farm visit with sick pigs.
    alarm = Alarm.objects.get(kind="cluster", area__name="大湾村")
    assert (alarm.count, alarm.members.count(), alarm.field_reports.count()) == (4, 3, 1)
    assert DuplicateCandidate.objects.filter(appeal__source_ref__startswith="hot:").exists()

"""Mine hot issues (热点问题) from a message file and write the two tables used in the field."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from openpyxl import Workbook

from lianxin.appeals.importer import parse_time
from lianxin.insight.hot import Message, find_hot_issues

from ._io import read_columns

COLUMNS = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]
# A file without votes (an export of the hotline's own records) is still mined: no likes, no
# dislikes, as in the live app.
OPTIONAL = ("反对数", "点赞数")
ISSUE_HEADER = ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
DETAIL_HEADER = [
    "问题ID",
    "留言编号",
    "留言用户",
    "留言主题",
    "留言时间",
    "留言详情",
    "点赞数",
    "反对数",
]
ISSUES_FILE, DETAILS_FILE = "热点问题表.xlsx", "热点问题留言明细表.xlsx"


def _count(value: str, column: str, line: int) -> int:
    text = value.strip()
    if not text:
        return 0
    try:
        return int(float(text))
    except ValueError:
        raise CommandError(f"row {line}: {column} is not a number: {text!r}") from None


def read_messages(path: str) -> list[Message]:
    ids, users, titles, times, details, dislikes, likes = read_columns(path, COLUMNS, OPTIONAL)
    messages, bad = [], []
    for k in range(len(ids)):
        line = k + 2  # the header is line 1
        try:
            moment = parse_time(times[k])
        except ValueError:
            moment = None
        if moment is None:
            bad.append(f"row {line}: {times[k]!r}")
            continue
        messages.append(
            Message(
                id=ids[k].strip(),
                user=users[k].strip(),
                title=titles[k],
                detail=details[k],
                time=moment,
                likes=_count(likes[k], "点赞数", line),
                dislikes=_count(dislikes[k], "反对数", line),
            )
        )
    if bad:
        shown = "; ".join(bad[:5]) + (f" (and {len(bad) - 5} more)" if len(bad) > 5 else "")
        raise CommandError(f"unreadable 留言时间 in {len(bad)} row(s): {shown}")
    return messages


def _save(workbook, path: Path) -> None:
    """Write beside the target and rename, so that a failure leaves no half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".xlsx")
    os.close(fd)
    try:
        workbook.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_tables(issues, out_dir: Path) -> tuple[Path, Path]:
    table = Workbook()
    sheet = table.active
    sheet.title = "热点问题表"
    sheet.append(ISSUE_HEADER)
    for issue in issues:
        sheet.append(
            [
                issue.rank,
                issue.issue_id,
                issue.heat,
                issue.time_range,
                issue.place,
                issue.description,
            ]
        )
    details = Workbook()
    sheet = details.active
    sheet.title = "热点问题留言明细表"
    sheet.append(DETAIL_HEADER)
    for issue in issues:
        for m in issue.members:
            sheet.append(
                [
                    issue.issue_id,
                    m.id,
                    m.user,
                    m.title,
                    m.time.strftime("%Y/%m/%d %H:%M:%S"),
                    m.detail.strip(),
                    m.likes,
                    m.dislikes,
                ]
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / ISSUES_FILE, out_dir / DETAILS_FILE
    _save(table, paths[0])
    _save(details, paths[1])
    return paths


class Command(BaseCommand):
    help = (
        "Find the hottest issues in a message file (XLSX or CSV with 留言编号, 留言用户, 留言主题, "
        "留言时间, 留言详情 and, if there are votes, 反对数, 点赞数) and write 热点问题表.xlsx and "
        "热点问题留言明细表.xlsx."
    )

    def add_arguments(self, parser):
        parser.add_argument("--in", dest="input", required=True)
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--out", dest="output", required=True, help="directory for the tables")

    def handle(self, *args, **options):
        if options["top"] < 1:
            raise CommandError("--top must be at least 1")
        out_dir = Path(options["output"])
        if out_dir.exists() and not out_dir.is_dir():
            raise CommandError(f"--out must be a directory: {out_dir}")
        messages = read_messages(options["input"])
        issues = find_hot_issues(messages, top=options["top"])
        paths = write_tables(issues, out_dir)
        for issue in issues:
            self.stdout.write(
                f"{issue.rank}\t{issue.heat}\t{len(issue.members)}\t{issue.time_range}"
                f"\t{issue.place}\t{issue.description}"
            )
        self.stdout.write(
            f"{len(messages)} messages, {len(issues)} hot issues: {paths[0]}, {paths[1]}"
        )

"""Import an organisation's historical appeals from XLSX or CSV.

Each row goes through `services.appeal_submit` (same checks, audit and clocks as every intake)
at the time the row says it was submitted. Rows carry a source reference, so a re-run skips
what is already there. Bad rows are skipped with the reason; nothing half-written."""

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import SYSTEM
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import LianxinError

from .errors import Code
from .models import Appeal, Category, Channel, Status
from .services.dispatch import appeal_close, appeal_dispatch
from .services.handling import appeal_accept, appeal_reply
from .services.intake import appeal_submit

# Our field → the column names tried when no mapping is given (our own export, the 12345
# platform's message format).
DEFAULT_COLUMNS = {
    "ref": ["ref", "编号", "留言编号", "工单编号"],
    "title": ["title", "标题", "留言主题", "诉求标题"],
    "content": ["content", "内容", "留言详情", "诉求内容"],
    "created_at": ["created_at", "时间", "留言时间", "受理时间"],
    "category": ["category", "分类", "诉求分类", "一级分类"],
    "contact_name": ["contact_name", "姓名", "联系人"],
    "contact_phone": ["contact_phone", "电话", "联系电话"],
    "address": ["address", "地址", "诉求地址"],
    "reply": ["reply", "答复", "答复意见"],
    "replied_at": ["replied_at", "答复时间"],
}
DATE_FORMATS = [
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
]


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    already: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def read_rows(path: Path) -> tuple[list[str], Iterator[Sequence[Any]], int]:
    """Header, rows and row count of an XLSX (first sheet) or CSV (UTF-8 or GB18030) file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook  # lazy: a heavy dependency, only for .xlsx files

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, [])]
        return header, rows, max((sheet.max_row or 1) - 1, 0)
    if path.suffix.lower() != ".csv":
        raise LianxinError(
            _("Only .xlsx and .csv files can be imported."), code=Code.UNSUPPORTED_FILE
        )
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LianxinError(_("The file is neither UTF-8 nor GB18030 text."), code=Code.BAD_ENCODING)
    # One stream, so that quoted fields may hold newlines.
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header = [c.strip() for c in (lines[0] if lines else [])]
    return header, iter(lines[1:]), max(len(lines) - 1, 0)


def resolve_columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    columns = {}
    for name, candidates in DEFAULT_COLUMNS.items():
        wanted = [mapping[name]] if name in mapping else candidates
        for candidate in wanted:
            if candidate in header:
                columns[name] = header.index(candidate)
                break
        else:
            if name in mapping:
                raise LianxinError(
                    _("Column %(c)s is not in the file.") % {"c": mapping[name]},
                    code=Code.UNKNOWN_COLUMN,
                )
    missing = [n for n in ("title", "content") if n not in columns]
    if missing and not ("content" in columns and "title" not in columns):
        raise LianxinError(
            _("The file has no column for: %(m)s") % {"m": ", ".join(missing)},
            code=Code.MISSING_COLUMN,
        )
    return columns


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=LOCAL)


def import_appeals(
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    header, rows, count = read_rows(Path(path))
    columns = resolve_columns(header, mapping or {})
    categories = {c.name: c for c in Category.objects.filter(is_active=True)}
    categories |= {c.code: c for c in categories.values()}
    report = ImportReport()
    for line, row in enumerate(rows, start=2):
        report.total += 1
        if progress:
            progress(report.total, count)
        if not any(cell not in (None, "") for cell in row):
            report.total -= 1
            continue
        try:
            created = _import_row(row, columns, categories)
        except (LianxinError, ValueError) as exc:
            detail = (
                exc.message if isinstance(exc, LianxinError) else _("bad date: %(v)s") % {"v": exc}
            )
            fields = getattr(exc, "fields", {})
            if fields:
                detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in fields.items())
            report.skipped.append((line, str(detail)))
            continue
        if created:
            report.created += 1
        else:
            report.already += 1
    return report


def _cell(row: Sequence[Any], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()


@transaction.atomic
def _import_row(
    row: Sequence[Any], columns: dict[str, int], categories: dict[str, Category]
) -> bool:
    content = _cell(row, columns, "content")
    title = _cell(row, columns, "title") or content[:30]
    ref = (
        _cell(row, columns, "ref")
        or hashlib.sha256(
            f"{title}\n{content}\n{_cell(row, columns, 'created_at')}".encode()
        ).hexdigest()[:32]
    )
    created_at = parse_time(row[columns["created_at"]] if "created_at" in columns else None)
    now = clock.now()
    if created_at and created_at > now:
        raise LianxinError(_("The submission time is in the future."), code=Code.FUTURE_DATE)
    category_name = _cell(row, columns, "category")
    category = categories.get(category_name)
    if category_name and category is None:
        raise LianxinError(
            _("Unknown category: %(code)s") % {"code": category_name}, code=Code.INVALID
        )
    with clock.at(created_at or now):
        appeal, created = appeal_submit(
            title=title,
            content=content,
            category=category,
            channel=Channel.IMPORT,
            contact_name=_cell(row, columns, "contact_name"),
            contact_phone=_cell(row, columns, "contact_phone"),
            address=_cell(row, columns, "address"),
            source_ref=ref[:100],
            actor_label="import",
        )
    reply = _cell(row, columns, "reply")
    if created and reply:
        _replay_reply(
            appeal,
            reply,
            parse_time(row[columns["replied_at"]]) if "replied_at" in columns else None,
        )
    return created


def _replay_reply(appeal: Appeal, reply: str, replied_at: datetime | None) -> None:
    """A row that was already answered: dispatch, accept, reply and close it at the reply time,
    so its history and clocks are what really happened."""
    unit = appeal.unit or (appeal.category.default_unit if appeal.category else None)
    if unit is None:
        return  # no unit to attribute the reply to: leave it for a dispatcher
    with clock.at(max(replied_at or appeal.created_at, appeal.created_at)):
        if appeal.status == Status.SUBMITTED:
            appeal_dispatch(appeal=appeal, unit=unit, actor=SYSTEM)
        appeal_accept(appeal=appeal, actor=SYSTEM)
        appeal_reply(appeal=appeal, actor=SYSTEM, text=reply)
        appeal_close(appeal=appeal, actor=SYSTEM, reason=_("Imported history"))

"""An existing knowledge base as a spreadsheet: reading the .xlsx file into rows by column
name, and the template. No database here: services/imports.py decides what rows become.

Outreach's registry reader (outreach/registry_file.py) asks the user to map columns because
registries differ; a knowledge base has six well-known columns, so they are found by name."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.core.errors import InvalidInput
from lianxin.core.text import visible

from .errors import Code

# field → the template's header and the other names knowledge bases use for it.
COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("问题", "标题", "问", "常见问题"),
    "answer": ("答复", "答案", "解答", "回答", "答复内容"),
    "policy_basis": ("政策依据", "依据", "文件依据", "政策文件"),
    "unit": ("责任单位", "单位", "主管单位", "单位代码"),
    "valid_from": ("生效日期", "起始日期", "有效期起"),
    "valid_to": ("失效日期", "截止日期", "有效期止"),
}
NOTES = {
    "question": "必填。市民会怎么问，如：城区养狗需要办证吗？",
    "answer": "必填。完整的答复口径",
    "policy_basis": "选填。文件名称、文号和条款，如《××市养犬管理条例》第十条",
    "unit": "责任单位的名称或代码；页面上选择了单位时可不填",
    "valid_from": "选填。如 2026-01-01；不填为导入当天",
    "valid_to": "选填。政策到期的日期；不填为长期有效",
}
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Row:
    line: int  # the sheet's line number, as the person sees it in Excel
    cells: dict[str, Any]


def _key(text: str) -> str:
    return re.sub(r"[\s()（）/、_\-*]", "", text).lower()


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return visible(value)


def read_rows(data: bytes, name: str) -> list[Row]:
    """The rows of the first sheet, keyed by our field names; InvalidInput (nothing read) for
    a file too large, not .xlsx, without 问题 and 答复 columns, empty or too long."""
    limit = int(settings.KNOWLEDGE_IMPORT_MAX_BYTES)
    if len(data) > limit:
        raise InvalidInput(
            _("The file is larger than %(mb).1f MB: split it into smaller files.")
            % {"mb": limit / 1024 / 1024},
            code=Code.FILE_TOO_LARGE,
        )
    not_xlsx = InvalidInput(
        _("Only Excel .xlsx files can be imported: save the file as .xlsx and try again."),
        code=Code.NOT_XLSX,
    )
    if not name.lower().endswith(".xlsx") or not data.startswith(XLSX_MAGIC):
        raise not_xlsx
    from openpyxl import load_workbook  # lazy: a second to import, only imports need it

    max_rows = int(settings.KNOWLEDGE_IMPORT_MAX_ROWS)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = [_key(str(cell)) if cell is not None else "" for cell in next(lines, ())]
        raw: list[tuple[Any, ...]] = []
        for cells in lines:
            raw.append(cells)
            if len(raw) > max_rows + 1000:  # trailing blank lines are allowed, not millions
                break
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError):
        raise not_xlsx from None
    columns = {}
    for field, names in COLUMNS.items():
        for candidate in (field, *names):
            if _key(candidate) in header:
                columns[field] = header.index(_key(candidate))
                break
    if "question" not in columns or "answer" not in columns:
        raise InvalidInput(
            _("The first row must name the columns 问题 and 答复: download the template."),
            code=Code.NO_HEADER,
        )
    rows = []
    for index, cells in enumerate(raw):
        values = {
            field: _value(cells[i]) if i < len(cells) else None for field, i in columns.items()
        }
        if any(v not in (None, "") for v in values.values()):
            rows.append(Row(line=index + 2, cells=values))
    if not rows:
        raise InvalidInput(_("The file has no rows below the header."), code=Code.NO_ROWS)
    if len(rows) > max_rows:
        raise InvalidInput(
            _("The file has %(n)d rows; at most %(max)d can be imported at once: split it.")
            % {"n": len(rows), "max": max_rows},
            code=Code.TOO_MANY_ROWS,
        )
    return rows


def parse_date(value: Any) -> date | None:
    """A date cell, or text like 2026-03-01, 2026/3/1, 2026年3月1日; None when empty;
    ValueError when it is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    raw = str(value)
    match = DATE_TEXT.match(raw[:10] if re.match(r"^\d{4}-\d\d-\d\d[ T]", raw) else raw)
    if not match:
        raise ValueError(raw)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def template_xlsx() -> bytes:
    """An empty knowledge base with the expected headers, and a sheet saying what each holds."""
    from openpyxl import Workbook  # lazy: as above
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "知识库"
    sheet.append([names[0] for names in COLUMNS.values()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 30
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for field, names in COLUMNS.items():
        notes.append([names[0], NOTES[field]])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

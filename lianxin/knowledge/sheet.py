"""An existing knowledge base as a spreadsheet: reading the .xlsx file into rows by column
name, and the template. No database here: services/imports.py decides what rows become.

Outreach's registry reader (outreach/registry_file.py) asks the user to map columns because
registries differ; a knowledge base has six well-known columns, so they are found by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.core import spreadsheets
from lianxin.core.errors import InvalidInput
from lianxin.core.spreadsheets import check_row_count, first_sheet, header_key
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


@dataclass
class Row:
    line: int  # the sheet's line number, as the person sees it in Excel
    cells: dict[str, Any]


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
    max_rows = int(settings.KNOWLEDGE_IMPORT_MAX_ROWS)
    lines = first_sheet(
        data, name, max_bytes=int(settings.KNOWLEDGE_IMPORT_MAX_BYTES), max_rows=max_rows
    )
    header = [header_key(str(cell)) if cell is not None else "" for cell in (lines or [()])[0]]
    raw = lines[1:]
    columns = {}
    for field, names in COLUMNS.items():
        for candidate in (field, *names):
            if header_key(candidate) in header:
                columns[field] = header.index(header_key(candidate))
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
    check_row_count(len(rows), max_rows)
    return rows


def template_xlsx() -> bytes:
    """An empty knowledge base with the expected headers, and a sheet saying what each holds."""
    return spreadsheets.template_xlsx(
        "知识库", [(names[0], NOTES[field]) for field, names in COLUMNS.items()], width=30
    )

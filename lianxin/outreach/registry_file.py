"""The household registry as a spreadsheet: reading an .xlsx file into a header and rows,
proposing a column mapping from the header's names, reading the cells, and the template file.
No database here: the import service (services/imports.py) decides what the rows become."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core import spreadsheets
from lianxin.core.errors import InvalidInput
from lianxin.core.spreadsheets import check_row_count, first_sheet, header_key
from lianxin.core.text import visible

from .errors import Code
from .models import Difficulty, Reason


@dataclass(frozen=True)
class Column:
    field: str
    label: Any  # lazy: translated when shown
    header: str  # the template's header, in Chinese as the registries are kept
    aliases: tuple[str, ...]
    required: bool = False


# Our fields, in the template's order, with the header names registries use for them.
COLUMNS = (
    Column("head_name", gettext_lazy("Head of household"), "户主姓名", ("户主", "姓名"), True),
    Column("phone", gettext_lazy("Phone"), "联系电话", ("电话", "手机", "手机号", "手机号码")),
    Column("village", gettext_lazy("Village or community"), "村/社区", ("村", "社区", "村社区")),
    Column("reasons", gettext_lazy("Reasons listed"), "列入原因", ("原因", "帮扶类型"), True),
    Column("difficulty", gettext_lazy("Difficulty"), "困难程度", ("困难等级",)),
    Column("members", gettext_lazy("Members"), "家庭人口", ("人口", "家庭人数", "人数")),
    Column("address", gettext_lazy("Address"), "住址", ("地址", "家庭住址")),
    Column("species", gettext_lazy("Livestock species"), "畜种", ("养殖品种", "品种")),
    Column("herd_size", gettext_lazy("Herd size"), "存栏量", ("存栏", "存栏数")),
    Column("consent_on", gettext_lazy("Consent given on"), "同意日期", ("知情同意日期",), True),
    Column("cadre", gettext_lazy("Cadre"), "结对干部", ("联系干部", "包户干部", "帮扶干部")),
)
FIELDS = {column.field: column for column in COLUMNS}
REQUIRED = tuple(column.field for column in COLUMNS if column.required)

# Words registries use for the reasons and the difficulty, beyond our own labels (which are
# matched in Chinese and English) and codes.
REASON_WORDS = {
    "低保": Reason.LOW_INCOME,
    "低保户": Reason.LOW_INCOME,
    "低收入户": Reason.LOW_INCOME,
    "独居老人": Reason.ELDERLY_ALONE,
    "空巢老人": Reason.ELDERLY_ALONE,
    "残疾": Reason.DISABLED,
    "残疾人": Reason.DISABLED,
    "留守儿童": Reason.LEFT_BEHIND_CHILDREN,
    "养殖户": Reason.LIVESTOCK_FARM,
    "养殖场": Reason.LIVESTOCK_FARM,
    "养殖场户": Reason.LIVESTOCK_FARM,
}
DIFFICULTY_WORDS = {
    "一般": Difficulty.ORDINARY,
    "一般困难": Difficulty.ORDINARY,
    "困难": Difficulty.ORDINARY,
    "特困": Difficulty.SEVERE,
    "特别困难": Difficulty.SEVERE,
    "严重": Difficulty.SEVERE,
    "严重困难": Difficulty.SEVERE,
}
SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass
class Sheet:
    header: list[str]
    rows: list[list[Any]]  # JSON-safe values; sheet line of rows[i] is i + 2


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a phone or a count typed into a number cell
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return visible(value)


def _is_header_cell(value: Any) -> bool:
    """A column name is text, and not a date, phone or number (which say a data row)."""
    return isinstance(value, str) and not re.search(r"\d{4,}", value)


def read_sheet(data: bytes, name: str) -> Sheet:
    """The first sheet of an .xlsx file; InvalidInput (nothing read) when the file is too large,
    not an .xlsx workbook, has no header row, no data rows or too many rows."""
    max_rows = int(settings.OUTREACH_IMPORT_MAX_ROWS)
    lines = first_sheet(
        data, name, max_bytes=int(settings.OUTREACH_IMPORT_MAX_BYTES), max_rows=max_rows
    )
    header_cells = lines[0] if lines else ()
    rows = [[_json_value(cell) for cell in cells] for cells in lines[1:]]
    header = [visible(cell) if isinstance(cell, str) else cell for cell in header_cells]
    filled = [cell for cell in header if cell not in (None, "")]
    if len(filled) < 2 or not all(_is_header_cell(cell) for cell in filled):
        raise InvalidInput(
            _(
                "The first row must name the columns (户主姓名, 联系电话, …): "
                "download the template to see them."
            ),
            code=Code.NO_HEADER,
        )
    while rows and all(cell in (None, "") for cell in rows[-1]):
        rows.pop()
    check_row_count(len(rows), max_rows)
    return Sheet([str(cell or "") for cell in header], rows)


def propose_mapping(header: list[str]) -> dict[str, str]:
    """field → the header's column for it, guessed from the names (our headers, common
    variants, the English field names)."""
    keys = {header_key(name): name for name in header if name}
    mapping = {}
    for column in COLUMNS:
        for candidate in (column.header, column.field, *column.aliases):
            if header_key(candidate) in keys:
                mapping[column.field] = keys[header_key(candidate)]
                break
    return mapping


def check_mapping(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """field → column index; InvalidInput when a required field has no column or a column is
    not in the file."""
    columns = {}
    for field, name in mapping.items():
        if field not in FIELDS or not name:
            continue
        if name not in header:
            raise InvalidInput(
                _("Column %(c)s is not in the file.") % {"c": name}, code=Code.BAD_MAPPING
            )
        columns[field] = header.index(name)
    missing = [str(FIELDS[f].label) for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(
            _("Choose the file's column for: %(fields)s.") % {"fields": "、".join(missing)},
            code=Code.BAD_MAPPING,
        )
    return columns


# --- reading cells ---------------------------------------------------------------------------


def text(value: Any) -> str:
    return "" if value is None else visible(value)


def _labels(choices: Any, extra: Mapping[str, str]) -> dict[str, str]:
    """Each choice's code and its label in Chinese and English, and the `extra` words,
    compared loosely."""
    words = {}
    for code, label in choices:
        words[header_key(code)] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[header_key(str(label))] = code
    return words | {header_key(word): code for word, code in extra.items()}


@functools.cache
def _reason_words() -> dict[str, str]:
    return _labels(Reason.choices, REASON_WORDS)  # once: switching languages is not cheap


@functools.cache
def _difficulty_words() -> dict[str, str]:
    return _labels(Difficulty.choices, DIFFICULTY_WORDS)


def parse_reasons(value: Any) -> list[str]:
    """Reason codes from text like "低保、独居老人"; ValueError naming the first unknown word."""
    words = _reason_words()
    codes = []
    for word in SPLIT.split(text(value)):
        if not word:
            continue
        if header_key(word) not in words:
            raise ValueError(word)
        codes.append(words[header_key(word)])
    return codes


def parse_difficulty(value: Any) -> str:
    raw = text(value)
    if not raw:
        return Difficulty.ORDINARY
    words = _difficulty_words()
    if header_key(raw) not in words:
        raise ValueError(raw)
    return words[header_key(raw)]


# The template's second sheet: what each column holds.
NOTES = {
    "head_name": "必填。户主姓名",
    "phone": "选填。手机或座机；与户主姓名、村/社区一起识别一户，重复导入不会重复登记",
    "village": "村或社区的名称（或单位代码）；导入到村级单位时可不填",
    "reasons": "必填。低收入、独居老人、残疾人、留守儿童、养殖场户、其他，可填多项，用顿号分隔",
    "difficulty": "一般 或 特困（特困户每月走访）；不填为一般",
    "members": "家庭人口数，1 至 99；不填为 1",
    "address": "选填",
    "species": "仅养殖场户必填，如 生猪、肉牛；其他户不保存",
    "herd_size": "仅养殖场户必填，存栏头（只）数；其他户不保存",
    "consent_on": "必填。本户同意登记的日期，如 2026-01-15",
    "cadre": "选填。结对干部的用户名或姓名；填写后即结对",
}


def template_xlsx() -> bytes:
    """An empty registry with the expected headers, and a sheet saying what each holds."""
    return spreadsheets.template_xlsx(
        "联户登记", [(column.header, NOTES[column.field]) for column in COLUMNS]
    )

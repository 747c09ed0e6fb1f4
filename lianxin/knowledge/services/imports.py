"""Importing an existing knowledge base from an .xlsx file (sheet.py reads it).

Every row goes through the article services (`article_create` / `article_edit`, then
`article_submit`) in its own savepoint: a bad row is skipped with its reason and leaves nothing
behind. Rows are matched on (unit, question), so a re-run updates instead of duplicating, and a
row as the article already says is "unchanged". Imported text waits for the unit's review like
any edit; the command line (acting as the system, not a person) may publish at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.access import SYSTEM, may
from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.models import Unit
from lianxin.core.spreadsheets import parse_date

from ..errors import Code
from ..models import Article, ArticleVersion, VersionStatus
from ..sheet import Row, read_rows
from .articles import article_create, article_edit, article_fields, article_publish, article_submit

OUTCOMES = {
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "skipped": gettext_lazy("Skipped"),
}


@dataclass
class RowResult:
    line: int
    outcome: str  # created, updated, unchanged, skipped
    question: str = ""
    reason: str = ""
    article_id: int | None = None

    @property
    def label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def skipped(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "skipped"]

    # The page's summary line.
    created = property(lambda self: self.count("created"))
    updated = property(lambda self: self.count("updated"))
    unchanged = property(lambda self: self.count("unchanged"))
    skipped_count = property(lambda self: self.count("skipped"))


class _Units:
    """Units a row may name, by name or code, among those the actor writes for."""

    def __init__(self, actor: Any, default: Unit | None) -> None:
        self.actor, self.default = actor, default
        self.by_code: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(is_active=True):
            self.by_code[unit.code] = unit
            self.by_name.setdefault(unit.name, []).append(unit)

    def get(self, value: Any) -> Unit:
        name = str(value or "").strip()
        if not name:
            if self.default is None:
                raise InvalidInput(_("The responsible unit is empty."), code=Code.UNKNOWN_UNIT)
            return self.default
        units = [self.by_code[name]] if name in self.by_code else self.by_name.get(name, [])
        if not units:
            raise InvalidInput(
                _("No unit is named %(name)s.") % {"name": name}, code=Code.UNKNOWN_UNIT
            )
        if len(units) > 1:
            raise InvalidInput(
                _("Several units are named %(name)s: write the unit's code instead.")
                % {"name": name},
                code=Code.UNKNOWN_UNIT,
            )
        if not may(self.actor, "knowledge.edit_article", units[0]):
            raise InvalidInput(
                _("You do not write articles for %(name)s.") % {"name": name},
                code=Code.UNKNOWN_UNIT,
            )
        return units[0]


def _same(target: Article | ArticleVersion, fields: dict[str, Any]) -> bool:
    return all(getattr(target, name) == value for name, value in fields.items())


def _date(row: Row, name: str, label: str) -> date | None:
    try:
        return parse_date(row.cells.get(name))
    except ValueError as exc:
        raise InvalidInput(
            _("%(column)s: %(value)s is not a date.") % {"column": label, "value": exc},
            code=Code.BAD_DATES,
        ) from None


def _import_row(actor: Any, row: Row, units: _Units, publish: bool) -> RowResult:
    unit = units.get(row.cells.get("unit"))
    fields = article_fields(
        question=row.cells.get("question"),
        answer=row.cells.get("answer"),
        policy_basis=row.cells.get("policy_basis") or "",
        valid_from=_date(row, "valid_from", "生效日期"),
        valid_to=_date(row, "valid_to", "失效日期"),
    )
    note = _("Imported from a file")
    existing = Article.objects.filter(unit=unit, question=fields["question"]).first()
    if existing is None:
        article = article_create(actor=actor, unit=unit, note=note, **fields)
        outcome = "created"
    else:
        article = existing
        pending = article.versions.filter(
            status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
        ).first()
        target: Article | ArticleVersion = pending or article
        if _same(target, fields):
            if pending is None or pending.status == VersionStatus.IN_REVIEW:
                return RowResult(row.line, "unchanged", fields["question"], "", article.pk)
        article_edit(actor=actor, article=article, note=note, **fields)
        outcome = "updated"
    article_submit(actor=actor, article=article.pk)
    if publish:
        article_publish(actor=actor, article=article.pk)
    return RowResult(row.line, outcome, fields["question"], "", article.pk)


def knowledge_import(
    *, actor: Any, data: bytes, file_name: str, unit: Unit | None = None, publish: bool = False
) -> ImportResult:
    """Import every row of the file; the result lists each row's outcome and, for a skipped
    row, why. A file that cannot be read is refused (InvalidInput) before anything is written.
    `publish` only for the system (the command line): people's imports wait for review."""
    if publish and actor is not SYSTEM:
        raise InvalidInput(_("Imported articles are published by the unit's reviewers."))
    rows = read_rows(data, file_name)
    units = _Units(actor, unit)
    result = ImportResult()
    for row in rows:
        try:
            with transaction.atomic():
                result.rows.append(_import_row(actor, row, units, publish))
        except LianxinError as exc:
            question = str(row.cells.get("question") or "")[:60]
            result.rows.append(RowResult(row.line, "skipped", question, str(exc.message)))
    return result

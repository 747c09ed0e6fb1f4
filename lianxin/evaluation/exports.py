"""Assessment exports for the organisation department: the monthly ranking of a level and,
optionally, the year's assessment (each month's score and the year's figures per unit), as an
XLSX workbook (openpyxl) or a PDF (reportlab, an embedded CJK font, with a bar chart of scores).

`assessment_data` gathers everything first (raising InvalidInput / NotFound), the writers then
only lay it out, into a temporary file renamed into place: a failed export leaves no file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals import rates as appeal_rates
from lianxin.core.calendar import LOCAL
from lianxin.core.dbrouter import on_replica
from lianxin.core.errors import InvalidInput

from .errors import Code
from .pdf import CJK_FONT, cjk_font
from .rankings import (
    SCORE_DEFINITION,
    assign_ranks,
    composite_score,
    compute_ranking,
    has_data,
    no_data,
    parse_level,
    parse_period,
    ranking_trends,
)
from .rates import DEFINITIONS, LABELS, RATES, unit_counts

COLUMNS = (*RATES, "received", "overdue_count")


@dataclass
class Assessment:
    level: str
    month: date
    ranking: list[dict]
    annual: list[dict] | None = None  # one row per unit: months' scores, year figures, rank
    months: list[str] = field(default_factory=list)
    made_at: str = ""

    @property
    def title(self) -> str:
        # Separate sentences per level so that each translates naturally (街镇 / 部门).
        if self.level == "department":
            text = _(
                "%(year)d-%(month)d: monthly assessment ranking of the departments in "
                "handling appeals"
            )
        else:
            text = _(
                "%(year)d-%(month)d: monthly assessment ranking of the streets and towns "
                "in handling appeals"
            )
        return text % {"year": self.month.year, "month": self.month.month}

    @property
    def annual_title(self) -> str:
        if self.level == "department":
            text = _(
                "%(year)d: annual assessment of the departments in handling appeals "
                "(January to month %(month)d)"
            )
        else:
            text = _(
                "%(year)d: annual assessment of the streets and towns in handling appeals "
                "(January to month %(month)d)"
            )
        return text % {"year": self.month.year, "month": self.month.month}


@on_replica  # the exports read only published figures (core.dbrouter)
def assessment_data(*, period: str, level: str, annual: bool = False) -> Assessment:
    level = parse_level(level)
    span = parse_period(period)
    if not span.is_month:  # the layouts are the monthly ranking and the year up to a month
        raise InvalidInput(
            _("Export a month: --period YYYY-MM (with --annual for its year)."),
            code=Code.INVALID_PERIOD,
        )
    month = span.start
    ranking = compute_ranking(level, month)
    if not has_data(ranking):
        raise no_data(f"{month:%Y-%m}")
    result = Assessment(
        level=level,
        month=month,
        ranking=ranking,
        made_at=timezone.localtime(timezone.now(), LOCAL).strftime("%Y-%m-%d %H:%M"),
    )
    if annual:
        units = [r["unit"] for r in ranking]
        trends = ranking_trends(level, month, n=month.month, units=units)
        year = unit_counts(units, month.replace(month=1), month)
        rows = []
        for unit in units:
            measures = appeal_rates.measures(year[unit.pk])
            rows.append(
                {
                    "unit_id": unit.pk,
                    "name": unit.name,
                    **measures,
                    "score": composite_score(measures),
                    "monthly": [p["score"] for p in trends["units"][unit.pk]],
                }
            )
        result.annual = assign_ranks(rows)
        result.months = trends["months"]
    return result


def _headers() -> list[str]:
    return [_("Rank"), _("Unit"), _("Score")] + [str(LABELS[k]) for k in COLUMNS]


def _definitions() -> list[tuple[str, str]]:
    return [(str(LABELS[k]), str(DEFINITIONS[k])) for k in COLUMNS] + [
        (_("Score"), str(SCORE_DEFINITION)),
        ("", str(DEFINITIONS["common"])),
    ]


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same directory, renamed into place at the end."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".export-", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- XLSX -------------------------------------------------------------------------------------


def write_xlsx(data: Assessment, path: Path) -> None:
    # lazy: openpyxl and reportlab are large and only the export files need them
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F3")

    def sheet_title(ws, title: str, width: int, note: str) -> None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append([note])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)

    def header(ws, names: list[str]) -> None:
        ws.append(names)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.freeze_panes = f"C{ws.max_row + 1}"  # a string: ws.cell() would add a row

    note = _(
        "Made %(when)s from the appeal roll-ups. Rates in per cent; definitions on the "
        'sheet "Definitions".'
    ) % {"when": data.made_at}
    wb = Workbook()
    ws = wb.active
    ws.title = _("Monthly ranking")[:31]
    headers = _headers()
    sheet_title(ws, data.title, len(headers), note)
    header(ws, headers)
    for r in data.ranking:
        ws.append([r["rank"], r["name"], r["score"], *[r[k] for k in COLUMNS]])
        for col, key in enumerate(COLUMNS, start=4):
            if key in RATES:
                ws.cell(row=ws.max_row, column=col).number_format = "0.0%"
        ws.cell(row=ws.max_row, column=3).number_format = "0.00"
    ws.column_dimensions["B"].width = 24
    for col in range(3, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12

    if data.annual is not None:
        wa = wb.create_sheet(_("Annual assessment")[:31])
        names = (
            [_("Rank"), _("Unit")]
            + data.months
            + [_("Year score")]
            + [str(LABELS[k]) for k in COLUMNS]
        )
        sheet_title(wa, data.annual_title, len(names), note)
        header(wa, names)
        for r in data.annual:
            wa.append([r["rank"], r["name"], *r["monthly"], r["score"], *[r[k] for k in COLUMNS]])
            first = 3 + len(data.months) + 1
            for col, key in enumerate(COLUMNS, start=first):
                if key in RATES:
                    wa.cell(row=wa.max_row, column=col).number_format = "0.0%"
        wa.column_dimensions["B"].width = 24

    wd = wb.create_sheet(_("Definitions")[:31])
    wd.append([_("Figure"), _("Definition")])
    for cell in wd[1]:
        cell.font, cell.fill = bold, head_fill
    for label, text in _definitions():
        wd.append([label, text])
        wd.cell(row=wd.max_row, column=2).alignment = Alignment(wrap_text=True)
    wd.column_dimensions["A"].width = 20
    wd.column_dimensions["B"].width = 100
    _atomic_write(path, wb.save)


# --- PDF --------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value) -> str:
    return "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))


def _score_chart(rows: list[dict], width: float, title: str):
    # lazy: reportlab, for the PDF export only
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    scored = [r for r in rows if r["score"] is not None]
    height = 200
    drawing = Drawing(width, height + 70)
    drawing.initialFontName = CJK_FONT  # the renderer would start with an unembedded Helvetica
    drawing.add(
        String(width / 2, height + 55, title, fontName=CJK_FONT, fontSize=11, textAnchor="middle")
    )
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 60, width - 60, height - 20
    chart.data = [[r["score"] for r in scored] or [0]]
    chart.categoryAxis.categoryNames = [r["name"] for r in scored] or [""]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(scored) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(scored) > 8 else "n"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = CJK_FONT
    chart.bars[0].fillColor = colors.HexColor("#3b6ea5")
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = CJK_FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def write_pdf(data: Assessment, path: Path) -> None:
    # lazy: reportlab, for the PDF export only
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    cjk_font()
    title_style = ParagraphStyle(
        "t", fontName=CJK_FONT, fontSize=16, leading=22, alignment=TA_CENTER, spaceAfter=4
    )
    note_style = ParagraphStyle(
        "n", fontName=CJK_FONT, fontSize=8, leading=11, alignment=TA_CENTER, textColor=colors.grey
    )
    body = ParagraphStyle("b", fontName=CJK_FONT, fontSize=8, leading=11)
    cell = ParagraphStyle("c", fontName=CJK_FONT, fontSize=7, leading=9)
    page = landscape(A4)
    usable = page[0] - 30 * mm

    def table(rows: list[list], widths: list[float] | None = None) -> Table:
        t = Table(
            [[Paragraph(str(v), cell) for v in row] for row in rows], colWidths=widths, repeatRows=1
        )
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("FONTNAME", (0, 0), (-1, -1), CJK_FONT),  # else each cell sets Helvetica
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    note = _("Made %(when)s from the appeal roll-ups.") % {"when": data.made_at}
    story = [Paragraph(data.title, title_style), Paragraph(note, note_style), Spacer(0, 4 * mm)]
    rows = [_headers()] + [
        [
            r["rank"],
            r["name"],
            _num(r["score"]),
            *[_pct(r[k]) if k in RATES else _num(r[k]) for k in COLUMNS],
        ]
        for r in data.ranking
    ]
    n = len(rows[0])
    story.append(table(rows, [14 * mm, 40 * mm] + [(usable - 54 * mm) / (n - 2)] * (n - 2)))
    story += [Spacer(0, 6 * mm), _score_chart(data.ranking, usable, _("Scores"))]

    if data.annual is not None:
        story += [
            PageBreak(),
            Paragraph(data.annual_title, title_style),
            Paragraph(note, note_style),
            Spacer(0, 4 * mm),
        ]
        head = (
            [_("Rank"), _("Unit")]
            + [m[5:] for m in data.months]
            + [
                _("Year score"),
                str(LABELS["response_rate"]),
                str(LABELS["resolution_rate"]),
                str(LABELS["satisfaction_rate"]),
            ]
        )
        rows = [head] + [
            [
                r["rank"],
                r["name"],
                *[_num(s) for s in r["monthly"]],
                _num(r["score"]),
                _pct(r["response_rate"]),
                _pct(r["resolution_rate"]),
                _pct(r["satisfaction_rate"]),
            ]
            for r in data.annual
        ]
        k = len(head) - 2
        story.append(table(rows, [12 * mm, 36 * mm] + [(usable - 48 * mm) / k] * k))
        story += [Spacer(0, 6 * mm), _score_chart(data.annual, usable, _("Year scores"))]

    story += [Spacer(0, 6 * mm), Paragraph(_("How the figures are counted"), body)]
    story += [
        Paragraph(f"{label}{'：' if label else ''}{text}", body) for label, text in _definitions()
    ]

    def write(target: str) -> None:
        doc = SimpleDocTemplate(
            target,
            pagesize=page,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=data.title,
            initialFontName=CJK_FONT,
        )  # no unembedded Helvetica
        doc.build(story)

    _atomic_write(path, write)


WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf}

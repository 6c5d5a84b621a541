"""A report as data (title, sections of sentences, facts, tables and charts) and its three renderings: one
self-contained HTML file (charts as inline SVG drawn by vl-convert, no network request, A4 print styles), an Excel
workbook (a summary sheet, then one sheet per table with number formats, widths and frozen headers) and a Word
document (python-docx; charts as PNG drawn by vl-convert)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
import unicodedata

import altair as alt
import docx
import pandas as pd
import vl_convert
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from analytics import core

FORMATS = ("html", "xlsx", "docx")
EXCEL_MAX_WIDTH = 60  # characters
PNG_SCALE = 2  # Word pictures drawn at twice their size, sharp when printed
WORD_WIDTH_CM = 16  # an A4 page less its margins
# Namespace declarations vl-convert writes: inline SVG in HTML needs none, and the file then names no address.
_NAMESPACES = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


@dataclasses.dataclass(frozen=True)
class Text:
    """A paragraph."""

    text: str


@dataclasses.dataclass(frozen=True)
class Subheading:
    """A heading within a section (kept on the page of what follows it)."""

    text: str


@dataclasses.dataclass(frozen=True)
class Facts:
    """Label and value pairs, values already written (``core.format_value``)."""

    rows: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Table:
    """A result frame: headers from the column registry in the report's language unless ``labels`` names them,
    each figure written as its column's kind (``kinds`` for columns the registry does not know)."""

    frame: pd.DataFrame
    sheet: str
    kinds: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    caption: str = ""
    form: bool = False  # rows to fill in by hand (a sign-off): tall empty cells

    def kind(self, column: object) -> str:
        """A column's kind: given, else the registry's, else by its type."""
        if column in self.kinds:
            return self.kinds[column]
        if str(column) in core.REGISTRY:
            return core.column(str(column)).kind
        dtype = self.frame[column].dtype
        if dtype.kind in "iu":
            return "count"
        if dtype.kind == "f":
            return "number"
        return "date" if dtype.kind == "M" else "text"

    def headers(self, lang: str) -> list[str]:
        return [self.labels.get(c) or core.column_label(str(c), lang) for c in self.frame.columns]

    def written(self, lang: str) -> list[list[str]]:
        """Every cell as the reader sees it."""
        kinds = [self.kind(c) for c in self.frame.columns]
        return [
            [core.format_value(_plain(v), k, lang) for v, k in zip(row, kinds, strict=True)]
            for row in self.frame.itertuples(index=False)
        ]


@dataclasses.dataclass(frozen=True, eq=False)
class Chart:
    """An Altair chart (built in the report's language by an ``analytics.charts`` builder)."""

    chart: alt.TopLevelMixin
    title: str = ""


@dataclasses.dataclass(frozen=True, eq=False)
class Section:
    heading: str
    blocks: tuple


@dataclasses.dataclass(frozen=True, eq=False)
class Document:
    """A report: ``title``, a ``subtitle`` line, ``sections`` in order, in ``lang``."""

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    lang: str = "en"

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def _plain(value: object) -> object:
    """numpy scalars and timestamps as Python values for the formatter."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") and not isinstance(value, str | dt.date) else value


def render(document: Document, fmt: str) -> bytes:
    """The document as ``html``, ``xlsx`` or ``docx`` bytes."""
    if fmt == "html":
        return to_html(document).encode("utf-8")
    if fmt == "xlsx":
        return to_excel(document)
    if fmt == "docx":
        return to_docx(document)
    raise core.RiskLabError("report.bad_format", format=fmt, formats=", ".join(FORMATS))


# --- HTML ----------------------------------------------------------------------------------------------------------

_STYLE = """
@page { size: A4; margin: 15mm 14mm; }
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", Arial, sans-serif;
       color: #1f2937; max-width: 182mm; margin: 0 auto; font-size: 10.5pt; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; margin: 7mm 0 2mm; border-bottom: 1px solid #d1d5db; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p.subtitle { color: #4b5563; margin: 0 0 4mm; }
p.caption { color: #4b5563; font-size: 9pt; margin: 1mm 0 3mm; }
table { border-collapse: collapse; font-size: 8.5pt; margin: 1mm 0 3mm; break-inside: auto; }
tr { break-inside: avoid; }
th { text-align: left; border-bottom: 1.5px solid #6b7280; padding: 1.5px 6px; background: #f3f4f6; }
td { border-bottom: 1px solid #e5e7eb; padding: 1.5px 6px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { background: none; border: none; font-weight: 600; padding-right: 12px; }
table.facts td { border: none; }
table.form { width: 100%; }
table.form td { height: 12mm; border-bottom: 1px solid #6b7280; }
figure { margin: 2mm 0 4mm; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 9pt; color: #4b5563; }
@media print { body { max-width: none; } h2 { break-before: auto; } }
"""


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an inline SVG element (vl-convert runs Vega in-process: no browser, no network)."""
    drawn = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=_vl_version())
    return _NAMESPACES.sub("", drawn, count=2)


def _vl_version() -> str:
    """Altair's Vega-Lite version as vl-convert names it ("6.4"), else vl-convert's newest of that major."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    known = vl_convert.get_vegalite_versions()
    same_major = [v for v in known if v.split(".")[0] == major]
    return f"{major}.{minor}" if f"{major}.{minor}" in known else same_major[-1]


def _html_table(table: Table, lang: str) -> str:
    numeric = [table.kind(c) not in ("text", "date", "month", "datetime") for c in table.frame.columns]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers(lang))
    rows = []
    for row in table.written(lang):
        cells = (
            f'<td class="n">{html.escape(v)}</td>' if n else f"<td>{html.escape(v)}</td>"
            for v, n in zip(row, numeric, strict=True)
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    caption = f'<p class="caption">{html.escape(table.caption)}</p>' if table.caption else ""
    form = ' class="form"' if table.form else ""
    return f"<table{form}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{caption}"


def _html_block(block: object, lang: str) -> str:
    if isinstance(block, Text):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Subheading):
        return f"<h3>{html.escape(block.text)}</h3>"
    if isinstance(block, Facts):
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in block.rows)
        return f'<table class="facts">{rows}</table>'
    if isinstance(block, Table):
        return _html_table(block, lang)
    if isinstance(block, Chart):
        title = f"<figcaption>{html.escape(block.title)}</figcaption>" if block.title else ""
        return f'<figure class="chart">{svg(block.chart)}{title}</figure>'
    raise TypeError(block)


def to_html(document: Document) -> str:
    """One HTML file that needs nothing else: styles inline, charts as SVG, no script, no address."""
    parts = [f"<h1>{html.escape(document.title)}</h1>", f'<p class="subtitle">{html.escape(document.subtitle)}</p>']
    for section in document.sections:
        parts.append(f"<section><h2>{html.escape(section.heading)}</h2>")
        parts.extend(_html_block(block, document.lang) for block in section.blocks)
        parts.append("</section>")
    lang = "zh-CN" if document.lang == "zh" else document.lang
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(document.title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


# --- Excel ---------------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Characters a text needs in a cell (a wide Chinese character counts two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_name(name: str, used: set[str]) -> str:
    sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    while sheet.lower() in used:
        sheet = f"{sheet[:27]}_{len(used)}"
    used.add(sheet.lower())
    return sheet


def _excel_value(value: object, kind: str) -> object:
    value = _plain(value)
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if kind == "text" and not isinstance(value, str):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def to_excel(document: Document) -> bytes:
    """A workbook: the first sheet has the title, every sentence and fact in order (a table's place names its
    sheet); then one sheet per table, figures as numbers in their kind's Excel format (``core.excel_format``)."""
    book = Workbook()
    summary = book.active
    used: set[str] = set()
    summary.title = _sheet_name(core.t("report.summary_sheet", document.lang), used)
    lines: list[tuple[str, str, bool]] = [(document.title, "", True), (document.subtitle, "", False)]
    sheets: list[tuple[str, Table]] = []
    for section in document.sections:
        lines.append(("", "", False))
        lines.append((section.heading, "", True))
        for block in section.blocks:
            if isinstance(block, Text | Subheading):
                lines.append((block.text, "", isinstance(block, Subheading)))
            elif isinstance(block, Facts):
                lines.extend((k, v, False) for k, v in block.rows)
            elif isinstance(block, Table):
                name = _sheet_name(block.sheet, used)
                sheets.append((name, block))
                lines.append((core.t("report.see_sheet", document.lang, sheet=name), "", False))
    for row, (first, second, bold) in enumerate(lines, start=1):
        summary.cell(row=row, column=1, value=first).font = Font(bold=bold, size=14 if row == 1 else 11)
        summary.cell(row=row, column=2, value=second or None)
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 60
    for name, table in sheets:
        _excel_sheet(book.create_sheet(name), table, document.lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_sheet(sheet, table: Table, lang: str) -> None:
    """Headers bold and frozen, numbers in their kind's format, columns as wide as what they show."""
    headers = table.headers(lang)
    kinds = [table.kind(c) for c in table.frame.columns]
    written = table.written(lang)
    sheet.freeze_panes = "A2"
    for index, (header, kind) in enumerate(zip(headers, kinds, strict=True), start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=False)
        width = _width(header)
        column = table.frame.iloc[:, index - 1]
        for row, value in enumerate(column, start=2):
            target = sheet.cell(row=row, column=index, value=_excel_value(value, kind))
            target.number_format = core.excel_format(kind)
            width = max(width, _width(written[row - 2][index - 1]))
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, EXCEL_MAX_WIDTH)


# --- Word ----------------------------------------------------------------------------------------------------------


def png(chart: alt.TopLevelMixin) -> bytes:
    """The chart as a PNG picture (vl-convert)."""
    return vl_convert.vegalite_to_png(chart.to_dict(), vl_version=_vl_version(), scale=PNG_SCALE)


def to_docx(document: Document) -> bytes:
    """A Word document: headings, paragraphs, tables in the registry's formats and the charts as pictures."""
    word = docx.Document()
    for section in word.sections:  # A4
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
    style = word.styles["Normal"]
    style.font.size = Pt(10)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")  # Chinese text
    word.add_heading(document.title, level=0)
    word.add_paragraph(document.subtitle)
    for section in document.sections:
        word.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Text):
                word.add_paragraph(block.text)
            elif isinstance(block, Subheading):
                word.add_heading(block.text, level=2)
            elif isinstance(block, Facts):
                _word_table(word, [], [[k, v] for k, v in block.rows])
            elif isinstance(block, Table):
                _word_table(word, block.headers(document.lang), block.written(document.lang))
                if block.caption:
                    word.add_paragraph(block.caption)
            elif isinstance(block, Chart):
                word.add_picture(io.BytesIO(png(block.chart)), width=Cm(WORD_WIDTH_CM))
                if block.title:
                    word.add_paragraph(block.title)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _word_table(word, headers: list[str], rows: list[list[str]]) -> None:
    columns = len(headers) or (len(rows[0]) if rows else 1)
    table = word.add_table(rows=0, cols=columns)
    table.style = "Light Grid Accent 1" if headers else "Table Grid"
    if headers:
        cells = table.add_row().cells
        for cell, header in zip(cells, headers, strict=True):
            cell.text = header
            cell.paragraphs[0].runs[0].font.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)

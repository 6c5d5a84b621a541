"""A model's exports, each stating the model's identity (name, version, creation time, data fingerprint, or that
it is not saved): the JSON, the SQL, and the scorecard as CSV or as a formatted Excel sheet.

``export_model`` writes any of them to a file for the command line.
"""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics import core
from analytics.core import RiskLabError
from analytics.model._scorecard import WORDS, SavedModel
from analytics.model._versions import load_model

SCORECARD_COLUMNS = ("factor", "treatment", "attribute", "woe", "coef", "points", "points_rounded")
EXPORT_FORMATS = ("json", "sql", "scorecard")
SCORECARD_SUFFIXES = (".csv", ".xlsx")
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
MAX_WIDTH = 60


def scorecard_frame(saved: SavedModel, lang: str = "en") -> pd.DataFrame:
    """The scorecard (``SavedModel.scorecard``) with its words in ``lang`` (a binning's special bins as the
    binning names them) and the WOE column named ``woe``."""
    words = {w: core.t(f"model.word.{w}", lang) for w in WORDS}
    words |= {"missing": core.t("binning.missing", lang), "other": core.t("binning.other", lang)}
    card = saved.scorecard().rename(columns={"value": "woe"})
    return card.replace({"factor": words, "attribute": words, "treatment": words})[list(SCORECARD_COLUMNS)]


def model_json(saved: SavedModel, lang: str = "en") -> str:
    """The model as JSON text (``SavedModel.to_json``), its identity first."""
    return json.dumps(saved.to_json(lang), ensure_ascii=False, indent=1, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def scorecard_csv(saved: SavedModel, lang: str = "en") -> bytes:
    """The scorecard as CSV (UTF-8 with a BOM, so Excel reads Chinese): a ``#`` line with the model's identity,
    one with its scaling, then the table with headers in ``lang``."""
    card = scorecard_frame(saved, lang)
    headers = [core.column_label(c, lang) for c in card.columns]
    lines = f"# {saved.identity_text(lang)}\n# {_scaling_text(saved, lang)}\n"
    return (lines + card.to_csv(index=False, header=headers)).encode("utf-8-sig")


def _scaling_text(saved: SavedModel, lang: str) -> str:
    scaling = saved.scaling
    return core.t(
        "exports.scaling",
        lang,
        base_score=f"{scaling.base_score:g}",
        base_odds=f"{scaling.base_odds:g}",
        pdo=f"{scaling.pdo:g}",
    )


def _auc(saved: SavedModel) -> tuple[str, float | None]:
    """The AUC the header shows: the test sample's, else the training sample's."""
    for sample in ("test", "train"):
        value = (saved.metrics.get(sample) or {}).get("auc")
        if value is not None:
            return sample, float(value)
    return "train", None


def header_block(saved: SavedModel, lang: str = "en") -> list[tuple[str, object, str]]:
    """The rows above the scorecard: (label, value, kind) for the model, version, date, table, data fingerprint,
    base score, base odds, PDO and AUC."""
    identity = saved.identity()
    unsaved = core.t("exports.not_saved", lang)
    sample, auc = _auc(saved)
    created = pd.Timestamp(saved.created_at).to_pydatetime() if saved.created_at is not None else None
    return [
        (core.t("nav.model", lang), identity["name"] or unsaved, "text"),
        (core.column_label("version", lang), identity["version"] or unsaved, "count" if saved.saved else "text"),
        (core.column_label("created_at", lang), created if saved.saved and created else unsaved, "datetime"),
        (core.column_label("table", lang), saved.spec.table, "text"),
        (core.column_label("fingerprint", lang), identity["fingerprint"] or unsaved, "text"),
        (core.t("model.base_score", lang), saved.scaling.base_score, "number"),
        (core.t("model.base_odds", lang), saved.scaling.base_odds, "number"),
        (core.t("model.pdo", lang), saved.scaling.pdo, "number"),
        (core.t(f"exports.auc.{sample}", lang), auc, "statistic"),
    ]


def _width(text: str) -> int:
    """Display width: wide (Chinese) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def scorecard_workbook(saved: SavedModel, lang: str = "en") -> bytes:
    """The scorecard as one formatted Excel sheet: a header block (model, version, date, table, fingerprint,
    base score, odds, PDO, AUC), then the table with headers in ``lang``, number formats from the column
    registry, widths that show each value whole and the table's header row frozen."""
    card = scorecard_frame(saved, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = core.t("model.tab.scorecard", lang)[:31]
    bold = Font(bold=True)
    widths: dict[int, int] = {}

    def put(row: int, col: int, value: object, kind: str, font: Font | None = None, sized: bool = True) -> None:
        missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
        cell = sheet.cell(row=row, column=col, value=None if missing else value)
        cell.number_format = core.excel_format(kind) if not isinstance(value, str) else "@"
        if font:
            cell.font = font
        if not sized:
            return
        shown = value if isinstance(value, str) else core.format_value(None if missing else value, kind, lang)
        widths[col] = max(widths.get(col, 0), _width(str(shown)))

    block = header_block(saved, lang)
    for row, (label, value, kind) in enumerate(block, start=1):
        put(row, 1, label, "text", bold)
        put(row, 2, value, kind, sized=not isinstance(value, str))  # text runs on into the empty cells beside it
        sheet.cell(row=row, column=2).alignment = Alignment(horizontal="left")
    top = len(block) + 2
    kinds = [core.column(c).kind for c in card.columns]
    for col, (column, kind) in enumerate(zip(card.columns, kinds, strict=True), start=1):
        put(top, col, core.column_label(column, lang), "text", bold)
        sheet.cell(row=top, column=col).fill = HEADER_FILL
        for row, value in enumerate(card[column].tolist(), start=top + 1):
            put(row, col, value.item() if isinstance(value, np.generic) else value, kind)
    sheet.freeze_panes = f"A{top + 1}"
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_model(
    con: duckdb.DuckDBPyConnection, name: str, fmt: str, output: str, version: int | None = None, lang: str = "en"
) -> dict:
    """Write a saved version as ``fmt`` ("json", "sql", or "scorecard": .csv or .xlsx by the output's suffix)
    to ``output``; returns what was written."""
    if lang not in core.LANGUAGES:
        raise RiskLabError("exports.bad_lang", lang=lang, langs=", ".join(core.LANGUAGES))
    if fmt not in EXPORT_FORMATS:
        raise RiskLabError("exports.bad_format", format=fmt, formats=", ".join(EXPORT_FORMATS))
    suffix = Path(output).suffix.lower()
    if fmt == "scorecard" and suffix not in SCORECARD_SUFFIXES:
        raise RiskLabError("exports.bad_suffix", path=output, suffixes=", ".join(SCORECARD_SUFFIXES))
    saved = load_model(con, name, version)
    if fmt == "json":
        content: bytes = model_json(saved, lang).encode("utf-8")
    elif fmt == "sql":
        content = (saved.export_sql(lang) + "\n").encode("utf-8")
    elif suffix == ".csv":
        content = scorecard_csv(saved, lang)
    else:
        content = scorecard_workbook(saved, lang)
    try:
        Path(output).write_bytes(content)
    except OSError as exc:
        raise RiskLabError("exports.cannot_write", path=output, reason=exc.strerror or str(exc)) from None
    return {**saved.identity(), "format": fmt, "output": str(output), "bytes": len(content)}

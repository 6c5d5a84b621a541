"""Tables: every result frame shown with its columns labelled and formatted as the column registry says.

A column's key is its name in the frame analytics returns; ``core.column(key).kind`` decides the format
(shares and PDs as percentages with two decimals, amounts and counts with thousands separators, p-values to
four decimals, coefficients to four significant digits ...) and ``core.column_label`` its header in the user's
language. Headers never get cut: each column is as wide as its header (and its values, up to a limit) need.
"""

from __future__ import annotations

import numbers
import unicodedata

import pandas as pd
import streamlit as st

from analytics import core
from ui import session, text

SCALED = ("share", "pd")  # shown times 100 with a % sign; downloads keep the shares
FORMATS = {
    "share": "%.2f%%",
    "pd": "%.2f%%",
    "statistic": "%.4f",
    "coef": "%.4g",  # sprintf-js: toPrecision(4), zeros dropped; core.format_value writes the same
    "ratio": "%.2f",
    "amount": "localized",
    "count": "localized",
    "score": "localized",
    "number": "localized",
}
MONTH_FORMATS = {"en": "YYYY-MM", "zh": "YYYY年M月"}  # Streamlit's (moment.js) patterns
MAX_WIDTH = 360


def _text_width(value: str) -> int:
    """Pixels a text needs in a table cell (wide CJK characters count double)."""
    wide = sum(1 for ch in value if unicodedata.east_asian_width(ch) in "WF")
    return int(7.5 * (len(value) - wide) + 14 * wide)


def _kind(frame: pd.DataFrame, column: str, kinds: dict[str, str]) -> str:
    if column in kinds:
        return kinds[column]
    dtype = frame[column].dtype
    if column in core.REGISTRY:
        return core.column(column).kind
    if dtype.kind == "M":
        return "date"
    if dtype.kind in "iu":
        return "count"
    return "number" if dtype.kind == "f" else "text"


def _cell(value: object, kind: str) -> object:
    """A cell of a text column: "-" when missing, a number (not a flag) as ``kind`` writes it, else as it is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value:
        return text.figure(value, "number" if kind == "text" else kind)
    return "-" if core.format_value(value, "text") == "-" else value


def _label(column: str, labels: dict[str, str]) -> str:
    return labels[column] if column in labels else core.column_label(str(column), text.lang())


def view(
    frame: pd.DataFrame, labels: dict[str, str] | None = None, kinds: dict[str, str] | None = None
) -> tuple[pd.DataFrame, dict]:
    """The frame as shown (shares times 100, whole amounts, missing values as "-") and its ``column_config``."""
    labels, kinds = labels or {}, kinds or {}
    shown, config = frame.copy(), {}
    for column in frame.columns:
        kind, label = _kind(frame, column, kinds), _label(column, labels)
        values = shown[column]
        numeric = values.dtype.kind in "fiu"
        if kind == "p_value" or (numeric and kind != "text" and values.isna().any() and kind not in SCALED):
            shown[column] = [text.figure(v, kind) for v in values]  # missing values as "-", not "None"
            column_config = st.column_config.TextColumn(label)
            content = shown[column].map(len).max() if len(shown) else 0
        elif kind in SCALED and numeric:
            shown[column] = values * 100
            column_config = st.column_config.NumberColumn(label, format=FORMATS[kind])
            content = 8
        elif kind in ("amount", "count", "score") and numeric:
            shown[column] = values.round().astype("Int64")
            column_config = st.column_config.NumberColumn(label, format="localized")
            content = len(f"{values.abs().max():,.0f}") if len(values) else 1
        elif numeric:
            column_config = st.column_config.NumberColumn(label, format=FORMATS.get(kind, "localized"))
            content = 10
        elif kind == "date":
            column_config = st.column_config.DatetimeColumn(label, format=core.DATE_COLUMN_FORMATS[text.lang()])
            content = 12
        elif kind == "datetime":
            column_config = st.column_config.DatetimeColumn(label, format=core.DATETIME_COLUMN_FORMATS[text.lang()])
            content = 18
        elif kind == "month":
            column_config = st.column_config.DatetimeColumn(label, format=MONTH_FORMATS[text.lang()])
            content = 9
        else:  # text; numbers among it (a profile's min/max next to dates) written as their kind says
            shown[column] = [_cell(value, kind) for value in values]
            column_config = st.column_config.TextColumn(label)
            content = min(int(shown[column].astype(str).map(len).max()) if len(shown) else 0, 40)
        registered = core.column(column).width if column in core.REGISTRY else 0
        width = max(registered, _text_width(str(label)) + 40, int(7.5 * content) + 24)
        column_config["width"] = min(width, MAX_WIDTH)
        config[column] = column_config
    return shown, config


def show(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
    download: str | None = None,
    where=st,
    **options,
) -> None:
    """``frame`` as a table in ``where``: headers in the user's words (``labels`` for columns the registry does
    not name), formats by kind (``kinds`` overrides the registry); with ``download`` (a file name) a CSV of the
    frame below it."""
    shown, config = view(frame, labels, kinds)
    where.dataframe(shown, hide_index=True, column_config=config, **options)
    if download:
        download_csv(frame, download, where)


def download_csv(frame: pd.DataFrame, filename: str, where=st) -> None:
    """A download button for a table (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
    where.download_button(
        text.t("data.download_csv"),
        frame.to_csv(index=False).encode("utf-8-sig"),
        filename,
        "text/csv",
        key=session.widget_key("dl", filename),
    )

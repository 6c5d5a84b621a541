"""Display names of a table's columns per language (``risklab_catalog.column_labels``): what the pages write
instead of a raw column name (``credit_rating`` reads 信用评级 in Chinese). A column without one shows its name."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from analytics import store
from analytics.core import LANGUAGES, RiskLabError

MAX_LABEL = 60  # characters of a display name


def column_labels(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dict[str, str]]:
    """``{lang: {column: display name}}`` of ``table`` (every language present, possibly empty)."""
    rows = con.execute(
        "SELECT lang, column_name, label FROM risklab_catalog.column_labels WHERE table_name = ? "
        "ORDER BY lang, column_name",
        [table],
    ).fetchall()
    labels: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for lang, column, label in rows:
        labels.setdefault(lang, {})[column] = label
    return labels


def save_column_labels(
    con: duckdb.DuckDBPyConnection, table: str, labels: Mapping[str, Mapping[str, str | None]]
) -> None:
    """Replace the display names of ``table`` with ``labels`` (``{lang: {column: name}}``; a blank name means
    none), all or nothing, with an audit row."""
    columns = {name for name, _ in store.table_columns(con, table)}
    rows = []
    for lang, named in labels.items():
        if lang not in LANGUAGES:
            raise RiskLabError("labels.unknown_language", lang=lang, languages=", ".join(LANGUAGES))
        for column, label in named.items():
            if column not in columns:
                raise RiskLabError("error.no_column", table=table, column=column)
            text = "" if label is None else str(label).strip()
            if len(text) > MAX_LABEL:
                raise RiskLabError("labels.too_long", column=column, max=MAX_LABEL)
            if text:
                rows.append([table, column, lang, text])
    with store.transaction(con):
        con.execute("DELETE FROM risklab_catalog.column_labels WHERE table_name = ?", [table])
        if rows:
            con.executemany(
                "INSERT INTO risklab_catalog.column_labels (table_name, column_name, lang, label) VALUES (?, ?, ?, ?)",
                rows,
            )
        store.audit(con, "save_column_labels", table, labels={lang: dict(named) for lang, named in labels.items()})

"""The read-only SQL console: one SELECT, no file access, a row cap and a time cap.

Three layers keep it safe: the statement must parse as exactly one SELECT; its syntax tree
may name only the database's tables and a few harmless table functions (no ``read_csv``,
no ``'file.csv'``); and the connection itself is sandboxed by ``store.connect``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.core import RiskLabError

MAX_ROWS = 1_000
TIMEOUT_S = 10.0
SAFE_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
_PATH_HINTS = ("/", "\\", ".csv", ".parquet", ".json", ".txt", ".tsv", ".xlsx", ".gz", ".db", ".duckdb", "://")


@dataclass(frozen=True)
class QueryResult:
    """Rows of a console query, whether the row cap cut them, and how long it took."""

    frame: pd.DataFrame
    truncated: bool
    seconds: float


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single SELECT statement in ``sql`` or raise a clear error."""
    text = (sql or "").strip().rstrip(";").strip()
    if not text:
        raise RiskLabError("console.empty")
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        raise RiskLabError("console.syntax", detail=_first_line(exc)) from None
    if not statements:
        raise RiskLabError("console.empty")
    if len(statements) != 1:
        raise RiskLabError("console.one_statement")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise RiskLabError("console.select_only", kind=statements[0].type.name)
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [text]).fetchall()[0][0])
    if tree.get("error"):
        raise RiskLabError("console.select_only", kind=tree.get("error_type", "statement"))
    for node in _walk(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "").lower()
            if name not in SAFE_TABLE_FUNCTIONS:
                raise RiskLabError("console.no_files", name=name)
        elif kind == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            if any(hint in name for hint in _PATH_HINTS) or node.get("catalog_name"):
                raise RiskLabError("console.no_files", name=node.get("table_name"))
    return text


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, *, max_rows: int = MAX_ROWS, timeout_s: float = TIMEOUT_S
) -> QueryResult:
    """Run a read-only query on its own cursor, interrupting it after ``timeout_s``."""
    text = check_read_only(con, sql)
    cursor = con.cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    start = time.perf_counter()
    timer.start()
    try:
        cursor.execute("BEGIN TRANSACTION READ ONLY")
        cursor.execute(text)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(max_rows + 1)
    except duckdb.InterruptException:
        raise RiskLabError("console.timeout", seconds=timeout_s) from None
    except duckdb.Error as exc:
        raise RiskLabError("console.failed", detail=_first_line(exc)) from None
    finally:
        timer.cancel()
        cursor.close()
    frame = pd.DataFrame(rows[:max_rows], columns=_unique(names))
    return QueryResult(frame=frame, truncated=len(rows) > max_rows, seconds=time.perf_counter() - start)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out

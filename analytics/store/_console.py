"""The read-only SQL console: one SELECT over the users' tables, capped by time, rows and bytes.

Three layers keep it safe: the statement must parse as exactly one SELECT (at most ``MAX_QUERY_CHARS`` long and
``MAX_QUERY_DEPTH`` parentheses deep, checked before DuckDB parses it); its syntax tree may name only the users'
loan tables and a few harmless table functions (no ``read_csv``, no ``'file.csv'``, no settings, paths, system
views or catalog tables); and the connection itself is sandboxed by ``store.connect``. A timer thread interrupts
parsing, planning and fetching; the result is streamed in Arrow batches and cut at ``max_rows`` rows or
``MAX_RESULT_MB`` megabytes, whichever comes first.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.core import Notice, RiskLabError
from analytics.store._access import reads_every_table
from analytics.store._database import user_tables
from analytics.store._failures import user_error

MAX_ROWS = 1_000
TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 86_400.0  # a day
MAX_RESULT_MB = float(os.environ.get("RISKLAB_CONSOLE_MAX_MB", "16"))  # what one result may hold (session, browser)
MAX_QUERY_DEPTH = 200  # parentheses inside parentheses
MAX_QUERY_CHARS = 20_000  # DuckDB plans (uninterruptibly) in time that grows faster than the query's length
_BATCH_ROWS = 256
SAFE_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# scalar functions that reveal the server's settings, variables or paths
_HIDDEN_FUNCTIONS = frozenset({"current_setting", "getvariable", "getenv", "current_schemas", "current_catalog"})
_HIDDEN_PREFIXES = ("duckdb_", "pg_")
_PATH_HINTS = ("/", "\\", ".csv", ".parquet", ".json", ".txt", ".tsv", ".xlsx", ".gz", ".db", ".duckdb", "://")


@dataclass(frozen=True)
class QueryResult:
    """Rows of a console query, whether a cap (rows or bytes) cut them, and how long it took."""

    frame: pd.DataFrame
    truncated: bool
    seconds: float
    size_cap_mb: float | None = None  # set when the size cap, not the row cap, cut the result

    def notice(self) -> Notice | None:
        """What the user reads when a cap cut the rows: the row cap, or the size cap when it cut first."""
        if self.size_cap_mb is not None:
            return Notice("console.too_big", rows=len(self.frame), mb=self.size_cap_mb)
        return Notice("console.truncated", rows=len(self.frame)) if self.truncated else None


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single SELECT statement in ``sql`` or raise a clear error.

    The statement may read only the users' loan tables (and its own WITH names): no files, no settings, no
    paths, no system views and no Risk Lab catalog tables.
    """
    text = (sql or "").strip().rstrip(";").strip()
    if not text:
        raise RiskLabError("console.empty")
    if len(text) > MAX_QUERY_CHARS:
        raise RiskLabError("console.too_long", chars=len(text), limit=MAX_QUERY_CHARS)
    if (depth := nesting_depth(text)) > MAX_QUERY_DEPTH:
        raise RiskLabError("console.too_deep", depth=depth, limit=MAX_QUERY_DEPTH)
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
    nodes = list(_walk(tree))
    readable = {name.lower() for name in user_tables(con)} | _with_names(nodes)
    for node in nodes:
        _check_node(node, readable)
    return text


_SQL_QUOTED = re.compile(r"'(?:[^']++|'')*+'|\"(?:[^\"]++|\"\")*+\"|--[^\n]*+|/\*(?:[^*]++|\*(?!/))*+\*/")
_NOT_PARENTHESIS = re.compile(r"[^()]++")


def nesting_depth(sql: str) -> int:
    """How deeply ``sql`` nests parentheses outside strings and comments (linear time, before DuckDB parses it:
    its parser takes many seconds over thousands of unclosed parentheses)."""
    parentheses = _NOT_PARENTHESIS.sub("", _SQL_QUOTED.sub("", sql))
    depth = deepest = 0
    for parenthesis in parentheses:
        depth += 1 if parenthesis == "(" else -1
        deepest = max(deepest, depth)
    return deepest


def _with_names(nodes: list[dict]) -> set[str]:
    names = set()
    for node in nodes:
        for entry in (node.get("cte_map") or {}).get("map", []) if isinstance(node.get("cte_map"), dict) else []:
            names.add(str(entry.get("key", "")).lower())
    return names


def _check_node(node: dict, readable: set[str]) -> None:
    """Refuse a node that reads anything but the users' tables: files, table functions, settings, system views."""
    kind = node.get("type")
    if kind == "TABLE_FUNCTION":
        name = (node.get("function") or {}).get("function_name", "").lower()
        if name not in SAFE_TABLE_FUNCTIONS:
            raise RiskLabError("console.no_files", name=name)
    elif kind == "BASE_TABLE":
        name = str(node.get("table_name", ""))
        if any(hint in name.lower() for hint in _PATH_HINTS) or node.get("catalog_name"):
            raise RiskLabError("console.no_files", name=name)
        if node.get("schema_name", "") not in ("", "main") or name.lower() not in readable:
            shown = ".".join(part for part in (node.get("schema_name"), name) if part)
            raise RiskLabError("console.not_a_table", name=shown)
    elif node.get("class") == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        if name in _HIDDEN_FUNCTIONS or name.startswith(_HIDDEN_PREFIXES) or node.get("schema") not in ("", None):
            raise RiskLabError("console.hidden_function", name=name)


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
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    max_rows: int = MAX_ROWS,
    timeout_s: float = TIMEOUT_S,
    max_mb: float | None = None,
) -> QueryResult:
    """Run a read-only query on its own cursor; a timer thread interrupts it (planning included) after
    ``timeout_s``. At most ``max_rows`` rows and ``max_mb`` megabytes (``MAX_RESULT_MB``) are kept."""
    if not reads_every_table():  # the console reads any table: only for roles that may read them all
        raise RiskLabError("access.console_closed")
    max_mb = MAX_RESULT_MB if max_mb is None else max_mb
    _check_limits(max_rows, timeout_s, max_mb)
    cursor = con.cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    start = time.perf_counter()
    timer.start()
    try:
        text = check_read_only(cursor, sql)
        cursor.execute("BEGIN TRANSACTION READ ONLY")
        relation = cursor.sql(text)
        names = _unique(relation.columns)
        table, cut = _capped_table(relation, max_rows, max_mb * 1024 * 1024)
    except duckdb.InterruptException:
        raise RiskLabError("console.timeout", seconds=timeout_s) from None
    except (duckdb.Error, pa.ArrowException, OSError) as exc:  # a streamed result's errors arrive through Arrow
        if "INTERRUPT" in str(exc):
            raise RiskLabError("console.timeout", seconds=timeout_s) from None
        error = user_error(exc)
        if error.key in ("error.out_of_memory", "error.disk_full"):
            raise error from None
        raise RiskLabError("console.failed", detail=_first_line(exc)) from None
    finally:
        timer.cancel()
        cursor.close()
    frame = table.rename_columns(names).slice(0, max_rows).to_pandas()
    return QueryResult(
        frame=frame,
        truncated=cut is not None,
        seconds=time.perf_counter() - start,
        size_cap_mb=max_mb if cut == "size" else None,
    )


def _check_limits(max_rows: object, timeout_s: object, max_mb: object) -> None:
    """Refuse caps that would remove the cap: zero, negative, not a number or infinite."""
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise RiskLabError("console.bad_max_rows", value=max_rows)
    for key, value in (("console.bad_timeout", timeout_s), ("console.bad_size", max_mb)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise RiskLabError(key, value=value)
    if timeout_s > MAX_TIMEOUT_S:  # a timer thread cannot wait longer (OverflowError)
        raise RiskLabError("console.bad_timeout", value=timeout_s)


def _capped_table(relation: duckdb.DuckDBPyRelation, max_rows: int, max_bytes: float) -> tuple[pa.Table, str | None]:
    """The streamed result up to ``max_rows`` rows (one more tells that rows were cut) and ``max_bytes``, with the
    cap that cut it ("rows" or "size"; None when nothing was cut)."""
    batches, rows, size, cut = [], 0, 0, None
    with relation.to_arrow_reader(batch_size=_BATCH_ROWS) as reader:
        schema = reader.schema
        for batch in reader:
            if size + batch.nbytes > max_bytes:
                fitting = int((max_bytes - size) / max(batch.nbytes / max(batch.num_rows, 1), 1))
                batches.append(batch.slice(0, max(min(fitting, batch.num_rows - 1), 0)))
                cut = "size"
                break
            batches.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if rows > max_rows:
                cut = "rows"
                break
    return pa.Table.from_batches(batches, schema=schema), cut


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out

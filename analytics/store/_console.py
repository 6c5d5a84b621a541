"""The read-only SQL console: one SELECT over the users' tables, run in a worker process with OS limits.

Four layers keep it safe: the statement must parse as exactly one SELECT (at most ``MAX_QUERY_CHARS`` long and
``MAX_QUERY_DEPTH`` parentheses deep, checked before DuckDB parses it); its syntax tree may name only the users'
loan tables and a few harmless table functions (no ``read_csv``, no ``'file.csv'``, no settings, paths, system
views or catalog tables); the server's connection is sandboxed by ``store.connect``; and the query itself runs in
a worker process (``_worker.run``) whose address space, CPU time, wall time, written files and threads the
operating system limits. A DuckDB database file has one writer process, so the worker cannot open the server's
file: each table the query names is exported once per state (import, replacement) to a Parquet snapshot in the
staging folder, and the worker reads those through views in an in-memory DuckDB. In the worker a timer thread
interrupts the query; the result is streamed in Arrow batches and cut at ``max_rows`` rows or ``MAX_RESULT_MB``
megabytes, whichever comes first, and comes back as an Arrow file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.core import Notice, RiskLabError
from analytics.store import _worker
from analytics.store._access import reads_every_table
from analytics.store._database import quote_ident, sizing, staged_file, staging_dir, table_state, user_tables
from analytics.store._failures import user_error

MAX_ROWS = 1_000
TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 86_400.0  # a day
MAX_RESULT_MB = float(os.environ.get("RISKLAB_CONSOLE_MAX_MB", "16"))  # what one result may hold (session, browser)
MAX_QUERY_DEPTH = 200  # parentheses inside parentheses
MAX_QUERY_CHARS = 20_000  # DuckDB plans (uninterruptibly) in time that grows faster than the query's length
_BATCH_ROWS = 256
_GRACE_S = 15.0  # the worker's start and the writing of its result, on top of the query's time limit
SNAPSHOTS = "console"  # the staging subfolder of the tables' Parquet snapshots
SNAPSHOT_GRACE_S = 60.0  # an older snapshot of a table is removed once unused this long
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
    return _checked(con, sql)[0]


def _checked(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[str, list[str]]:
    """The single SELECT statement in ``sql`` and the users' tables it reads (see ``check_read_only``)."""
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
    tables = {name.lower(): name for name in user_tables(con)}
    readable = set(tables) | _with_names(nodes)
    for node in nodes:
        _check_node(node, readable)
    named = {str(node.get("table_name", "")).lower() for node in nodes if node.get("type") == "BASE_TABLE"}
    return text, sorted(tables[name] for name in named if name in tables)


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
    """Check the query here (a timer interrupts the parsing after ``timeout_s``), then run it in a limited worker
    process over snapshots of the tables it reads, interrupted after ``timeout_s``. At most ``max_rows`` rows and
    ``max_mb`` megabytes (``MAX_RESULT_MB``) come back."""
    if not reads_every_table():  # the console reads any table: only for roles that may read them all
        raise RiskLabError("access.console_closed")
    max_mb = MAX_RESULT_MB if max_mb is None else max_mb
    _check_limits(max_rows, timeout_s, max_mb)
    start = time.perf_counter()
    cursor = con.cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    timer.start()
    try:
        text, tables = _checked(cursor, sql)
    except duckdb.InterruptException:
        raise RiskLabError("console.timeout", seconds=timeout_s) from None
    finally:
        timer.cancel()
    try:
        snapshots = {table: str(snapshot(cursor, table)) for table in tables}
        _remove_dropped(cursor)
    except (duckdb.Error, OSError) as exc:
        raise user_error(exc) from None
    finally:
        cursor.close()
    out = staged_file(con, "arrow")
    snapshots_dir = staging_dir(con) / SNAPSHOTS
    snapshots_dir.mkdir(parents=True, exist_ok=True)  # a query that reads no table has made no snapshot yet
    spill = snapshots_dir / f"spill-{uuid.uuid4().hex}"
    payload = {
        "sql": text,
        "tables": snapshots,
        "allowed": str(snapshots_dir) + os.sep,
        "spill": str(spill),
        "out": str(out),
        "max_rows": max_rows,
        "max_bytes": max_mb * 1024 * 1024,
        "timeout_s": timeout_s,
        "memory_limit": _worker_memory_limit(),
        "spill_mb": _worker.LIMITS.file_mb,
    }
    try:
        answer = _worker.run("analytics.store._console:query_task", payload, _limits(timeout_s), "console_limit")
        table = pa.ipc.open_file(pa.memory_map(str(out))).read_all()  # mapped: the file may go right away
    finally:
        out.unlink(missing_ok=True)
        shutil.rmtree(spill, ignore_errors=True)
    return QueryResult(
        frame=table.to_pandas(),
        truncated=answer["cut"] is not None,
        seconds=time.perf_counter() - start,
        size_cap_mb=max_mb if answer["cut"] == "size" else None,
    )


def _worker_memory_limit() -> str:
    """The query's DuckDB buffer pool: sized like the server's, for the worker's threads and address space."""
    limits = _worker.LIMITS
    return sizing(cpus=int(limits.threads), address_space_mb=int(limits.memory_mb)).memory_limit


def _limits(timeout_s: float) -> _worker.Limits:
    """The worker's limits for one query: the workers' address space, file size and threads; the query's time
    limit (plus the worker's start) as wall time, and at least that much processor time per thread."""
    limits = _worker.LIMITS
    wall = timeout_s + _GRACE_S
    return dataclasses.replace(limits, wall_s=wall, cpu_s=max(limits.cpu_s, wall * max(limits.threads, 1)))


def snapshot(con: duckdb.DuckDBPyConnection, table: str) -> Path:
    """The Parquet snapshot of ``table`` that a console worker reads, written once per state of the table (a new
    import or replacement writes a new one); ``table`` must be a user table. Each use marks the file, and older
    snapshots of the table are removed once no query has used them for ``SNAPSHOT_GRACE_S`` (a worker of another
    session may be about to read one)."""
    folder = staging_dir(con) / SNAPSHOTS
    folder.mkdir(exist_ok=True)
    name = _snapshot_name(table)
    state = hashlib.sha1(repr(_state(con, table)).encode()).hexdigest()[:16]
    path = folder / f"{name}-{state}.parquet"
    if not path.exists():
        partial = folder / f"partial-{uuid.uuid4().hex}.parquet"
        try:
            target = "'" + str(partial).replace("'", "''") + "'"  # COPY takes no parameter for its file
            con.execute(f"COPY (SELECT * FROM {quote_ident(table)}) TO {target} (FORMAT parquet)")
            os.replace(partial, path)  # whole or not at all, also when two sessions write it at once
        finally:
            partial.unlink(missing_ok=True)
    os.utime(path)  # in use
    for old in folder.glob(f"{name}-*.parquet"):
        with contextlib.suppress(OSError):
            if old != path and time.time() - old.stat().st_mtime > SNAPSHOT_GRACE_S:
                old.unlink()
    return path


def _snapshot_name(table: str) -> str:
    return hashlib.sha1(table.encode()).hexdigest()[:16]


def _remove_dropped(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the snapshots of tables that no longer exist (dropped or renamed), once unused for
    ``SNAPSHOT_GRACE_S``: they would otherwise stay on disk for good."""
    folder = staging_dir(con) / SNAPSHOTS
    tables = {_snapshot_name(table) for table in user_tables(con)}  # the console's roles read every table
    for path in folder.glob("*-*.parquet"):
        name = path.name.split("-", 1)[0]
        if name in tables or name == "partial":
            continue
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > SNAPSHOT_GRACE_S:
                path.unlink()


def _state(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    try:
        return table_state(con, table)
    except duckdb.CatalogException:  # a read-only database without the Risk Lab catalog
        return con.execute(
            "SELECT table_oid, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
            [table],
        ).fetchall()[0]


def query_task(payload: dict, threads: int = 1) -> dict:
    """Worker task: the query over views of the snapshots in an in-memory DuckDB, its capped result written as an
    Arrow file to ``payload["out"]``; returns which cap cut it (``"rows"``, ``"size"`` or None)."""
    pa.set_cpu_count(threads)
    config = {
        "threads": threads,
        "memory_limit": payload["memory_limit"],
        "temp_directory": payload["spill"],
        "max_temp_directory_size": f"{int(payload['spill_mb'])}MB",
    }
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")
    for table, path in payload["tables"].items():
        quoted = "'" + path.replace("'", "''") + "'"  # a view takes no parameters
        con.execute(f"CREATE VIEW {quote_ident(table)} AS SELECT * FROM read_parquet({quoted})")
    con.execute("SET allowed_directories = [?]", [payload["allowed"]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    timeout_s = payload["timeout_s"]
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        relation = con.sql(payload["sql"])
        names = _unique(relation.columns)
        table, cut = _capped_table(relation, payload["max_rows"], payload["max_bytes"])
    except duckdb.InterruptException:
        raise RiskLabError("console.timeout", seconds=timeout_s) from None
    except (duckdb.Error, pa.ArrowException, OSError) as exc:  # a streamed result's errors arrive through Arrow
        if "INTERRUPT" in str(exc):
            raise RiskLabError("console.timeout", seconds=timeout_s) from None
        error = user_error(exc)
        if error.key == "error.out_of_memory":
            raise MemoryError from None  # the worker tells the memory limit
        if error.key == "error.disk_full":
            raise error from None
        raise RiskLabError("console.failed", detail=_first_line(exc)) from None
    finally:
        timer.cancel()
    table = table.rename_columns(names).slice(0, payload["max_rows"])
    with pa.OSFile(payload["out"], "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return {"cut": cut}


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

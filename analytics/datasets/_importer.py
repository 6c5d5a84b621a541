"""Reading loan files (CSV/TSV/TXT, Excel, Parquet, JSON lines) into DuckDB tables, all or nothing.

Files never reach DuckDB directly: text is decoded in Python (UTF-8, UTF-8 with BOM,
GB18030/GBK, UTF-16), written as a UTF-8 copy into the connection's staging folder and
read there with ``read_csv``/``read_json``; Parquet is staged as is; Excel sheets are read
with openpyxl and registered as an Arrow table. The file is loaded once into a temporary
table; the user's table is then created from it in one transaction.

Text columns whose values are all numbers written with thousands separators, decimal
commas, currency signs or percent signs are converted in SQL, each with a notice; columns
whose values are mostly (at least half, but not all) numbers stay text, also with a notice.
Empty or duplicate column names are renamed (``column_3``, ``amount_2``) with a notice
rather than refused; a column with neither a name nor any value (a trailing delimiter, an
empty Excel column) is left out.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics import store
from analytics.core import Notice, RiskLabError
from analytics.store import run_in_worker

MAX_UPLOAD_MB = 200  # browser uploads (and preview/import of bytes); import_path has no limit
STREAM_ABOVE_MB = 32  # import_path streams files above this size instead of reading them into memory
MAX_COLUMNS = 10_000  # more columns are refused before any work (20,000 already exhaust DuckDB's 1 GB buffer)
MAX_EXCEL_ROWS = 1_048_576  # what one Excel sheet can hold; a workbook claiming more is not from Excel
MAX_EXCEL_INFLATED_MB = int(os.environ.get("RISKLAB_MAX_EXCEL_MB", "400"))  # the XML a workbook's zip declares
MAX_JSON_DEPTH = 100  # DuckDB itself stops at 128 levels, Python's json at about 1,000
AGGREGATES_PER_SCAN = 200  # DuckDB plans one SELECT of thousands of aggregates in quadratic time
WIDE_COLUMNS = 200  # a wider file's sample is read once into a temporary table
SAMPLE_CELLS = 5_000_000  # ... of at most this many cells (fewer rows for a wider file)
SAMPLE_ROWS = 20_000  # number formats and notices are decided on these first rows, then checked on every row
DELIMITERS = (",", ";", "\t", "|")
KIND_BY_EXTENSION = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
EXTENSIONS = tuple(extension.lstrip(".") for extension in KIND_BY_EXTENSION)  # for upload widgets
ENCODING_CHOICES = (None, "utf-8", "utf-8-sig", "gb18030", "utf-16")  # None: detect
DELIMITER_CHOICES = (None, *DELIMITERS)  # None: detect
_FALLBACK_ENCODINGS = ("cp1252", "big5", "shift_jis", "euc_kr")  # guessed (with a notice) when all else fails
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 200
_HEAD_BYTES = 1024 * 1024  # what a streamed file's kind, encoding and delimiter are detected from
_CHUNK = 8 * 1024 * 1024
_PARQUET_BATCH_ROWS = 100_000  # rows per batch a worker writes to the Parquet file it hands back
_SCAN_BAD_LINES_MB = 256  # a broken CSV up to this size is scanned in Python for the first ragged line
_SNIFF_ROWS = 20_480  # rows DuckDB detects a big CSV/JSON file's column types from (a later misfit is retried)
_UNCONVERTED = re.compile(r"risklab-unconverted:(\d+);")
_CSV_OPTIONS = "header = true, quote = '\"', escape = '\"', comment = '', skip = 0, auto_detect = true"


@dataclass(frozen=True)
class Preview:
    """What an import of the file would create: detected format, column types and the first rows."""

    kind: str
    encoding: str | None
    delimiter: str | None
    sheets: tuple[str, ...]
    sheet: str | None
    columns: tuple[tuple[str, str], ...]
    rows: pd.DataFrame
    warnings: tuple[Notice, ...]


@dataclass(frozen=True)
class ImportResult:
    """The table an import created, with the format it detected and its warnings."""

    table: str
    rows: int
    columns: tuple[tuple[str, str], ...]
    encoding: str | None
    delimiter: str | None
    warnings: tuple[Notice, ...]

    def to_json(self) -> dict:
        """The command line's JSON report."""
        return {
            "table": self.table,
            "rows": self.rows,
            "columns": [{"name": name, "type": kind} for name, kind in self.columns],
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "warnings": [str(w) for w in self.warnings],
        }


# --- number formats written as text: a registry, one record per format ----------------------------


@dataclass(frozen=True)
class NumberFormat:
    """A way numbers are written as text, recognised and converted in SQL.

    ``pattern`` fully matches one trimmed value; ``compatible`` matches plain values that may
    share the column (e.g. ``950`` next to ``12,345``); ``remove`` is stripped before the cast;
    ``decimal_comma`` turns a remaining ``,`` into ``.``; ``fraction`` marks values with a
    decimal part (the column then becomes DOUBLE, else BIGINT); the result is divided by ``scale``.
    """

    name: str
    pattern: str
    compatible: str | None
    remove: str
    decimal_comma: bool
    fraction: str
    scale: int
    notice: str


PLAIN_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
_INTEGER = r"[+-]?\d+"
NUMBER_FORMATS = (
    NumberFormat(
        "thousands_comma", r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", PLAIN_NUMBER, ",", False, r"[.eE]", 1, "import.thousands"
    ),
    NumberFormat(
        "thousands_space",
        r"[+-]?\d{1,3}([ \x{00A0}\x{202F}]\d{3})+([.,]\d+)?",
        PLAIN_NUMBER,
        "[ \u00a0\u202f]",
        True,
        r"[.,eE]",
        1,
        "import.thousands",
    ),
    NumberFormat(
        "decimal_comma", r"[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+", _INTEGER, r"\.", True, ",", 1, "import.decimal_comma"
    ),
    NumberFormat("percent", r"[+-]?(\d+(\.\d*)?|\.\d+)\s*[%％]", None, r"\s*[%％]", False, ".", 100, "import.percent"),
    NumberFormat(
        "currency",
        r"[+-]?[¥￥$€£]\s?[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?",
        PLAIN_NUMBER,
        r"[¥￥$€£,\s]",
        False,
        r"[.eE]",
        1,
        "import.currency",
    ),
)
_NUMERIC_ANY = "(" + "|".join([PLAIN_NUMBER, *(f.pattern for f in NUMBER_FORMATS)]) + ")"
_NUMBER_CHARS = r"[-+0-9.,%％¥￥$€£eE \x{00A0}\x{202F}]*\d[-+0-9.,%％¥￥$€£eE \x{00A0}\x{202F}]*"  # cheap first filter


# --- the source of an import ------------------------------------------------------------------------


@dataclass
class _Source:
    """An opened file: the SQL relation that reads it and what was detected on the way."""

    kind: str
    relation: str
    params: list = field(default_factory=list)
    names: list[str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    staged: Path | None = None  # the UTF-8 (or Parquet) file DuckDB reads, for diagnostics
    notices: list[Notice] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # CSV columns whose detected type did not hold
    unnamed: frozenset[str] = frozenset()
    sample_size: int = -1  # rows DuckDB's CSV/JSON type detection reads (-1: all)
    conversions: dict[str, str | None] = field(default_factory=dict)  # SQL type forced for a number format, None: off


@dataclass(frozen=True)
class _Plan:
    """The SELECT that produces the table, its column types and what decides the notices.

    ``stats`` come from the first ``SAMPLE_ROWS`` rows; when the file is longer (``sampled``),
    the conversions check every row inside the SELECT and ``exact`` lists the columns whose
    statistics are recomputed on the created table before the notices are written.
    """

    select: str
    params: list
    columns: tuple[tuple[str, str], ...]
    raw: tuple[tuple[str, str], ...]
    aliases: tuple[str, ...]
    stats: dict
    candidates: dict
    converted: dict
    dropped: frozenset[str]
    rename_notices: tuple[Notice, ...]
    sampled: bool
    exact: tuple[str, ...]


def preview_file(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    n: int = 20,
) -> Preview:
    """Detect the format of ``data`` and show the first ``n`` rows exactly as an import would create them.

    A CSV, JSON or Parquet file is previewed in a worker process with OS limits (``store.run_in_worker``), on its
    own in-memory DuckDB: the preview runs again on every change of a widget, so a hostile upload stops a worker,
    not the server. An Excel sheet is parsed in its own worker already (``_excel_source``)."""
    _check_size(len(data), filename)
    if not data.strip() or file_kind(data, filename)[0] == "excel":
        return _preview(con, data, filename, encoding=encoding, delimiter=delimiter, sheet=sheet, n=n)
    upload = store.staged_file(con, "upload")
    try:
        upload.write_bytes(data)
    except OSError as exc:
        upload.unlink(missing_ok=True)
        raise store.user_error(exc) from None
    payload = {"path": str(upload), "filename": filename, "encoding": encoding, "delimiter": delimiter, "n": n}
    try:
        answer = run_in_worker("analytics.datasets._importer:preview_task", payload)
    finally:
        upload.unlink(missing_ok=True)
    return dataclasses.replace(answer["preview"], warnings=tuple(Notice(k, **p) for k, p in answer["warnings"]))


def preview_task(payload: dict, threads: int = 1) -> dict:
    """Worker task: the preview of the uploaded file at ``payload["path"]`` on a new in-memory database (its
    temporary staging folder removed afterwards); the notices travel as plain keys and parameters."""
    pa.set_cpu_count(threads)
    data = Path(payload["path"]).read_bytes()
    con = store.connect(":memory:")
    staging = store.staging_dir(con)
    try:
        preview = _preview(
            con, data, payload["filename"], encoding=payload["encoding"], delimiter=payload["delimiter"], n=payload["n"]
        )
    finally:
        con.close()
        shutil.rmtree(staging.parent.parent, ignore_errors=True)
    warnings = [(notice.key, notice.params) for notice in preview.warnings]
    return {"preview": dataclasses.replace(preview, warnings=()), "warnings": warnings}


def _preview(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    filename: str,
    *,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None = None,
    n: int,
) -> Preview:
    """The preview, computed in this process on ``con``."""
    with _opened(con, data, filename, encoding=encoding, delimiter=delimiter, sheet=sheet) as source:
        plan = _plan(con, source, filename)
        rows = _duck(lambda: con.execute(f"{plan.select} LIMIT ?", [*plan.params, int(n)]).df(), source, filename)
        return Preview(
            kind=source.kind,
            encoding=source.encoding,
            delimiter=source.delimiter,
            sheets=source.sheets,
            sheet=source.sheet,
            columns=plan.columns,
            rows=rows,
            warnings=_notices(source, plan),
        )


def import_file(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    filename: str,
    *,
    table: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    replace: bool = False,
    append: bool = False,
) -> ImportResult:
    """Import ``data`` as table ``table`` (default: from the file name) in one transaction.

    On any failure every table and the catalog stay exactly as they were. An existing table
    is only overwritten with ``replace=True``; its saved roles and default definition are
    dropped when the new file has a different set of columns. ``append=True`` adds the file's rows to the
    existing table instead (the same columns; a new month of performance data). After the import the functions
    registered with ``after_import`` run (the portfolio summary).
    """
    table = _check_target(con, table, filename, replace, append)
    added = _before(con, table, append)
    checksum = hashlib.sha256(data).hexdigest()
    _check_size(len(data), filename)
    if not data.strip() or file_kind(data, filename)[0] == "excel":  # a sheet is parsed in its own worker
        with _opened(con, data, filename, encoding=encoding, delimiter=delimiter, sheet=sheet) as source:
            return _imported(con, _create(con, source, filename, table, replace, lambda: checksum, added), added)
    upload, parsed = store.staged_file(con, "upload"), store.staged_file(con, "parquet")
    payload = {"path": str(upload), "out": str(parsed), "filename": filename, "table": table}
    payload |= {"encoding": encoding, "delimiter": delimiter}
    try:
        try:
            upload.write_bytes(data)
        except OSError as exc:
            raise store.user_error(exc) from None
        answer = run_in_worker("analytics.datasets._importer:import_task", payload)
        upload.unlink(missing_ok=True)
        return _imported(con, _adopt(con, parsed, answer, filename, table, replace, checksum, added), added)
    finally:
        upload.unlink(missing_ok=True)
        parsed.unlink(missing_ok=True)


def import_task(payload: dict, threads: int = 1) -> dict:
    """Worker task: import the uploaded file at ``payload["path"]`` into a new in-memory database, exactly as the
    server would, and write the table to the Parquet file ``payload["out"]``; the notices travel as plain data."""
    import pyarrow.parquet as pq

    pa.set_cpu_count(threads)
    data = Path(payload["path"]).read_bytes()
    con = store.connect(":memory:")
    staging = store.staging_dir(con)
    table = payload["table"]
    try:
        with _opened(
            con, data, payload["filename"], encoding=payload["encoding"], delimiter=payload["delimiter"], sheet=None
        ) as source:
            result = _create(con, source, payload["filename"], table, False, lambda: "")
        relation = con.sql(f"SELECT * FROM {store.quote_ident(table)}")
        reader = relation.to_arrow_reader(batch_size=_PARQUET_BATCH_ROWS)
        with reader, pq.ParquetWriter(payload["out"], reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
    finally:
        con.close()
        shutil.rmtree(staging.parent.parent, ignore_errors=True)
    warnings = [(notice.key, notice.params) for notice in result.warnings]
    return {"encoding": result.encoding, "delimiter": result.delimiter, "warnings": warnings}


def _adopt(
    con: duckdb.DuckDBPyConnection,
    parsed: Path,
    answer: dict,
    filename: str,
    table: str,
    replace: bool,
    checksum: str,
    added: Added | None = None,
) -> ImportResult:
    """Create ``table`` from the Parquet file a worker parsed (or add its rows), with its catalog row, in one
    transaction."""
    notices = tuple(Notice(key, **params) for key, params in answer["warnings"])
    select, params = "SELECT * FROM read_parquet(?)", [str(parsed)]
    try:
        with store.transaction(con):
            if added:
                existed, old_columns = _append_rows(con, table, select, params, filename)
            else:
                existed, old_columns = _create_table(con, table, replace, select, params)
            columns = tuple(store.table_columns(con, table))
            rows = store.row_count(con, table)
            _record(con, table, existed, old_columns, columns, rows, filename, checksum, answer, notices, added)
            rows -= added.rows if added else 0
    except (duckdb.TransactionException, duckdb.CatalogException) as exc:
        raise _write_error(exc, filename) from None
    except (duckdb.Error, OSError) as exc:
        raise store.user_error(exc) from None
    return ImportResult(table, rows, columns, answer["encoding"], answer["delimiter"], notices)


def import_path(con: duckdb.DuckDBPyConnection, path: str | Path, **kwargs: object) -> ImportResult:
    """Import the file at ``path`` (see ``import_file``); the file name is its name.

    Files up to ``STREAM_ABOVE_MB`` are read into memory (full encoding detection); bigger
    files are streamed: linked or copied into the staging folder (transcoded to UTF-8 when
    needed), never read whole into Python, and not limited to the upload size.
    """
    path = Path(path)
    try:
        size = path.stat().st_size if path.is_file() else -1
    except OSError:
        size = -1
    if size < 0:
        raise RiskLabError("import.no_file", path=str(path))
    if size <= STREAM_ABOVE_MB * 1024 * 1024 and not _is_parquet(path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RiskLabError("import.no_file", path=str(path)) from exc
        return import_file(con, data, path.name, **kwargs)
    replace, append = bool(kwargs.pop("replace", False)), bool(kwargs.pop("append", False))
    table = _check_target(con, kwargs.pop("table", None), path.name, replace, append)
    added = _before(con, table, append)
    checksum = _Checksum(path, path.name)
    try:
        with _opened_path(con, path, **kwargs) as source:
            result = _create(con, source, path.name, table, replace, checksum.result, added)
    finally:
        checksum.cancel()
    return _imported(con, result, added)


def _is_parquet(path: Path) -> bool:
    """A Parquet file (its magic bytes): read in place at any size, as DuckDB's own ``read_parquet`` would (no text
    to decode; parsing it in a worker and handing the table back cost 6x DuckDB's own read at 1M rows)."""
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"PAR1"
    except OSError:
        return False


def _check_target(
    con: duckdb.DuckDBPyConnection, table: str | None, filename: str, replace: bool, append: bool = False
) -> str:
    table = store.check_table_name(table or store.suggest_table_name(filename))
    exists = table in store.user_tables(con)
    if append and not exists:
        raise RiskLabError("append.no_table", table=table)
    action = "append_table" if append else "replace_table" if exists else "import_table"
    store.permit(con, action, table, file=filename)  # before any work
    if not (replace or append) and exists:
        raise RiskLabError("import.table_exists", table=table)
    return table


@dataclass(frozen=True)
class Added:
    """An import that adds rows to an existing table: the table's ``store.table_state`` and rows before."""

    state: tuple
    rows: int


_AFTER_IMPORT: list[Callable[[duckdb.DuckDBPyConnection, str, Added | None], None]] = []


def after_import(hook: Callable[[duckdb.DuckDBPyConnection, str, Added | None], None]) -> None:
    """Run ``hook(con, table, added)`` after each import into the database (``added``: None for a new or replaced
    table): how a package above keeps what it derives from a table up to date (``portfolio``'s summary)."""
    if hook not in _AFTER_IMPORT:
        _AFTER_IMPORT.append(hook)


def _before(con: duckdb.DuckDBPyConnection, table: str, append: bool) -> Added | None:
    return Added(store.table_state(con, table), store.row_count(con, table)) if append else None


def _imported(con: duckdb.DuckDBPyConnection, result: ImportResult, added: Added | None) -> ImportResult:
    for hook in _AFTER_IMPORT:
        hook(con, result.table, added)
    return result


def _append_rows(
    con: duckdb.DuckDBPyConnection, table: str, select: str, params: list, filename: str
) -> tuple[bool, set[str]]:
    """Add the rows of ``select`` to ``table`` by column name, inside the caller's transaction; the file must have
    the table's columns (its types are cast to the table's)."""
    have = [name for name, _ in store.table_columns(con, table)]
    new = [row[0] for row in con.execute(f"DESCRIBE {select}", params).fetchall()]
    if sorted(have) != sorted(new):
        missing = ", ".join(c for c in have if c not in new) or "-"
        extra = ", ".join(c for c in new if c not in have) or "-"
        raise RiskLabError("append.columns", file=filename, table=table, missing=missing, extra=extra)
    con.execute(f"INSERT INTO {store.quote_ident(table)} BY NAME {select}", params)
    return True, set(have)


def _create_table(
    con: duckdb.DuckDBPyConnection, table: str, replace: bool, select: str, params: list
) -> tuple[bool, set[str] | None]:
    """Create (or, when allowed, replace) ``table`` from ``select``, inside the caller's transaction. Returns
    whether it existed and, if so, its old column names."""
    existed = table in store.user_tables(con)
    if existed and not replace:
        raise RiskLabError("import.table_exists", table=table)
    old_columns = {c for c, _ in store.table_columns(con, table)} if existed else None
    verb = "CREATE OR REPLACE TABLE" if existed else "CREATE TABLE"
    con.execute(f"{verb} {store.quote_ident(table)} AS {select}", params)
    return existed, old_columns


def _record(
    con: duckdb.DuckDBPyConnection,
    table: str,
    existed: bool,
    old_columns: set[str] | None,
    columns: tuple,
    rows: int,
    filename: str,
    checksum: str,
    read: dict,
    notices: tuple[Notice, ...],
    added: Added | None = None,
) -> None:
    """The catalog row and audit of an import (a replacement when the table existed, an addition of rows); facts
    kept about the old columns are forgotten when the columns changed."""
    if old_columns != {c for c, _ in columns}:
        store.forget_table(con, table)
    store.record_import(
        con,
        table=table,
        source_file=filename,
        checksum=checksum,
        rows=rows,
        columns=len(columns),
        encoding=read["encoding"],
        delimiter=read["delimiter"],
        warnings=[str(notice) for notice in notices],
        replaced=existed,
        appended=added is not None,
    )


def _create(
    con: duckdb.DuckDBPyConnection,
    source: _Source,
    filename: str,
    table: str,
    replace: bool,
    checksum: Callable[[], str],
    added: Added | None = None,
) -> ImportResult:
    """Create the table (or add the rows to it: ``added``) in one transaction; a value beyond the sampled rows that
    breaks a detected type or number format turns that column back (text, or DOUBLE for an integer column) and the
    table is created again."""
    while True:
        plan = _plan(con, source, filename)
        try:
            with store.transaction(con):
                if added:
                    existed, old_columns = _append_rows(con, table, plan.select, plan.params, filename)
                else:
                    existed, old_columns = _create_table(con, table, replace, plan.select, plan.params)
                    plan = _exact(con, table, plan, source)
                notices = _notices(source, plan)
                columns = tuple(store.table_columns(con, table))
                rows = store.row_count(con, table) - (added.rows if added else 0)
                if rows == 0:
                    raise RiskLabError("import.no_rows", file=filename)
                read = {"encoding": source.encoding, "delimiter": source.delimiter}
                total = rows + (added.rows if added else 0)
                _record(con, table, existed, old_columns, columns, total, filename, checksum(), read, notices, added)
            return ImportResult(table, rows, columns, source.encoding, source.delimiter, notices)
        except duckdb.ConversionException as exc:
            if not _type_conflict(exc, source, dict(plan.raw)):
                raise _read_error(exc, source, filename) from None
        except duckdb.InvalidInputException as exc:
            unconverted = _UNCONVERTED.search(str(exc))
            if unconverted is None:
                raise _read_error(exc, source, filename) from None
            column = plan.raw[int(unconverted.group(1))][0]
            sql_type = plan.converted[column][1]
            source.conversions[column] = "DOUBLE" if sql_type == "BIGINT" else None
        except (duckdb.TransactionException, duckdb.CatalogException) as exc:
            raise _write_error(exc, filename) from None
        except duckdb.Error as exc:
            raise _read_error(exc, source, filename) from None
        except OSError as exc:
            raise store.user_error(exc) from None


class _Checksum:
    """SHA-256 of a file, computed in a background thread while DuckDB reads it."""

    def __init__(self, path: Path, filename: str) -> None:
        self._filename = filename
        self._cancelled = threading.Event()
        self._digest: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as stream:
                while (chunk := stream.read(_CHUNK)) and not self._cancelled.is_set():
                    digest.update(chunk)
        except OSError as exc:
            self._error = exc
            return
        self._digest = digest.hexdigest()

    def cancel(self) -> None:
        """Stop reading (the import failed or is done)."""
        self._cancelled.set()

    def result(self) -> str:
        self._thread.join()
        if self._digest is None:
            raise RiskLabError(
                "import.failed", file=self._filename, detail=_first_line(self._error or OSError("unreadable"))
            )
        return self._digest


# --- opening a file -----------------------------------------------------------------------------------


def _check_size(size: int, filename: str) -> None:
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        raise RiskLabError("import.too_large", file=filename, size=round(size / 1024 / 1024), limit=MAX_UPLOAD_MB)


def file_kind(data: bytes, filename: str) -> tuple[str, tuple[Notice, ...]]:
    """``csv`` | ``excel`` | ``parquet`` | ``json`` from the extension, else from the first bytes."""
    extension = Path(filename).suffix.lower()
    sniffed = "excel" if data[:4] == b"PK\x03\x04" else "parquet" if data[:4] == b"PAR1" else None
    kind = KIND_BY_EXTENSION.get(extension)
    if kind in ("csv", "json") and sniffed:
        return sniffed, (Notice("import.kind_sniffed", file=filename, kind=sniffed),)
    if kind:
        return kind, ()
    if sniffed:
        return sniffed, ()
    if extension == ".xls":
        raise RiskLabError("import.xls", file=filename)
    raise RiskLabError("import.unsupported", file=filename, extension=extension or "(none)")


@contextlib.contextmanager
def _opened(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    filename: str,
    *,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
) -> Iterator[_Source]:
    """Stage the file for DuckDB and yield how to read it; the staged copy is removed afterwards."""
    _check_size(len(data), filename)
    if not data.strip():
        raise RiskLabError("import.empty", file=filename)
    kind, notices = file_kind(data, filename)
    staged: Path | None = None
    view: str | None = None
    try:
        if kind == "excel":
            view = f"_risklab_import_{uuid.uuid4().hex}"
            source = _excel_source(con, data, filename, sheet, view)
        else:
            if kind in ("csv", "json"):
                text, used, decode_notices = decode_text(data, filename, encoding)
                notices = (*notices, *decode_notices)
                payload = data if used == "utf-8" else text.encode("utf-8")
            else:
                text, used, payload = None, None, data
            staged = store.staged_file(con, kind)
            staged.write_bytes(payload)
            source = _text_or_parquet_source(
                kind, text, data[:4] + data[-4:], filename, staged, delimiter, len(payload)
            )
            source.encoding = used
        source.notices[:0] = notices
        yield source
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
        if view is not None:
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)


@contextlib.contextmanager
def _opened_path(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Iterator[_Source]:
    """Like ``_opened`` for a big file: read its head for detection, then link, copy or transcode it into the
    staging folder (a file already there is read in place)."""
    filename = path.name
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
            while b"\n" not in head and len(head) < min(path.stat().st_size, 16 * _HEAD_BYTES):  # a whole first line
                head += stream.read(_HEAD_BYTES)
            stream.seek(max(path.stat().st_size - 4, 0))
            tail = stream.read(4)
    except OSError as exc:
        raise RiskLabError("import.no_file", path=str(path)) from exc
    if not head.strip():
        raise RiskLabError("import.empty", file=filename)
    kind, notices = file_kind(head, filename)
    staging = store.staging_dir(con)
    staged: Path | None = None
    view: str | None = None
    try:
        if kind == "excel":
            view = f"_risklab_import_{uuid.uuid4().hex}"
            source = _excel_source(con, path, filename, sheet, view)
        else:
            text, used = None, None
            if kind in ("csv", "json"):
                text, used, decode_notices = _decode_head(head, filename, encoding)
                notices = (*notices, *decode_notices)
            if used in (None, "utf-8") or (used == "utf-8-sig" and kind == "csv"):  # DuckDB reads these as they are
                source_path, staged = _stage(path, staging, store.staged_file(con, kind))
            else:
                staged = source_path = store.staged_file(con, kind)
                _transcode(path, staged, used, filename)
            size = source_path.stat().st_size
            source = _text_or_parquet_source(kind, text, head[:4] + tail, filename, source_path, delimiter, size)
            source.encoding = used
        source.notices[:0] = notices
        yield source
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
        if view is not None:
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)


def _text_or_parquet_source(
    kind: str, text: str | None, ends: bytes, filename: str, staged: Path, delimiter: str | None, size: int
) -> _Source:
    sample_size = -1 if size <= STREAM_ABOVE_MB * 1024 * 1024 else _SNIFF_ROWS
    if kind == "csv":
        source = _csv_source(text or "", filename, staged, delimiter, sample_size)
    elif kind == "json":
        source = _json_source(text or "", filename, staged, sample_size)
    else:
        source = _parquet_source(ends, filename, staged)
    source.staged = staged
    return source


def _stage(path: Path, staging: Path, staged: Path) -> tuple[Path, Path | None]:
    """``(path DuckDB reads, staged file to remove)``: the file itself when it is inside the staging folder, else a
    hard link to it there, else a copy (streamed by the OS, not through Python memory)."""
    resolved = path.resolve()
    if resolved.is_relative_to(staging.resolve()):
        return resolved, None
    try:
        os.link(resolved, staged)
    except OSError:
        try:
            shutil.copyfile(resolved, staged)
        except OSError as exc:
            staged.unlink(missing_ok=True)
            raise RiskLabError("import.failed", file=path.name, detail=_first_line(exc)) from None
    return staged, staged


def _decode_head(head: bytes, filename: str, encoding: str | None) -> tuple[str, str, tuple[Notice, ...]]:
    """The encoding of a big text file, decided on its first ``_HEAD_BYTES`` (cut at a line end)."""
    if len(head) < _HEAD_BYTES:
        return decode_text(head, filename, encoding)
    wide = "utf-32" if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) else None
    if wide is None and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        wide = "utf-16"
    if wide and (encoding is None or codecs.lookup(encoding).name.startswith(wide)):
        text = head[: len(head) // 4 * 4].decode(wide, errors="ignore").removeprefix("\ufeff")
        return _check_text(text, filename), wide, ()
    cut = head[: head.rfind(b"\n") + 1] or head  # no multi-byte character of these encodings contains 0x0A
    return decode_text(cut, filename, encoding)


def _transcode(source: Path, target: Path, encoding: str, filename: str) -> None:
    """Write ``source`` decoded from ``encoding`` as UTF-8 to ``target``, chunk by chunk."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    first = True
    with source.open("rb") as stream, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = stream.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: max(exc.start, 0)].count(b"\n")
                raise RiskLabError("import.bad_encoding", file=filename, encoding=encoding, line=line) from None
            if first:
                text, first = text.removeprefix("\ufeff"), False
            out.write(text)
            if not chunk:
                return
            line += chunk.count(b"\n")


def decode_text(data: bytes, filename: str, encoding: str | None = None) -> tuple[str, str, tuple[Notice, ...]]:
    """Decode a text file: ``(text, encoding used, notices)``; ``encoding`` overrides detection."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise RiskLabError("import.unknown_encoding", encoding=encoding) from None
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise RiskLabError("import.bad_encoding", file=filename, encoding=encoding, line=line) from None
        return _check_text(text.removeprefix("\ufeff"), filename), name, ()
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", filename), "utf-8-sig", ()
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(data, "utf-32", filename), "utf-32", ()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", filename), "utf-16", ()
    if b"\x00" in data[:8192]:
        wide = _utf16_without_bom(data[:8192])
        if wide is None:
            raise RiskLabError("import.binary", file=filename)
        return _strict(data, wide, filename), wide, ()
    with contextlib.suppress(UnicodeDecodeError):
        return _check_text(data.decode("utf-8"), filename), "utf-8", ()
    with contextlib.suppress(UnicodeDecodeError):
        text = data.decode("gb18030")
        if _looks_chinese(text):
            return _check_text(text, filename), "gb18030", ()
    return _guess_encoding(data, filename)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the zero bytes of ``head`` all fall on one side of its byte pairs, as
    in UTF-16 text without a byte-order mark (mostly ASCII or Latin letters); else None."""
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = max(len(head) // 2, 1)
    if odd >= 0.3 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd == 0:
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return _check_text(data.decode(encoding).removeprefix("\ufeff"), filename)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RiskLabError("import.bad_encoding", file=filename, encoding=encoding, line=line) from None


def _looks_chinese(text: str) -> bool:
    """True when the non-ASCII characters are common (GB2312) Chinese, not Latin-1 read as GBK."""
    non_ascii = [c for c in text[:200_000] if ord(c) > 127]
    if not non_ascii:
        return True
    common = 0
    for char in non_ascii:
        with contextlib.suppress(UnicodeEncodeError):
            char.encode("gb2312")
            common += 1
    return common >= 0.95 * len(non_ascii)


def _guess_encoding(data: bytes, filename: str) -> tuple[str, str, tuple[Notice, ...]]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000], cp_isolation=list(_FALLBACK_ENCODINGS)).best()
    if best is not None:
        guessed = codecs.lookup(best.encoding).name
        with contextlib.suppress(UnicodeDecodeError):
            text = _check_text(data.decode(guessed), filename)
            return text, guessed, (Notice("import.encoding_guessed", encoding=guessed),)
    raise RiskLabError("import.undecodable", file=filename)


def _check_text(text: str, filename: str) -> str:
    """Refuse decoded 'text' that is really binary (control characters)."""
    sample = text[:8192]
    controls = sum(1 for c in sample if c < " " and c not in "\t\r\n\f")
    if "\x00" in sample or controls > 0.01 * max(len(sample), 1):
        raise RiskLabError("import.binary", file=filename)
    return text


def sniff_delimiter(text: str, prefer: str | None = None) -> str:
    """The delimiter among , ; TAB | that splits the first lines into the same number (> 1) of fields."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    order = sorted(DELIMITERS, key=lambda d: d != prefer)
    best: tuple[float, int, str] | None = None
    for delimiter in order:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r][
                :_SNIFF_LINES
            ]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        agreement = sum(c == counts[0] for c in counts) / len(counts)
        score = (agreement, counts[0], delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else ","


def _check_delimiter(delimiter: str) -> str:
    delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)
    if len(delimiter) != 1 or delimiter.isalnum() or delimiter in "\"'\r\n ":
        raise RiskLabError("import.bad_delimiter", delimiter=delimiter)
    return delimiter


def _csv_source(text: str, filename: str, staged: Path, delimiter: str | None, sample_size: int) -> _Source:
    if delimiter:
        delimiter = _check_delimiter(delimiter)
    else:
        delimiter = sniff_delimiter(text, "\t" if filename.lower().endswith(".tsv") else None)
    try:
        header = next(csv.reader(io.StringIO(text[: 1024 * 1024], newline=""), delimiter=delimiter), [])
    except csv.Error:
        header = []
    if not any(h.strip() for h in header):
        raise RiskLabError("import.no_header", file=filename)
    _check_columns(len(header), filename)
    names, notices = unique_names(header)
    unnamed = frozenset(name for name, raw in zip(names, header, strict=True) if not raw.strip())
    return _Source(
        kind="csv",
        relation="read_csv",  # built by _relation
        params=[str(staged), delimiter, names],
        names=names,
        unnamed=unnamed,
        delimiter=delimiter,
        notices=notices,
        sample_size=sample_size,
    )


def _json_source(text: str, filename: str, staged: Path, sample_size: int) -> _Source:
    if text.lstrip()[:1] not in ("{", "["):
        raise RiskLabError("import.json_unreadable", file=filename, detail="line 1 is not a JSON object")
    _check_json_depth(text[:_HEAD_BYTES], filename)
    relation = "read_json(?, format = 'auto', sample_size = ?)"
    return _Source(kind="json", relation=relation, params=[str(staged), sample_size], sample_size=sample_size)


def _check_columns(count: int, filename: str) -> None:
    if count > MAX_COLUMNS:
        raise RiskLabError("import.too_many_columns", file=filename, columns=count, limit=MAX_COLUMNS)


_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deeply ``text`` nests JSON arrays and objects (brackets inside strings do not count); linear time."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_json_depth(text: str, filename: str) -> None:
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise RiskLabError("import.json_too_deep", file=filename, limit=MAX_JSON_DEPTH)


def _parquet_source(ends: bytes, filename: str, staged: Path) -> _Source:
    if ends[:4] != b"PAR1" or ends[-4:] != b"PAR1":
        raise RiskLabError("import.parquet_unreadable", file=filename, detail="no Parquet header/footer")
    return _Source(kind="parquet", relation="read_parquet(?)", params=[str(staged)])


def unique_names(names: list[object]) -> tuple[list[str], list[Notice]]:
    """Column names made non-empty and unique (case-insensitively, as DuckDB needs), with notices.

    Linear in the number of names: each base name remembers the next suffix to try, so 3,000 columns all named
    ``a`` take milliseconds, not minutes.
    """
    result: list[str] = []
    notices: list[Notice] = []
    taken = {str(n).lower() for n in names if n is not None and str(n) != ""}
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}
    for position, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw)
        if name.strip() and name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
            continue
        base = name if name.strip() else "column"
        start = 2 if name.strip() else position
        suffix = max(start, next_suffix.get(base.lower(), start))
        while f"{base}_{suffix}".lower() in taken or f"{base}_{suffix}".lower() in seen:
            suffix += 1
        next_suffix[base.lower()] = suffix + 1
        new = f"{base}_{suffix}"
        seen.add(new.lower())
        result.append(new)
        key = "import.column_duplicate" if name.strip() else "import.column_unnamed"
        notices.append(Notice(key, position=position, old=name, new=new))
    return result, notices


# --- Excel -------------------------------------------------------------------------------------------


def excel_sheets(data: bytes, filename: str) -> tuple[str, ...]:
    """The sheet names of an .xlsx workbook."""
    check_workbook(data, filename)
    workbook = _open_workbook(data, filename)
    try:
        return tuple(workbook.sheetnames)
    finally:
        workbook.close()


def check_workbook(data: bytes | Path, filename: str, limit_mb: float | None = None) -> None:
    """Refuse a workbook whose zip declares more than ``limit_mb`` (``MAX_EXCEL_INFLATED_MB``) of content (a zip
    bomb), before anything is inflated: Python's zip reader never inflates an entry beyond its declared size."""
    limit_mb = MAX_EXCEL_INFLATED_MB if limit_mb is None else limit_mb
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RiskLabError("import.excel_unreadable", file=filename, detail=_first_line(exc)) from None
    if inflated > limit_mb * 1024 * 1024:
        raise RiskLabError("import.excel_inflated", file=filename, size=round(inflated / 1024 / 1024), limit=limit_mb)


def _open_workbook(data: bytes | Path, filename: str):
    """The workbook, read-only (call ``check_workbook`` first)."""
    import openpyxl

    try:
        workbook = io.BytesIO(data) if isinstance(data, bytes) else data
        return openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RiskLabError("import.excel_unreadable", file=filename, detail=_first_line(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise RiskLabError("import.excel_unreadable", file=filename, detail=_first_line(exc)) from None


def _excel_source(
    con: duckdb.DuckDBPyConnection, data: bytes | Path, filename: str, sheet: str | None, view: str
) -> _Source:
    """Read the sheet in a limited worker process (``_worker.run``) into an Arrow file, then register it as ``view``:
    a workbook that inflates beyond its limits stops the worker, not the server."""
    check_workbook(data, filename)
    book = None
    if isinstance(data, bytes):
        book = store.staged_file(con, "xlsx")
        book.write_bytes(data)
    out = store.staged_file(con, "arrow")
    payload = {"path": str(book or data), "filename": filename, "sheet": sheet, "out": str(out)}
    payload |= {"max_rows": MAX_EXCEL_ROWS, "max_inflated_mb": MAX_EXCEL_INFLATED_MB}  # as set in this process
    try:
        answer = run_in_worker("analytics.datasets._importer:read_sheet", payload)
        table = pa.ipc.open_file(pa.memory_map(str(out))).read_all()  # mapped: the file may go right away
    finally:
        out.unlink(missing_ok=True)
        if book is not None:
            book.unlink(missing_ok=True)
    con.register(view, table)
    notices = [Notice(key, **params) for key, params in answer["notices"]]
    return _Source(
        kind="excel",
        relation=store.quote_ident(view),
        sheets=tuple(answer["sheets"]),
        sheet=answer["sheet"],
        notices=notices,
        names=None,
    )


def read_sheet(payload: dict, threads: int = 1) -> dict:
    """Worker task: the chosen sheet of the workbook at ``payload["path"]`` as an Arrow file at ``payload["out"]``;
    returns the sheet names, the sheet read and the notices."""
    pa.set_cpu_count(threads)
    filename, sheet = payload["filename"], payload["sheet"]
    check_workbook(Path(payload["path"]), filename, payload["max_inflated_mb"])
    workbook = _open_workbook(Path(payload["path"]), filename)
    try:
        sheets = tuple(workbook.sheetnames)
        if not sheets:
            raise RiskLabError("import.excel_unreadable", file=filename, detail="no sheets")
        chosen = sheets[0] if sheet is None else sheet
        if chosen not in sheets:
            raise RiskLabError("import.no_sheet", file=filename, sheet=chosen, sheets=", ".join(sheets))
        worksheet = workbook[chosen]
        with contextlib.suppress(AttributeError):
            worksheet.reset_dimensions()
        try:
            rows = _sheet_rows(worksheet, filename, chosen, payload["max_rows"])
        except (RiskLabError, MemoryError):
            raise
        except Exception as exc:  # a damaged sheet part
            raise RiskLabError("import.excel_unreadable", file=filename, detail=_first_line(exc)) from None
    finally:
        workbook.close()
    table, notices = sheet_table(rows, filename, chosen)
    with pa.OSFile(payload["out"], "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return {"sheets": list(sheets), "sheet": chosen, "notices": [[n.key, n.params] for n in notices]}


def _sheet_rows(worksheet, filename: str, sheet: str, max_rows: int) -> list[tuple]:
    """The sheet's rows as tuples; more rows (``max_rows``) or columns than Excel allows stop the reading at once."""
    rows = []
    for row in worksheet.iter_rows(values_only=True):
        if len(rows) >= max_rows:
            raise RiskLabError("import.excel_too_many_rows", file=filename, sheet=sheet, limit=max_rows)
        if len(row) > MAX_COLUMNS:
            _check_columns(len(row), filename)
        rows.append(tuple(row))
    return rows


def sheet_table(rows: list[tuple], filename: str, sheet: str) -> tuple[pa.Table, list[Notice]]:
    """An Arrow table from a sheet's cell values: first row = header, fully empty rows and columns dropped."""
    rows = [r for r in rows if any(_filled(v) for v in r)]
    if not rows:
        raise RiskLabError("import.empty_sheet", file=filename, sheet=sheet)
    width = max(len(r) for r in rows)
    grid = [tuple(r) + (None,) * (width - len(r)) for r in rows]
    keep = [j for j in range(width) if any(_filled(r[j]) for r in grid)]
    header = [grid[0][j] for j in keep]
    names, notices = unique_names([_header_text(h) for h in header])
    arrays = []
    for j, name in zip(keep, names, strict=True):
        array, mixed = _excel_column([r[j] for r in grid[1:]])
        arrays.append(array)
        if mixed:
            notices.append(Notice("import.mixed_cells", column=name))
    return pa.table(arrays, names=names), notices


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _excel_column(values: list[object]) -> tuple[pa.Array, bool]:
    """One column as an Arrow array of one type; cells of mixed kinds become text (``True`` then)."""
    values = [None if isinstance(v, str) and not v.strip() else v for v in values]
    present = [v for v in values if v is not None]
    kinds = {_cell_kind(v) for v in present}
    if not kinds:
        return pa.array(values, type=pa.string()), False
    if kinds == {"bool"}:
        return pa.array(values, type=pa.bool_()), False
    if kinds == {"int"}:
        return pa.array(values, type=pa.int64()), False
    if kinds <= {"int", "float"}:
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64()), False
    if kinds == {"datetime"}:
        return pa.array(values, type=pa.timestamp("us")), False
    if kinds == {"date"}:
        return pa.array(values, type=pa.date32()), False
    if kinds == {"time"}:
        return pa.array(values, type=pa.time64("us")), False
    return pa.array([None if v is None else _cell_text(v) for v in values], type=pa.string()), kinds != {"str"}


def _cell_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**63) <= value < 2**63 else "other"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return "str" if isinstance(value, str) else "other"


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --- planning the SELECT ---------------------------------------------------------------------------------


def _plan(con: duckdb.DuckDBPyConnection, source: _Source, filename: str) -> _Plan:
    """Decide each column's conversion from statistics of the first ``SAMPLE_ROWS`` rows (all rows of a small file).

    A CSV column whose values defeat DuckDB's type detection (e.g. two date formats) is
    read as text, with a notice, and the sample is read again.
    """
    temporary: list[str] = []
    try:
        return _sampled_plan(con, source, filename, temporary)
    finally:
        for name in temporary:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {store.quote_ident(name)}")


def _sample(
    con: duckdb.DuckDBPyConnection, relation: str, params: list, columns: int, temporary: list[str]
) -> tuple[str, list, int]:
    """``(SQL, params, rows)`` of the first rows that decide the formats: a subquery, or for a file wider than
    ``WIDE_COLUMNS`` a temporary table of at most ``SAMPLE_CELLS`` cells (binding a wide ``read_csv`` again for
    every scan costs about a second each)."""
    if columns <= WIDE_COLUMNS:
        return f"(SELECT * FROM {relation} LIMIT {SAMPLE_ROWS})", params, SAMPLE_ROWS
    rows = max(1_000, min(SAMPLE_ROWS, SAMPLE_CELLS // columns))
    name = f"_risklab_sample_{uuid.uuid4().hex}"
    temporary.append(name)
    con.execute(f"CREATE TEMP TABLE {store.quote_ident(name)} AS SELECT * FROM {relation} LIMIT {rows}", params)
    return store.quote_ident(name), [], rows


def _sampled_plan(con: duckdb.DuckDBPyConnection, source: _Source, filename: str, temporary: list[str]) -> _Plan:
    while True:
        relation, params = _relation(source)
        raw = []
        try:
            raw = [(row[0], row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {relation}", params).fetchall()]
            _check_columns(len(raw), filename)
            if source.kind == "json" and raw == [("json", "JSON")]:
                detail = _json_problem(source) or "not JSON objects"
                raise RiskLabError("import.json_unreadable", file=filename, detail=detail)
            text_columns = {name for name, kind in raw if kind == "VARCHAR"}
            sample, sample_params, sample_rows = _sample(con, relation, params, len(raw), temporary)
            stats = _column_stats(con, sample, sample_params, raw, text_columns, long=len(raw) > WIDE_COLUMNS)
            break
        except duckdb.ConversionException as exc:
            if not _type_conflict(exc, source, dict(raw)):
                raise _read_error(exc, source, filename) from None
        except duckdb.Error as exc:
            raise _read_error(exc, source, filename) from None
    if stats["__rows"] == 0:
        raise RiskLabError("import.no_rows", file=filename)
    sampled = stats["__rows"] >= sample_rows
    if source.names and len(source.names) != len(raw):  # the header line was not read whole
        raise RiskLabError("import.csv_unreadable", file=filename, detail="line 1 (the header) could not be read")
    aliases, rename_notices = (list(source.names), []) if source.names else unique_names([n for n, _ in raw])
    candidates: dict[str, NumberFormat] = {}
    for name in (n for n, _ in raw if n in text_columns):
        fmt = _number_format(stats[name])
        if fmt is not None and source.conversions.get(name, "") is not None:
            candidates[name] = fmt
    converted = _verify(con, sample, sample_params, stats, candidates, source.conversions)
    # trailing delimiters: no name, no data (in a sampled file, dropped after the exact count)
    dropped = frozenset(name for name in source.unnamed if stats[name]["filled"] == 0 and not sampled)
    expressions: list[str] = []
    expression_params: list = []
    for index, ((name, _kind), alias) in enumerate(zip(raw, aliases, strict=True)):
        if name in dropped:
            continue
        if name in converted:
            fmt, sql_type, expr, expr_params = converted[name]
            if sampled:  # every row must convert (an integer column: without a fraction), else the CREATE fails
                q, marker = store.quote_ident(name), f"risklab-unconverted:{index};"
                fraction = f"WHEN regexp_matches(trim({q}), ?) THEN error(?) " if sql_type == "BIGINT" else ""
                expr = (
                    f"CASE WHEN {q} IS NULL OR trim({q}) = '' THEN NULL {fraction}ELSE coalesce({expr}, error(?)) END"
                )
                expr_params = [*([fmt.fraction, marker] if fraction else []), *expr_params, marker]
            expressions.append(f"{expr} AS {store.quote_ident(alias)}")
            expression_params.extend(expr_params)
            continue
        expressions.append(f"{store.quote_ident(name)} AS {store.quote_ident(alias)}")
    exact: tuple[str, ...] = ()
    if sampled:  # columns whose notices depend on every row: empty in the sample, or text that is half numbers
        exact = tuple(
            name
            for name, _ in raw
            if name not in converted
            and (
                stats[name]["filled"] == 0
                or (name in text_columns and 2 * stats[name]["n_numeric"] >= stats[name]["filled"])
            )
        )
    select = f"SELECT {', '.join(expressions)} FROM {relation}"
    select_params = [*expression_params, *params]
    columns = tuple(
        (alias, converted[name][1] if name in converted else kind)
        for (name, kind), alias in zip(raw, aliases, strict=True)
        if name not in dropped
    )
    return _Plan(
        select,
        select_params,
        columns,
        tuple(raw),
        tuple(aliases),
        stats,
        candidates,
        converted,
        dropped,
        tuple(rename_notices),
        sampled,
        exact,
    )


def _exact(con: duckdb.DuckDBPyConnection, table: str, plan: _Plan, source: _Source) -> _Plan:
    """After a sampled import: recount the ``exact`` columns on the created table; drop unnamed empty columns."""
    if not plan.exact:
        return plan
    alias_of = dict(zip((n for n, _ in plan.raw), plan.aliases, strict=True))
    kinds = dict(plan.raw)
    names = [alias_of[name] for name in plan.exact]
    text = {alias_of[name] for name in plan.exact if kinds[name] == "VARCHAR"}
    exact = _column_stats(con, store.quote_ident(table), [], [(a, "VARCHAR" if a in text else "") for a in names], text)
    stats = dict(plan.stats)
    for name, alias in zip(plan.exact, names, strict=True):
        stats[name] = exact[alias]
    dropped = {name for name in plan.exact if name in source.unnamed and stats[name]["filled"] == 0}
    for name in dropped:
        con.execute(f"ALTER TABLE {store.quote_ident(table)} DROP COLUMN {store.quote_ident(alias_of[name])}")
    return dataclasses.replace(plan, stats=stats, dropped=plan.dropped | dropped)


def _notices(source: _Source, plan: _Plan) -> tuple[Notice, ...]:
    """The notices about the created table, in column order."""
    stats = plan.stats
    notices = [n for n in source.notices if not (n.key == "import.column_unnamed" and n.params["new"] in plan.dropped)]
    notices += plan.rename_notices
    for (name, kind), alias in zip(plan.raw, plan.aliases, strict=True):
        column = stats[name]
        if name in plan.dropped:
            continue
        if column["filled"] == 0:
            notices.append(Notice("import.empty_column", column=alias))
        if name in plan.converted:
            fmt = plan.converted[name][0]
            notices.append(Notice(fmt.notice, column=alias, example=column[fmt.name]))
        elif kind == "VARCHAR" and column["filled"]:
            notices.extend(_text_notices(column, alias, force=name in plan.candidates))
    return tuple(notices)


def _relation(source: _Source) -> tuple[str, list]:
    """The table function reading the staged file, with the types forced after a conflict."""
    if source.kind != "csv":
        return source.relation, list(source.params)
    staged, delimiter, names = source.params
    types = "types = ?, " if source.types else ""
    relation = f"read_csv(?, delim = ?, names = ?, {types}sample_size = ?, {_CSV_OPTIONS})"
    params = [staged, delimiter, names, *([dict(source.types)] if source.types else []), source.sample_size]
    return relation, params


def _type_conflict(exc: duckdb.ConversionException, source: _Source, detected: dict[str, str]) -> bool:
    """Record how to read a CSV column whose detected type failed on a value; False if no column is named."""
    column = _conversion_column(str(exc), source)
    if column is None:
        return False
    detail = _conversion_detail(str(exc))
    integer = detected.get(column) in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT") and column not in source.types
    if integer and re.fullmatch(PLAIN_NUMBER, detail["value"].strip()):
        source.types[column] = "DOUBLE"  # what detection on every row would have chosen
    else:
        source.types[column] = "VARCHAR"
        source.notices.append(Notice("import.type_conflict", column=column, **detail))
    return True


def _column_stats(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    relation_params: list,
    raw: list[tuple[str, str]],
    text_columns: set[str],
    *,
    long: bool = False,
) -> dict:
    """Rows, non-empty values per column and, for text columns, counts and examples of each number format.

    A first scan checks one cheap pattern (only digits, signs, separators, %); the detailed
    patterns run only on text columns where at least half the values passed it. ``long`` (a wide
    file's sample table) computes the text columns' figures from the unpivoted values grouped by
    column, so each pattern is compiled once rather than once per column.
    """
    stats = {"__rows": _aggregate(con, relation, relation_params, [("__rows", "rows", "count(*)", [])])["__rows"]}
    text = [name for name, _ in raw if name in text_columns]
    other = [name for name, _ in raw if name not in text_columns]
    stats |= _stats(con, relation, relation_params, other, [("filled", "count({v})", [])], long=False)
    first = [
        ("filled", "count_if({v} IS NOT NULL AND trim({v}) <> '')", []),
        ("maybe", "count_if(regexp_full_match(trim({v}), ?))", [_NUMBER_CHARS]),
    ]
    stats |= _stats(con, relation, relation_params, text, first, long=long)
    detailed = [n for n in text if stats[n]["filled"] and 2 * stats[n]["maybe"] >= stats[n]["filled"]]
    checks = [("plain", PLAIN_NUMBER), ("integer", _INTEGER), ("numeric", _NUMERIC_ANY)]
    templates = [
        (f"n_{key}", "count_if(regexp_full_match(trim({v}), ?))", [pattern])
        for key, pattern in [*checks, *((f.name, f.pattern) for f in NUMBER_FORMATS)]
    ]
    for fmt in NUMBER_FORMATS:
        templates.append((fmt.name, "min(trim({v})) FILTER (WHERE regexp_full_match(trim({v}), ?))", [fmt.pattern]))
        templates.append((f"fraction_{fmt.name}", "count_if(regexp_matches(trim({v}), ?))", [fmt.fraction]))
    templates.append(
        (
            "text_example",
            "min(trim({v})) FILTER (WHERE trim({v}) <> '' AND NOT regexp_full_match(trim({v}), ?))",
            [_NUMERIC_ANY],
        )
    )
    templates.append(
        ("numeric_example", "min(trim({v})) FILTER (WHERE regexp_full_match(trim({v}), ?))", [_NUMERIC_ANY])
    )
    for name, values in _stats(con, relation, relation_params, detailed, templates, long=long).items():
        stats[name].update(values)
    for name in set(text) - set(detailed):
        stats[name].update(
            {f"n_{key}": 0 for key in ("plain", "integer", "numeric", *(f.name for f in NUMBER_FORMATS))}
        )
    stats["__rows"] = stats["__rows"]["rows"]
    return stats


def _stats(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    relation_params: list,
    names: list[str],
    templates: list[tuple[str, str, list]],
    *,
    long: bool,
) -> dict:
    """``{column: {key: value}}`` of aggregate ``templates`` (``key``, SQL of the value ``{v}``, params) over the
    columns ``names``: one aggregate per column and template, or (``long``) one per template over the unpivoted
    values grouped by column."""
    if not names:
        return {}
    if not long:
        specs = [
            (name, key, sql.replace("{v}", store.quote_ident(name)), list(params))
            for name in names
            for key, sql, params in templates
        ]
        return _aggregate(con, relation, relation_params, specs)
    columns = ", ".join(f"CAST({store.quote_ident(n)} AS VARCHAR) AS {store.quote_ident(n)}" for n in names)
    aggregates = ", ".join(sql.replace("{v}", "value") for _, sql, _ in templates)
    sql = (
        f"SELECT name, {aggregates} FROM (UNPIVOT (SELECT {columns} FROM {relation}) "
        "ON COLUMNS(*) INTO NAME name VALUE value) GROUP BY name"
    )
    params = [p for _, _, template_params in templates for p in template_params]
    rows = {row[0]: row[1:] for row in con.execute(sql, [*params, *relation_params]).fetchall()}
    empty = tuple(0 if sql.startswith("count") else None for _, sql, _ in templates)  # a column of NULLs only
    return {name: dict(zip((key for key, _, _ in templates), rows.get(name, empty), strict=True)) for name in names}


def _aggregate(
    con: duckdb.DuckDBPyConnection, relation: str, relation_params: list, specs: list[tuple[str, str, str, list]]
) -> dict:
    """``{column: {key: value}}`` from ``(column, key, aggregate SQL, params)`` specs: one scan per
    ``AGGREGATES_PER_SCAN`` aggregates, because DuckDB plans one SELECT of thousands of them in quadratic time (a
    header of 5,000 text columns took 167 s in one query)."""
    result: dict = {}
    for start in range(0, len(specs), AGGREGATES_PER_SCAN):
        chunk = specs[start : start + AGGREGATES_PER_SCAN]
        params = [p for *_, spec_params in chunk for p in spec_params]
        sql = f"SELECT {', '.join(sql for _, _, sql, _ in chunk)} FROM {relation}"
        values = con.execute(sql, [*params, *relation_params]).fetchall()[0]
        for (name, key, _, _), value in zip(chunk, values, strict=True):
            result.setdefault(name, {})[key] = value
    return result


def _number_format(column: dict) -> NumberFormat | None:
    """The number format every non-empty value of a text column is written in, if any."""
    filled = column["filled"]
    if not filled:
        return None
    for fmt in NUMBER_FORMATS:
        matched = column[f"n_{fmt.name}"]
        compatible = 0
        if fmt.compatible == PLAIN_NUMBER:
            compatible = column["n_plain"]
        elif fmt.compatible == _INTEGER:
            compatible = column["n_integer"]
        if matched and matched + compatible == filled:
            return fmt
    return None


def _text_notices(column: dict, alias: str, *, force: bool = False) -> list[Notice]:
    """Warn about a text column whose values are mostly (at least half) numbers, or numbers in mixed formats."""
    numeric, filled = column["n_numeric"], column["filled"]
    if 2 * numeric < filled or (column["n_plain"] == filled and not force):
        return []
    if numeric < filled:
        return [
            Notice(
                "import.partly_numeric",
                column=alias,
                numeric=numeric,
                total=filled,
                example=column["text_example"],
            )
        ]
    return [Notice("import.mixed_numeric", column=alias, example=column["numeric_example"])]


def _verify(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    relation_params: list,
    stats: dict,
    candidates: dict[str, NumberFormat],
    forced: dict[str, str | None],
) -> dict[str, tuple[NumberFormat, str, str, list]]:
    """``(format, SQL type, expression, params)`` per candidate column, kept only if no filled value would be lost."""
    if not candidates:
        return {}
    plans: dict[str, tuple[NumberFormat, str, str, list]] = {}
    specs: list[tuple[str, str, str, list]] = []
    for name, fmt in candidates.items():
        fraction = stats[name][f"fraction_{fmt.name}"]
        sql_type = forced.get(name) or ("DOUBLE" if fraction or fmt.scale != 1 else "BIGINT")
        expr, expr_params = _conversion(name, fmt, sql_type)
        plans[name] = (fmt, sql_type, expr, expr_params)
        q = store.quote_ident(name)
        specs.append((name, "lost", f"count_if({q} IS NOT NULL AND trim({q}) <> '' AND {expr} IS NULL)", expr_params))
    lost = _aggregate(con, relation, relation_params, specs)
    return {name: plan for name, plan in plans.items() if lost[name]["lost"] == 0}


def _conversion(name: str, fmt: NumberFormat, sql_type: str) -> tuple[str, list]:
    expr = f"regexp_replace(trim({store.quote_ident(name)}), ?, '', 'g')"
    if fmt.decimal_comma:
        expr = f"replace({expr}, ',', '.')"
    expr = f"TRY_CAST({expr} AS {sql_type})"
    if fmt.scale != 1:
        expr = f"({expr} / {int(fmt.scale)})"
    return expr, [fmt.remove]


# --- turning DuckDB's errors into sentences the user can act on ---------------------------------------------

_CONVERT_COLUMN = re.compile(r'Error when converting column "((?:[^"]|"")*)"')
_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT_VALUE = re.compile(r'Could not convert string "((?:[^"]|"")*)"')


def _conversion_column(message: str, source: _Source) -> str | None:
    match = _CONVERT_COLUMN.search(message)
    if source.kind != "csv" or match is None:
        return None
    column = match.group(1)
    if column not in (source.names or []) or source.types.get(column) == "VARCHAR":
        return None
    return column


def _conversion_detail(message: str) -> dict:
    line = _CSV_LINE.search(message)
    value = _CONVERT_VALUE.search(message)
    return {"line": int(line.group(1)) if line else 0, "value": value.group(1) if value else ""}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^[A-Za-z ]+Error: ", "", text)
    text = re.sub(r" in file \"[^\"]*\"| in file '[^']*'", "", text)
    return text[:200]


def _write_error(exc: duckdb.Error, filename: str) -> RiskLabError:
    """A failed CREATE: another session's import or save at the same moment, a full disk, or DuckDB's reason."""
    if store.is_conflict(exc) or "write-write conflict" in str(exc):
        return RiskLabError("import.conflict", file=filename)
    error = store.user_error(exc)
    if error.key in ("error.unexpected", "error.bad_value"):
        return RiskLabError("import.failed", file=filename, detail=_first_line(exc))
    return error


def _read_error(exc: duckdb.Error, source: _Source, filename: str) -> RiskLabError:
    """The one-line error for a file DuckDB could not read."""
    error = store.user_error(exc)
    if error.key in ("error.disk_full", "error.out_of_memory", "error.interrupted", "error.read_only"):
        return error
    if source.kind == "csv":
        line = _CSV_LINE.search(str(exc))
        if "Invalid unicode" in str(exc):  # a streamed file that is not UTF-8 after its first megabyte
            return RiskLabError(
                "import.bad_encoding", file=filename, encoding="utf-8", line=line.group(1) if line else 0
            )
        small = source.staged is not None and source.staged.stat().st_size <= _SCAN_BAD_LINES_MB * 1024 * 1024
        bad = find_bad_line(source.staged, source.delimiter or ",") if small else None  # else DuckDB's line
        if bad is not None:
            return RiskLabError(bad[0], file=filename, delimiter=source.delimiter, **bad[1])
        line = _CSV_LINE.search(str(exc))
        detail = f"line {line.group(1)}" if line else _first_line(exc)
        return RiskLabError("import.csv_unreadable", file=filename, detail=detail)
    if source.kind == "json":
        return RiskLabError("import.json_unreadable", file=filename, detail=_json_problem(source) or _first_line(exc))
    if source.kind == "parquet":
        return RiskLabError("import.parquet_unreadable", file=filename, detail=_first_line(exc))
    return RiskLabError("import.excel_unreadable", file=filename, detail=_first_line(exc))


def find_bad_line(text: str | Path | None, delimiter: str) -> tuple[str, dict] | None:
    """The first record whose field count differs from the header's, or whose quotes are broken."""
    with _text_lines(text) as lines:
        return _bad_line(csv.reader(lines, delimiter=delimiter, strict=True))


@contextlib.contextmanager
def _text_lines(text: str | Path | None) -> Iterator[io.TextIOBase]:
    """Text, or the staged UTF-8 file read as a stream (undecodable bytes replaced)."""
    if isinstance(text, Path):
        with text.open(encoding="utf-8", errors="replace", newline="") as stream:
            yield stream
    else:
        yield io.StringIO(text or "", newline="")


def _bad_line(reader) -> tuple[str, dict] | None:
    expected = None
    start = 1
    try:
        for row in reader:
            if row and expected is None:
                expected = len(row)
            elif row and len(row) != expected:
                return "import.ragged", {"line": start, "found": len(row), "expected": expected}
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            return "import.long_value", {"line": start, "limit": csv.field_size_limit()}
        return "import.bad_quotes", {"line": start}
    return None


def _json_problem(source: _Source) -> str | None:
    with _text_lines(source.staged) as lines:
        return _json_line_problem(lines)


def _json_line_problem(lines) -> str | None:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if json_depth(line) > MAX_JSON_DEPTH:
            return f"line {number} nests more than {MAX_JSON_DEPTH} levels deep"
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            if number == 1 and line.lstrip().startswith("["):
                return None
            return f"line {number} is not valid JSON"
        if not isinstance(value, dict):
            return f"line {number} is not a JSON object"
    return None


def _duck(action, source: _Source, filename: str):
    """Run one DuckDB call, turning its errors into a RiskLabError."""
    try:
        return action()
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.TransactionException | duckdb.CatalogException):
            raise _write_error(exc, filename) from None
        raise _read_error(exc, source, filename) from None

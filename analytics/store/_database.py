"""The working store: one sandboxed DuckDB connection factory and the Risk Lab catalog.

User loan tables live in the ``main`` schema; the catalog (imports, column roles,
default definitions, audit) lives in the ``risklab_catalog`` schema of the same file, so
everything a user saves survives a restart and travels with the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics.core import RiskLabError
from analytics.store._access import Person, Refused, acting, reads_every_table, refusal, table_closed
from analytics.store._failures import is_conflict, user_error

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_DIR / "data" / "risklab.duckdb"
CATALOG_SCHEMA = "risklab_catalog"
# DuckDB's buffer pool and threads follow the machine (``sizing``): each thread gets PER_THREAD_MB, at least
# MIN_MEMORY_MB in all (a laptop's 2 cores: 1 GB, so the app process stays under 2 GB), at most MEMORY_SHARE of the
# machine's (or container's) memory and a third of the process's address-space cap; where that leaves less than
# MIN_PER_THREAD_MB a thread (DuckDB's own minimum), fewer threads. $RISKLAB_MEMORY_LIMIT and $RISKLAB_THREADS
# override either. Sizes are DuckDB's MB (10^6 bytes): 1000 MB is the 1 GB the app always had.
MIN_MEMORY_MB = 1000
PER_THREAD_MB = 500
MIN_PER_THREAD_MB = 125
MEMORY_SHARE = 0.5
ADDRESS_SPACE_SHARE = 3  # DuckDB's address space runs to about 3x its buffer pool (VmPeak 3.7 GB at 1.3 GB resident)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?I?B?)\s*$", re.IGNORECASE)

CATALOG_DDL = """
CREATE SCHEMA IF NOT EXISTS risklab_catalog;
CREATE SEQUENCE IF NOT EXISTS risklab_catalog.import_id;
CREATE SEQUENCE IF NOT EXISTS risklab_catalog.audit_id;
CREATE TABLE IF NOT EXISTS risklab_catalog.imports (
    id BIGINT PRIMARY KEY DEFAULT nextval('risklab_catalog.import_id'),
    table_name VARCHAR NOT NULL,
    source_file VARCHAR,
    checksum VARCHAR,
    rows BIGINT,
    columns INTEGER,
    encoding VARCHAR,
    delimiter VARCHAR,
    warnings JSON,
    imported_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS risklab_catalog.column_roles (
    table_name VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    PRIMARY KEY (table_name, column_name)
);
CREATE TABLE IF NOT EXISTS risklab_catalog.column_labels (
    table_name VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    PRIMARY KEY (table_name, column_name, lang)
);
CREATE TABLE IF NOT EXISTS risklab_catalog.default_definitions (
    table_name VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    params JSON NOT NULL,
    saved_at TIMESTAMP DEFAULT current_timestamp
);
CREATE SEQUENCE IF NOT EXISTS risklab_catalog.binning_id;
CREATE TABLE IF NOT EXISTS risklab_catalog.binnings (
    id BIGINT PRIMARY KEY DEFAULT nextval('risklab_catalog.binning_id'),
    table_name VARCHAR NOT NULL,
    factor VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    spec JSON NOT NULL,
    saved_at TIMESTAMP DEFAULT current_timestamp
);
ALTER TABLE risklab_catalog.binnings ADD COLUMN IF NOT EXISTS version INTEGER DEFAULT 1;
CREATE UNIQUE INDEX IF NOT EXISTS binning_versions ON risklab_catalog.binnings (table_name, factor, name, version);
CREATE TABLE IF NOT EXISTS risklab_catalog.rule_sets (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    table_name VARCHAR,
    kind VARCHAR NOT NULL,
    spec JSON NOT NULL,
    saved_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS risklab_catalog.models (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT current_timestamp,
    spec JSON NOT NULL,
    params JSON NOT NULL,
    cov JSON,
    metrics JSON,
    scaling JSON,
    fingerprint VARCHAR,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS risklab_catalog.table_facts (
    key VARCHAR PRIMARY KEY,
    table_name VARCHAR NOT NULL,
    fact VARCHAR NOT NULL,
    value JSON
);
CREATE TABLE IF NOT EXISTS risklab_catalog.audit (
    id BIGINT PRIMARY KEY DEFAULT nextval('risklab_catalog.audit_id'),
    saved_at TIMESTAMP DEFAULT current_timestamp,
    action VARCHAR NOT NULL,
    table_name VARCHAR,
    detail JSON
);
ALTER TABLE risklab_catalog.audit ADD COLUMN IF NOT EXISTS person VARCHAR;
ALTER TABLE risklab_catalog.audit ADD COLUMN IF NOT EXISTS role VARCHAR;
ALTER TABLE risklab_catalog.audit ADD COLUMN IF NOT EXISTS client VARCHAR;
ALTER TABLE risklab_catalog.audit ADD COLUMN IF NOT EXISTS outcome VARCHAR DEFAULT 'done';
CREATE TABLE IF NOT EXISTS risklab_catalog.users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,
    password_hash VARCHAR,
    sso BOOLEAN NOT NULL DEFAULT false,
    disabled BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMP DEFAULT current_timestamp,
    changed_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS risklab_catalog.quiz_tables (
    table_name VARCHAR PRIMARY KEY,
    opened_by VARCHAR,
    opened_at TIMESTAMP DEFAULT current_timestamp
);
"""

_TABLE_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]{0,59}$")
_LOCK_PID = re.compile(r"PID (\d+)")


def database_path(path: str | os.PathLike | None = None) -> Path | str:
    """The database to use: ``path``, else ``$RISKLAB_DB``, else ``data/risklab.duckdb``."""
    chosen = path or os.environ.get("RISKLAB_DB") or DEFAULT_DB
    return ":memory:" if str(chosen) == ":memory:" else Path(chosen)


STAGING_NAME = ".staging"
_STAGED = re.compile(r"^import-(\d+)-[0-9a-f]+\.")


def _staging_for(path: Path | str) -> Path:
    """The staging folder of one database file: ``<folder>/.staging/<file name>/`` (its own for each file)."""
    if path == ":memory:":
        return Path(tempfile.mkdtemp(prefix="risklab-")) / STAGING_NAME / "memory"
    path = Path(path).resolve()
    return path.parent / STAGING_NAME / path.name


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database sandboxed: only the staging folder is readable, settings are locked.

    Files reach DuckDB only through ``staging_dir(con)``, where the importer writes a
    checked copy; user SQL can therefore never read or write the file system. A database file
    or folder that cannot be written is opened read-only: everything that only reads still works.
    """
    path = database_path(path)
    read_only = read_only or _unwritable(path)
    staging = _staging_for(path)
    try:
        staging.mkdir(parents=True, exist_ok=True)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        if not read_only:
            raise RiskLabError("error.db_unwritable", path=str(path)) from None
        staging = Path(tempfile.mkdtemp(prefix="risklab-")) / STAGING_NAME / "read-only"
        staging.mkdir(parents=True)
    con = _open(path, read_only)
    con.execute(f"SET allowed_directories = [{_sql_string(str(staging) + os.sep)}]")
    size = sizing()
    con.execute("SET memory_limit = ?", [size.memory_limit])
    con.execute("SET threads = ?", [size.threads])
    if path == ":memory:" or read_only:  # a file database spills next to itself (<file>.tmp), others here
        con.execute("SET temp_directory = ?", [str(staging.parent / "spill")])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    if not read_only:
        con.execute(CATALOG_DDL)
        _clear_staging(staging)
    return con


@dataclass(frozen=True)
class Sizing:
    """DuckDB's buffer pool (MB) and thread count for one process."""

    memory_mb: int
    threads: int

    @property
    def memory_limit(self) -> str:
        return f"{self.memory_mb}MB"


def machine_memory_mb() -> int:
    """The memory this process's machine has, or its container's (cgroup) limit when smaller, in MB."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            total = min(total, int(Path(limit).read_text().strip()))  # "max": no limit (ValueError)
    return max(total // 10**6, 1)


def machine_cpus() -> int:
    """The processors this process may run on, or its container's (cgroup) CPU quota when smaller."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        cpus = min(cpus, max(1, int(quota) // int(period)))  # "max": no quota (ValueError)
    return max(cpus, 1)


def megabytes(size: str) -> int | None:
    """A DuckDB size (``256MB``, ``8 GB``, ``1.5GiB``) in DuckDB's MB (10^6 bytes); None when it is not one."""
    match = _SIZE.match(size or "")
    if not match:
        return None
    unit = (match.group(2) or "B").upper()
    base = 1024 if "I" in unit else 1000
    power = {"B": 0, "K": 1, "M": 2, "G": 3, "T": 4}[unit[0]]
    return int(float(match.group(1)) * base**power / 10**6)


def sizing(cpus: int | None = None, memory_mb: int | None = None, address_space_mb: int | None = None) -> Sizing:
    """DuckDB's buffer pool and threads for this machine (``cpus`` processors, ``memory_mb`` of memory, an address
    space cap; by default this process's), ``$RISKLAB_MEMORY_LIMIT`` / ``$RISKLAB_THREADS`` first."""
    cpus = cpus or machine_cpus()
    memory_mb = memory_mb or machine_memory_mb()
    if address_space_mb is None:
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        address_space_mb = None if soft == resource.RLIM_INFINITY else soft // 10**6
    chosen = megabytes(os.environ.get("RISKLAB_MEMORY_LIMIT", ""))
    if chosen is None:
        chosen = max(MIN_MEMORY_MB, cpus * PER_THREAD_MB)
        chosen = min(chosen, int(memory_mb * MEMORY_SHARE))
        if address_space_mb:
            chosen = min(chosen, address_space_mb // ADDRESS_SPACE_SHARE)
    chosen = max(chosen, 1)
    try:
        threads = int(os.environ.get("RISKLAB_THREADS", ""))
    except ValueError:
        threads = min(cpus, max(1, chosen // MIN_PER_THREAD_MB))
    return Sizing(chosen, max(threads, 1))


def _unwritable(path: Path | str) -> bool:
    """True for an existing database file, or the folder holding it, that is marked read-only (no write
    permission for anyone, as ``chmod a-w`` leaves it; even an administrator's process respects that) or that
    this process may not write."""
    if path == ":memory:" or not Path(path).exists():
        return False
    for place in (Path(path), Path(path).resolve().parent):
        if not os.access(place, os.W_OK) or place.stat().st_mode & 0o222 == 0:
            return True
    return False


def _open(path: Path | str, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _LOCK_PID.search(text)
            raise RiskLabError("error.db_locked", path=str(path), pid=f" (PID {pid.group(1)})" if pid else "") from None
        if not read_only and ("Read-only file system" in text or "Permission denied" in text):
            return _open(path, True)
        if "Read-only file system" in text or "Permission denied" in text:
            raise RiskLabError("error.db_unwritable", path=str(path)) from None
        raise RiskLabError("error.db_unreadable", path=str(path), detail=text.splitlines()[0]) from None
    except duckdb.Error as exc:
        raise RiskLabError("error.db_unreadable", path=str(path), detail=str(exc).splitlines()[0]) from None


def limit_memory(megabytes: float | None = None) -> int | None:
    """Cap this process's address space (``RLIMIT_AS``) at ``megabytes`` (default ``$RISKLAB_SERVER_MEMORY_MB``,
    8192; 0 means no cap); returns the cap in bytes. Beyond it an allocation fails - DuckDB's query or Python's
    MemoryError, told to the user as one sentence - instead of the server taking the machine's memory. A lower
    cap already set is kept."""
    if megabytes is None:
        try:
            megabytes = float(os.environ.get("RISKLAB_SERVER_MEMORY_MB", "8192"))
        except ValueError:
            megabytes = 8192.0
    if megabytes <= 0:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = int(megabytes * 1024 * 1024)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        return soft
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return cap


def _clear_staging(staging: Path) -> None:
    """Remove the copies that imports of processes which no longer run left behind (a killed import); a live
    process's files, this one's included, are its own to remove."""
    for leftover in staging.iterdir():
        match = _STAGED.match(leftover.name)
        if match and leftover.is_file() and not _alive(int(match.group(1))):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def staged_file(con: duckdb.DuckDBPyConnection, extension: str) -> Path:
    """A new file name in the staging folder, marked with this process's id so no other connection removes it."""
    return staging_dir(con) / f"import-{os.getpid()}-{uuid.uuid4().hex}.{extension}"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def staging_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The one folder this connection may read files from."""
    allowed = con.execute("SELECT current_setting('allowed_directories')").fetchall()[0][0]
    # DuckDB may add its own temp directory to the list; ours is the one inside a folder named .staging
    return next(Path(a) for a in allowed if Path(a).parent.name == STAGING_NAME)


def quote_ident(name: str) -> str:
    """A table or column name as a quoted SQL identifier (the only way names enter SQL)."""
    return '"' + str(name).replace('"', '""') + '"'


def check_table_name(name: str) -> str:
    """Return ``name`` if it is a valid new table name, else raise a clear error."""
    if not _TABLE_NAME.match(name or ""):
        raise RiskLabError("error.bad_table_name", name=name)
    if name.lower() == CATALOG_SCHEMA:
        raise RiskLabError("error.reserved_table", name=name)
    return name


def suggest_table_name(filename: str) -> str:
    """A valid table name derived from a file name (``贷款 2023.csv`` -> ``贷款_2023``)."""
    stem = Path(filename).stem
    name = re.sub(r"[^A-Za-z0-9_\u4e00-\u9fff]+", "_", stem).strip("_")[:60] or "loans"
    return name if _TABLE_NAME.match(name) else f"t_{name}"[:60]


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any error: all or nothing. A save the acting person's role may not do is
    rolled back like any failure, and then recorded in the audit as refused."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, Refused):
            record_refusal(con, exc)
        raise
    con.execute("COMMIT")


def retry_conflicts(save: Callable[[], int], attempts: int = 8) -> int:
    """Run ``save`` (one transaction) again when another user's save took the same key at the same moment (two
    users saving version n of one name); after ``attempts`` a clear refusal. Nothing is ever overwritten."""
    for attempt in range(attempts):
        try:
            return save()
        except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
            if "duplicate key" not in str(exc).lower() and not is_conflict(exc):
                raise user_error(exc) from None
            if attempt == attempts - 1:
                raise RiskLabError("error.save_conflict") from None
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def user_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The users' loan tables the acting person may read, alphabetically (a trainee: those opened to trainees)."""
    tables = _all_tables(con)
    if reads_every_table():
        return tables
    opened = set(opened_tables(con))
    return [table for table in tables if table in opened]


def _all_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def opened_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables a trainer opened to trainees for the quiz (none in a database from before accounts)."""
    try:
        rows = con.execute("SELECT table_name FROM risklab_catalog.quiz_tables ORDER BY table_name").fetchall()
    except duckdb.CatalogException:
        return []
    return [r[0] for r in rows]


def require_table(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Return ``table`` if it exists (and the acting person may read it), else raise ``error.no_table``."""
    if table not in user_tables(con):
        if table in _all_tables(con):
            raise table_closed(table)
        raise RiskLabError("error.no_table", table=table)
    return table


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """``[(column, duckdb_type), ...]`` in table order."""
    require_table(con, table)
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def require_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    """Return ``column`` if ``table`` has it, else raise ``error.no_column``."""
    if column not in {name for name, _ in table_columns(con, table)}:
        raise RiskLabError("error.no_column", table=table, column=column)
    return column


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Number of rows of a user table."""
    require_table(con, table)
    return con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]


def table_version(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """A number that changes whenever ``table`` is (re)imported: the key for UI caches."""
    row = con.execute("SELECT max(id) FROM risklab_catalog.imports WHERE table_name = ?", [table]).fetchall()[0]
    return int(row[0] or 0)


def database_file(con: duckdb.DuckDBPyConnection) -> str | None:
    """The connection's database file (None in memory): what tells caches of two databases apart."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return rows[0][0]


def table_state(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int]:
    """(import version, DuckDB table id, estimated rows): changes whenever ``table`` is imported, replaced or
    grows or shrinks, so facts computed from it (and the Portfolio summary) can be kept under this key.

    DuckDB numbers its tables afresh each time it opens a file, so a table the app made (every one is recorded as
    an import, and a new import changes the version) has id 0 here: its facts outlive a restart. Only a table made
    otherwise is told apart by its id, within one process."""
    oid, size = con.execute(
        "SELECT table_oid, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [table]
    ).fetchall()[0]
    version = table_version(con, table)
    return version, 0 if version else int(oid), int(size)


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database was opened read-only (nothing can be saved)."""
    sql = "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    return bool(con.execute(sql).fetchall()[0][0])


def remembered(con: duckdb.DuckDBPyConnection, table: str, fact: str, compute: Callable[[], object]) -> object:
    """``compute()``, kept in the catalog for this state of ``table`` (one scan per import, not per process).

    A read-only database, or another session storing the same fact at the same time, only costs the stored copy.
    """
    read_only = is_read_only(con)
    if not read_only and (value := recall(con, table, fact)) is not None:
        return value
    value = compute()
    if not read_only:
        remember(con, table, fact, value)
    return value


def _fact_key(table: str, fact: str, state: tuple) -> str:
    return hashlib.sha1(repr((table, fact, state)).encode()).hexdigest()


def recall(con: duckdb.DuckDBPyConnection, table: str, fact: str, state: tuple | None = None) -> object | None:
    """The fact kept about ``table`` in ``state`` (a ``table_state``; default: now), or None."""
    key = _fact_key(table, fact, state or table_state(con, table))
    rows = con.execute("SELECT value FROM risklab_catalog.table_facts WHERE key = ?", [key]).fetchall()
    return json.loads(rows[0][0]) if rows else None


def remember(con: duckdb.DuckDBPyConnection, table: str, fact: str, value: object) -> None:
    """Keep ``value`` as the fact about ``table`` in its current state (replacing the fact of earlier states)."""
    key = _fact_key(table, fact, table_state(con, table))
    try:
        with transaction(con):
            con.execute("DELETE FROM risklab_catalog.table_facts WHERE table_name = ? AND fact = ?", [table, fact])
            con.execute(
                "INSERT INTO risklab_catalog.table_facts (key, table_name, fact, value) VALUES (?, ?, ?, ?)",
                [key, table, fact, json.dumps(value)],
            )
    except (duckdb.TransactionException, duckdb.ConstraintException):
        pass  # stored by another session meanwhile


def record_import(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    source_file: str,
    checksum: str,
    rows: int,
    columns: int,
    encoding: str | None = None,
    delimiter: str | None = None,
    warnings: list[str] | None = None,
    replaced: bool = False,
    appended: bool = False,
) -> None:
    """Add the catalog row of an import and its audit row, ``import_table``, ``replace_table`` or ``append_table``
    (call inside the import's transaction: a role that may not import is refused here and the transaction leaves no
    change). ``rows``: the table's rows after the import."""
    action = "append_table" if appended else "replace_table" if replaced else "import_table"
    audit(con, action, table, file=source_file, rows=rows, columns=columns)
    con.execute(
        "INSERT INTO risklab_catalog.imports"
        " (table_name, source_file, checksum, rows, columns, encoding, delimiter, warnings)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [table, source_file, checksum, rows, columns, encoding, delimiter, json.dumps(warnings or [])],
    )


def forget_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop a table's saved roles and default definition (call inside a transaction)."""
    con.execute("DELETE FROM risklab_catalog.column_roles WHERE table_name = ?", [table])
    con.execute("DELETE FROM risklab_catalog.default_definitions WHERE table_name = ?", [table])


def audit(con: duckdb.DuckDBPyConnection, action: str, table: str | None = None, **detail: object) -> None:
    """Record that the acting person saved something: who, when, what. Every saving function calls this inside
    its transaction, so this is where a role that may not do ``action`` is refused (``Refused``: the
    transaction rolls back, and ``transaction`` records the attempt)."""
    refused = refusal(action, table, detail)
    if refused is not None:
        raise refused
    record(con, action, table, acting(), "done", detail)


def permit(con: duckdb.DuckDBPyConnection, action: str, table: str | None = None, **detail: object) -> None:
    """Refuse ``action`` at once, before any work, when the acting person's role may not do it (the refusal is
    recorded). Call it outside a transaction; the check in ``audit`` still guards the write itself."""
    refused = refusal(action, table, detail)
    if refused is not None:
        record_refusal(con, refused)
        raise refused


def record(
    con: duckdb.DuckDBPyConnection, action: str, table: str | None, person: Person, outcome: str, detail: dict
) -> None:
    """One audit row: the action, its table, what it saved, who (name, role, client address) and how it ended
    (``done``, ``refused``, ``failed``)."""
    con.execute(
        "INSERT INTO risklab_catalog.audit (action, table_name, detail, person, role, client, outcome)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            action,
            table,
            json.dumps(detail, default=str, ensure_ascii=False),
            person.name or None,
            person.role,
            person.client,
            outcome,
        ],
    )


def record_refusal(con: duckdb.DuckDBPyConnection, refused: Refused) -> None:
    """Keep a refused attempt in the audit (outside any transaction; a read-only database keeps nothing)."""
    if is_read_only(con):
        return
    with contextlib.suppress(duckdb.Error):
        record(con, refused.action, refused.table, refused.person, "refused", refused.detail)


def catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per user table: rows, columns, source file, checksum, imported at."""
    return con.execute(
        """
        WITH latest AS (
            SELECT * FROM risklab_catalog.imports
            QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY id DESC) = 1
        )
        SELECT t.table_name AS "table", coalesce(l.rows, t.estimated_size) AS rows, t.column_count AS columns,
               l.source_file, l.checksum, l.imported_at
        FROM duckdb_tables() t LEFT JOIN latest l ON l.table_name = t.table_name
        WHERE t.schema_name = 'main' AND NOT t.temporary
        ORDER BY t.table_name
        """
    ).df()


def distinct_values(con: duckdb.DuckDBPyConnection, table: str, column: str, limit: int = 50) -> list[str]:
    """The most frequent non-null values of a column, as text (for pick lists)."""
    require_column(con, table, column)
    rows = con.execute(
        f"SELECT CAST({quote_ident(column)} AS VARCHAR) AS v, count(*) AS n FROM {quote_ident(table)} "
        "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
        [limit],
    ).fetchall()
    return [r[0] for r in rows]


COLUMNS_PER_SCAN = 20  # DuckDB plans many DISTINCT aggregates in one SELECT in quadratic time


def scan_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list,
    expressions: Callable[[object], list[str]],
    source: str | None = None,
) -> tuple[int, list[tuple]]:
    """Row count of ``table`` and, per column, the values of its SQL ``expressions(column)``.

    Runs one aggregate query per ``COLUMNS_PER_SCAN`` columns, so a table with thousands of
    columns is profiled in linear time. ``source`` (SQL, e.g. a sampled subquery) replaces the table.
    """
    source = source or quote_ident(table)
    rows, values = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0], []
    for start in range(0, len(columns), COLUMNS_PER_SCAN):
        chunk = [(column, expressions(column)) for column in columns[start : start + COLUMNS_PER_SCAN]]
        parts = [part for _, exprs in chunk for part in exprs]
        row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchall()[0]
        at = 0
        for _, exprs in chunk:
            values.append(tuple(row[at : at + len(exprs)]))
            at += len(exprs)
    return rows, values

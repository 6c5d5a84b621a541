"""Untrusted input cannot stall, exhaust or confuse the server: each attack of issue 20 ends quickly with one
sentence the user can act on, and nothing else changes."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from analytics import datasets, store
from analytics.core import RiskLabError, t
from analytics.datasets import _importer as importer
from tests.conftest import PROJECT


def cli(*args: str, db) -> subprocess.CompletedProcess:
    """``python -m analytics --db DB ARGS`` as a user runs it."""
    command = [sys.executable, "-m", "analytics", "--db", str(db), *args]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line of a failed command (no traceback)."""
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def workbook(rows: list[list]) -> bytes:
    """A real .xlsx written by openpyxl."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def inflated(data: bytes, sheet_rows: int) -> bytes:
    """``data`` (an .xlsx) with its first sheet replaced by ``sheet_rows`` rows of highly compressible XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/')
                sheet.write(b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t>')
                sheet.write(b"</is></c></row>")
                for start in range(0, sheet_rows, 10_000):
                    sheet.write(b"<row><c><v>7</v></c></row>" * min(10_000, sheet_rows - start))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


# --- 1. work linear in the input, caps before work starts ------------------------------------------------------


def test_renaming_thousands_of_duplicate_columns_is_linear():
    start = time.perf_counter()
    names, notices = importer.unique_names(["a"] * 20_000)
    assert time.perf_counter() - start < 2  # the old loop needed minutes for 3,000
    assert names[:3] == ["a", "a_2", "a_3"] and len({n.lower() for n in names}) == 20_000
    assert len(notices) == 19_999


def test_renaming_keeps_its_rules():
    names, _ = importer.unique_names(["a", "A", "a_2", "a", "", "", "column_5", None])
    assert names == ["a", "A_3", "a_2", "a_4", "column_6", "column_7", "column_5", "column_8"]


def test_csv_with_3000_columns_of_one_name_previews_in_seconds(con):
    data = (",".join(["a"] * 3000) + "\n" + ",".join(["1"] * 3000) + "\n").encode()
    start = time.perf_counter()
    preview = datasets.preview_file(con, data, "wide.csv")
    assert time.perf_counter() - start < 20  # 149.5 s before
    assert len(preview.columns) == 3000


def test_a_one_line_file_of_a_million_names_is_refused_before_any_work(con):
    data = b"a," * 1_000_000 + b"a\n"
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, data, "line.csv")
    assert time.perf_counter() - start < 5
    assert err.value.key == "import.too_many_columns"


def test_excel_zip_bomb_is_refused_by_its_declared_size(con, monkeypatch):
    monkeypatch.setattr(importer, "MAX_EXCEL_INFLATED_MB", 2)
    bomb = inflated(workbook([["id"], [1]]), 300_000)  # ~7 MB of XML in a few KB
    assert len(bomb) < 100 * 1024
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, bomb, "bomb.xlsx")
    assert time.perf_counter() - start < 2
    assert str(err.value).startswith("bomb.xlsx unpacks to 7 MB, more than the 2 MB an Excel import may take")


def test_excel_with_more_rows_than_excel_allows_is_refused(con, monkeypatch):
    monkeypatch.setattr(importer, "MAX_EXCEL_ROWS", 1_000)
    with pytest.raises(RiskLabError) as err:
        datasets.import_file(con, inflated(workbook([["id"], [1]]), 1_500), "long.xlsx")
    assert err.value.key == "import.excel_too_many_rows"
    assert "claims more than 1,000 rows" in str(err.value)
    assert store.user_tables(con) == []


def test_default_excel_caps_are_excel_limits():
    assert importer.MAX_EXCEL_ROWS == 1_048_576
    assert importer.MAX_EXCEL_INFLATED_MB >= 100


@pytest.mark.parametrize("opening", ['{"a":', "["])
def test_json_nested_100000_deep_gives_one_sentence(con, opening):
    closing = "}" if opening.startswith("{") else "]"
    data = (opening * 100_000 + "1" * (opening == '{"a":') + closing * 100_000 + "\n").encode()
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, data, "deep.json")
    assert err.value.key == "import.json_too_deep"
    assert str(err.value) == (
        "deep.json nests JSON more than 100 levels deep: flatten the records (one object per line, plain values) "
        "and import again"
    )


def test_json_depth_ignores_brackets_in_strings():
    assert importer.json_depth('{"a": "[[[[{{{{", "b": [1, {"c": 2}]}') == 3
    assert importer.json_depth('{"a": "\\"[[[["}') == 1


def test_deep_json_on_a_later_line_is_refused_before_duckdb_reads_it(con):
    data = b'{"x": 1}\n' + b'{"a":' * 150 + b"1" + b"}" * 150 + b"\n"
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, data, "later.json")
    assert err.value.key == "import.json_too_deep"


def test_the_line_check_names_a_deep_line():
    lines = ['{"x": 1}\n', '{"a":' * 150 + "1" + "}" * 150 + "\n"]
    assert importer._json_line_problem(lines) == "line 2 nests more than 100 levels deep"


# --- 2. one staging folder per database file ---------------------------------------------------------------------


def test_each_database_file_has_its_own_staging_folder(tmp_path):
    first = store.connect(tmp_path / "a.duckdb")
    staged = store.staged_file(first, "csv")
    staged.write_text("id\n1\n")
    second = store.connect(tmp_path / "b.duckdb")  # the old code emptied the shared d/.staging here
    assert staged.exists()
    assert store.staging_dir(first) != store.staging_dir(second)
    first.close()
    second.close()


def test_importing_into_one_database_while_another_in_its_folder_opens(tmp_path):
    """The attack of issue 20: imports into d/a.duckdb failed 6 of 7 times while d/b.duckdb was being opened."""
    first = store.connect(tmp_path / "a.duckdb")
    data = ("id,amount\n" + "\n".join(f"{i},{i * 10}" for i in range(20_000))).encode()
    source = importer._opened(first, data, "loans.csv", encoding=None, delimiter=None, sheet=None)
    with source as opened:
        store.connect(tmp_path / "b.duckdb").close()
        assert opened.staged.exists()
        plan = importer._plan(first, opened, "loans.csv")
        assert first.execute(f"SELECT count(*) FROM ({plan.select})", plan.params).fetchone()[0] == 20_000
    first.close()


def test_a_killed_imports_copy_is_removed_and_a_live_ones_kept(tmp_path):
    con = store.connect(tmp_path / "a.duckdb")
    staging = store.staging_dir(con)
    con.close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = staging / f"import-{int(dead.stdout)}-{'0' * 32}.csv"
    mine = staging / f"import-{os.getpid()}-{'1' * 32}.csv"
    other = staging / "notes.txt"
    for path in (killed, mine, other):
        path.write_text("x")
    store.connect(tmp_path / "a.duckdb").close()
    assert not killed.exists() and mine.exists() and other.exists()


# --- 3. the console ----------------------------------------------------------------------------------------------


@pytest.fixture
def loans(con):
    con.execute("CREATE TABLE loans AS SELECT range AS id, range % 7 AS branch FROM range(5000)")
    store.audit(con, "test", "loans", secret="x")
    return con


def test_a_query_of_40000_union_terms_is_refused_at_once(loans):
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, " UNION ALL ".join(["SELECT 1"] * 40_000))
    assert time.perf_counter() - start < 2  # 159 s in-process before
    assert err.value.key == "console.too_long"


def test_the_longest_allowed_query_plans_within_the_time_limit(loans):
    terms = store._console.MAX_QUERY_CHARS // len("SELECT 1 UNION ALL ")
    start = time.perf_counter()
    result = store.run_query(loans, " UNION ALL ".join(["SELECT 1"] * terms), timeout_s=10)
    assert time.perf_counter() - start < 10
    assert len(result.frame) == 1000 and result.truncated


def test_results_are_capped_by_bytes_as_well_as_rows(loans):
    sql = "SELECT repeat('x', 100000) AS a, repeat('y', 100000) AS b FROM range(1000)"
    result = store.run_query(loans, sql, max_mb=2)
    assert result.truncated and 0 < len(result.frame) < 1000
    assert result.frame.memory_usage(deep=True).sum() < 3 * 1024 * 1024
    notice = result.notice()
    assert notice.key == "console.too_big"
    shown = f"showing the first {len(result.frame):,} rows only"
    assert str(notice) == f"{shown}: the result is larger than 2 MB (size cap)"


def test_the_row_cap_notice_names_the_rows(loans):
    result = store.run_query(loans, "SELECT * FROM loans", max_rows=10)
    assert str(result.notice()) == "showing the first 10 rows only (row cap)"
    assert store.run_query(loans, "SELECT 1 AS one").notice() is None


def test_an_empty_result_keeps_its_columns(loans):
    result = store.run_query(loans, "SELECT id, branch FROM loans WHERE id < 0")
    assert list(result.frame.columns) == ["id", "branch"] and result.frame.empty


@pytest.mark.parametrize(
    ("sql", "key"),
    [
        ("SELECT * FROM pg_catalog.pg_settings", "console.not_a_table"),
        ("SELECT * FROM pg_settings", "console.not_a_table"),
        ("SELECT current_setting('temp_directory')", "console.hidden_function"),
        ("SELECT * FROM duckdb_databases", "console.not_a_table"),
        ("SELECT * FROM duckdb_databases()", "console.no_files"),
        ("SELECT * FROM information_schema.tables", "console.not_a_table"),
        ("SELECT * FROM risklab_catalog.audit", "console.not_a_table"),
        ("SELECT * FROM risklab_catalog.models", "console.not_a_table"),
        ("SELECT * FROM loans WHERE id IN (SELECT id FROM risklab_catalog.imports)", "console.not_a_table"),
        ("SELECT getvariable('x')", "console.hidden_function"),
        ("SELECT pg_catalog.current_setting('threads')", "console.hidden_function"),
    ],
)
def test_the_console_reads_only_the_users_tables(loans, sql, key):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, sql)
    assert err.value.key == key


def test_with_names_and_user_tables_are_readable(loans):
    sql = "WITH b AS (SELECT branch, count(*) AS n FROM loans GROUP BY branch) SELECT sum(n) AS n FROM b"
    assert store.run_query(loans, sql).frame["n"].tolist() == [5000]


TIME_LIMIT = "the time limit must be a positive number of seconds, at most a day (86,400), not "


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout_s": 0}, TIME_LIMIT + "0"),
        ({"timeout_s": -1.0}, TIME_LIMIT + "-1.0"),
        ({"timeout_s": float("nan")}, TIME_LIMIT + "nan"),
        ({"timeout_s": float("inf")}, TIME_LIMIT + "inf"),
        ({"timeout_s": 1e308}, TIME_LIMIT + "1e+308"),
        ({"max_rows": -5}, "the row cap must be a whole number of at least 1, not -5"),
        ({"max_mb": 0}, "the size limit must be a positive, finite number of megabytes, not 0"),
    ],
)
def test_caps_that_would_remove_the_cap_are_refused(loans, options, message):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT 1", **options)
    assert str(err.value) == message


def test_a_comment_alone_asks_for_a_query(loans):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "-- nothing but a comment\n/* and another */")
    assert str(err.value) == "write a SELECT query first"


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--timeout", "0", "time limit"),
        ("--timeout", "-1", "time limit"),
        ("--timeout", "nan", "time limit"),
        ("--timeout", "inf", "time limit"),
        ("--timeout", "1e308", "time limit"),
        ("--max-rows", "-5", "row cap"),
    ],
)
def test_sql_command_refuses_caps_in_one_line(tmp_path, option, value, needle):
    assert needle in one_error_line(cli("sql", "SELECT 1", option, value, db=tmp_path / "x.duckdb"))


def test_sql_command_runs_the_query_in_a_limited_worker(tmp_path):
    """``python -m analytics sql`` goes through the same worker: the 4 GB string ends in one line naming the limit."""
    from analytics.store import _worker

    line = one_error_line(cli("sql", "SELECT length(repeat('xx', 2000000000))", db=tmp_path / "x.duckdb"))
    limit = f"{_worker.LIMITS.memory_mb:g} MB of memory a query may use (memory limit)"
    assert line.startswith(f"error: the query needed more than the {limit}")


# --- 4. every failure is one sentence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "key"),
    [
        (RecursionError("maximum recursion depth exceeded"), "error.too_deep"),
        (OSError(errno.ENOSPC, "No space left on device"), "error.disk_full"),
        (duckdb.IOException('Could not write file "x.wal": No space left on device'), "error.disk_full"),
        (duckdb.TransactionException("Failed to commit: No space left on device"), "error.disk_full"),
        (duckdb.TransactionException('Catalog write-write conflict on create with ""Schema\x00main'), "error.conflict"),
        (duckdb.OutOfMemoryException("could not allocate block of size 256 KiB"), "error.out_of_memory"),
        (MemoryError(), "error.out_of_memory"),
        (OSError(errno.ENOMEM, "Memory mapping file failed: Cannot allocate memory"), "error.out_of_memory"),
        (OSError(errno.EROFS, "Read-only file system"), "error.read_only"),
        (duckdb.IOException("Corrupt database file: block checksum mismatch"), "error.corrupt"),
        (ValueError("math domain error"), "error.bad_value"),
        (OverflowError("cannot convert float infinity to integer"), "error.bad_value"),
        (KeyError("x"), "error.unexpected"),
    ],
)
def test_failures_are_told_apart_by_cause(exc, key):
    error = store.user_error(exc)
    assert error.key == key
    for lang in ("en", "zh"):
        sentence = error.message(lang)
        assert "\n" not in sentence and "Traceback" not in sentence and "\x00" not in sentence


def test_a_full_disk_during_a_save_is_not_called_a_name_clash():
    def save():
        raise duckdb.TransactionException("Failed to commit: could not write all bytes: No space left on device")

    with pytest.raises(RiskLabError) as err:
        store.retry_conflicts(save)
    assert err.value.key == "error.disk_full"


def test_a_concurrent_replace_is_explained_without_duckdbs_text():
    error = importer._write_error(
        duckdb.TransactionException('Catalog write-write conflict on create with ""Schema\x00main\x00loans""'),
        "loans.csv",
    )
    assert str(error) == (
        "another import or save changed the tables at the same moment as loans.csv: nothing was changed; "
        "import it again"
    )


def test_a_full_disk_during_an_upload_says_so(con, monkeypatch):
    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(importer.Path, "write_bytes", full)
    from ui import widgets

    shown = []
    monkeypatch.setattr(widgets.st, "error", shown.append)
    assert widgets.attempt(datasets.import_file, con, b"id,x\n1,2\n", "loans.csv") is None
    assert shown == [t("error.disk_full", "en")]
    assert store.user_tables(con) == []


def test_a_long_unquoted_field_is_not_called_a_quote_problem(con):
    data = b"id,name\n1," + b"x" * 5_000_000 + b"\n2,b\n"
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, data, "long.csv")
    assert err.value.key == "import.long_value"
    assert str(err.value).startswith("line 2 of long.csv has a value longer than 131,072 characters")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(con, encoding):
    data = "id,name\n1,abc\n2,中文\n".encode(encoding)
    preview = datasets.preview_file(con, data, "wide.csv")
    assert preview.encoding == encoding
    assert preview.rows["name"].tolist() == ["abc", "中文"]


def test_a_read_only_database_opens_read_only_for_reading_commands(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "loans.duckdb"
    con = store.connect(db)
    con.execute("CREATE TABLE loans AS SELECT range AS id FROM range(3)")
    con.close()
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        reading = store.connect(db)
        assert store.is_read_only(reading) and store.user_tables(reading) == ["loans"]
        assert store.run_query(reading, "SELECT count(*) AS n FROM loans").frame["n"].tolist() == [3]
        reading.close()
        listed = cli("tables", db=db)
        assert listed.returncode == 0 and '"table": "loans"' in listed.stdout
        queried = cli("sql", "SELECT count(*) AS n FROM loans", db=db)
        assert queried.returncode == 0 and queried.stdout.splitlines()[-1] == "3"
        (tmp_path / "new.csv").write_text("id\n1\n")
        refused = one_error_line(cli("import", str(tmp_path / "new.csv"), db=db))
        assert "read-only" in refused
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


# --- 5. file parsing in a worker process with OS limits ------------------------------------------------------------


def huge_cell(megabytes: int) -> bytes:
    """A workbook whose one text cell holds ``megabytes`` MB of 'x' (a few hundred KB compressed)."""
    data = workbook([["id", "name"], [1, "short"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            before, after = source.read(info).split(b"short")
            with target.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(before)
                for _ in range(megabytes):
                    sheet.write(b"x" * (1024 * 1024))
                sheet.write(after)
    return out.getvalue()


def test_excel_is_read_in_a_worker_process(con):
    from analytics.store import _worker

    preview = datasets.preview_file(con, workbook([["id", "x", "x"], [1, "a", 2.5]]), "book.xlsx")
    assert preview.columns == (("id", "BIGINT"), ("x", "VARCHAR"), ("x_2", "DOUBLE"))
    assert [n.key for n in preview.warnings] == ["import.column_duplicate"]
    assert _worker._context is not None  # the fork server ran it
    assert list(store.staging_dir(con).iterdir()) == []


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"cpu_s": 1}, "reading the file took more than 1 s of processor time (CPU limit)"),
        ({"wall_s": 0.5}, "reading the file did not finish within 0.5 s (time limit)"),
    ],
)
def test_a_worker_that_overruns_is_stopped_with_the_limit_named(con, monkeypatch, limits, message):
    from analytics.store import _worker

    monkeypatch.setattr(_worker, "LIMITS", _worker.Limits(**{"wall_s": 60, "cpu_s": 60, **limits}))
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        datasets.import_file(con, inflated(workbook([["id"], [1]]), 600_000), "slow.xlsx")
    assert time.perf_counter() - start < 30
    assert str(err.value).startswith(message)
    assert store.user_tables(con) == []


def test_a_worker_out_of_memory_is_stopped_with_the_limit_named(con, monkeypatch):
    from analytics.store import _worker

    monkeypatch.setattr(_worker, "LIMITS", _worker.Limits(memory_mb=1024, wall_s=60))
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, huge_cell(350), "cell.xlsx")
    assert str(err.value).startswith("reading the file needed more than the 1024 MB of memory a file may use")


@pytest.mark.parametrize(("name", "data"), [("a.csv", b"id\n1\n"), ("a.json", b'{"id": 1}\n')])
def test_text_files_are_previewed_and_imported_in_a_worker_process(con, monkeypatch, name, data):
    from analytics.store import _worker

    assert datasets.preview_file(con, data, name).columns == (("id", "BIGINT"),)
    monkeypatch.setattr(_worker, "LIMITS", _worker.Limits(wall_s=0.01))
    with pytest.raises(RiskLabError) as err:
        datasets.preview_file(con, data, name)
    assert str(err.value).startswith("reading the file did not finish within 0.01 s (time limit)")
    with pytest.raises(RiskLabError) as err:
        datasets.import_file(con, data, name, table="loans")
    assert str(err.value).startswith("reading the file did not finish within 0.01 s (time limit)")
    assert store.user_tables(con) == []
    assert list(store.staging_dir(con).iterdir()) == []  # the staged upload is gone


def test_the_servers_address_space_cap_turns_a_memory_bomb_into_one_sentence():
    """``store.limit_memory`` in a fresh process, as the app sets it: a 4 GB string built by the server's own
    DuckDB (not the console, whose queries run in workers) fails at once, and the server goes on."""
    script = (
        "from analytics import store\n"
        "con = store.connect(':memory:')\n"
        "print(store.limit_memory(3072))\n"
        "try:\n"
        "    con.execute(\"SELECT length(repeat('xx', 2000000000))\").fetchall()\n"
        "except Exception as exc:\n"
        "    print(store.user_error(exc).key)\n"
        "if __name__ == '__main__':\n"
        "    print(store.run_query(con, 'SELECT 42 AS n').frame['n'].tolist())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    cap, failure, after = done.stdout.strip().splitlines()
    assert int(cap) == 3072 * 1024 * 1024
    assert failure == "error.out_of_memory"
    assert after == "[42]"  # the process goes on serving


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last ``reset_peak_rss`` (Linux's VmHWM)."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT length(repeat('xx', 2000000000))",  # 7.9 GB in the app before
        "SELECT repeat('x', 1000000) AS a, repeat('y', 1000000) AS b FROM range(1000)",  # 12.3 GB with one session
    ],
)
def test_memory_bombs_stop_the_console_worker_not_the_server(loans, sql):
    from analytics.store import _worker

    store.run_query(loans, "SELECT count(*) FROM loans")  # the snapshot and the fork server exist
    reset_peak_rss()
    before = peak_rss_mb()
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, sql)
    assert time.perf_counter() - start < 30
    assert err.value.key == "console_limit.memory"
    assert str(err.value).startswith(f"the query needed more than the {_worker.LIMITS.memory_mb:g} MB of memory")
    assert err.value.message("zh").startswith("查询所需内存超过")
    assert peak_rss_mb() - before < 200  # the server itself did not hold the strings
    assert store.run_query(loans, "SELECT 42 AS n").frame["n"].tolist() == [42]


def test_a_console_query_that_cannot_be_interrupted_is_killed_at_its_wall_time(loans, monkeypatch):
    """A single scalar call ignores DuckDB's interrupt: the worker is killed when its wall time runs out."""
    from analytics.store import _console

    monkeypatch.setattr(_console, "_GRACE_S", 1.0)
    start = time.perf_counter()
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT length(repeat('xx', 400000000)) AS n", timeout_s=0.5)
    assert time.perf_counter() - start < 10
    assert str(err.value).startswith("the query did not finish within 1.5 s (time limit)")
    assert err.value.message("zh").startswith("查询未能在 1.5 秒内完成（时间上限）")


def test_console_snapshots_follow_the_table(loans):
    """The worker reads a snapshot of each table the query names, written once per state of the table."""
    assert store.run_query(loans, "SELECT count(*) AS n FROM loans").frame["n"].tolist() == [5000]
    folder = store.staging_dir(loans) / "console"
    first = sorted(folder.glob("*.parquet"))
    assert len(first) == 1
    store.run_query(loans, "SELECT count(*) AS n FROM LOANS")
    assert sorted(folder.glob("*.parquet")) == first  # written once
    loans.execute("CREATE OR REPLACE TABLE loans AS SELECT range AS id FROM range(7)")
    assert store.run_query(loans, "SELECT count(*) AS n FROM loans").frame["n"].tolist() == [7]
    assert len(list(folder.glob("*.parquet"))) == 2  # the old one may still be read by another session's query
    long_ago = time.time() - store._console.SNAPSHOT_GRACE_S - 1
    os.utime(first[0], (long_ago, long_ago))
    assert store.run_query(loans, "SELECT count(*) AS n FROM loans").frame["n"].tolist() == [7]
    assert len(list(folder.glob("*.parquet"))) == 1 and sorted(folder.glob("*.parquet")) != first
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".parquet")] == []  # no spill, no partial file


def test_console_snapshots_of_a_dropped_table_are_removed(loans):
    """A dropped table's snapshot leaves the staging folder once unused for the grace time (it stayed for good)."""
    loans.execute("CREATE TABLE branch AS SELECT range AS id FROM range(3)")
    assert store.run_query(loans, "SELECT count(*) AS n FROM branch").frame["n"].tolist() == [3]
    folder = store.staging_dir(loans) / "console"
    (branch,) = folder.glob("*.parquet")
    loans.execute("DROP TABLE branch")
    store.run_query(loans, "SELECT count(*) AS n FROM loans")
    assert branch.exists()  # another session's query may still be reading it
    long_ago = time.time() - store._console.SNAPSHOT_GRACE_S - 1
    os.utime(branch, (long_ago, long_ago))
    store.run_query(loans, "SELECT 1 AS one")
    assert not branch.exists()
    assert len(list(folder.glob("*.parquet"))) == 1  # the snapshot of loans, still in use, stays

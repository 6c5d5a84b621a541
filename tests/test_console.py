"""The read-only SQL console: reads work, every escape is refused with a clear message."""

from __future__ import annotations

import pytest

from analytics import store
from analytics.core import RiskLabError


@pytest.fixture
def loans(con):
    con.execute("CREATE TABLE loans AS SELECT range AS id, range % 7 AS branch FROM range(5000)")
    return con


def test_select_returns_rows_and_counts(loans):
    result = store.run_query(loans, "SELECT branch, count(*) AS n FROM loans GROUP BY branch ORDER BY branch")
    assert result.frame["n"].tolist() == [715, 715, 714, 714, 714, 714, 714]
    assert not result.truncated


def test_row_cap_truncates(loans):
    result = store.run_query(loans, "SELECT * FROM loans", max_rows=100)
    assert len(result.frame) == 100 and result.truncated


def test_time_cap_interrupts_runaway_query(loans):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", timeout_s=0.5)
    assert str(err.value) == "the query was stopped after 0.5 s: aggregate more or add a WHERE clause"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "write a SELECT query first"),
        ("SELECT 1; SELECT 2", "run one query at a time (remove the extra ';' statements)"),
        ("DROP TABLE loans", "the console is read-only: only SELECT queries are allowed, not DROP"),
        ("DELETE FROM loans", "the console is read-only: only SELECT queries are allowed, not DELETE"),
        ("COPY loans TO 'out.csv'", "the console is read-only: only SELECT queries are allowed, not COPY"),
        ("ATTACH 'other.db'", "the console is read-only: only SELECT queries are allowed, not ATTACH"),
        ("SET threads = 1", "the console is read-only: only SELECT queries are allowed, not SET"),
        ("INSTALL httpfs", "the console is read-only: only SELECT queries are allowed, not LOAD"),
        ("PRAGMA version", "the console is read-only: only SELECT queries are allowed, not PRAGMA"),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "the console reads only this database's tables: 'read_csv' is not allowed (no files, no extensions)",
        ),
        (
            "SELECT * FROM '/etc/passwd'",
            "the console reads only this database's tables: '/etc/passwd' is not allowed (no files, no extensions)",
        ),
        (
            "SELECT * FROM glob('/*')",
            "the console reads only this database's tables: 'glob' is not allowed (no files, no extensions)",
        ),
        (
            "SELECT * FROM loans JOIN read_parquet('x.parquet') USING (id)",
            "the console reads only this database's tables: 'read_parquet' is not allowed (no files, no extensions)",
        ),
    ],
)
def test_escapes_are_refused(loans, sql, message):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, sql)
    assert str(err.value) == message
    assert loans.execute("SELECT count(*) FROM loans").fetchone()[0] == 5000


def test_scalar_file_functions_are_blocked_by_the_sandbox(loans):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT read_text('/etc/hostname')")
    assert str(err.value).startswith("the query failed: ")


def test_syntax_error_is_explained(loans):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT * FROM loans WHERE")
    assert str(err.value).startswith("the query does not parse: Parser Error")


def test_unknown_table_is_explained(loans):
    with pytest.raises(RiskLabError) as err:
        store.run_query(loans, "SELECT * FROM nope")
    assert str(err.value) == (
        "the console reads only this database's loan tables, and 'nope' is not one of them: see the list of tables"
    )

"""Limits: a table of millions of loans degrades with a message, not a crash: the console caps rows, the profile
and role detection run on a bounded, deterministic sample and say so; the figures stay right."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from analytics import datasets, store
from analytics.core import t
from tests.conftest import PROJECT

ROWS = 3_000_000


@pytest.fixture(scope="module")
def long_db(tmp_path_factory):
    """A database with one table of three million loans, generated in DuckDB SQL."""
    path = tmp_path_factory.mktemp("long") / "long.duckdb"
    con = store.connect(path)
    con.execute(
        f"""
        CREATE TABLE long_loans AS
        SELECT 'L' || range AS loan_id, 'B' || (range % 7) AS branch, (range % 97) * 100.0 AS amount,
               CASE WHEN range % 10 = 3 THEN NULL ELSE range % 5 END AS prior_overdue_count,
               CAST(range % 13 = 0 AS INTEGER) AS "default"
        FROM range({ROWS})
        """
    )
    con.close()
    return path


def test_console_caps_the_rows_of_a_long_table(long_db):
    con = store.connect(long_db)
    start = time.perf_counter()
    result = store.run_query(con, "SELECT * FROM long_loans")
    print(f"\nconsole SELECT * on {ROWS:,} rows: {time.perf_counter() - start:.2f} s")
    assert result.truncated and len(result.frame) == store.MAX_ROWS
    con.close()


def test_profile_and_roles_of_a_long_table_use_a_bounded_sample(long_db):
    con = store.connect(long_db)
    start = time.perf_counter()
    ctx = datasets.table_context(con, "long_loans")
    summary = datasets.profile_summary(con, ctx)
    frame = datasets.profile_table(con, ctx).set_index("column")
    detected = datasets.detect_roles_for_table(con, "long_loans")
    print(f"profile and role detection of {ROWS:,} rows: {time.perf_counter() - start:.2f} s")
    assert summary["rows"] == ROWS and summary["duplicate_keys"] == 0  # every row counted for these
    sample = summary["sampled_rows"]
    assert 0.9 * datasets.SCAN_ROWS < sample < 1.1 * datasets.SCAN_ROWS
    # the figures of the sample match the whole table's (exact where the sample cannot change them)
    assert frame.loc["branch", "distinct"] == 7 and frame.loc["amount", "min"] == 0 and frame.loc["amount", "max"]
    assert frame.loc["prior_overdue_count", "missing_pct"] == pytest.approx(10.0, abs=0.3)
    assert frame.loc["default", "mean"] == pytest.approx(1 / 13, abs=0.003)
    assert frame.loc["loan_id", "distinct"] == sample and frame.loc["loan_id", "missing_pct"] == 0
    assert detected["loan_id"] == "loan_id" and detected["default"] == "outcome"
    assert detected["prior_overdue_count"] in datasets.FACTOR_ROLES
    # the same sample every time: the profile does not flicker between reruns
    assert datasets.profile_summary(con, datasets.table_context(con, "long_loans"))["sampled_rows"] == sample
    con.close()


def test_short_tables_are_profiled_whole(con):
    con.execute("CREATE TABLE short_loans AS SELECT range AS loan_id FROM range(1000)")
    assert datasets.profile_summary(con, datasets.table_context(con, "short_loans"))["sampled_rows"] is None
    assert datasets.bounded_source(con, "short_loans") == ('"short_loans"', 1000, 1)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_data_page_says_the_profile_is_sampled(long_db, monkeypatch, lang):
    monkeypatch.setenv("RISKLAB_DB", str(long_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    at.session_state["lang"] = lang
    start = time.perf_counter()
    at.switch_page("pages/data.py").run()
    print(f"Data page on {ROWS:,} rows ({lang}): {time.perf_counter() - start:.2f} s")
    assert not at.exception
    from ui import database

    cursor = database._database(str(long_db)).cursor()
    sample = datasets.profile_summary(cursor, datasets.table_context(cursor, "long_loans"))["sampled_rows"]
    assert t("data.profile_sampled", lang, rows=ROWS, sample=sample) in [i.value for i in at.info]
    at.text_area(key="sql_text").set_value("SELECT * FROM long_loans ORDER BY amount DESC").run()
    at.button(key="run_sql").click().run()
    assert not at.exception
    assert at.warning[-1].value == t("console.truncated", lang, rows=store.MAX_ROWS)
    assert len(at.dataframe[-1].value) == store.MAX_ROWS

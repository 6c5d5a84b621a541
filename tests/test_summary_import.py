"""The portfolio summary is built by the import, and a month of performance data added to a table updates it from
the new rows only: the updated summary equals a full rebuild, figure by figure and row by row."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics import datasets, portfolio, sample, store
from analytics.core import RiskLabError
from analytics.portfolio import _summary

KEYS = {
    "month": ("month",),
    "vintage": ("orig", "kind", "mob"),
    "rolls": ("month", "from_state", "to_state"),
    "loans": ("loan",),
}


@pytest.fixture(scope="module")
def months_db(tmp_path_factory):
    """The sample's performance table with whole-number amounts (sums exact in any order), and a Parquet file of
    every month but the last and one of the last month."""
    folder = tmp_path_factory.mktemp("months")
    con = store.connect(folder / "source.duckdb")
    sample.build_sample(con, loans=3000, months=30)
    con.execute(
        "CREATE TABLE perf AS SELECT * REPLACE (round(balance) AS balance, "
        "round(write_off_amount) AS write_off_amount) FROM sample_performance"
    )
    last = con.execute("SELECT max(date_trunc('month', snapshot_date)) FROM perf").fetchall()[0][0]
    staging = store.staging_dir(con)
    for name, condition in (("before", "<"), ("last", ">=")):
        target = str(staging / f"{name}.parquet").replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM perf WHERE snapshot_date {condition} ? ORDER BY snapshot_date, loan_id) "
            f"TO '{target}' (FORMAT parquet)",
            [last],
        )
    con.close()
    return folder / ".staging" / "source.duckdb"


def _source(con, table: str) -> portfolio.Source:
    return portfolio.resolve(con, datasets.table_context(con, table))


def _parts(con, summary) -> dict[str, pd.DataFrame]:
    """Each summary table summed by its keys (the rows of one key may be split across parts of a build)."""
    frames = {}
    for part, keys in KEYS.items():
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [store.CATALOG_SCHEMA, summary.table(part)],
        ).fetchall()
        group = [*keys, *(c for c, _ in columns if c.startswith("dim_"))]
        values = [
            f"max({c}) AS {c}" if kind == "DATE" or part == "loans" else f"sum({c}) AS {c}"
            for c, kind in columns
            if c not in group
        ]
        order = ", ".join(group)
        sql = f"SELECT {order}, {', '.join(values)} FROM {summary.name(part)} GROUP BY ALL ORDER BY {order}"
        frames[part] = con.execute(sql).df()
    return frames


def test_import_builds_the_summary_and_a_new_month_updates_it(months_db, tmp_path, monkeypatch):
    con = store.connect(tmp_path / "app.duckdb")
    result = datasets.import_path(con, months_db / "before.parquet", table="perf")
    source = _source(con, "perf")
    assert portfolio.find(con, source)  # the first Portfolio visit reads it at once
    assert portfolio.summary_ready(con, source)
    assert result.rows == con.execute("SELECT count(*) FROM perf").fetchall()[0][0]

    def no_full_build(*args):
        raise AssertionError("a full build")

    monkeypatch.setattr(_summary, "build", no_full_build)
    added = datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    monkeypatch.undo()
    total = con.execute("SELECT count(*) FROM perf").fetchall()[0][0]
    assert added.rows == total - result.rows > 0
    source = _source(con, "perf")
    updated = portfolio.find(con, source)
    assert updated
    incremental = _parts(con, updated)

    rebuilt = portfolio.build(con, source)  # the same table version: rebuilt in place
    full = _parts(con, rebuilt)
    for part in KEYS:
        pd.testing.assert_frame_equal(incremental[part], full[part], check_exact=True, obj=part)
    last = full["month"]["month"].max()
    loans = full["loans"]
    assert ((loans["default_month"] == last) & (loans["first_month"] < last)).sum() > 0  # earlier cohorts changed
    assert (loans["first_month"] == last).sum() > 0  # loans disbursed in the new month
    con.close()


def test_the_figures_after_a_new_month_equal_the_direct_computation(months_db, tmp_path):
    con = store.connect(tmp_path / "app.duckdb")
    datasets.import_path(con, months_db / "before.parquet", table="perf")
    datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    source = _source(con, "perf")
    assert portfolio.find(con, source)
    as_of = portfolio.months(con, source)[-1]
    filters = portfolio.Filters(branch=("Hexi", "Longquan"))
    for figure, kwargs in (
        (portfolio.monthly, {}),
        (portfolio.vintages, {}),
        (portfolio.roll_rates, {}),
        (portfolio.breakdown, {"dimension": "branch", "as_of": as_of}),
    ):
        for chosen in (portfolio.Filters(), filters):
            summary = figure(con, source, filters=chosen, **kwargs)
            direct = figure(con, source, filters=chosen, **kwargs, summary=False)
            pd.testing.assert_frame_equal(
                summary.reset_index(drop=True), direct.reset_index(drop=True), check_dtype=False, rtol=1e-12
            )
    con.close()


def test_an_append_of_months_already_summarised_rebuilds(months_db, tmp_path):
    con = store.connect(tmp_path / "app.duckdb")
    datasets.import_path(con, months_db / "before.parquet", table="perf")
    datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)  # the last month twice
    source = _source(con, "perf")
    assert not source.one_row_per_month
    found = portfolio.find(con, source)
    month = dt.date(2000, 1, 1)
    assert found is not None and portfolio.kpis(con, source).month > month
    assert portfolio.kpis(con, source).frame().equals(portfolio.kpis(con, source, summary=False).frame())
    con.close()


def test_append_needs_the_same_columns(months_db, tmp_path):
    con = store.connect(tmp_path / "app.duckdb")
    with pytest.raises(RiskLabError) as err:
        datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    assert err.value.key == "append.no_table"
    datasets.import_path(con, months_db / "before.parquet", table="perf")
    con.execute("ALTER TABLE perf DROP COLUMN branch")
    with pytest.raises(RiskLabError) as err:
        datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    assert err.value.key == "append.columns"
    assert "branch" in str(err.value)
    con.close()


def test_the_command_line_adds_a_month(months_db, tmp_path):
    from tests.test_cli import cli

    db = tmp_path / "cli.duckdb"
    first = cli("import", str(months_db / "before.parquet"), "--table", "perf", db=db)
    assert first.returncode == 0, first.stderr
    added = cli("import", str(months_db / "last.parquet"), "--table", "perf", "--append", db=db)
    assert added.returncode == 0, added.stderr
    rows = json.loads(first.stdout)["rows"] + json.loads(added.stdout)["rows"]
    assert json.loads(cli("tables", db=db).stdout) == [{"table": "perf", "rows": rows, "columns": 14}]
    con = store.connect(db)
    assert portfolio.find(con, _source(con, "perf"))  # updated by the import: nothing to build on the first visit
    trail = con.execute("SELECT action FROM risklab_catalog.audit ORDER BY id").fetchall()
    assert trail == [("import_table",), ("append_table",)]
    con.close()
    again = cli("import", str(months_db / "last.parquet"), "--table", "nope", "--append", db=db)
    assert again.returncode == 1 and again.stderr.strip() == (
        "error: there is no table 'nope' to add rows to: import the file as a new table first"
    )


def test_the_data_page_adds_rows_to_a_table(demo_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT

    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/data.py").run()

    def upload(content: bytes, tick: str | None = None) -> None:
        app.file_uploader[0].set_value(("branch loans.csv", content, "text/csv")).run()
        if tick:
            next(c for c in app.checkbox if c.key and c.key.startswith(f"{tick}_")).check().run()
        next(b for b in app.button if b.key and b.key.startswith("import_")).click().run()
        assert not app.exception

    upload(b"loan_id,month,balance\nA1,2024-01-31,100\nA2,2024-01-31,250\n")
    upload(b"loan_id,month,balance\nA1,2024-02-29,90\nA2,2024-02-29,240\nA3,2024-02-29,500\n", tick="append")
    assert app.success[0].value == "Added 3 rows to table branch_loans."
    from ui import database

    con = database._database(str(demo_db)).cursor()
    assert con.execute("SELECT count(*), sum(balance) FROM branch_loans").fetchall() == [(5, 1180)]
    upload(b"loan_id,balance\nA4,1\n", tick="append")  # a file without the table's month column
    assert app.error[0].value == (
        "branch loans.csv cannot be added to table 'branch_loans': it must have the table's columns "
        "(missing: month; not in the table: -)"
    )
    assert con.execute("SELECT count(*) FROM branch_loans").fetchall() == [(5,)]


def test_the_summary_and_facts_of_an_import_outlive_a_restart(months_db, tmp_path, monkeypatch):
    """DuckDB numbers its tables afresh each time it opens a file: the summary built by an import, and whether
    loans have one row a month, are still found after the app restarts, and a month added then is incremental."""
    path = tmp_path / "app.duckdb"
    con = store.connect(path)
    datasets.import_path(con, months_db / "before.parquet", table="perf")
    con.close()

    def no_scan(*args):
        raise AssertionError("a scan or a full build")

    con = store.connect(path)
    monkeypatch.setattr(store, "remembered", lambda con, table, fact, compute: store.recall(con, table, fact))
    monkeypatch.setattr(_summary, "build", no_scan)
    source = _source(con, "perf")
    assert source.one_row_per_month and portfolio.find(con, source)
    datasets.import_path(con, months_db / "last.parquet", table="perf", append=True)
    assert portfolio.find(con, _source(con, "perf"))
    con.close()

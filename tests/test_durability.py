"""Nothing lost: a killed import leaves the database as it was; a held or foreign database file is refused clearly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from streamlit.testing.v1 import AppTest

from analytics import store
from tests.conftest import PROJECT


def _big_csv(path, rows: int = 3_000_000) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("loan_id,amount,branch,default\n")
        out.writelines(f"L{i},{1000 + i % 977},B{i % 7},{int(i % 11 == 0)}\n" for i in range(rows))


def _catalog_agrees(con) -> None:
    """Every user table has a catalog row and every catalog row names an existing table."""
    tables = set(store.user_tables(con))
    recorded = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM risklab_catalog.imports").fetchall()}
    assert recorded == tables


def test_sigkill_during_import_loses_nothing(demo_db, tmp_path):
    before = store.connect(demo_db)
    counts = {t: store.row_count(before, t) for t in store.user_tables(before)}
    catalog_rows = before.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall()[0][0]
    before.close()
    big = tmp_path / "big.csv"
    _big_csv(big)
    for target in ("sample_loans", "new_table"):  # replacing an existing table, and creating a new one
        proc = subprocess.Popen(
            [sys.executable, "-m", "analytics", "--db", str(demo_db), "import", str(big), "--table", target,
             "--replace"],
            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(2.5)  # well inside the import (it takes several seconds on this file)
        assert proc.poll() is None, "the import finished before it could be killed; use a bigger file"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = store.connect(demo_db)
        assert {t: store.row_count(after, t) for t in store.user_tables(after)} == counts
        assert after.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall()[0][0] == catalog_rows
        _catalog_agrees(after)
        assert list(store.staging_dir(after).iterdir()) == []  # the killed import's staged copy is gone
        after.close()


def test_app_on_a_database_held_by_another_process_says_so(tmp_path, monkeypatch):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
         "time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("RISKLAB_DB", str(db))
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60).run()
        assert not at.exception
        assert at.error[0].value == (
            f"the database {db} is in use by another program (PID {holder.pid}): close it (e.g. stop the running "
            "app) or use another database with --db / RISKLAB_DB"
        )
    finally:
        holder.kill()
        holder.wait()


def test_app_refuses_a_file_that_is_not_a_database(tmp_path, monkeypatch):
    db = tmp_path / "notes.duckdb"
    db.write_text("quarterly notes, not a database\n" * 50)
    before = db.read_bytes()
    monkeypatch.setenv("RISKLAB_DB", str(db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith(f"the file {db} is not a Risk Lab (DuckDB) database")
    assert db.read_bytes() == before

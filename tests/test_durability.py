"""Nothing lost: a killed import or save leaves the database as it was (a committed save survives a kill); a held or
foreign database file is refused clearly; same-named saves at once become versions."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import threading

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from tests.conftest import PROJECT, fit


def _big_csv(path, rows: int = 3_000_000) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("loan_id,amount,branch,default\n")
        out.writelines(f"L{i},{1000 + i % 977},B{i % 7},{int(i % 11 == 0)}\n" for i in range(rows))


def _catalog_agrees(con) -> None:
    """Every user table has a catalog row and every catalog row names an existing table."""
    tables = set(store.user_tables(con))
    recorded = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM risklab_catalog.imports").fetchall()}
    assert recorded == tables


IMPORTER = r"""
import sys, time
sys.path.insert(0, {project!r})
from analytics import cli, store

record = store.record_import


def pause_inside(con, **kwargs):
    # the new table and its catalog row are written, the import's transaction is not committed: the kill lands here
    record(con, **kwargs)
    print("inside", flush=True)
    time.sleep(600)


store.record_import = pause_inside
cli.main(sys.argv[1:])
"""


def test_sigkill_during_import_loses_nothing(demo_db, tmp_path):
    before = store.connect(demo_db)
    counts = {t: store.row_count(before, t) for t in store.user_tables(before)}
    catalog_rows = before.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall()[0][0]
    before.close()
    big = tmp_path / "big.csv"
    _big_csv(big)
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER.format(project=str(PROJECT)))
    for target in ("sample_loans", "new_table"):  # replacing an existing table, and creating a new one
        proc = subprocess.Popen(
            [sys.executable, str(script), "--db", str(demo_db), "import", str(big), "--table", target, "--replace"],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = proc.stdout.readline().strip()  # the import streamed the whole file and stopped before its commit
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert line == "inside", proc.stderr.read()
        assert proc.returncode == -signal.SIGKILL
        after = store.connect(demo_db)
        assert {t: store.row_count(after, t) for t in store.user_tables(after)} == counts
        assert after.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall()[0][0] == catalog_rows
        _catalog_agrees(after)
        assert list(store.staging_dir(after).iterdir()) == []  # the killed import's staged copy is gone
        after.close()


def test_app_on_a_database_held_by_another_process_says_so(tmp_path, monkeypatch):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
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


# --- a SIGKILL in the middle of a save, and right after one ------------------------------------------------------

SAVER = r"""
import sys, time
sys.path.insert(0, {project!r})
from analytics import cli, datasets, decisions, factors, model, store
from analytics.decisions import Condition, RuleSet
from analytics.factors import BinSpec

what, when, db = sys.argv[1:4]
audit, save_model = store.audit, model.save_model


def pause_inside(con, action, table=None, **detail):
    # the catalog row is written, the transaction is not committed: the kill lands here
    audit(con, action, table, **detail)
    if when == "mid" and action == f"save_{{what}}":
        print("inside", flush=True)
        time.sleep(600)


def pause_after(*args, **kwargs):
    version = save_model(*args, **kwargs)
    print("saved", flush=True)
    time.sleep(600)


store.audit, model.save_model = pause_inside, pause_after if when == "after" else save_model
if what == "model" and cli.main(["--db", db, "fit", "--table", "german_credit", "--target", "default", "--factors",
                                 "duration_months,checking_status", "--categorical", "checking_status", "--save",
                                 "kept model"]):
    sys.exit("the fit failed")
con = store.connect(db)
if what == "rule_set":
    rules = RuleSet(knockouts=(Condition("debt_ratio", ">", "0.5"),))
    decisions.save_rule_set(con, "tight rules", rules, datasets.table_context(con, "sample_loans"))
if what == "binning":
    factors.save_binning(con, "sample_loans", BinSpec("debt_ratio", "numeric", "manual", (0.2, 0.6)), "committee")
print("saved", flush=True)
time.sleep(600)
"""


def _saved_state(db) -> dict:
    """Everything a user has: tables with their rows, catalog rows, saved models, rule sets and binnings."""
    con = store.connect(db)
    try:
        _catalog_agrees(con)
        query = {
            "tables": "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main'",
            "imports": "SELECT id, table_name, rows, checksum FROM risklab_catalog.imports",
            "models": "SELECT name, version, table_name, params::VARCHAR FROM risklab_catalog.models",
            "rule_sets": "SELECT name, version, spec::VARCHAR FROM risklab_catalog.rule_sets",
            "binnings": "SELECT table_name, factor, name, spec::VARCHAR FROM risklab_catalog.binnings",
            "roles": "SELECT * FROM risklab_catalog.column_roles",
            "definitions": "SELECT table_name, kind, params::VARCHAR FROM risklab_catalog.default_definitions",
        }
        state = {key: sorted(map(tuple, con.execute(sql).fetchall())) for key, sql in query.items()}
        state["tables"] = sorted((t, store.row_count(con, t)) for t, _ in state["tables"])
        return state
    finally:
        con.close()


def _kill_saver(tmp_path, db, what: str, when: str) -> None:
    script = tmp_path / "saver.py"
    script.write_text(SAVER.format(project=str(PROJECT)))
    proc = subprocess.Popen(
        [sys.executable, str(script), what, when, str(db)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert line == ("inside" if when == "mid" else "saved"), proc.stderr.read()
    assert proc.returncode == -signal.SIGKILL


def _earlier_saves(db) -> None:
    """A model, a rule set and a binning saved before the kills (each later save would be its version 2)."""
    from analytics import datasets, decisions, factors, model
    from analytics.decisions import Condition, RuleSet
    from analytics.factors import BinSpec
    from analytics.model import FactorSpec, ModelSpec

    con = store.connect(db)
    fitted = fit(con, ModelSpec("german_credit", (FactorSpec("duration_months", "numeric"),)), folds=0)
    model.save_model(con, "kept model", fitted)
    rules = RuleSet(knockouts=(Condition("debt_ratio", ">", "0.7"),))
    decisions.save_rule_set(con, "tight rules", rules, datasets.table_context(con, "sample_loans"))
    factors.save_binning(con, "sample_loans", BinSpec("debt_ratio", "numeric", "manual", (0.3,)), "committee")
    con.close()


KILLED_SAVES = ("model", "rule_set", "binning")


@pytest.mark.parametrize("what", KILLED_SAVES)
def test_sigkill_in_the_middle_of_a_save_keeps_everything_before_it(demo_db, tmp_path, what):
    _earlier_saves(demo_db)
    before = _saved_state(demo_db)
    _kill_saver(tmp_path, demo_db, what, "mid")
    assert _saved_state(demo_db) == before  # the database opens; nothing half-saved, nothing earlier lost


@pytest.mark.parametrize("what", KILLED_SAVES)
def test_sigkill_right_after_a_save_keeps_the_save(demo_db, tmp_path, what):
    from analytics import decisions, factors, model

    _earlier_saves(demo_db)
    before = _saved_state(demo_db)
    _kill_saver(tmp_path, demo_db, what, "after")
    after = _saved_state(demo_db)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {f"{what}s"}  # only the saved thing is new, from the write-ahead log
    con = store.connect(demo_db)
    if what == "model":
        assert model.load_model(con, "kept model").version == 2
    elif what == "rule_set":
        assert decisions.load_rule_set(con, "tight rules").version == 2
    else:
        assert factors.load_binning(con, "sample_loans", "debt_ratio", "committee").cuts == (0.2, 0.6)
    con.close()


def test_two_users_saving_one_name_at_once_get_two_versions(demo_db):
    """Concurrent saves (one cursor per user thread, as in the app) of one model name and one rule-set name:
    each save gets its own version, none is overwritten or lost."""
    from analytics import datasets, decisions, model
    from analytics.decisions import Condition, RuleSet
    from analytics.model import FactorSpec, ModelSpec

    con = store.connect(demo_db)
    fitted = fit(con, ModelSpec("german_credit", (FactorSpec("duration_months", "numeric"),)), folds=0)
    users = 6
    barrier = threading.Barrier(users)

    def save(number: int) -> tuple[int, int]:
        cursor = con.cursor()
        barrier.wait()
        rules = RuleSet(knockouts=(Condition("debt_ratio", ">", str(0.5 + number / 100)),))
        loans = datasets.table_context(cursor, "sample_loans")
        return model.save_model(cursor, "team model", fitted), decisions.save_rule_set(
            cursor, "team rules", rules, loans
        )

    with concurrent.futures.ThreadPoolExecutor(users) as pool:
        versions = list(pool.map(save, range(users)))
    assert sorted(m for m, _ in versions) == sorted(r for _, r in versions) == list(range(1, users + 1))
    thresholds = {decisions.load_rule_set(con, "team rules", r).source.knockouts[0].value for _, r in versions}
    assert thresholds == {str(0.5 + n / 100) for n in range(users)}  # every user's own rule set is there
    con.close()

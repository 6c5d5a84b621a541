"""The command line contract, exercised as a user would: `python -m analytics ...` in a subprocess."""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT


def cli(*args: str, db=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "analytics", *(["--db", str(db)] if db else []), *args]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_demo_builds_the_sample_portfolio_and_datasets(tmp_path):
    result = cli("demo", db=tmp_path / "demo.duckdb")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sample"]["applications"] >= 30_000
    assert {"sample_loans", "sample_performance", "german_credit", "sba_loans"} <= set(summary["tables"])
    tables = {t["table"]: t for t in json.loads(cli("tables", db=tmp_path / "demo.duckdb").stdout)}
    assert tables["german_credit"] == {"table": "german_credit", "rows": 1000, "columns": 21}


def test_import_tables_and_sql(tmp_path):
    db = tmp_path / "risk.duckdb"
    loans = tmp_path / "贷款.csv"
    loans.write_bytes("贷款编号,贷款金额,违约\nL1,1000,0\nL2,2500,1\n".encode("gb18030"))
    result = cli("import", str(loans), "--table", "loans", db=db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["table"] == "loans" and report["rows"] == 2 and report["encoding"] == "gb18030"
    assert [c["name"] for c in report["columns"]] == ["贷款编号", "贷款金额", "违约"]
    assert set(report) == {"table", "rows", "columns", "encoding", "delimiter", "warnings"}
    assert json.loads(cli("tables", db=db).stdout) == [{"table": "loans", "rows": 2, "columns": 3}]
    query = cli("sql", 'SELECT sum("贷款金额") AS total FROM loans', db=db)
    assert query.returncode == 0 and query.stdout.splitlines() == ["total", "3500"]


def test_existing_table_needs_replace(tmp_path):
    db = tmp_path / "risk.duckdb"
    loans = tmp_path / "loans.csv"
    loans.write_text("id,amount\n1,10\n")
    assert cli("import", str(loans), db=db).returncode == 0
    again = cli("import", str(loans), db=db)
    assert again.returncode == 1 and again.stderr.startswith("error: ") and "--replace" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert cli("import", str(loans), "--replace", db=db).returncode == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"\x00\x01\x02\xff\xfe" * 50, "binary")],
)
def test_bad_files_give_one_line_errors(tmp_path, content, needle):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = cli("import", str(bad), db=tmp_path / "risk.duckdb")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_file_and_write_sql_are_refused(tmp_path):
    db = tmp_path / "risk.duckdb"
    missing = cli("import", str(tmp_path / "nope.csv"), db=db)
    assert missing.returncode == 1 and missing.stderr.startswith("error: ") and "nope.csv" in missing.stderr
    write = cli("sql", "DROP TABLE x", db=db)
    assert write.returncode == 1
    assert write.stderr.strip() == "error: the console is read-only: only SELECT queries are allowed, not DROP"


def test_locked_database_names_the_holder(tmp_path):
    db = tmp_path / "risk.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        start = time.time()
        result = cli("tables", db=db)
        assert time.time() - start < 30
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"error: the database {db} is in use by another program (PID {holder.pid}): close it "
            "(e.g. stop the running app) or use another database with --db / RISKLAB_DB"
        )
    finally:
        holder.kill()
        holder.wait()


def test_not_a_database_is_not_overwritten(tmp_path):
    db = tmp_path / "risk.duckdb"
    db.write_text("this is a spreadsheet, not a database\n" * 100)
    before = db.read_bytes()
    result = cli("tables", db=db)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: the file {db} is not a Risk Lab (DuckDB) database")
    assert db.read_bytes() == before


def _readme_commands() -> list[str]:
    """The first word of every row of the README's "Command line" table."""
    section = (PROJECT / "README.md").read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)", section, flags=re.MULTILINE)


def test_each_command_is_one_documented_function():
    """Every sub-command is registered with ``set_defaults(func=...)``: one function with a docstring, and one row
    of the README's command table."""
    from analytics.cli import _commands

    parser = _commands._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(commands.choices) == _readme_commands()
    functions = {name: sub.get_default("func") for name, sub in commands.choices.items()}
    assert all(callable(f) and f.__module__ == _commands.__name__ and f.__doc__ for f in functions.values())
    assert len(set(functions.values())) == len(functions)


def test_domain_packages_hold_no_command_line_code():
    """Option parsing and the commands' adapters live in analytics/cli (the benchmark keeps its own options)."""
    offenders = []
    for path in sorted((PROJECT / "analytics").glob("*/*.py")):
        if path.parent.name in ("cli", "bench"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("cli_"):
                offenders.append(f"{path.parent.name}/{path.name}: def {node.name}")
            if isinstance(node, ast.Import) and any(alias.name == "argparse" for alias in node.names):
                offenders.append(f"{path.parent.name}/{path.name}: import argparse")
    assert offenders == []


# --- the command line stands alone: roles, define, factors, compare without the browser ---------------------------


def _scored_loans(path, n=600, seed=4):
    """A loan file with a factor, an expert score and a 0/1 outcome, and no saved definition."""
    import numpy as np

    rng = np.random.default_rng(seed)
    income = rng.normal(size=n)
    score = (50 + 10 * income + rng.normal(0, 5, n)).round()
    bad = (rng.random(n) < 1 / (1 + np.exp(1.5 + income))).astype(int)
    rows = "\n".join(f"L{i},{income[i]:.4f},{int(score[i])},{bad[i]}" for i in range(n))
    path.write_text("loan_id,income,expert_points,bad\n" + rows + "\n")
    return path


def test_roles_define_and_factors_on_a_fresh_import(tmp_path):
    db = tmp_path / "risk.duckdb"
    german = tmp_path / "german.csv"
    german.write_bytes((PROJECT / "data" / "german_credit.csv").read_bytes())
    assert cli("import", str(german), "--table", "german", db=db).returncode == 0
    roles = json.loads(cli("roles", "--table", "german", db=db).stdout)
    assert roles["table"] == "german" and roles["roles"]["duration_months"] == "term"
    changed = cli("roles", "--table", "german", "--set", "factor_categorical=job", "--set", "outcome=default", db=db)
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["roles"]["job"] == "factor_categorical"
    assert json.loads(cli("roles", "--table", "german", db=db).stdout)["roles"]["job"] == "factor_categorical"
    no_definition = cli("factors", "--table", "german", db=db)
    assert no_definition.returncode == 1 and "python -m analytics define --table german" in no_definition.stderr
    defined = cli("define", "--table", "german", "--flag", "default", "--values", "1", db=db)
    assert defined.returncode == 0, defined.stderr
    report = json.loads(defined.stdout)
    assert report["definition"] == {"kind": "flag", "column": "default", "values": ["1"]}
    assert (report["n"], report["defaults"]) == (1000, 300)
    ranked = cli("factors", "--table", "german", db=db)
    assert ranked.returncode == 0, ranked.stderr
    result = json.loads(ranked.stdout)
    assert set(result) == {"factors", "skipped"}
    assert all(set(f) == {"factor", "iv", "ks", "gini", "strength", "bins"} for f in result["factors"])
    by_name = {f["factor"]: f for f in result["factors"]}
    assert {"duration_months", "credit_amount"} <= set(by_name)
    assert by_name["credit_amount"]["iv"] == pytest.approx(0.150695, abs=1e-6)
    assert {f["strength"] for f in result["factors"]} <= {"useless", "weak", "medium", "strong", "suspicious"}
    assert {"factor": "default", "reason": "holds or defines the outcome"} in result["skipped"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["roles", "--table", "loans", "--set", "amount"], "--set takes ROLE=COLUMN"),
        (["roles", "--table", "loans", "--set", "wizard=income"], "wizard"),
        (["roles", "--table", "loans", "--set", "amount=nope"], "no column 'nope'"),
        (["define", "--table", "loans", "--flag", "bad", "--dpd", "bad"], "exactly one of"),
        (["define", "--table", "loans", "--dpd", "income"], "--days N"),
        (["compare", "--table", "loans", "--model", "m", "--expert-score", "expert_points"], "--min-score X"),
    ],
)
def test_new_commands_give_one_line_errors(tmp_path, args, needle):
    db = tmp_path / "risk.duckdb"
    assert cli("import", str(_scored_loans(tmp_path / "loans.csv")), "--table", "loans", db=db).returncode == 0
    result = cli(*args, db=db)
    assert result.returncode == 1 and result.stderr.startswith("error: ") and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_fit_compare_needs_no_other_step_and_reads_a_score_as_a_decision(tmp_path):
    db = tmp_path / "risk.duckdb"
    assert cli("import", str(_scored_loans(tmp_path / "loans.csv")), "--table", "loans", db=db).returncode == 0
    fitted = cli("fit", "--table", "loans", "--target", "bad", "--factors", "income", "--save", "m", db=db)
    assert fitted.returncode == 0, fitted.stderr
    compared = cli(
        "compare", "--table", "loans", "--model", "m", "--expert-score", "expert_points", "--min-score", "45", db=db
    )
    assert compared.returncode == 0, compared.stderr
    report = json.loads(compared.stdout)
    assert report["expert_source"] == {"column": "expert_points", "threshold": 45.0, "kind": "score"}
    import pandas as pd

    frame = pd.read_csv(tmp_path / "loans.csv")
    approved = (frame["expert_points"] >= 45).mean()
    assert report["metrics"]["expert"]["approval_rate_applications"] == pytest.approx(approved)


def test_sql_row_cap_notice_is_the_last_line_of_stdout(tmp_path):
    db = tmp_path / "risk.duckdb"
    assert cli("import", str(_scored_loans(tmp_path / "loans.csv")), "--table", "loans", db=db).returncode == 0
    result = cli("sql", "SELECT loan_id FROM loans", "--max-rows", "5", db=db)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["loan_id", "L0"] and len(lines) == 7
    assert lines[-1] == "# warning: showing the first 5 rows only (row cap)"
    full = cli("sql", "SELECT count(*) AS n FROM loans", db=db)
    assert full.stdout.splitlines() == ["n", "600"]


def test_piping_into_head_is_not_a_failure(tmp_path):
    db = tmp_path / "risk.duckdb"
    assert cli("import", str(_scored_loans(tmp_path / "loans.csv")), "--table", "loans", db=db).returncode == 0
    command = [sys.executable, "-m", "analytics", "--db", str(db), "sql", "SELECT * FROM range(300000)"]
    command += ["--max-rows", "300000"]
    with subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        first = process.stdout.readline()
        process.stdout.close()  # as `head -1` does
        stderr = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert first.strip() == b"range"
    assert "BrokenPipeError" not in stderr and "unexpected failure" not in stderr
    assert status == 0

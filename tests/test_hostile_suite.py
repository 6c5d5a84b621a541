"""A seeded suite of generated hostile inputs (issue 20): files to preview and import, console queries, scorecard
scalings and command lines. Each case ends within its time with either a result or one sentence (in English and
Chinese, no traceback), and the tables and saves already there stay exactly as they were.

``RISKLAB_HOSTILE_SEED`` replays a run (the seed is printed); ``RISKLAB_HOSTILE_CASES`` sets the number of
generated cases (default 1,200).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import random
import time
import zipfile

import pytest

from analytics import cli, datasets, model, store
from analytics.core import RiskLabError

SEED = int(os.environ.get("RISKLAB_HOSTILE_SEED", "20"))
CASES = int(os.environ.get("RISKLAB_HOSTILE_CASES", "1200"))
CASE_SECONDS = 30

NAMES = ["a", "A", "a_2", "", " ", "id", "金额", 'x"; DROP TABLE loans; --', "select", "column_3", "\t", "ß", "a" * 70]
CELLS = ["1", "-0", "1e400", "12,345.50", "12.5%", "¥1,000", "2024-01-31", "31/01/2024", "", "NULL", "违约", '"', "x"]
TABLES = ["loans", "saves", "nope", "LOANS", '"loans"', "main.loans"]
FORBIDDEN = [
    "pg_catalog.pg_settings",
    "pg_settings",
    "duckdb_databases",
    "duckdb_settings()",
    "risklab_catalog.audit",
    "risklab_catalog.models",
    "information_schema.tables",
    "read_csv('/etc/passwd')",
    "'/etc/passwd'",
    "glob('/*')",
    "read_text('/etc/hostname')",
    "sqlite_master",
    "duckdb_tables()",
]
EXPRESSIONS = [
    "1",
    "id",
    "branch",
    "count(*)",
    "current_setting('memory_limit')",
    "getvariable('x')",
    "repeat('x', 1000)",
    "id / 0",
    "1e308 * 10",
    "CAST('x' AS INTEGER)",
    "version()",
    "pg_catalog.current_setting('threads')",
    "(SELECT count(*) FROM risklab_catalog.imports)",
    "[1, 2, 3]",
    "NULL",
    "'; DROP TABLE loans; --'",
]
STATEMENTS = ["DROP TABLE loans", "DELETE FROM loans", "ATTACH 'x.db'", "SET threads = 64", "COPY loans TO 'x.csv'"]


# --- generators ------------------------------------------------------------------------------------------------


def text_file(rng: random.Random) -> tuple[bytes, str]:
    """A CSV/TSV/TXT file with hostile names, cells, quotes, encodings and widths."""
    delimiter = rng.choice([",", ";", "\t", "|"])
    width = rng.choice([1, 2, 3, 5, 8])
    if rng.random() < 0.03:  # wide: thousands of columns of one name, or more than a table may have
        width = rng.choice([rng.randint(50, 3000), 10_001])
    header = [rng.choice(NAMES) for _ in range(width)] if width < 50 else [rng.choice(NAMES[:4])] * width
    lines = [delimiter.join(header)]
    for _ in range(rng.randint(0, 12)):
        cells = [rng.choice(CELLS) for _ in range(width if rng.random() < 0.85 else rng.randint(0, width + 2))]
        lines.append(delimiter.join(cells))
    if rng.random() < 0.05:
        lines.append("1" + delimiter + "x" * rng.choice([200_000, 3_000_000]))
    text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
    encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "latin-1"])
    data = text.encode(encoding, errors="replace")
    if rng.random() < 0.05:
        data = data[: rng.randint(0, len(data))]
    if rng.random() < 0.03:
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2000)))
    return data, rng.choice(["loans.csv", "loans.tsv", "loans.txt", "loans"])


def json_file(rng: random.Random) -> tuple[bytes, str]:
    """JSON lines or an array, sometimes nested far too deep, sometimes broken."""
    depth = rng.choice([1, 2, 50, 101, 150, 1_000, 100_000])
    lines = []
    for number in range(rng.randint(1, 5)):
        if number == 0 and depth > 2:
            lines.append('{"a":' * depth + "1" + "}" * depth)
        else:
            value = rng.choice(CELLS).replace('"', "'")
            lines.append(f'{{"id": {number}, "x": "{value}"}}')
    if rng.random() < 0.1:
        lines.append(rng.choice(["[", "{", '{"id": }', "null", "[1, 2]", "[" * depth]))
    if rng.random() < 0.2:
        return ("[" + ",".join(lines) + "]").encode(), "loans.json"
    return "\n".join(lines).encode(), rng.choice(["loans.json", "loans.jsonl", "loans.ndjson"])


def binary_file(rng: random.Random) -> tuple[bytes, str]:
    """Truncated or forged Parquet and zip (Excel) files; a zip that declares far more than it holds."""
    kind = rng.choice(["parquet", "zip", "forged"])
    if kind == "parquet":
        body = b"PAR1" + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 500))) + rng.choice([b"PAR1", b""])
        return body, "loans.parquet"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * rng.randint(0, 50))
    data = out.getvalue()
    if kind == "forged":  # the central directory claims 4 GB for the sheet
        at = data.rfind(b"PK\x01\x02")
        data = data[: at + 24] + (0xFFFFFFF0).to_bytes(4, "little") + data[at + 28 :]
    elif rng.random() < 0.5:
        data = data[: rng.randint(4, len(data))]
    return data, "loans.xlsx"


def console_query(rng: random.Random) -> str:
    """A query mixing the users' tables, forbidden names, scalar tricks, statements, comments and bulk."""
    shape = rng.random()
    if shape < 0.1:
        return rng.choice(STATEMENTS)
    if shape < 0.15:
        return rng.choice(["", "   ", "-- only a comment", "/* c */ -- c", ";", "SELECT 1; SELECT 2"])
    if shape < 0.2:
        return " UNION ALL ".join(["SELECT 1"] * rng.choice([10, 500, 1_050, 40_000]))
    if shape < 0.25:
        return "SELECT " + "(" * rng.choice([10, 500, 5_000]) + "1" + ")" * rng.choice([10, 500, 5_000])
    source = rng.choice(TABLES + FORBIDDEN)
    columns = ", ".join(rng.choice(EXPRESSIONS) for _ in range(rng.randint(1, 3)))
    query = f"SELECT {columns} FROM {source}"
    if rng.random() < 0.3:
        query = f"WITH t AS ({query}) SELECT * FROM t"
    if rng.random() < 0.2:
        query += rng.choice([" WHERE", " LIMIT -1", " ORDER BY 99", " -- trailing", "; DROP TABLE loans"])
    return query


def scaling(rng: random.Random) -> tuple[float, float, float]:
    values = [600.0, 50.0, 20.0, 0.0, -1.0, 1e-300, 5e307, 1e9, 1e10, float("nan"), float("inf"), float("-inf")]
    return rng.choice(values), rng.choice(values), rng.choice(values)


# --- the suite -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A database file with a loan table and a saved note that every case must leave alone."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    with contextlib.closing(store.connect(path)) as con:
        con.execute("CREATE TABLE loans AS SELECT range AS id, range % 7 AS branch FROM range(500)")
        con.execute("CREATE TABLE saves AS SELECT 'kept' AS note")
        store.audit(con, "guard", "loans")
    return path


def fingerprint(con) -> tuple:
    """What no hostile case may change: the guarded tables and the catalog's imports and audit (apart from the
    audit rows of the cases' own new tables, whose imports the audit now records)."""
    loans = con.execute("SELECT count(*), sum(id), sum(branch) FROM loans").fetchone()
    saves = con.execute("SELECT string_agg(note, ',') FROM saves").fetchone()
    audit = con.execute(
        "SELECT count(*) FROM risklab_catalog.audit WHERE coalesce(table_name, '') NOT LIKE 'fuzz%'"
    ).fetchone()
    tables = tuple(t for t in store.user_tables(con) if t in ("loans", "saves"))
    return loans, saves, audit, tables


def one_sentence(error: RiskLabError) -> None:
    for lang in ("en", "zh"):
        sentence = error.message(lang)
        assert sentence and "\n" not in sentence and "Traceback" not in sentence, sentence


def run_case(con, rng: random.Random, number: int) -> str:
    """One generated case; returns its kind. Raises AssertionError when the case misbehaves."""
    pick = rng.random()
    try:
        if pick < 0.35:
            data, name = text_file(rng)
            action = rng.choice(["preview", "preview", "import"])
            if action == "preview":
                datasets.preview_file(con, data, name, encoding=rng.choice([None, None, "utf-8", "gb18030", "nope"]))
            else:
                datasets.import_file(con, data, name, table=f"fuzz_{number}")
            return "text"
        if pick < 0.5:
            data, name = json_file(rng)
            datasets.preview_file(con, data, name)
            return "json"
        if pick < 0.55:
            data, name = binary_file(rng)
            datasets.preview_file(con, data, name)
            return "binary"
        if pick < 0.93:
            options = {}
            if rng.random() < 0.1:
                options = rng.choice(
                    [{"timeout_s": 0}, {"timeout_s": float("nan")}, {"max_rows": -5}, {"max_mb": float("inf")}]
                )
            store.run_query(con, console_query(rng), **options)
            return "console"
        model.Scaling(*scaling(rng))
        return "scaling"
    except RiskLabError as error:
        one_sentence(error)
        return "refused"


def test_generated_hostile_inputs(guarded):
    con = store.connect(guarded)
    before = fingerprint(con)
    rng = random.Random(SEED)
    print(f"\nhostile suite: seed {SEED}, {CASES} cases")
    kinds: dict[str, int] = {}
    slowest = 0.0
    start = time.perf_counter()
    for number in range(CASES):
        case = time.perf_counter()
        kind = run_case(con, rng, number)
        took = time.perf_counter() - case
        assert took < CASE_SECONDS, f"case {number} (seed {SEED}) took {took:.1f} s"
        slowest = max(slowest, took)
        kinds[kind] = kinds.get(kind, 0) + 1
        for table in store.user_tables(con):
            if table.startswith("fuzz_"):
                con.execute(f"DROP TABLE {store.quote_ident(table)}")
    assert fingerprint(con) == before
    staging = store.staging_dir(con)  # only the console's snapshots of the tables stay
    assert [path.name for path in staging.iterdir()] in ([], ["console"])
    assert all(path.suffix == ".parquet" for path in (staging / "console").glob("*"))
    print(f"{kinds}; {time.perf_counter() - start:.1f} s in all, slowest case {slowest:.2f} s")
    assert kinds.get("refused", 0) > CASES // 4 and kinds.get("console", 0) > 0
    con.close()


CLI_CASES = [
    (["sql", "SELECT 1", "--timeout", "0"], "time limit"),
    (["sql", "SELECT 1", "--timeout", "-1"], "time limit"),
    (["sql", "SELECT 1", "--timeout", "nan"], "time limit"),
    (["sql", "SELECT 1", "--timeout", "inf"], "time limit"),
    (["sql", "SELECT 1", "--max-rows", "-5"], "row cap"),
    (["sql", "SELECT * FROM pg_catalog.pg_settings"], "loan tables"),
    (["sql", "SELECT current_setting('temp_directory')"], "settings or paths"),
    (["sql", "SELECT * FROM duckdb_databases"], "loan tables"),
    (["sql", "SELECT * FROM risklab_catalog.audit"], "loan tables"),
    (["sql", "SELECT * FROM risklab_catalog.models"], "loan tables"),
    (["sql", "-- a comment alone"], "write a SELECT query first"),
    (["sql", " UNION ALL ".join(["SELECT 1"] * 40_000)], "shorter query"),
    (["sql", "DROP TABLE loans"], "read-only"),
]


@pytest.mark.parametrize(("argv", "needle"), CLI_CASES)
def test_command_line_cases_end_in_one_error_line(guarded, capsys, argv, needle):
    with contextlib.closing(store.connect(guarded)) as con:
        before = fingerprint(con)
    status = cli.main(["--db", str(guarded), *argv])  # the command opens the database itself
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    with contextlib.closing(store.connect(guarded)) as con:
        assert fingerprint(con) == before


def test_generated_command_lines(guarded, tmp_path, capsys):
    """Generated files and queries through ``python -m analytics`` (its ``main``): a result or one error line."""
    path = guarded
    with contextlib.closing(store.connect(path)) as con:
        before = fingerprint(con)
    rng = random.Random(SEED + 1)
    for number in range(60):
        if rng.random() < 0.5:
            data, name = rng.choice([text_file, json_file, binary_file])(rng)
            file = tmp_path / f"{number}-{name}"
            file.write_bytes(data)
            argv = ["import", str(file), "--table", f"fuzz_{number}"]
            if rng.random() < 0.2:
                argv += ["--encoding", rng.choice(["utf-16", "latin-1", "nope", codecs.lookup("utf-8").name])]
        else:
            argv = ["sql", console_query(rng), "--max-rows", str(rng.choice([1, 10, 1000]))]
        status = cli.main(["--db", str(path), *argv])
        captured = capsys.readouterr()
        if status:
            lines = captured.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), (argv[:2], captured.err)
    with contextlib.closing(store.connect(path)) as after:
        for table in store.user_tables(after):
            if table.startswith("fuzz_"):
                after.execute(f"DROP TABLE {store.quote_ident(table)}")
        assert fingerprint(after) == before

"""The figures of README's Safety section: the attacks of issue 20, timed, with this (the server's) process's
peak resident memory while each console query ran in its worker. ``python tests/measure_hostile.py`` (a worker
may take up to its 3 GB address space)."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from analytics import datasets, store  # noqa: E402
from tests.test_hostile import huge_cell, inflated, workbook  # noqa: E402


def timed(label: str, action) -> object:
    """Run ``action``, print how long it took and how it ended; its result or None."""
    start = time.perf_counter()
    result = None
    try:
        result = action()
        outcome = "ok"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
    print(f"{label}: {time.perf_counter() - start:.2f} s -> {outcome}", flush=True)
    return result


def peak() -> str:
    """This process's peak resident memory since the last ``reset_peak`` (Linux's VmHWM)."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    hwm = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    return f"server process peak RSS {hwm / 1024:.0f} MB"


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def main() -> None:
    con = store.connect(":memory:")
    wide = (",".join(["a"] * 3000) + "\n" + ",".join(["1"] * 3000) + "\n").encode()
    timed("preview CSV, 3,000 columns named a", lambda: datasets.preview_file(con, wide, "wide.csv"))
    line = b"a," * 25_000_000 + b"a\n"
    timed("preview 50 MB one-line a,a,a,...", lambda: datasets.preview_file(con, line, "line.csv"))
    names = "\t".join(["a_2"] * 4960).encode()
    numbers = b"\n".join([b"\t".join([b"12,345.50"] * 4960)] * 3)
    timed(
        "import 4,960 text columns of one name",
        lambda: datasets.import_file(con, names + b"\n" + numbers, "w.csv", table="w"),
    )
    start = time.perf_counter()
    bomb = inflated(workbook([["id"], [1]]), 36_000_000)
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    built = time.perf_counter() - start
    print(f"(a {len(bomb) / 1e6:.1f} MB .xlsx declaring {declared / 1e6:.0f} MB, built in {built:.1f} s)")
    timed("preview the .xlsx bomb", lambda: datasets.preview_file(con, bomb, "bomb.xlsx"))
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    timed("preview JSON nested 100,000 deep", lambda: datasets.preview_file(con, deep, "deep.json"))
    union = " UNION ALL ".join(["SELECT 1"] * 40_000)
    timed("console: 40,000 UNION ALL terms", lambda: store.run_query(con, union))
    terms = store._console.MAX_QUERY_CHARS // len("SELECT 1 UNION ALL ")
    longest = " UNION ALL ".join(["SELECT 1"] * terms)
    timed(f"console: {terms:,} UNION ALL terms (the longest allowed)", lambda: store.run_query(con, longest))
    timed("console: 5,000 unclosed parentheses", lambda: store.run_query(con, "SELECT " + "(" * 5000 + "1"))
    con.execute(
        "CREATE TABLE loans AS SELECT range AS id, 'B' || (range % 7) AS branch, range * 1.5 AS amount"
        " FROM range(1000000)"
    )
    count = "SELECT branch, count(*) AS n, sum(amount) AS amount FROM loans GROUP BY branch"
    timed(
        "console: first query of a 1,000,000-row table (its snapshot is written)", lambda: store.run_query(con, count)
    )
    timed("console: the same query again", lambda: store.run_query(con, count))
    for label, sql in (
        ("console: 1,000 rows of 2 MB", "SELECT repeat('x',1000000) a, repeat('y',1000000) b FROM range(1000)"),
        ("console: length(repeat('xx', 2e9))", "SELECT length(repeat('xx', 2000000000))"),
        ("console: 100 rows of 2 MB", "SELECT repeat('x',1000000) a, repeat('y',1000000) b FROM range(100)"),
    ):
        reset_peak()
        result = timed(label, lambda sql=sql: store.run_query(con, sql))
        if result is not None:
            kept = result.frame.memory_usage(deep=True).sum() / 1e6
            print(f"   kept {len(result.frame)} rows, {kept:.1f} MB: {result.notice()}")
        print("  ", peak(), flush=True)
    one = workbook([["id"], [1]])
    timed(
        "Excel, one row, in a worker (the first starts the fork server)",
        lambda: datasets.preview_file(con, one, "1.xlsx"),
    )
    timed("Excel, one row, in a worker", lambda: datasets.preview_file(con, one, "1.xlsx"))
    timed(
        "Excel with one 350 MB cell (worker: 3 GB address space)",
        lambda: datasets.preview_file(con, huge_cell(350), "c.xlsx"),
    )


if __name__ == "__main__":
    main()

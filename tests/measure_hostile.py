"""The figures of README's Safety section: the attacks of issue 20, timed. ``python tests/measure_hostile.py``
(it needs about 2.5 GB of memory: the 2 GB console result is built by DuckDB before the size cap cuts it)."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from analytics import datasets, store  # noqa: E402
from tests.test_hostile import huge_cell, inflated, workbook  # noqa: E402

MEMORY_BOMB = """
from analytics import store
con = store.connect(':memory:')
store.limit_memory(3072)
try:
    store.run_query(con, "SELECT length(repeat('xx', 2000000000))")
except Exception as exc:
    print(exc)
"""


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
    return f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"


def memory_bomb() -> None:
    """The 4 GB string in a fresh process that caps itself at 3 GB, as the app does at 8 GB."""
    command = [sys.executable, "-c", MEMORY_BOMB]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    print("  ", done.stdout.strip())


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
    sql = "SELECT repeat('x',1000000) a, repeat('y',1000000) b FROM range(1000)"
    result = timed("console: 1,000 rows of 2 MB", lambda: store.run_query(con, sql))
    if result is not None:
        kept = result.frame.memory_usage(deep=True).sum() / 1e6
        print(f"   kept {len(result.frame)} rows, {kept:.1f} MB: {result.notice()}")
    print(peak(), flush=True)
    timed("console in a server capped at 3 GB: length(repeat('xx', 2e9))", memory_bomb)
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
    print(peak())


if __name__ == "__main__":
    main()

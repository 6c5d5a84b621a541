"""DuckDB's memory and threads follow the machine, and the heavy queries spill instead of failing: the portfolio
summary builds under a small buffer pool with many threads and gives the same figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics import datasets, portfolio, sample, store


def test_sizing_follows_the_machine(monkeypatch):
    monkeypatch.delenv("RISKLAB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("RISKLAB_THREADS", raising=False)
    # a laptop: 2 cores, 24 GB -> 1 GB as before; a server: 16 cores, 125 GB -> 500 MB a thread
    assert store.sizing(cpus=2, memory_mb=24_000, address_space_mb=0) == store.Sizing(1000, 2)
    assert store.sizing(cpus=16, memory_mb=128_000, address_space_mb=0) == store.Sizing(8000, 16)
    # little memory: half of it, and fewer threads (125 MB each at least)
    assert store.sizing(cpus=16, memory_mb=1000, address_space_mb=0) == store.Sizing(500, 4)
    # an address-space cap (the server's RISKLAB_SERVER_MEMORY_MB, a worker's): a third of it
    assert store.sizing(cpus=16, memory_mb=128_000, address_space_mb=3072) == store.Sizing(1024, 8)


def test_sizing_overrides(monkeypatch):
    monkeypatch.setenv("RISKLAB_MEMORY_LIMIT", "2GiB")
    assert store.sizing(cpus=16, memory_mb=128_000, address_space_mb=0) == store.Sizing(2147, 16)
    monkeypatch.setenv("RISKLAB_MEMORY_LIMIT", "256MB")
    assert store.sizing(cpus=16, memory_mb=128_000, address_space_mb=0) == store.Sizing(256, 2)
    monkeypatch.setenv("RISKLAB_THREADS", "8")
    assert store.sizing(cpus=2, memory_mb=128_000, address_space_mb=0) == store.Sizing(256, 8)
    con = store.connect(":memory:")
    settings = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()
    assert settings == [("244.1 MiB", 8)]  # DuckDB's MB: 10^6 bytes


def test_the_machine_is_read():
    assert 1 <= store.machine_cpus() <= 4096
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():  # MemTotal in kB (a container's cgroup limit may be lower)
        total_mb = int(meminfo.read_text().split("MemTotal:")[1].split()[0]) * 1024 // 10**6
        assert 0 < store.machine_memory_mb() <= total_mb + 1


def _sample_db(con) -> portfolio.Source:
    sample.build_sample(con, loans=20_000, months=24)
    datasets.save_roles(con, "sample_performance", sample.SAMPLE_ROLES["sample_performance"])
    return portfolio.resolve(con, datasets.table_context(con, "sample_performance"))


@pytest.fixture(scope="module")
def reference():
    """The figures of the sample computed under the machine's own sizing."""
    con = store.connect(":memory:")
    source = _sample_db(con)
    figures = _figures(con, source)
    con.close()
    return figures


def _figures(con, source) -> dict[str, pd.DataFrame]:
    assert portfolio.build(con, source) is not None
    return {
        "monthly": portfolio.monthly(con, source),
        "vintages": portfolio.vintages(con, source),
        "roll_rates": portfolio.roll_rates(con, source),
        "branch": portfolio.breakdown(con, source, dimension="branch"),
    }


def test_summary_builds_under_a_small_limit_with_many_threads(monkeypatch, reference):
    monkeypatch.setenv("RISKLAB_MEMORY_LIMIT", "64MB")  # 8 MB a thread: the heavy queries have to spill
    monkeypatch.setenv("RISKLAB_THREADS", "8")
    con = store.connect(":memory:")
    spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
    source = _sample_db(con)
    figures = _figures(con, source)
    assert spill.is_dir()  # DuckDB spilled there (it creates the folder on its first spill)
    for name, frame in figures.items():
        pd.testing.assert_frame_equal(frame, reference[name], check_exact=False, rtol=1e-12, obj=name)
    con.close()

"""The benchmark runs end to end at a tiny size: JSON contract, positive ratios, the exact cell fit (no timings)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from analytics import bench, datasets, factors, sample, store
from tests.conftest import PROJECT


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        "-m",
        "analytics",
        "bench",
        "--loans",
        "5000",
        "--months",
        "6",
        "--repeat",
        "1",
        "--no-pages",
        "--dir",
        str(folder),
        "--json",
    ]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def bench_json(bench_run):
    return json.loads(bench_run.stdout)


def test_json_shape(bench_json):
    assert set(bench_json) == {"loans", "results", "max_coef_diff", "load_average", "exact"}
    assert bench_json["loans"] == 5000
    names = [r["name"] for r in bench_json["results"]]
    assert {"import_csv", "import_parquet", "rank_factors", "binning_table", "portfolio_kpis", "monitor"} <= set(names)
    for row in bench_json["results"]:
        assert set(row) == {"name", "product_s", "product_cpu_s", "naive_s", "ratio", "peak_mb"}
        assert isinstance(row["name"], str)
        assert isinstance(row["product_s"], float) and row["product_s"] > 0
        assert row["product_cpu_s"] is None or row["product_cpu_s"] >= 0
        assert isinstance(row["peak_mb"], float) and row["peak_mb"] > 0
        if row["naive_s"] is None:
            assert row["ratio"] is None
        else:
            assert row["naive_s"] > 0
            assert isinstance(row["ratio"], float) and row["ratio"] > 0


def test_cell_fit_equals_the_naive_full_data_fit(bench_json):
    assert "fit_binned" in [r["name"] for r in bench_json["results"]]
    assert 0 <= bench_json["max_coef_diff"] < 1e-6


def test_the_load_average_is_printed_at_start_and_end(bench_run, bench_json):
    """Issue 19: the run says the machine's load at its start and its end (stderr as it goes, and in the JSON)."""
    lines = bench_run.stderr.splitlines()
    start = [i for i, line in enumerate(lines) if line.startswith("load average at start: ")]
    end = [i for i, line in enumerate(lines) if line.startswith("load average at end: ")]
    assert len(start) == len(end) == 1 and start[0] < end[0]
    assert start[0] < min(i for i, line in enumerate(lines) if line.endswith(" ..."))  # before the first step
    for key in ("start", "end"):
        load = bench_json["load_average"][key]
        assert len(load) == 3 and all(isinstance(x, float) and x >= 0 for x in load)


def test_the_output_says_the_results_are_exact(bench_json):
    """Issue 19: the fits equal statsmodels on every loan to 1e-10 and the ranking's bins recount exactly; the run
    says so in words."""
    exact = {line.split(":", 1)[0]: line for line in bench_json["exact"]}
    assert {"fit_binned", "fit_numeric", "rank_factors"} <= set(exact)
    for line in exact.values():
        assert line.endswith(": exact"), line
    assert "same loans and bads in each" in exact["rank_factors"]


def test_product_and_naive_repetitions_alternate(monkeypatch):
    """Issue 19: each repetition runs the product, then the naive way, in turn (P N P N P N): load on a shared
    machine weighs on both sides of a ratio alike. The naive process starts after the first product run."""
    from analytics.bench import _runner

    events = []

    class Worker:
        def __init__(self, name, spec):
            events.append("start")
            self.answers = []

        def run(self):
            events.append("N")
            self.answers.append({"seconds": 0.5, "cpu": 0.4, "peak_mb": 10.0})
            return self.answers[-1]

        def timing(self):
            return _runner.Timing((0.5,) * len(self.answers), 10.0, (0.4,) * len(self.answers))

        def close(self):
            events.append("close")

    monkeypatch.setattr(_runner, "NaiveWorker", Worker)
    monkeypatch.setattr(_runner, "_naive_spec", lambda ctx, step: {})
    step = _runner.Step("probe", lambda ctx: lambda: events.append("P"), "probe")
    ctx = _runner.Context(con=None, big=None, files=None, repeat=3, naive=True)
    row = _runner._run_step(ctx, step)
    assert events == ["P", "start", "N", "P", "N", "P", "N", "close"]
    assert len(row.product.seconds) == len(row.product.cpu) == len(row.naive.seconds) == 3


def test_bad_size_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "bench", "--loans", "10", "--json"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "--loans: must be at least 1,000" in done.stderr


def test_generator_is_deterministic_and_has_the_sample_layout():
    def build():
        con = store.connect(":memory:")
        bench.build(con, loans=3000, months=6, seed=7)
        return con

    first, second = build(), build()
    query = "SELECT * FROM bench_loans ORDER BY loan_id"
    assert first.execute(query).df().equals(second.execute(query).df())
    loans = store.table_columns(first, bench.LOANS_TABLE)
    reference = store.connect(":memory:")
    sample.build_sample(reference, loans=500)
    assert loans == store.table_columns(reference, sample.LOANS_TABLE)
    assert store.table_columns(first, bench.PERFORMANCE_TABLE) == store.table_columns(
        reference, sample.PERFORMANCE_TABLE
    )
    assert datasets.saved_roles(first, bench.LOANS_TABLE) == dict(
        sorted(sample.SAMPLE_ROLES[sample.LOANS_TABLE].items())
    )
    ((months,),) = first.execute("SELECT max(months_on_book) FROM bench_performance").fetchall()
    assert months == 6
    groups = first.execute("SELECT segment, guarantee_method, group_id FROM bench_loans").df()
    members = (groups["segment"] == "farm") & (groups["guarantee_method"] == "joint group")
    assert members.sum() > 0 and groups["group_id"].notna().equals(members)  # the sample's joint-liability groups
    assert groups["group_id"].value_counts().max() == 4
    summary = factors.outcome_summary(first, factors.population(datasets.table_context(first, bench.LOANS_TABLE)))
    assert summary["defaults"] > 0


def test_simulated_default_follows_the_true_logit():
    """On 60,000 applications the logit of the simulated default on the true terms recovers TRUE_COEFFICIENTS."""
    con = store.connect(":memory:")
    bench.build(con, loans=60_000, months=1, seed=3)
    frame = con.execute("SELECT * FROM bench_loans").df()
    import statsmodels.api as sm

    x = sample.true_design({c: frame[c].to_numpy() for c in frame.columns})
    fit = sm.Logit(frame["simulated_default"].to_numpy(float), x).fit(disp=0)
    coefs = dict(zip(sample.TRUE_COEFFICIENTS, fit.params, strict=True))
    ses = dict(zip(sample.TRUE_COEFFICIENTS, fit.bse, strict=True))
    far = {k: (coefs[k], v) for k, v in sample.TRUE_COEFFICIENTS.items() if abs(coefs[k] - v) > 4 * ses[k]}
    assert far == {}


def _blocks(text: str) -> list[str]:
    """A markdown text's prose paragraphs (joined lines) and table rows (one each)."""
    blocks, paragraph = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            blocks.append(line)
        elif line.strip():
            paragraph.append(line)
            continue
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph = []
    return blocks


def test_no_readme_presents_the_sampled_ranking_as_current():
    """Issue 13: the ranking counts every loan. A figure of the old ranking on a 1-in-k hash sample is marked as
    outdated wherever it is quoted, and the README's 10M table no longer lists it."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert not [row for row in _blocks(readme) if row.startswith("| factor ranking")]
    for path in (PROJECT / "README.md", PROJECT / "benchmarks" / "README.md"):
        for block in _blocks(path.read_text(encoding="utf-8")):
            if "rank" in block and re.search(r"1-in-\d+|250k hash sample", block):  # a sampled ranking's figure
                assert "outdated" in block or "no longer" in block, (path.name, block)

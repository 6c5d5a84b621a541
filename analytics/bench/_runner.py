"""The benchmark: the product's functions against the naive way (pandas + statsmodels on full frames), on a big
generated portfolio.

``python -m analytics bench [--loans N] [--months M] [--json]`` generates (or reuses) ``analytics.bigsample``'s
tables in a database file under the bench folder, exports them to CSV and Parquet, then times each step as the
median of ``repeat`` runs (with min and max, wall and CPU seconds; CPU counts DuckDB's threads too) and the peak
resident memory of the process during the step. The product runs in this process on the sandboxed connection
(``store.connect``). Each naive step runs in its own subprocess (``python -m analytics.bench --child STEP SPEC``),
so its peak memory is its own; it loads the columns it needs from Parquet once, before the clock starts (loading
is what the import rows time), so the naive side is timed at its best. Product and naive runs alternate, one
repetition each in turn, so load on a shared machine weighs on both sides of a ratio alike; the load average
is printed at the start and the end. Peak memory is Linux's VmHWM, reset before each step.

Exactness is checked in the same run and said in the output: the fits' coefficients against statsmodels
``Logit`` on every loan (the naive fits, within ``EXACT_COEF``), and the ranking's bins recounted over every
loan straight from their SQL (the same loans and bads in every bin, hence the same IVs).

Steps whose product function is missing are left out, never faked. Page reruns (the interactive budget) are timed
by ``benchmarks/run.py --pages-only`` in a subprocess, because ``analytics`` never imports streamlit.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from analytics import store
from analytics.bench import _bigsample as bigsample

BENCH_DIR = Path(os.environ.get("RISKLAB_BENCH_DIR") or Path(tempfile.gettempdir()) / "risklab-bench")
DEFAULT_LOANS = 1_000_000
DEFAULT_MONTHS = 12
DEFAULT_REPEAT = 3
DEFAULT_SEED = 1
MAX_SEED = 2**23 - 1  # the seed shares a 64-bit hash key with the row number (bigsample.u)
EXACT_COEF = 1e-10  # the fits' coefficients equal statsmodels' within this
CUTOFF = 0.15  # the PD cutoff of the one-cutoff comparison
SWEEP = 100  # cutoffs of the naive strategy sweep
BINNED_FACTORS = (
    "education",
    "farming_type",
    "guarantee_method",
    "repayment_method",
    "credit_rating",
    "interest_rate_increase",
)
NUMERIC_FACTORS = (
    ("annual_income", "log"),
    ("total_assets", "log"),
    ("loan_amount", "log"),
    ("debt_ratio", "numeric"),
    ("prior_overdue_count", "numeric"),
    ("owner_years_in_business", "numeric"),
)
BINNING_FACTOR = "debt_ratio"
PERFORMANCE_COLUMNS = (
    "loan_id",
    "snapshot_date",
    "balance",
    "days_past_due",
    "classification",
    "status",
    "write_off_amount",
    "origination_date",
)
PROJECT_DIR = store.PROJECT_DIR


# --- measuring ----------------------------------------------------------------------------------------------------


def peak_mb() -> float:
    """The process's peak resident memory (VmHWM) in MB since the last ``reset_peak``."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024


def reset_peak() -> None:
    """Start a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM to the current RSS)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@dataclasses.dataclass(frozen=True)
class Timing:
    """Wall seconds of each repetition, the peak memory (MB) over them and CPU seconds of each repetition (the
    process's, all threads)."""

    seconds: tuple[float, ...]
    peak_mb: float
    cpu: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return float(statistics.median(self.seconds))

    @property
    def cpu_median(self) -> float | None:
        return float(statistics.median(self.cpu)) if self.cpu else None

    def span(self) -> str:
        return f"{self.median:.3f} [{min(self.seconds):.3f}-{max(self.seconds):.3f}]"


def once(work: Callable[[], object]) -> tuple[float, float, object]:
    """Run ``work`` once: wall seconds, CPU seconds of the process (every thread) and its result."""
    began, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - began, time.process_time() - cpu, result


def load_average() -> tuple[float, float, float]:
    """The machine's load average over 1, 5 and 15 minutes (runnable processes; this machine's cores: nproc)."""
    return tuple(round(x, 2) for x in os.getloadavg())


@dataclasses.dataclass(frozen=True)
class Row:
    """One result: the product's timing, the naive timing (None when there is no naive counterpart) and a note."""

    name: str
    product: Timing
    naive: Timing | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.naive is None or self.product.median <= 0:
            return None
        return self.naive.median / self.product.median

    def to_json(self) -> dict:
        cpu = self.product.cpu_median
        return {
            "name": self.name,
            "product_s": round(self.product.median, 6),
            "product_cpu_s": None if cpu is None else round(cpu, 6),
            "naive_s": None if self.naive is None else round(self.naive.median, 6),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "peak_mb": round(self.product.peak_mb, 1),
        }


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence what native code writes to stderr (DuckDB's progress bar, which a locked connection cannot turn
    off) while Python's own messages still reach the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = python_stderr


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the data -------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Files:
    """The exported tables: full Parquet files for the naive side and the files the import rows read."""

    loans_parquet: Path
    performance_parquet: Path
    import_csv: Path
    import_parquet: Path
    import_rows: dict[str, int]


def database_path(folder: Path, loans: int, months: int, seed: int) -> Path:
    return folder / f"bench_{loans}_{months}m_s{seed}_v{bigsample.GENERATOR_VERSION}.duckdb"


def _copy(con, select: str, path: Path, fmt: str) -> None:
    """COPY a query to a file (ours, in the staging folder), atomically."""
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    tmp = path.with_name(path.name + ".part")
    target = "'" + str(tmp).replace("'", "''") + "'"
    con.execute(f"COPY ({select}) TO {target} ({options})")
    tmp.replace(path)


def export(con, big: bigsample.BigSample, folder: Path) -> Files:
    """Write the loans and performance tables to Parquet, and the loans to CSV, in the staging folder (the only
    place the sandboxed connection may write), reusing files of an earlier run. The import rows read the whole
    loans table as CSV and Parquet (``importer.import_path`` streams files of any size)."""
    out = store.staging_dir(con) / folder.name
    out.mkdir(parents=True, exist_ok=True)
    loans = f"SELECT * FROM {store.quote_ident(big.loans_table)}"  # insertion order: the rows as generated
    full = {"loans_parquet": out / "loans.parquet", "performance_parquet": out / "performance.parquet"}
    if not full["loans_parquet"].exists():
        _copy(con, loans, full["loans_parquet"], "parquet")
    if not full["performance_parquet"].exists():
        _copy(con, f"SELECT * FROM {store.quote_ident(big.performance_table)}", full["performance_parquet"], "parquet")
    chosen, rows = {"parquet": full["loans_parquet"]}, {"parquet": big.applications, "csv": big.applications}
    chosen["csv"] = out / "loans.csv"
    if not chosen["csv"].exists():
        _copy(con, loans, chosen["csv"], "csv")
    return Files(
        loans_parquet=full["loans_parquet"],
        performance_parquet=full["performance_parquet"],
        import_csv=chosen["csv"],
        import_parquet=chosen["parquet"],
        import_rows=rows,
    )


# --- the product steps ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    """What the product steps share: the connection, the data and what earlier steps produced."""

    con: object
    big: bigsample.BigSample
    files: Files
    repeat: int
    naive: bool
    results: dict = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)


def _import(ctx: Context, kind: str) -> Callable[[], object]:
    from analytics import datasets

    path = ctx.files.import_csv if kind == "csv" else ctx.files.import_parquet

    def work() -> object:
        return datasets.import_path(ctx.con, path, table=f"bench_import_{kind}", replace=True)

    return work


def _loans_context(ctx: Context):
    """The loans table's context, read once (the benchmark never changes the table)."""
    from analytics import datasets

    if "loans_context" not in ctx.results:
        ctx.results["loans_context"] = datasets.table_context(ctx.con, ctx.big.loans_table)
    return ctx.results["loans_context"]


def _population(ctx: Context):
    from analytics import factors

    return factors.population(_loans_context(ctx))


def _rank(ctx: Context) -> Callable[[], object]:
    from analytics import factors

    pop = _population(ctx)
    return lambda: factors.rank_factors(ctx.con, pop)


def _binning(ctx: Context) -> Callable[[], object]:
    from analytics import factors

    pop = _population(ctx)
    return lambda: factors.optimal_binning(ctx.con, pop, BINNING_FACTOR, "numeric")


def _binned_spec(ctx: Context):
    from analytics import model

    return model.ModelSpec(ctx.big.loans_table, tuple(model.FactorSpec(c, "categorical") for c in BINNED_FACTORS))


def _numeric_spec(ctx: Context):
    from analytics import model

    factors = [model.FactorSpec(c, t) for c, t in NUMERIC_FACTORS]
    factors += [model.FactorSpec(c, "categorical") for c in BINNED_FACTORS]
    return model.ModelSpec(ctx.big.loans_table, tuple(factors))


def _fit(ctx: Context, spec_of: Callable[[Context], object], validate: bool) -> Callable[[], object]:
    from analytics import model

    spec = spec_of(ctx)
    return lambda: model.fit_model(ctx.con, _loans_context(ctx), spec, validate=validate)


def _saved(ctx: Context):
    """The binned model, saved once and loaded as the app would."""
    from analytics import model

    if "saved" not in ctx.results:
        fitted = ctx.results.get("fit_binned") or model.fit_model(
            ctx.con, _loans_context(ctx), _binned_spec(ctx), validate=False
        )
        version = model.save_model(ctx.con, "bench_binned", fitted)
        ctx.results["saved"] = model.load_model(ctx.con, "bench_binned", version)
    return ctx.results["saved"]


def _score_python(ctx: Context) -> Callable[[], object]:
    saved = _saved(ctx)
    return lambda: saved.predict_table(ctx.con, ctx.big.loans_table)


def _score_sql(ctx: Context) -> Callable[[], object]:
    saved = _saved(ctx)
    sql = saved.export_sql()

    def work() -> object:
        ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE bench_scores AS SELECT loan_id, pd, score, grade FROM ({sql}\n)")
        return ctx.con.execute("SELECT count(*), avg(pd) FROM bench_scores").fetchall()

    return work


def _source(ctx: Context):
    from analytics import datasets, portfolio

    if "source" not in ctx.results:
        performance = datasets.table_context(ctx.con, ctx.big.performance_table)
        ctx.results["source"] = portfolio.resolve(ctx.con, performance)
    return ctx.results["source"]


def _portfolio(ctx: Context, figure: str) -> Callable[[], object]:
    from analytics import portfolio

    source = _source(ctx)
    portfolio.prepare_summary(ctx.con, source)  # built once per import: its own row, portfolio_summary
    return lambda: getattr(portfolio, figure)(ctx.con, source)


def _concentration(ctx: Context) -> Callable[[], object]:
    """The page's concentration tab: the latest month's largest loans (from the loans) and HHI (summary)."""
    from analytics import portfolio

    source = _source(ctx)
    portfolio.prepare_summary(ctx.con, source)
    latest = portfolio.months(ctx.con, source)[-1]
    return lambda: portfolio.concentration(ctx.con, source, as_of=latest)


def _portfolio_summary(ctx: Context) -> Callable[[], object]:
    from analytics import portfolio

    source = _source(ctx)
    return lambda: portfolio.build(ctx.con, source)


def _setup(ctx: Context):
    from analytics import decisions

    return decisions.Setup.from_model(_loans_context(ctx), _saved(ctx), decisions.RecordedDecision("expert_decision"))


def _compare(ctx: Context) -> Callable[[], object]:
    from analytics import decisions

    setup = _setup(ctx)
    return lambda: decisions.compare(ctx.con, setup, CUTOFF)


def _curve(ctx: Context) -> Callable[[], object]:
    from analytics import decisions

    setup = _setup(ctx)
    return lambda: decisions.strategy_curve(ctx.con, setup)


def _cutoff_moves(ctx: Context) -> Callable[[], object]:
    """What a cutoff slider move costs once the page has the scored applications (``decisions.score``, one scan,
    cached by the app per setup and table version): ``SWEEP`` comparisons and the strategy curve."""
    from analytics import decisions

    setup = _setup(ctx)
    scored = decisions.score(ctx.con, setup)

    def work() -> object:
        for cutoff in np.linspace(0.01, 1.0, SWEEP):
            decisions.compare(ctx.con, setup, float(cutoff), scored=scored)
        return decisions.strategy_curve(ctx.con, setup, scored=scored)

    return work


def _saved_numeric(ctx: Context):
    """The numeric model (``fit_numeric``'s specification), saved once and loaded as the app would."""
    from analytics import model

    if "saved_numeric" not in ctx.results:
        fitted = ctx.results.get("fit_numeric") or model.fit_model(
            ctx.con, _loans_context(ctx), _numeric_spec(ctx), validate=False
        )
        version = model.save_model(ctx.con, "bench_numeric", fitted)
        ctx.results["saved_numeric"] = model.load_model(ctx.con, "bench_numeric", version)
    return ctx.results["saved_numeric"]


def _development(ctx: Context, numeric: bool = False) -> Callable[[], object]:
    """A saved model's development sample (score bands, factor bands): the page caches it per version."""
    from analytics import monitoring

    saved = _saved_numeric(ctx) if numeric else _saved(ctx)
    return lambda: monitoring.development(ctx.con, saved.name, saved.version)


def _monitor(ctx: Context, numeric: bool = False) -> Callable[[], object]:
    """Monitoring by month: the one grouped scan of every loan (period x score cell x outcome, and each factor's
    points) and the figures, tests and alerts from it; the development sample computed once before."""
    from analytics import monitoring

    saved = _saved_numeric(ctx) if numeric else _saved(ctx)
    context = _loans_context(ctx)
    dev = ctx.results.get("monitor_development_numeric" if numeric else "monitor_development")
    dev = dev or monitoring.development(ctx.con, saved.name, saved.version)
    return lambda: monitoring.monitor(ctx.con, context, saved.name, saved.version, monitoring.Settings(), dev)


# --- issue 19: the import against DuckDB's own read, the summary built by the import, a month added -----------------


def _import_vs_duckdb(ctx: Context, kind: str) -> Callable[[], object]:
    """``import_path`` of the bench file, with DuckDB's own ``CREATE TABLE ... AS SELECT * FROM read_csv(...)`` /
    ``read_parquet(...)`` of the same file on a plain connection (default settings) timed just before, in the same
    run; the note gives both and their ratio."""
    import duckdb

    from analytics import datasets

    path = ctx.files.import_csv if kind == "csv" else ctx.files.import_parquet
    folder = Path(tempfile.mkdtemp(prefix="risklab-ctas-"))
    plain = duckdb.connect(str(folder / "ctas.duckdb"))
    began, cpu = time.perf_counter(), time.process_time()
    plain.execute(f"CREATE TABLE t AS SELECT * FROM read_{kind}(?)", [str(path)])
    ctas, ctas_cpu = time.perf_counter() - began, time.process_time() - cpu
    plain.close()
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()

    def work() -> object:
        began, cpu = time.perf_counter(), time.process_time()
        result = datasets.import_path(ctx.con, path, table=f"bench_import_{kind}_ctas", replace=True)
        took, took_cpu = time.perf_counter() - began, time.process_time() - cpu
        ctx.notes.append(
            f"import_{kind}_vs_duckdb: import_path {took:.2f} s (CPU {took_cpu:.2f} s), DuckDB CTAS read_{kind} "
            f"{ctas:.2f} s (CPU {ctas_cpu:.2f} s): {took / ctas:.2f}x wall, load {_load()}"
        )
        return result

    return work


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _month_files(ctx: Context) -> tuple[Path, Path, object]:
    """The performance table in two Parquet files: every month but the last, and the last month."""
    table = store.quote_ident(ctx.big.performance_table)
    last = ctx.con.execute(f"SELECT max(date_trunc('month', snapshot_date)) FROM {table}").fetchall()[0][0]
    folder = ctx.files.performance_parquet.parent
    files = (folder / "performance_before.parquet", folder / "performance_last.parquet")
    for path, condition in zip(files, ("<", ">="), strict=True):
        if not path.exists():
            select = f"SELECT * FROM {table} WHERE snapshot_date {condition} DATE '{pd.Timestamp(last).date()}'"
            _copy(ctx.con, select, path, "parquet")
    return files[0], files[1], last


def _summary_seconds(ctx: Context, table: str) -> float:
    """How long the build (or update) of the table's current summary took, as its registry recorded it."""
    from analytics import datasets, portfolio

    source = portfolio.resolve(ctx.con, datasets.table_context(ctx.con, table))
    key = portfolio.summary_key(ctx.con, source)
    sql = f"SELECT seconds FROM {store.quote_ident(store.CATALOG_SCHEMA)}.portfolio_summaries WHERE key = ?"
    return ctx.con.execute(sql, [key]).fetchall()[0][0]


def _summary_at_import(ctx: Context) -> Callable[[], object]:
    """The import of the performance table's Parquet file, which builds the Portfolio summary; the note gives the
    summary's share and the first Portfolio visit after it (the KPIs, read from the summary)."""
    from analytics import datasets, portfolio

    table = "bench_import_performance"

    def work() -> object:
        began = time.perf_counter()
        result = datasets.import_path(ctx.con, ctx.files.performance_parquet, table=table, replace=True)
        took = time.perf_counter() - began
        began = time.perf_counter()
        source = portfolio.resolve(ctx.con, datasets.table_context(ctx.con, table))
        portfolio.kpis(ctx.con, source)
        visit = time.perf_counter() - began
        ctx.notes.append(
            f"summary_at_import: import {took:.1f} s, of which the summary {_summary_seconds(ctx, table):.1f} s; "
            f"the first Portfolio visit (KPIs from the summary) {visit:.2f} s; load {_load()}"
        )
        return result

    return work


def _summary_month(ctx: Context) -> Callable[[], object]:
    """A month of performance data added to a table of the months before (``import_path(..., append=True)``: the
    summary updated from that month's rows), against a full build of the summary of the same rows."""
    from analytics import datasets, portfolio

    before, last_month, month = _month_files(ctx)
    table = "bench_months"
    datasets.import_path(ctx.con, before, table=table, replace=True)  # builds the summary of the months before
    ctx.con.execute("CHECKPOINT")  # DuckDB writes a big new table at its next checkpoint: that import's cost
    began = time.perf_counter()
    portfolio.build(ctx.con, _source(ctx))  # the reference: a full build of every month
    full = time.perf_counter() - began
    runs = []

    def work() -> object:
        if runs:  # a repetition starts from the months before again (not timed below)
            datasets.import_path(ctx.con, before, table=table, replace=True)
            ctx.con.execute("CHECKPOINT")
        began = time.perf_counter()
        result = datasets.import_path(ctx.con, last_month, table=table, append=True)
        runs.append(time.perf_counter() - began)
        update = _summary_seconds(ctx, table)
        ctx.notes.append(
            f"summary_month: adding {month:%Y-%m} ({result.rows:,} rows) took {runs[-1]:.2f} s, of which the summary "
            f"update {update:.2f} s = {update / full:.1%} of a full build ({full:.1f} s); load {_load()}"
        )
        return result

    return work


@dataclasses.dataclass(frozen=True)
class Step:
    """A benchmark row: how to prepare the product's work (returns the timed callable), the naive counterpart
    (a key of ``NAIVE``) and the modules it needs (left out when one is missing)."""

    name: str
    product: Callable[[Context], Callable[[], object]]
    naive: str | None
    needs: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("import_csv", lambda c: _import(c, "csv"), "import_csv", ("datasets",)),
    Step("import_parquet", lambda c: _import(c, "parquet"), "import_parquet", ("datasets",)),
    Step("rank_factors", _rank, "rank_factors", ("factors",)),
    Step("binning_table", _binning, "binning_table", ("factors",)),
    Step("fit_binned", lambda c: _fit(c, _binned_spec, False), "fit_binned", ("model",)),
    Step("fit_binned_validated", lambda c: _fit(c, _binned_spec, True), None, ("model",)),
    Step("fit_numeric", lambda c: _fit(c, _numeric_spec, False), "fit_numeric", ("model",)),
    Step("fit_numeric_vs_sklearn", lambda c: _fit(c, _numeric_spec, False), "fit_sklearn", ("model",)),
    Step("score_python", _score_python, "score", ("model",)),
    Step("score_sql", _score_sql, "score", ("model",)),
    Step("portfolio_summary", _portfolio_summary, None, ("portfolio",)),
    Step("portfolio_kpis", lambda c: _portfolio(c, "kpis"), "portfolio_kpis", ("portfolio",)),
    Step("portfolio_trends", lambda c: _portfolio(c, "monthly"), "portfolio_trends", ("portfolio",)),
    Step("portfolio_vintages", lambda c: _portfolio(c, "vintages"), "portfolio_vintages", ("portfolio",)),
    Step("portfolio_roll_rates", lambda c: _portfolio(c, "roll_rates"), "portfolio_roll_rates", ("portfolio",)),
    Step("portfolio_concentration", _concentration, None, ("portfolio",)),
    Step("compare_cutoff", _compare, "compare_cutoff", ("model", "decisions")),
    Step("strategy_curve", _curve, "strategy_curve", ("model", "decisions")),
    Step("cutoff_moves", _cutoff_moves, None, ("model", "decisions")),
    Step("monitor_development", _development, None, ("model", "monitoring")),
    Step("monitor", _monitor, None, ("model", "monitoring")),
    Step("monitor_development_numeric", lambda c: _development(c, True), None, ("model", "monitoring")),
    Step("monitor_numeric", lambda c: _monitor(c, True), None, ("model", "monitoring")),
    Step("import_csv_vs_duckdb", lambda c: _import_vs_duckdb(c, "csv"), None, ("datasets",)),
    Step("import_parquet_vs_duckdb", lambda c: _import_vs_duckdb(c, "parquet"), None, ("datasets",)),
    Step("summary_at_import", _summary_at_import, None, ("portfolio",)),
    Step("summary_month", _summary_month, None, ("portfolio",)),
)


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"analytics.{module}") is not None


# --- the naive side (in a child process) ----------------------------------------------------------------------------


def _known(frame: pd.DataFrame) -> pd.DataFrame:
    """Booked loans with a known outcome."""
    return frame[frame["booked"].astype(bool) & frame["default_flag"].notna()]


def _iv_ks(n: np.ndarray, bads: np.ndarray) -> tuple[float, float]:
    goods = n - bads
    g, b = (goods + 0.5) / goods.sum(), (bads + 0.5) / bads.sum()
    iv = float(((g - b) * np.log(g / b)).sum())
    order = np.argsort(bads / np.maximum(n, 1))
    ks = float(np.abs(np.cumsum(goods[order]) / goods.sum() - np.cumsum(bads[order]) / bads.sum()).max())
    return iv, ks


def _counts(keys: pd.Series, y: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    grouped = y.groupby(keys, dropna=False, observed=True).agg(["size", "sum"])
    return grouped["size"].to_numpy(float), grouped["sum"].to_numpy(float)


def naive_rank(frame: pd.DataFrame, spec: dict) -> object:
    known = _known(frame)
    y = known["default_flag"]
    rows = []
    for column in spec["numeric"]:
        rows.append((column, *_iv_ks(*_counts(pd.qcut(known[column], 20, duplicates="drop", labels=False), y))))
    for column in spec["categorical"]:
        rows.append((column, *_iv_ks(*_counts(known[column].astype(str), y))))
    return sorted(rows, key=lambda r: -r[1])


def naive_binning(frame: pd.DataFrame, spec: dict) -> object:
    known = _known(frame)
    n, bads = _counts(pd.qcut(known[spec["factor"]], 20, duplicates="drop"), known["default_flag"])
    return _iv_ks(n, bads)


def design(frame: pd.DataFrame, encodings: Sequence[Sequence]) -> tuple[np.ndarray, list[str]]:
    """The one-hot design matrix (levels as the product's encodings order them, reference dropped)."""
    columns, names = [np.ones(len(frame))], ["const"]
    for column, treatment, levels in encodings:
        if treatment == "numeric":
            columns.append(frame[column].to_numpy(dtype=float))
            names.append(column)
        elif treatment == "log":
            columns.append(np.log(frame[column].to_numpy(dtype=float)))
            names.append(f"log({column})")
        else:
            dummies = pd.get_dummies(frame[column].astype(str), dtype=float)
            for level in levels[1:]:
                columns.append(dummies[level].to_numpy() if level in dummies else np.zeros(len(frame)))
                names.append(f"{column}[T.{level}]")
    return np.column_stack(columns), names


def naive_fit(frame: pd.DataFrame, spec: dict) -> object:
    import statsmodels.api as sm

    known = _known(frame)
    x, names = design(known, spec["encodings"])
    result = sm.Logit(known["default_flag"].to_numpy(dtype=float), x).fit(method="newton", tol=1e-10, disp=0)
    return dict(zip(names, np.asarray(result.params).tolist(), strict=True))


def naive_fit_sklearn(frame: pd.DataFrame, spec: dict) -> object:
    """The same logit by scikit-learn's Newton-Cholesky solver, unpenalised (``C=inf``): the fastest exact
    solver a modeller would reach for in scikit-learn."""
    from sklearn.linear_model import LogisticRegression

    known = _known(frame)
    x, names = design(known, spec["encodings"])
    model = LogisticRegression(solver="newton-cholesky", C=np.inf, tol=1e-10, max_iter=100)
    model.fit(x[:, 1:], known["default_flag"].to_numpy(dtype=int))
    return dict(zip(names, [float(model.intercept_[0]), *model.coef_[0].tolist()], strict=True))


def _pd(frame: pd.DataFrame, spec: dict) -> np.ndarray:
    x, names = design(frame, spec["encodings"])
    beta = np.array([spec["params"][name] for name in names])
    return 1 / (1 + np.exp(-(x @ beta)))


def naive_score(frame: pd.DataFrame, spec: dict) -> object:
    return _pd(frame, spec)


def _matrices(frame: pd.DataFrame, p: np.ndarray, cutoff: float) -> object:
    known = frame["booked"].astype(bool).to_numpy() & frame["default_flag"].notna().to_numpy()
    expert_reject = (frame["expert_decision"] != "approve").to_numpy()
    model_reject = p >= cutoff
    y = frame["default_flag"].to_numpy()
    return (
        pd.crosstab(y[known], expert_reject[known]),
        pd.crosstab(y[known], model_reject[known]),
        pd.crosstab(expert_reject, model_reject),
    )


def naive_compare(frame: pd.DataFrame, spec: dict) -> object:
    return _matrices(frame, _pd(frame, spec), spec["cutoff"])


def naive_curve(frame: pd.DataFrame, spec: dict) -> object:
    """The naive sweep: score once, then count approvals and defaults at each of ``SWEEP`` cutoffs."""
    p = _pd(frame, spec)
    known = frame["booked"].astype(bool).to_numpy() & frame["default_flag"].notna().to_numpy()
    p, y = p[known], frame["default_flag"].to_numpy()[known]
    rows = []
    for cutoff in np.linspace(0.01, 1.0, SWEEP):
        approved = p < cutoff
        rows.append((cutoff, approved.mean(), y[approved].mean() if approved.any() else np.nan))
    return pd.DataFrame(rows, columns=["cutoff", "approval_rate", "bad_rate_approved"])


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    """Month numbers (year * 12 + month) of the snapshots."""
    return frame.assign(month=frame["snapshot_date"].dt.year * 12 + frame["snapshot_date"].dt.month)


def naive_monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """The product's monthly figures the pandas way: book sums per month, trailing-12-month write-off ratio and the
    12-month default rate of the loans performing (never defaulted) 12 months earlier."""
    frame = _months(frame)
    live = frame[frame["balance"] > 0]
    npl = live["classification"].isin(["substandard", "doubtful", "loss"])
    parts = pd.DataFrame(
        {
            "month": live["month"],
            "loans": 1,
            "outstanding": live["balance"],
            "par30": live["balance"].where(live["days_past_due"] > 30, 0.0),
            "par90": live["balance"].where(live["days_past_due"] > 90, 0.0),
            "npl": live["balance"].where(npl, 0.0),
        }
    )
    book = parts.groupby("month").sum()
    book["write_offs"] = frame.groupby("month")["write_off_amount"].sum().reindex(book.index).fillna(0.0)
    for ratio in ("par30", "par90", "npl"):
        book[f"{ratio}_ratio"] = book[ratio] / book["outstanding"]
    rolling = book.rolling(12, min_periods=1)
    book["write_off_ratio"] = rolling["write_offs"].mean() * 12 / rolling["outstanding"].mean()
    event = (frame["days_past_due"] >= 90) | (frame["status"] == "written_off")
    default_month = frame[event].groupby("loan_id")["month"].min().rename("default_month")
    performing = live[["loan_id", "month"]].merge(default_month, left_on="loan_id", right_index=True, how="left")
    performing = performing[~(performing["default_month"] <= performing["month"])]
    performing["defaulted"] = performing["default_month"] <= performing["month"] + 12
    cohort = performing.groupby("month")["defaulted"].agg(["size", "sum"])
    cohort.index = cohort.index + 12
    book["default_rate_12m"] = (cohort["sum"] / cohort["size"]).reindex(book.index)
    return book


def naive_kpis(frame: pd.DataFrame, spec: dict) -> object:
    """The KPI tiles: the latest month, the month before and a year earlier (from the monthly figures)."""
    book = naive_monthly(frame)
    last = book.index.max()
    return book.reindex([last, last - 1, last - 12])


def naive_trends(frame: pd.DataFrame, spec: dict) -> object:
    return naive_monthly(frame)


def naive_vintages(frame: pd.DataFrame, spec: dict) -> object:
    month = frame["snapshot_date"].dt.year * 12 + frame["snapshot_date"].dt.month
    origination = frame["origination_date"].dt.year * 12 + frame["origination_date"].dt.month
    loans = pd.DataFrame({"loan_id": frame["loan_id"], "orig": origination, "month": month})
    first = loans.groupby("loan_id")["orig"].min()
    defaulted = loans[frame["days_past_due"] >= 90].groupby("loan_id")["month"].min()
    cohorts = pd.DataFrame({"cohort": (first - 1) // 3, "mob": defaulted.reindex(first.index) - first})
    sizes = cohorts.groupby("cohort").size()
    events = cohorts.dropna(subset=["mob"]).groupby(["cohort", "mob"]).size().unstack(fill_value=0)
    return events.cumsum(axis=1).div(sizes.reindex(events.index), axis=0)


def _bucket(dpd: pd.Series) -> pd.Series:
    return pd.cut(dpd, [-1, 0, 30, 60, 90, math.inf], labels=["current", "1-30", "31-60", "61-90", "90+"])


def naive_roll_rates(frame: pd.DataFrame, spec: dict) -> object:
    frame = _months(frame)
    last = frame["month"].max()
    window = frame[frame["month"] >= last - 6].sort_values(["loan_id", "month"])
    window = window.assign(state=_bucket(window["days_past_due"]))
    following = window.groupby("loan_id")[["month", "state", "balance", "status"]].shift(-1)
    moves = window.assign(next_state=following["state"].astype(object), next_month=following["month"])
    moves = moves[(moves["balance"] > 0) & (moves["status"] != "written_off") & (moves["month"] < last)]
    gone = moves["next_month"].isna() | (moves["next_month"] > moves["month"] + 1) | (following["balance"] <= 0)
    moves.loc[gone, "next_state"] = "paid_off"
    moves.loc[following["status"].reindex(moves.index) == "written_off", "next_state"] = "written_off"
    return moves.groupby(["state", "next_state"], observed=True)["balance"].sum().unstack(fill_value=0.0)


@dataclasses.dataclass(frozen=True)
class Naive:
    """A naive counterpart: which file and columns it loads (untimed) and the timed work on the frame."""

    source: str  # "import_csv" | "import_parquet" (timed read itself) | "loans" | "performance"
    columns: Callable[[dict], list[str] | None]
    work: Callable[[pd.DataFrame, dict], object]


def _encoding_columns(spec: dict) -> list[str]:
    return [column for column, _, _ in spec["encodings"]]


_OUTCOME = ["booked", "default_flag"]
NAIVE: dict[str, Naive] = {
    "import_csv": Naive("import_csv", lambda s: None, lambda f, s: pd.read_csv(s["path"])),
    "import_parquet": Naive("import_parquet", lambda s: None, lambda f, s: pd.read_parquet(s["path"])),
    "rank_factors": Naive("loans", lambda s: [*s["numeric"], *s["categorical"], *_OUTCOME], naive_rank),
    "binning_table": Naive("loans", lambda s: [s["factor"], *_OUTCOME], naive_binning),
    "fit_binned": Naive("loans", lambda s: [*_encoding_columns(s), *_OUTCOME], naive_fit),
    "fit_numeric": Naive("loans", lambda s: [*_encoding_columns(s), *_OUTCOME], naive_fit),
    "fit_sklearn": Naive("loans", lambda s: [*_encoding_columns(s), *_OUTCOME], naive_fit_sklearn),
    "score": Naive("loans", _encoding_columns, naive_score),
    "portfolio_kpis": Naive("performance", lambda s: list(PERFORMANCE_COLUMNS), naive_kpis),
    "portfolio_trends": Naive("performance", lambda s: list(PERFORMANCE_COLUMNS), naive_trends),
    "portfolio_vintages": Naive("performance", lambda s: list(PERFORMANCE_COLUMNS), naive_vintages),
    "portfolio_roll_rates": Naive("performance", lambda s: list(PERFORMANCE_COLUMNS), naive_roll_rates),
    "compare_cutoff": Naive("loans", lambda s: [*_encoding_columns(s), *_OUTCOME, "expert_decision"], naive_compare),
    "strategy_curve": Naive("loans", lambda s: [*_encoding_columns(s), *_OUTCOME, "expert_decision"], naive_curve),
}


def serve_child(name: str, spec: dict, requests: Iterable[str], out: TextIO) -> None:
    """A naive step's process: load its columns once (untimed), then for each request line run the step once and
    write one JSON line (wall and CPU seconds, the peak MB so far, a small result)."""
    naive = NAIVE[name]
    reset_peak()
    frame = None
    if naive.source in ("loans", "performance"):
        frame = pd.read_parquet(spec[naive.source], columns=naive.columns(spec))
        for column in ("snapshot_date", "origination_date"):  # Parquet DATE arrives as Python dates
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column])
    for _ in requests:
        wall, cpu, result = once(lambda: naive.work(frame, spec))
        answer = {"seconds": wall, "cpu": cpu, "peak_mb": peak_mb()}
        if isinstance(result, dict):
            answer["result"] = result
        out.write(json.dumps(answer, default=float) + "\n")
        out.flush()


class NaiveWorker:
    """A naive step in its own process (``python -m analytics.bench --child NAME SPEC``), run once per ``run()``:
    the runner alternates it with the product's repetitions."""

    def __init__(self, name: str, spec: dict) -> None:
        self.name = name
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed by close())
        command = [sys.executable, "-m", "analytics.bench", "--child", name, json.dumps(spec)]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True
        )
        self.answers: list[dict] = []

    def run(self) -> dict:
        """One repetition: its seconds, CPU seconds, peak MB and result. Raises ``NaiveFailed`` if the process
        died (e.g. killed for memory): the row says so instead of stopping the run."""
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.write("run\n")
            self.process.stdin.flush()
        for line in self.process.stdout:  # skips anything but our JSON lines (a library's own printing)
            if line.startswith("{"):
                self.answers.append(json.loads(line))
                return self.answers[-1]
        self.process.wait()
        self.errors.seek(0)
        last = (self.errors.read().strip().splitlines() or [f"exit status {self.process.returncode}"])[-1]
        raise NaiveFailed(f"naive {self.name} failed ({last[:200]})")

    def timing(self) -> Timing:
        return Timing(
            tuple(a["seconds"] for a in self.answers),
            max(a["peak_mb"] for a in self.answers),
            tuple(a["cpu"] for a in self.answers),
        )

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


class NaiveFailed(Exception):
    """A naive step did not finish (its message says why)."""


def _naive_spec(ctx: Context, step: Step) -> dict:
    spec: dict = {
        "loans": str(ctx.files.loans_parquet),
        "performance": str(ctx.files.performance_parquet),
    }
    if step.naive == "import_csv":
        spec["path"] = str(ctx.files.import_csv)
    elif step.naive == "import_parquet":
        spec["path"] = str(ctx.files.import_parquet)
    elif step.naive == "rank_factors":
        ranking = ctx.results.get("rank_factors")
        table = ranking.table if ranking is not None else pd.DataFrame(columns=["factor", "kind"])
        spec["numeric"] = table.loc[table["kind"] == "numeric", "factor"].tolist()
        spec["categorical"] = table.loc[table["kind"] == "categorical", "factor"].tolist()
    elif step.naive == "binning_table":
        spec["factor"] = BINNING_FACTOR
    elif step.naive in ("fit_binned", "fit_numeric", "fit_sklearn"):
        fitted = ctx.results[step.name]
        spec["encodings"] = [[e.column, e.treatment, list(e.levels)] for e in fitted.encodings]
    else:  # scoring and decisions: the saved binned model
        saved = _saved(ctx)
        spec["encodings"] = [[e.column, e.treatment, list(e.levels)] for e in saved.encodings]
        spec["params"] = saved.params
        spec["cutoff"] = CUTOFF
    return spec


# --- the run ------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything one run measured."""

    loans: int
    big: bigsample.BigSample
    rows: tuple[Row, ...]
    max_coef_diff: float | None
    notes: tuple[str, ...]
    missing: tuple[str, ...]
    load: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())  # the load average at the start and the end
    exact: tuple[str, ...] = ()  # what was checked exact in this run, in words

    def to_json(self) -> dict:
        return {
            "loans": self.loans,
            "results": [r.to_json() for r in self.rows],
            "max_coef_diff": self.max_coef_diff,
            "load_average": {"start": list(self.load[0]), "end": list(self.load[1])},
            "exact": list(self.exact),
        }


def run(
    *,
    loans: int = DEFAULT_LOANS,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    repeat: int = DEFAULT_REPEAT,
    folder: Path = BENCH_DIR,
    naive: bool = True,
    pages: bool = True,
    only: Sequence[str] = (),
) -> Report:
    """Generate or reuse the data, then time every step (``only``: these steps) against its naive counterpart."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = database_path(folder, loans, months, seed)
    rows: list[Row] = []
    notes: list[str] = []
    load_start = load_average()
    say(f"load average at start: {_load_text(load_start)} ({os.cpu_count()} cores)")
    with quiet_stderr():
        con = store.connect(path)
        try:
            began = time.perf_counter()
            big = bigsample.ensure(con, loans=loans, months=months, seed=seed)
            say(
                f"data: {path} ({'reused' if big.seconds == 0 else f'built in {big.seconds:.1f} s'}): "
                f"{big.applications:,} applications, {big.booked:,} booked, {big.loan_months:,} loan-months"
            )
            files = export(con, big, path.with_suffix(""))
            say(f"exports ready in {time.perf_counter() - began:.1f} s: {files.loans_parquet.parent}")
            ctx = Context(con, big, files, repeat, naive)
            missing = []
            for step in STEPS:
                if only and step.name not in only:
                    continue
                absent = [m for m in step.needs if not _available(m)]
                if absent:
                    missing.append(step.name)
                    continue
                rows.append(_run_step(ctx, step))
            notes += ctx.notes
        finally:
            con.close()
    max_diff = ctx.results.get("max_coef_diff")
    if pages and not only:
        rows += page_rows(repeat=max(repeat, 5))
    load_end = load_average()
    say(f"load average at end: {_load_text(load_end)}")
    exact = tuple(ctx.results.get("exact", {}).values())
    return Report(loans, big, tuple(rows), max_diff, tuple(notes), tuple(missing), (load_start, load_end), exact)


def _load_text(load: Sequence[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load) + " (1 / 5 / 15 min)"


def _run_step(ctx: Context, step: Step) -> Row:
    """Time a step: product and naive repetitions alternate (the naive process starts after the first product
    run, whose result some naive specs need, and loads its data untimed)."""
    say(f"{step.name} ...")
    work = step.product(ctx)
    reset_peak()
    seconds, cpu, worker, failed = [], [], None, ""
    try:
        for _ in range(ctx.repeat):
            wall, used, result = once(work)
            seconds.append(wall)
            cpu.append(used)
            ctx.results[step.name] = result
            if ctx.naive and step.naive and not failed:
                try:
                    worker = worker or NaiveWorker(step.naive, _naive_spec(ctx, step))
                    worker.run()
                except NaiveFailed as exc:
                    failed = str(exc)
        product = Timing(tuple(seconds), peak_mb(), tuple(cpu))
    finally:
        if worker is not None:
            worker.close()
    answers = worker.answers if worker is not None else []
    naive_t = worker.timing() if answers else None
    naive_result = answers[-1].get("result", {}) if answers else {}
    note = "; ".join(
        x for x in (_note(ctx, step.name, result), failed, _exactness(ctx, step.name, result, naive_result)) if x
    )
    if step.name in ("import_csv", "import_parquet"):
        ctx.con.execute(f"DROP TABLE IF EXISTS {store.quote_ident('bench_' + step.name)}")
    row = Row(step.name, product, naive_t, note)
    say(
        f"  product {product.span()} s (CPU {product.cpu_median:.3f} s), {product.peak_mb:.0f} MB"
        + (f"; naive {naive_t.span()} s, {naive_t.peak_mb:.0f} MB; ratio {row.ratio:.1f}" if naive_t else "")
        + (f"; {note}" if note else "")
    )
    return row


def _exactness(ctx: Context, name: str, result: object, naive_result: dict) -> str:
    """Check a result against the exact computation in this run; record and return what was found."""
    found = ""
    if name in ("fit_binned", "fit_numeric") and naive_result:
        diff = max(abs(result.params[term] - naive_result[term]) for term in result.params)
        ctx.results[f"{name}_diff"] = diff
        if name == "fit_binned":
            ctx.results["max_coef_diff"] = diff
        verdict = "exact" if diff <= EXACT_COEF else f"NOT EXACT (above {EXACT_COEF:.0e})"
        found = f"max |coef diff| vs statsmodels Logit on every loan {diff:.2e}: {verdict}"
    elif name == "fit_numeric_vs_sklearn" and naive_result:
        diff = max(abs(result.params[term] - naive_result[term]) for term in result.params)
        return f"max |coef diff| vs scikit-learn newton-cholesky {diff:.1e} (its own stopping rule)"
    elif name == "rank_factors":
        found = _recount(ctx, result)
    if found:
        ctx.results.setdefault("exact", {})[name] = f"{name}: {found}"
    return found


def _recount(ctx: Context, ranking) -> str:
    """Recount every ranked factor's bins over every loan straight from their SQL (``factors.bin_counts``, one
    scan) and compare loans and bads per bin, and the IVs, with the ranking's."""
    from analytics import factors

    specs = [b.spec for b in ranking.binnings.values()]
    frames = factors.bin_counts(ctx.con, _population(ctx), specs)
    same, worst = True, 0.0
    for spec, frame in zip(specs, frames, strict=True):
        mine = ranking.binnings[spec.factor].table.set_index("bin")[["count", "bads"]]
        again = factors.binning_table(spec, frame)
        counted = again.table.set_index("bin")[["count", "bads"]].reindex(mine.index).fillna(-1).astype(np.int64)
        same = same and bool((counted.to_numpy() == mine.to_numpy()).all()) and len(again.table) == len(mine)
        worst = max(worst, abs(again.iv - ranking.binnings[spec.factor].iv))
    if not same:
        return "bins recounted over every loan differ: NOT EXACT"
    verdict = "exact" if worst <= 1e-12 else "NOT EXACT"
    return f"bins of {len(specs)} factors recounted: same loans and bads in each, max |IV diff| {worst:.1e}: {verdict}"


def _note(ctx: Context, name: str, result: object) -> str:
    """What the reader must know about a row: sampling, fit method, rows imported."""
    if name.startswith("import_"):
        return f"{result.rows:,} rows"
    if name == "rank_factors":
        return f"{len(result.table)} factors, every loan"
    if name.startswith("fit_"):
        stats = result.fit_stats()
        text = f"{stats['method']} path, n={stats['n_obs']:,}"
        if stats.get("cells"):
            text += f", {stats['cells']:,} cells"
        if stats.get("batched"):
            text += " (exact batched Newton)"
        if stats.get("sampled"):
            text += f" (seeded sample of {stats['rows_total']:,} loans)"
        return text
    if name in ("monitor", "monitor_numeric"):
        light = result.periods["traffic_light"]
        return f"{len(result.periods)} months, {int(light.notna().sum())} with closed outcome windows"
    return ""


# --- the interactive budget (benchmarks/run.py --pages-only, a subprocess) -----------------------------------------


def page_rows(repeat: int = 5) -> list[Row]:
    """Median rerun time of each page of the app on the embedded sample after a widget change (AppTest)."""
    script = PROJECT_DIR / "benchmarks" / "run.py"
    if not script.exists():
        return []
    say("page reruns (AppTest on the embedded sample) ...")
    command = [sys.executable, str(script), "--pages-only", "--repeat", str(repeat)]
    done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        say(f"  page reruns failed: {done.stderr.strip().splitlines()[-1:]}")
        return []
    rows = []
    for item in json.loads(done.stdout.strip().splitlines()[-1]):
        rows.append(Row(item["name"], Timing(tuple(item["seconds"]), float(item["peak_mb"]))))
        say(f"  {item['name']}: {rows[-1].product.span()} s")
    return rows


# --- output -------------------------------------------------------------------------------------------------------


def table_text(report: Report) -> str:
    """The results as a plain-text table (times in seconds: median [min-max]; CPU: median CPU seconds)."""
    big = report.big
    lines = [
        f"loans: {report.loans:,} applications ({big.booked:,} booked), {big.loan_months:,} loan-months",
        f"{'step':<22} {'product s':>26} {'CPU s':>8} {'naive s':>26} {'ratio':>8} {'peak MB':>9} {'naive MB':>9}"
        "  note",
    ]
    for r in report.rows:
        naive_text = r.naive.span() if r.naive else "-"
        ratio = f"{r.ratio:.1f}" if r.ratio is not None else "-"
        naive_mb = f"{r.naive.peak_mb:.0f}" if r.naive else "-"
        cpu = f"{r.product.cpu_median:.3f}" if r.product.cpu else "-"
        lines.append(
            f"{r.name:<22} {r.product.span():>26} {cpu:>8} {naive_text:>26} {ratio:>8} {r.product.peak_mb:>9.0f} "
            f"{naive_mb:>9}  {r.note}"
        )
    return "\n".join(lines + _footer(report))


def markdown_text(report: Report) -> str:
    """The results as the Markdown table of benchmarks/README.md and README.md (``--markdown``)."""
    big = report.big
    lines = [
        f"### {report.loans:,} applications ({big.booked:,} booked), {big.loan_months:,} loan-months",
        "",
        "| step | product s | product CPU s | naive s | naive/product | product peak MB | naive peak MB | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        cells = [
            r.name,
            r.product.span(),
            f"{r.product.cpu_median:.3f}" if r.product.cpu else "-",
            r.naive.span() if r.naive else "-",
            f"{r.ratio:.1f}" if r.ratio is not None else "-",
            f"{r.product.peak_mb:.0f}",
            f"{r.naive.peak_mb:.0f}" if r.naive else "-",
            r.note.replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", *(f"{line}  " for line in _footer(report))])


def _footer(report: Report) -> list[str]:
    """The load average at the start and the end, the exactness checks, notes and steps left out."""
    lines = [f"load average at start: {_load_text(report.load[0])}, at end: {_load_text(report.load[1])}"]
    if report.max_coef_diff is not None:
        lines.append(f"max_coef_diff (fit_binned vs naive statsmodels Logit on all rows): {report.max_coef_diff:.3e}")
    lines += [f"exact: {line}" for line in report.exact]
    lines += [f"note: {n}" for n in report.notes]
    if report.missing:
        lines.append(f"left out (product function missing): {', '.join(report.missing)}")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench options (shared by ``python -m analytics bench`` and ``benchmarks/run.py``)."""
    parser.add_argument("--loans", type=_loans, default=DEFAULT_LOANS, help="applications (default 1,000,000)")
    parser.add_argument("--months", type=_positive, default=DEFAULT_MONTHS, help="months on book per loan")
    parser.add_argument("--seed", type=_seed, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=_positive, default=DEFAULT_REPEAT, help="repetitions per step (median)")
    parser.add_argument("--dir", type=Path, default=BENCH_DIR, help=f"bench folder (default {BENCH_DIR})")
    parser.add_argument("--no-naive", dest="naive", action="store_false", help="time the product only")
    parser.add_argument("--no-pages", dest="pages", action="store_false", help="skip the AppTest page reruns")
    parser.add_argument("--only", action="append", default=[], metavar="STEP", help="run only these steps")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--markdown", action="store_true", help="print the README's Markdown table")


def _positive(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _loans(text: str) -> int:
    value = _positive(text)
    if value < bigsample.MIN_LOANS:
        raise argparse.ArgumentTypeError(f"must be at least {bigsample.MIN_LOANS:,}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}")
    return value


def main_args(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed options and print the report (JSON or a table); returns the exit status."""
    report = run(
        loans=args.loans,
        months=args.months,
        seed=args.seed,
        repeat=args.repeat,
        folder=args.dir,
        naive=args.naive,
        pages=args.pages,
        only=tuple(args.only),
    )
    if args.json:
        print(json.dumps(report.to_json()))
        for note in report.notes:
            say(f"note: {note}")
        if report.missing:
            say(f"left out (product function missing): {', '.join(report.missing)}")
    elif args.markdown:
        print(markdown_text(report))
    else:
        print(table_text(report))
    return 0


def _child_main(argv: Sequence[str]) -> int:
    name, spec = argv[0], json.loads(argv[1])
    serve_child(name, spec, sys.stdin, sys.stdout)
    return 0

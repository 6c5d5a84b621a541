"""Which candidate factors separate good loans from bad: ranking, stability and correlation.

The ranking bins every candidate factor (its latest saved binning, else the optimal monotonic binning of
``_binning``) from one scan of the table and reports, per factor, the information value with its
strength band, the KS and Gini of the univariate model, the missing share and the univariate logit p-value.
The univariate model is a logit on the factor's bins: statsmodels ``GLM(Binomial)`` fitted on one row per bin
(bads, goods), which is exactly the row-level logit on bin dummies; its fitted PD of a bin is the bin's bad
rate, so Gini and KS follow from the bin counts ordered by bad rate. The p-value is its likelihood-ratio test
against the intercept-only model.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analytics import core, datasets, store
from analytics.core import Notice, RiskLabError
from analytics.datasets import TableContext
from analytics.factors import _binning as binning
from analytics.factors._binning import Binning, BinSpec, Population

MIN_SPLIT_FRACTION = 0.05


@dataclasses.dataclass(frozen=True)
class Factor:
    """A candidate factor: its column and kind ("numeric" or "categorical")."""

    name: str
    kind: str


def candidate_factors(ctx: TableContext) -> tuple[list[Factor], list[Notice]]:
    """The table's candidate factors in column order, with notices for numeric-role columns that hold text
    (analysed as categorical)."""
    types = ctx.types
    factors, notices = [], []
    for column, role in ctx.roles:
        if role not in datasets.FACTOR_ROLES or column not in types:
            continue
        numeric = datasets.is_numeric(types[column])
        if role == "factor_numeric" and not numeric:
            notices.append(Notice("factors.not_numeric", column=column, type=types[column]))
        factors.append(Factor(column, "numeric" if role == "factor_numeric" and numeric else "categorical"))
    return factors, notices


# --- the univariate model -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Univariate:
    """The logit of default on a factor's bins: Gini, KS, likelihood-ratio statistic, df and p-value."""

    gini: float
    ks: float
    lr: float
    df: int
    p_value: float


def univariate(table: pd.DataFrame) -> Univariate:
    """Fit the univariate bin logit on the binning table's cells (statsmodels GLM Binomial, one row per bin)."""
    filled = table["count"].to_numpy() > 0
    cell_goods = table["goods"].to_numpy()[filled]
    cell_bads = table["bads"].to_numpy()[filled]
    rates, level = np.unique(cell_bads / (cell_goods + cell_bads), return_inverse=True)
    goods = np.bincount(level, weights=cell_goods, minlength=len(rates))
    bads = np.bincount(level, weights=cell_bads, minlength=len(rates))
    gini = 2 * core.auc_from_counts(goods, bads) - 1
    ks = core.ks_from_counts(goods, bads)
    cells = len(cell_goods)
    if cells < 2:
        return Univariate(gini, ks, 0.0, 0, 1.0)
    endog = np.column_stack([cell_bads, cell_goods]).astype(float)
    full = _glm(endog, np.column_stack([np.ones(cells), np.eye(cells)[:, 1:]]))
    null = _glm(endog, np.ones((cells, 1)))
    lr = max(2.0 * (full.llf - null.llf), 0.0)
    df = cells - 1
    return Univariate(gini, ks, lr, df, float(stats.chi2.sf(lr, df)))


def _glm(endog: np.ndarray, exog: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a bin without goods or bads: the fit's likelihood still converges
        return sm.GLM(endog, exog, family=sm.families.Binomial()).fit(tol=1e-12, maxiter=100)


# --- the ranking --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ranking:
    """Every candidate factor ranked by information value.

    ``table`` columns: factor, kind, binning (saved name or method), bins, iv, strength, ks, gini,
    missing_share, p_value. ``binnings`` holds each factor's ``Binning``; ``summary`` the outcome counts of the
    loans ranked (a 1-in-``sample_every`` sample of the population when it is large).
    """

    table: pd.DataFrame
    binnings: dict[str, Binning]
    summary: dict
    notices: tuple[Notice, ...]
    seconds: float
    sample_every: int = 1


def default_specs(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factors: Sequence[Factor],
    saved: Mapping[str, BinSpec] | None = None,
    min_share: float = binning.MIN_SHARE,
) -> list[Binning]:
    """Each factor's binning: its saved spec when given (and of the same kind), else optimal monotonic. One scan."""
    saved = saved or {}
    use_saved = {f.name: saved[f.name] for f in factors if f.name in saved and saved[f.name].kind == f.kind}
    numeric = [f.name for f in factors if f.kind == "numeric" and f.name not in use_saved]
    cuts = binning.quantile_cuts(con, pop, numeric, binning.FINE_BINS)
    fine = {name: BinSpec(name, "numeric", "quantile", cuts=cuts[name]) for name in numeric}
    keys = []
    for f in factors:
        if f.name in use_saved:
            keys.append(binning.bin_sql(use_saved[f.name]))
        elif f.kind == "numeric":
            keys.append(binning.bin_sql(fine[f.name]))
        else:
            keys.append((f"CAST({store.quote_ident(f.name)} AS VARCHAR)", []))
    counts = binning.grouped_counts(con, pop, keys)
    out = []
    for f, frame in zip(factors, counts, strict=True):
        if f.name in use_saved:
            spec, cells = use_saved[f.name], frame.rename(columns={"key": "bin"})
        elif f.kind == "numeric":
            frame = frame.rename(columns={"key": "bin"})
            spec = binning.monotonic_spec(fine[f.name], frame, min_share)
            cells = binning.coarsen(fine[f.name], frame, spec)
        else:
            spec = binning.spec_from_levels(f.name, frame, "optimal", min_share)
            cells = binning.coarsen(spec, frame, spec)
        out.append(binning.binning_table(spec, cells))
    return out


def rank_factors(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factors: Sequence[Factor] | None = None,
    saved: Mapping[str, BinSpec] | None = None,
    max_rows: int = binning.SAMPLE_ROWS,
) -> Ranking:
    """Rank the candidate factors (all of the table's, or ``factors``) by information value.

    ``saved`` defaults to the latest saved binning of each factor. Populations over ``max_rows`` loans are ranked
    on a deterministic sample of about that size. Raises when the table has no candidate factors or the outcome
    has one class only.
    """
    began = time.perf_counter()
    notices: list[Notice] = []
    if factors is None:
        factors, notices = candidate_factors(pop.context)
    factors = [f for f in factors if f.name not in (pop.defn.column, pop.booked_column)]
    if not factors:
        raise RiskLabError("factors.no_candidates", table=pop.table)
    pop = binning.sampled(con, pop, max_rows)
    summary = binning.outcome_summary(con, pop)
    saved = binning.latest_binnings(con, pop.table) if saved is None else saved
    binnings = default_specs(con, pop, factors, saved)
    rows = []
    for f, b in zip(factors, binnings, strict=True):
        model = univariate(b.table)
        rows.append(
            {
                "factor": f.name,
                "kind": f.kind,
                "binning": b.spec.name or b.spec.method,
                "bins": int((b.table["count"] > 0).sum()),
                "iv": b.iv,
                "strength": core.band(b.iv, core.IV_BANDS),
                "ks": model.ks,
                "gini": model.gini,
                "missing_share": b.missing_share,
                "p_value": model.p_value,
            }
        )
    table = pd.DataFrame(rows).sort_values(["iv", "factor"], ascending=[False, True], ignore_index=True)
    return Ranking(
        table=table,
        binnings={f.name: b for f, b in zip(factors, binnings, strict=True)},
        summary={k: v for k, v in summary.items() if k != "warning"},
        notices=tuple(notices),
        seconds=round(time.perf_counter() - began, 3),
        sample_every=pop.sample_every,
    )


# --- stability ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Split:
    """Two samples to compare: ``random`` (a seeded holdout of ``fraction``) or ``time`` (the latest ``fraction``
    of loans by ``column``, e.g. the origination date, against the earlier ones)."""

    kind: str
    fraction: float = 0.3
    seed: int = 42
    column: str | None = None


SPLIT_KINDS = ("random", "time")


def split_sql(con: duckdb.DuckDBPyConnection, pop: Population, split: Split) -> tuple[str, list, object]:
    """SQL giving 0 (train / earlier) or 1 (test / later) per loan, its parameters and the time cut-off."""
    if split.kind not in SPLIT_KINDS:
        raise RiskLabError("factors.unknown_split", kind=split.kind)
    if not MIN_SPLIT_FRACTION <= split.fraction <= 1 - MIN_SPLIT_FRACTION:
        raise RiskLabError("factors.bad_fraction", fraction=split.fraction)
    if split.kind == "random":
        return (
            "(CASE WHEN hash(rowid, ?) % 1000000 < ? THEN 1 ELSE 0 END)",
            [
                int(split.seed),
                round(split.fraction * 1_000_000),
            ],
            None,
        )
    if not split.column:
        raise RiskLabError("factors.no_date", table=pop.table)
    col = store.quote_ident(pop.context.require_column(split.column))
    source, params = binning.scan_sql(pop, [(f"{col} AS d", [])])
    ((cutoff,),) = con.execute(f"SELECT quantile_disc(d, ?) FROM {source}", [1 - split.fraction, *params]).fetchall()
    if cutoff is None:
        raise RiskLabError("factors.no_dates", column=split.column)
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {col} >= ? THEN 1 ELSE 0 END)", [cutoff], cutoff


@dataclasses.dataclass(frozen=True)
class Stability:
    """Per factor the CSI (PSI of its bins) between two samples, its verdict, and the side-by-side tables."""

    summary: pd.DataFrame  # factor, csi, verdict
    tables: dict[str, pd.DataFrame]
    counts: tuple[int, int]
    cutoff: object
    sample_every: int = 1


def stability(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    split: Split,
    binnings: Sequence[Binning | BinSpec],
    max_rows: int = binning.SAMPLE_ROWS,
) -> Stability:
    """Each binning applied to both samples (one scan): shares, bad rates, WOE side by side and CSI per factor,
    with the 0.10 / 0.25 verdict bands. Sample 0 is the expected distribution (train / earlier). Populations over
    ``max_rows`` loans are compared on a deterministic sample of about that size."""
    specs = binning.as_specs(binnings)
    if not specs:
        raise RiskLabError("factors.none_chosen")
    pop = binning.sampled(con, pop, max_rows)
    part_sql, part_params, cutoff = split_sql(con, pop, split)
    frames = binning.bin_counts(con, pop, specs, part=(part_sql, part_params))
    rows, tables, sizes = [], {}, (0, 0)
    for spec, frame in zip(specs, frames, strict=True):
        frame = frame[frame["part"].notna()]
        sides = [binning.binning_table(spec, frame[frame["part"] == p]).table.set_index("bin") for p in (0, 1)]
        sizes = (int(sides[0]["count"].sum()), int(sides[1]["count"].sum()))
        if min(sizes) == 0:
            raise RiskLabError("factors.empty_sample")
        codes = list(dict.fromkeys([*sides[0].index, *sides[1].index]))
        a, b = (s.reindex(codes) for s in sides)
        labels = a["label"].fillna(b["label"])
        expected = a["count"].fillna(0).to_numpy(dtype=float)
        actual = b["count"].fillna(0).to_numpy(dtype=float)
        csi = core.psi(expected, actual)
        e = np.maximum(expected / expected.sum(), 1e-4)
        o = np.maximum(actual / actual.sum(), 1e-4)
        tables[spec.factor] = pd.DataFrame(
            {
                "bin": codes,
                "label": labels.to_numpy(),
                "count_0": expected.astype(np.int64),
                "share_0": expected / expected.sum(),
                "bad_rate_0": a["bad_rate"].to_numpy(),
                "woe_0": a["woe"].to_numpy(),
                "count_1": actual.astype(np.int64),
                "share_1": actual / actual.sum(),
                "bad_rate_1": b["bad_rate"].to_numpy(),
                "woe_1": b["woe"].to_numpy(),
                "csi": (o - e) * np.log(o / e),
            }
        )
        rows.append({"factor": spec.factor, "csi": csi, "verdict": core.band(csi, core.PSI_BANDS)})
    summary = pd.DataFrame(rows).sort_values(["csi", "factor"], ascending=[False, True], ignore_index=True)
    return Stability(summary, tables, sizes, cutoff, pop.sample_every)


# --- correlation and VIF ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Correlation:
    """Pearson correlations of the chosen factors' WOE values, and each factor's VIF."""

    matrix: pd.DataFrame
    vif: pd.DataFrame  # factor, vif, band ("ok" below 5, "moderate" below 10, "high")
    sample_every: int = 1


VIF_BANDS = (
    core.Band("ok", -np.inf, 5.0),
    core.Band("moderate", 5.0, 10.0),
    core.Band("high", 10.0, np.inf),
)


def correlation(
    con: duckdb.DuckDBPyConnection, pop: Population, binnings: Sequence[Binning], max_rows: int = binning.SAMPLE_ROWS
) -> Correlation:
    """Correlation matrix of the factors' WOE-encoded values (missing values take their bin's WOE), one scan, and
    VIF from it (the same as regressing each factor on the others with an intercept). Populations over
    ``max_rows`` loans use a deterministic sample of about that size."""
    if len(binnings) < 2:
        raise RiskLabError("factors.few_factors")
    pop = binning.sampled(con, pop, max_rows)
    names = [b.spec.factor for b in binnings]
    items = [(f"{sql} AS w{i}", params) for i, (sql, params) in enumerate(binning.woe_sql(b) for b in binnings)]
    source, params = binning.scan_sql(pop, items)
    k = len(binnings)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    (row,) = con.execute(f"SELECT {', '.join(f'corr(w{i}, w{j})' for i, j in pairs)} FROM {source}", params).fetchall()
    matrix = np.eye(k)
    for (i, j), value in zip(pairs, row, strict=True):
        matrix[i, j] = matrix[j, i] = np.nan if value is None else value
    constant = np.array([all(np.isnan(matrix[i, j]) for j in range(k) if j != i) for i in range(k)])
    matrix[constant, constant] = np.nan
    vif = np.full(k, np.nan)
    keep = ~constant
    if keep.sum() >= 2:
        vif[keep] = core.variance_inflation(matrix[np.ix_(keep, keep)])
    vif_table = pd.DataFrame(
        {
            "factor": names,
            "vif": vif,
            "band": [None if np.isnan(v) else core.band(min(v, np.finfo(float).max), VIF_BANDS) for v in vif],
        }
    )
    return Correlation(pd.DataFrame(matrix, index=names, columns=names), vif_table, pop.sample_every)

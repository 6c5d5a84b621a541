"""Which candidate factors separate good loans from bad: ranking, stability and correlation.

The ranking bins every candidate factor (its latest saved binning, else the optimal monotonic binning of
``_binning``) from two scans of every loan (no sample) and reports, per factor, the information value with its
strength band, the factor's raw AUC, the KS and Gini of the univariate model, the missing share and the univariate
p-value. The univariate model is the logit of default on the factor's bins; its fitted PD of a bin is the bin's
bad rate, so Gini and KS follow from the bin counts ordered by bad rate, and its likelihood-ratio statistic
against the intercept-only model is the closed form G = 2 Σ observed × ln(observed / expected) over the k x 2
table of bins by outcome (chi-square with k - 1 degrees of freedom).

A factor whose raw values separate defaults almost perfectly (raw AUC at least ``datasets.LEAKAGE_AUC``) is
"suspicious: check for leakage" whatever its IV: an exact leak has pure bins, which merge into one (IV 0).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from analytics import core, datasets, store
from analytics.core import Notice, RiskLabError
from analytics.factors import _binning as binning
from analytics.factors import _candidates as candidates
from analytics.factors._binning import Binning, BinSpec, Population
from analytics.factors._candidates import Factor

MIN_SPLIT_FRACTION = 0.05
MAX_CODE_LEVELS = 12  # integer columns with at most this many distinct values are codes: binned one bin per level

# --- the univariate model -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Univariate:
    """The logit of default on a factor's bins: Gini, KS, likelihood-ratio statistic, df and p-value."""

    gini: float
    ks: float
    lr: float
    df: int
    p_value: float


def likelihood_ratio(goods: np.ndarray, bads: np.ndarray) -> tuple[float, int]:
    """The likelihood-ratio statistic of the logit on k bins against the intercept-only logit, and k - 1:
    G = 2 Σ observed × ln(observed / expected) over the k x 2 table (empty bins left out, 0 × ln 0 = 0)."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    filled = (goods + bads) > 0
    goods, bads = goods[filled], bads[filled]
    count = goods + bads
    observed = np.concatenate([goods, bads])
    expected = np.concatenate([count * goods.sum() / count.sum(), count * bads.sum() / count.sum()])
    positive = observed > 0
    lr = 2.0 * float((observed[positive] * np.log(observed[positive] / expected[positive])).sum())
    return max(lr, 0.0), max(len(count) - 1, 0)


def univariate(table: pd.DataFrame) -> Univariate:
    """The univariate bin logit of a binning table, in closed form from its bins' goods and bads."""
    filled = table["count"].to_numpy() > 0
    cell_goods = table["goods"].to_numpy()[filled]
    cell_bads = table["bads"].to_numpy()[filled]
    rates, level = np.unique(cell_bads / (cell_goods + cell_bads), return_inverse=True)
    goods = np.bincount(level, weights=cell_goods, minlength=len(rates))
    bads = np.bincount(level, weights=cell_bads, minlength=len(rates))
    gini = 2 * core.auc_from_counts(goods, bads) - 1
    ks = core.ks_from_counts(goods, bads)
    if len(cell_goods) < 2:
        return Univariate(gini, ks, 0.0, 0, 1.0)
    lr, df = likelihood_ratio(cell_goods, cell_bads)
    return Univariate(gini, ks, lr, df, float(stats.chi2.sf(lr, df)))


def raw_auc(goods: np.ndarray, bads: np.ndarray, ordered: bool = True) -> float:
    """The AUC of a factor's raw values, either direction: goods and bads per value in ascending order
    (``ordered``), else per level (ordered here by bad rate). NaN without goods or bads."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    if goods.sum() == 0 or bads.sum() == 0:
        return float("nan")
    if not ordered:
        order = np.argsort(bads / np.maximum(goods + bads, 1), kind="stable")
        goods, bads = goods[order], bads[order]
    auc = core.auc_from_counts(goods, bads)
    return max(auc, 1.0 - auc)


def strength(iv: float, auc: float) -> str:
    """The IV band, or "suspicious" when the raw AUC says the factor separates defaults almost perfectly."""
    if not np.isnan(auc) and auc >= datasets.LEAKAGE_AUC:
        return "suspicious"
    return core.band(iv, core.IV_BANDS)


# --- the ranking --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ranking:
    """Every candidate factor ranked by information value.

    ``table`` columns: factor, kind, binning (saved name or method), bins, iv, strength, auc (raw), ks, gini,
    missing_share, p_value. ``binnings`` holds each factor's ``Binning``; ``top_share`` the share of loans with its
    most common value; ``skipped`` the columns left out, with the reason (``candidates.SKIPPED_COLUMNS``);
    ``summary`` the outcome counts of the loans ranked (every loan of the population).
    """

    table: pd.DataFrame
    binnings: dict[str, Binning]
    summary: dict
    notices: tuple[Notice, ...]
    seconds: float
    skipped: pd.DataFrame = dataclasses.field(default_factory=lambda: pd.DataFrame(columns=candidates.SKIPPED_COLUMNS))
    top_share: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class _Counted:
    """One factor's binning with the counts its raw AUC and most common value come from."""

    factor: Factor
    binning: Binning
    auc: float
    top_share: float


def integer_codes(pop: Population, pre: Mapping[str, binning.Prebins], factors: Sequence[Factor]) -> set[str]:
    """Numeric factors stored as integers with at most ``MAX_CODE_LEVELS`` distinct values (codes such as SEX 1/2,
    EDUCATION 0-6): they are binned one bin per level, as categories."""
    types = pop.context.types
    return {
        f.name
        for f in factors
        if f.kind == "numeric"
        and datasets.type_class(types.get(f.name, "")) == "integer"
        and 0 < pre[f.name].distinct <= MAX_CODE_LEVELS
    }


def code_columns(con: duckdb.DuckDBPyConnection, pop: Population, columns: Sequence[str]) -> frozenset[str]:
    """The columns among ``columns`` that ``integer_codes`` calls codes, from one scan of their pre-bins: the
    integer columns with at most ``MAX_CODE_LEVELS`` distinct values, which the Model page offers as categorical
    first, as the ranking bins them."""
    types = pop.context.types
    integers = [Factor(c, "numeric") for c in columns if datasets.type_class(types.get(c, "")) == "integer"]
    pre = binning.prebins(con, pop, [f.name for f in integers])
    return frozenset(integer_codes(pop, pre, integers))


def default_specs(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factors: Sequence[Factor],
    saved: Mapping[str, BinSpec] | None = None,
    min_share: float = binning.MIN_SHARE,
    codes_as_categories: bool = True,
) -> tuple[list[_Counted], list[dict]]:
    """Each factor's binning (its saved spec when given and of the same kind, else optimal monotonic), from two
    scans: numeric pre-bins, then levels and saved bins. Also the factors skipped (too many levels)."""
    saved = saved or {}
    numeric = [f.name for f in factors if f.kind == "numeric"]
    pre = binning.prebins(con, pop, numeric)
    codes = integer_codes(pop, pre, factors) if codes_as_categories else set()
    kept_numeric = {name for name, spec in saved.items() if spec.kind == "numeric"}  # a saved numeric binning wins
    factors = [Factor(f.name, "categorical") if f.name in codes - kept_numeric else f for f in factors]
    use_saved = {f.name: saved[f.name] for f in factors if f.name in saved and saved[f.name].kind == f.kind}
    keys, at = [], {}
    for f in factors:
        if f.kind == "categorical" and f.name not in codes:
            at[("levels", f.name)] = len(keys)
            keys.append((f"CAST({store.quote_ident(f.name)} AS VARCHAR)", []))
        if f.name in use_saved:
            at[("saved", f.name)] = len(keys)
            keys.append(binning.bin_sql(use_saved[f.name]))
    counts = binning.grouped_counts(con, pop, keys)
    out, skipped = [], []
    for f in factors:
        if f.kind == "numeric":
            goods = pre[f.name].count - pre[f.name].bads
            auc, top = raw_auc(goods, pre[f.name].bads), pre[f.name].top
        else:
            levels = pre[f.name].levels() if f.name in codes else counts[at[("levels", f.name)]]
            present = levels[levels["key"].notna()]
            if len(present) > binning.MAX_LEVELS:
                skipped.append({"factor": f.name, "reason": "too_many_levels", "levels": len(present)})
                continue
            goods = present["count"].to_numpy() - present["bads"].to_numpy()
            auc = raw_auc(goods, present["bads"].to_numpy(), ordered=False)
            top = int(present["count"].max()) if len(present) else 0
        if f.name in use_saved:
            spec = use_saved[f.name]
            cells = counts[at[("saved", f.name)]].rename(columns={"key": "bin"})
        elif f.kind == "numeric":
            spec = binning.prebin_spec(f.name, pre[f.name], min_share)
            cells = pre[f.name].counts(spec)
        else:
            spec = binning.spec_from_levels(f.name, levels, "optimal", min_share)
            cells = binning.coarsen(spec, levels, spec)
        table = binning.binning_table(spec, cells)
        out.append(_Counted(f, table, auc, top / table.total if table.total else 0.0))
    return out, skipped


def rank_factors(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factors: Sequence[Factor] | None = None,
    saved: Mapping[str, BinSpec] | None = None,
    codes_as_categories: bool = True,
) -> Ranking:
    """Rank the candidate factors (all of the table's, or ``factors``) by information value, over every loan.

    ``saved`` defaults to the latest saved binning of each factor. Integer codes with few values are ranked as
    categories unless ``codes_as_categories`` is False. Columns that are not candidates, and candidates that
    cannot be binned (too many levels), are listed in ``skipped`` with the reason. Raises when nothing is left
    to rank or the outcome has one class only.
    """
    began = time.perf_counter()
    notices: list[Notice] = []
    skipped = pd.DataFrame(columns=list(candidates.SKIPPED_COLUMNS))
    if factors is None:
        factors, notices = candidates.candidate_factors(pop.context)
        skipped = candidates.not_candidates(con, pop.context, pop.defn.column)
    roles = pop.context.role_map
    outcome = [f for f in factors if f.name == pop.defn.column or f.name == pop.booked_column]
    factors = [f for f in factors if f not in outcome]
    if not factors:
        raise RiskLabError("factors.no_candidates", table=pop.table)
    summary = binning.outcome_summary(con, pop)
    saved = binning.latest_binnings(con, pop.table) if saved is None else saved
    counted, too_many = default_specs(con, pop, factors, saved, codes_as_categories=codes_as_categories)
    extra = [{**row, "role": roles.get(row["factor"], "")} for row in too_many]
    if not counted:
        raise RiskLabError("factors.no_candidates", table=pop.table)
    rows = []
    for item in counted:
        b = item.binning
        model = univariate(b.table)
        rows.append(
            {
                "factor": item.factor.name,
                "kind": item.factor.kind,
                "binning": b.spec.name or b.spec.method,
                "bins": int((b.table["count"] > 0).sum()),
                "iv": b.iv,
                "strength": strength(b.iv, item.auc),
                "auc": item.auc,
                "ks": model.ks,
                "gini": model.gini,
                "missing_share": b.missing_share,
                "p_value": model.p_value,
            }
        )
    table = pd.DataFrame(rows).sort_values(["iv", "factor"], ascending=[False, True], ignore_index=True)
    if extra:
        skipped = pd.concat([pd.DataFrame(extra, columns=skipped.columns), skipped], ignore_index=True)
    return Ranking(
        table=table,
        binnings={item.factor.name: item.binning for item in counted},
        summary={k: v for k, v in summary.items() if k != "warning"},
        notices=tuple(notices),
        seconds=round(time.perf_counter() - began, 3),
        skipped=skipped,
        top_share={item.factor.name: item.top_share for item in counted},
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


def stability(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    split: Split,
    binnings: Sequence[Binning | BinSpec],
) -> Stability:
    """Each binning applied to both samples (one scan): shares, bad rates, WOE side by side and CSI per factor,
    with the 0.10 / 0.25 verdict bands. Sample 0 is the expected distribution (train / earlier). Every loan counts."""
    specs = binning.as_specs(binnings)
    if not specs:
        raise RiskLabError("factors.none_chosen")
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
    return Stability(summary, tables, sizes, cutoff)


# --- correlation and VIF ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Correlation:
    """Pearson correlations of the chosen factors' WOE values, and each factor's VIF."""

    matrix: pd.DataFrame
    vif: pd.DataFrame  # factor, vif, band ("ok" below 5, "moderate" below 10, "high")


VIF_BANDS = (
    core.Band("ok", -np.inf, 5.0),
    core.Band("moderate", 5.0, 10.0),
    core.Band("high", 10.0, np.inf),
)


def correlation(con: duckdb.DuckDBPyConnection, pop: Population, binnings: Sequence[Binning]) -> Correlation:
    """Correlation matrix of the factors' WOE-encoded values (missing values take their bin's WOE), one scan of
    every loan, and VIF from it (the same as regressing each factor on the others with an intercept)."""
    if len(binnings) < 2:
        raise RiskLabError("factors.few_factors")
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
    return Correlation(pd.DataFrame(matrix, index=names, columns=names), vif_table)

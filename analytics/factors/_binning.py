"""Binning of candidate factors: quantile, optimal monotonic and hand-edited bins, each with its WOE/IV table.

A ``BinSpec`` is a plain, saveable description (cut points or merged categories); ``bin_sql`` turns it into one
SQL CASE expression, so every count is a DuckDB ``GROUP BY`` and only the per-bin table reaches Python.
Numeric bins are left-closed, ``[c_i, c_{i+1})``; missing values (NULL, NaN) always get their own bin.

Optimal monotonic binning is optbinning's ``OptimalBinning`` (``_optimal``): it finds the bins of largest IV
whose bad rate rises (or falls) bin by bin and that each hold at least ``MIN_SHARE`` = 5 % of the loans. It is fed
pre-bins that DuckDB aggregates (``prebins``: each distinct value, or ``MAX_PREBINS`` equal-width slices of a
factor with more values) with their goods and bads as weights, so its cost grows with the pre-bins, not the loans.
Bins without goods or without bads are then merged with the neighbour whose bad rate is closest (their WOE would
be infinite).

Categorical factors: levels are ordered by bad rate (so the order is monotonic by construction), neighbours are
grouped optimally the same way, and small or pure groups are merged with a neighbour. Bin counts are sums of
pre-bin or level counts: the ranking of all factors needs two scans of the table.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from analytics import core, datasets, store
from analytics.core import RiskLabError
from analytics.datasets import DefaultDefinition, TableContext
from analytics.factors import _optimal

MISSING = -1  # bin code of missing values
OTHER = -2  # bin code of categorical levels a saved binning has not seen
TOTAL = -3  # bin code of the totals row
MIN_SHARE = 0.05
MAX_LEVELS = 200
MAX_QUANTILE_BINS = 50
NAME_LENGTH = 60
SAMPLE_ROWS = 250_000  # quantile cut points of larger populations come from a fixed sample (counts stay exact)
BOOKED_WORDS = ("1", "true", "t", "y", "yes", "booked", "funded", "disbursed", "是", "已放款", "放款")


@dataclasses.dataclass(frozen=True)
class Method:
    """A binning method and the factor kinds it applies to."""

    key: str
    kinds: tuple[str, ...]

    @property
    def label_key(self) -> str:
        """The i18n key of the method's name."""
        return f"binning.method.{self.key}"


METHODS: tuple[Method, ...] = (
    Method("optimal", ("numeric", "categorical")),
    Method("quantile", ("numeric",)),
    Method("levels", ("categorical",)),
    Method("manual", ("numeric", "categorical")),
)
_METHODS = {m.key: m for m in METHODS}


def methods_for(kind: str) -> list[str]:
    """The method keys that apply to a factor kind ("numeric" or "categorical")."""
    return [m.key for m in METHODS if kind in m.kinds]


# --- the analysed population --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Population:
    """The loans a factor analysis looks at: a table's rows with a known outcome, optionally booked loans only.

    ``context`` is the table as the request read it (columns, roles, version): hashable, so a population is a
    cache key that changes with the table."""

    context: TableContext
    defn: DefaultDefinition
    booked_column: str | None = None
    booked_type: str | None = None  # the booked column's DuckDB type (BOOLEAN and numbers skip text matching)
    sample_every: int = 1  # above 1: a deterministic 1-in-k sample of the loans (by a hash of the row id)

    @property
    def table(self) -> str:
        return self.context.table


def population(ctx: TableContext, defn: DefaultDefinition | None = None, *, booked_only: bool = True) -> Population:
    """The analysis population of a table: ``defn``, else its saved default definition, and, when the table has a
    ``booked`` column and ``booked_only``, booked loans only."""
    defn = defn or ctx.definition
    if defn is None:
        raise RiskLabError("factors.no_definition", table=ctx.table)
    booked = ctx.column_with_role("booked")
    if booked is None or not booked_only:
        return Population(ctx, defn)
    return Population(ctx, defn, booked, ctx.types[booked])


def population_where(pop: Population) -> tuple[str, list]:
    """Booked loans: true, 1 or a yes-word (``BOOKED_WORDS``); typed columns are compared without text matching.
    Then the sample condition, if any."""
    conditions, params = [], []
    if pop.booked_column is not None:
        col = store.quote_ident(pop.booked_column)
        kind = datasets.type_class(pop.booked_type or "VARCHAR")
        if kind == "boolean":
            conditions.append(f"{col}")
        elif kind in ("integer", "float"):
            conditions.append(f"{col} = 1")
        else:
            conditions.append(f"{datasets.text_key_sql(col)} IN ({', '.join('?' * len(BOOKED_WORDS))})")
            params += BOOKED_WORDS
    if pop.sample_every > 1:
        conditions.append(f"hash(rowid) % {int(pop.sample_every)} = 0")
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), params


def sampled(con: duckdb.DuckDBPyConnection, pop: Population, max_rows: int = SAMPLE_ROWS) -> Population:
    """``pop`` when it has at most ``max_rows`` loans, else a deterministic 1-in-k sample of about ``max_rows``
    (by a hash of the row id): screens over every factor stay interactive on millions of loans."""
    where, params = population_where(dataclasses.replace(pop, sample_every=1))
    ((loans,),) = con.execute(f"SELECT count(*) FROM {store.quote_ident(pop.table)} {where}", params).fetchall()
    every = math.ceil(loans / max_rows) if max_rows else 1
    return dataclasses.replace(pop, sample_every=max(every, 1))


def scan_sql(pop: Population, items: Sequence[tuple[str, list]]) -> tuple[str, list]:
    """A subquery over the population's loans with a known outcome: the ``items`` (SQL, params) and ``__bad``."""
    expr, expr_params = datasets.default_sql(pop.defn)
    where, where_params = population_where(pop)
    select = ", ".join([*(sql for sql, _ in items), f"{expr} AS __bad"])
    params = [p for _, item_params in items for p in item_params] + list(expr_params) + where_params
    inner = f"SELECT {select} FROM {store.quote_ident(pop.table)} {where}"
    return f"(SELECT * FROM ({inner}) WHERE __bad IS NOT NULL)", params


def outcome_summary(con: duckdb.DuckDBPyConnection, pop: Population) -> dict:
    """Loans, known outcomes and defaults of the population; raises when it has one class only."""
    where, params = population_where(pop)
    where = where.removeprefix("WHERE ")
    return datasets.default_summary(con, pop.table, pop.defn, where, params, strict=True, types=pop.context.types)


# --- bin specifications -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BinSpec:
    """How a factor is binned: ascending cut points (numeric) or groups of levels (categorical).

    Numeric bins are ``< c1``, ``[c1, c2)``, ..., ``>= ck``; categorical bins are the groups in order.
    ``name`` is set when the spec was saved.
    """

    factor: str
    kind: str
    method: str
    cuts: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    n: int | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", tuple(sorted({float(c) for c in self.cuts})))
        object.__setattr__(self, "groups", tuple(tuple(str(v) for v in g) for g in self.groups if len(g)))

    @property
    def bins(self) -> int:
        """The number of non-missing bins."""
        return len(self.cuts) + 1 if self.kind == "numeric" else len(self.groups)

    def labels(self) -> dict[int, str]:
        """``{code: label}`` of the non-missing bins, in order."""
        if self.kind == "categorical":
            return {i: ", ".join(g) for i, g in enumerate(self.groups)}
        if not self.cuts:
            return {0: "all"}
        c = [format_number(x) for x in self.cuts]
        inner = {i: f"[{c[i - 1]}, {c[i]})" for i in range(1, len(c))}
        return {0: f"< {c[0]}", **inner, len(c): f">= {c[-1]}"}

    def to_dict(self) -> dict:
        """The JSON-able form (the inverse of ``from_dict``)."""
        return {
            "factor": self.factor,
            "kind": self.kind,
            "method": self.method,
            "cuts": list(self.cuts),
            "groups": [list(g) for g in self.groups],
            "n": self.n,
        }

    @classmethod
    def from_dict(cls, data: Mapping, name: str | None = None) -> BinSpec:
        """Build from ``to_dict()`` output."""
        return cls(
            factor=data["factor"],
            kind=data["kind"],
            method=data["method"],
            cuts=tuple(data.get("cuts") or ()),
            groups=tuple(tuple(g) for g in data.get("groups") or ()),
            n=data.get("n"),
            name=name,
        )


def format_number(x: float) -> str:
    """A cut point as text: integers with thousands separators, others with up to 6 significant digits."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.6g}"


def cuts_text(spec: BinSpec) -> str:
    """A numeric spec's cut points as text that ``parse_cuts`` reads back (no thousands separators)."""
    return ", ".join(str(int(c)) if c.is_integer() and abs(c) < 1e15 else repr(c) for c in spec.cuts)


def bin_sql(spec: BinSpec, column_sql: str | None = None) -> tuple[str, list]:
    """One SQL expression giving each loan's bin code (``MISSING`` = -1, unseen level ``OTHER`` = -2)."""
    col = column_sql or store.quote_ident(spec.factor)
    if spec.kind == "numeric":
        v = f"CAST({col} AS DOUBLE)"
        whens = " ".join(f"WHEN {v} < ? THEN {i}" for i in range(len(spec.cuts)))
        return f"(CASE WHEN {v} IS NULL OR isnan({v}) THEN {MISSING} {whens} ELSE {len(spec.cuts)} END)", [*spec.cuts]
    if spec.kind != "categorical":
        raise RiskLabError("binning.unknown_kind", kind=spec.kind)
    whens, params = [], []
    for i, group in enumerate(spec.groups):
        whens.append(f"WHEN CAST({col} AS VARCHAR) IN ({', '.join('?' * len(group))}) THEN {i}")
        params += group
    return f"(CASE WHEN {col} IS NULL THEN {MISSING} {' '.join(whens)} ELSE {OTHER} END)", params


# --- counting -----------------------------------------------------------------------------------------------------


def grouped_counts(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    keys: Sequence[tuple[str, list]],
    part: tuple[str, list] | None = None,
) -> list[pd.DataFrame]:
    """Loans and bads per value of each key expression (and per ``part``, when given), in one scan.

    Returns one frame per key with columns ``key``, (``part``,) ``count`` and ``bads``; a NULL key is missing.
    """
    if not keys:
        return []
    items = [(f"{sql} AS k{i}", params) for i, (sql, params) in enumerate(keys)]
    if part is not None:
        items.append((f"{part[0]} AS part", part[1]))
    source, params = scan_sql(pop, items)
    extra = ", part" if part is not None else ""
    sets = ", ".join(f"(k{i}{extra})" for i in range(len(keys)))
    flags = ", ".join(f"GROUPING(k{i})" for i in range(len(keys)))
    cols = ", ".join(f"k{i}" for i in range(len(keys)))
    rows = con.execute(
        f"SELECT {cols}{extra}, {flags}, count(*), sum(__bad) FROM {source} GROUP BY GROUPING SETS ({sets})",
        params,
    ).fetchall()
    k = len(keys)
    flag_at = k + (1 if part is not None else 0)
    out = []
    for i in range(k):
        mine = [r for r in rows if r[flag_at + i] == 0 and (part is None or r[k] is not None)]
        frame = {"key": pd.Series([r[i] for r in mine], dtype=object)}
        if part is not None:
            frame["part"] = np.array([r[k] for r in mine], dtype=np.int64)
        frame["count"] = np.array([r[-2] for r in mine], dtype=np.int64)
        frame["bads"] = np.array([r[-1] for r in mine], dtype=np.int64)
        out.append(pd.DataFrame(frame))
    return out


def bin_counts(
    con: duckdb.DuckDBPyConnection, pop: Population, specs: Sequence[BinSpec], part: tuple[str, list] | None = None
) -> list[pd.DataFrame]:
    """Per spec: loans and bads per bin code (column ``bin``), in one scan of the table."""
    frames = grouped_counts(con, pop, [bin_sql(s) for s in specs], part)
    return [f.rename(columns={"key": "bin"}).astype({"bin": int}) for f in frames]


def quantile_cuts(
    con: duckdb.DuckDBPyConnection, pop: Population, factors: Sequence[str], n: int, max_rows: int = SAMPLE_ROWS
) -> dict[str, tuple[float, ...]]:
    """Cut points at the 1/n, 2/n ... quantiles of each numeric factor (observed values; duplicates and the
    minimum dropped, so no bin is empty), in one scan; above ``max_rows`` loans, of a fixed sample of about that
    many (bins are then counted over every loan)."""
    if not factors:
        return {}
    pop = sampled(con, pop, max_rows)
    qs = [round(i / n, 10) for i in range(1, n)]
    double = [f"CAST({store.quote_ident(f)} AS DOUBLE)" for f in factors]
    items = [(f"(CASE WHEN isnan({v}) THEN NULL ELSE {v} END) AS v{i}", []) for i, v in enumerate(double)]
    source, params = scan_sql(pop, items)
    parts = [f"quantile_disc(v{i}, {qs}), min(v{i})" for i in range(len(factors))]  # NaN as NULL: 2x a FILTER
    (row,) = con.execute(f"SELECT {', '.join(parts)} FROM {source}", params).fetchall()
    cuts = {}
    for i, factor in enumerate(factors):
        values, low = row[2 * i], row[2 * i + 1]
        cuts[factor] = tuple(sorted({float(v) for v in values or () if low is not None and v > low}))
    return cuts


def level_counts(con: duckdb.DuckDBPyConnection, pop: Population, factor: str) -> pd.DataFrame:
    """Loans and bads per level of a categorical factor (``key`` = level as text, None = missing)."""
    (frame,) = grouped_counts(con, pop, [(f"CAST({store.quote_ident(factor)} AS VARCHAR)", [])])
    return frame


# --- building specs -----------------------------------------------------------------------------------------------


def quantile_spec(con: duckdb.DuckDBPyConnection, pop: Population, factor: str, n: int = 10) -> BinSpec:
    """Equal-frequency bins: cut points at the quantiles (fewer bins when values repeat)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_QUANTILE_BINS:
        raise RiskLabError("binning.bad_n", n=n, max=MAX_QUANTILE_BINS)
    pop.context.require_column(factor)
    return BinSpec(factor, "numeric", "quantile", cuts=quantile_cuts(con, pop, [factor], n)[factor], n=n)


def levels_spec(con: duckdb.DuckDBPyConnection, pop: Population, factor: str) -> BinSpec:
    """One bin per level of a categorical factor, levels in text order."""
    pop.context.require_column(factor)
    return spec_from_levels(factor, level_counts(con, pop, factor), "levels")


def optimal_spec(
    con: duckdb.DuckDBPyConnection, pop: Population, factor: str, kind: str, min_share: float = MIN_SHARE
) -> BinSpec:
    """The optimal monotonic binning (see the module docstring)."""
    return optimal_binning(con, pop, factor, kind, min_share).spec


def optimal_binning(
    con: duckdb.DuckDBPyConnection, pop: Population, factor: str, kind: str, min_share: float = MIN_SHARE
) -> Binning:
    """The optimal monotonic binning with its table, from one scan (pre-bins or levels; bin counts are sums)."""
    pop.context.require_column(factor)
    if kind == "categorical":
        counts = level_counts(con, pop, factor)
        spec = spec_from_levels(factor, counts, "optimal", min_share)
        return binning_table(spec, coarsen(spec, counts, spec))
    pre = prebins(con, pop, [factor])[factor]
    spec = prebin_spec(factor, pre, min_share)
    return binning_table(spec, pre.counts(spec))


def spec_from_levels(factor: str, counts: pd.DataFrame, method: str, min_share: float = MIN_SHARE) -> BinSpec:
    """A categorical spec from level counts (``key``, ``count``, ``bads``): each level (``levels``) or levels
    ordered by bad rate, neighbours grouped optimally (``optimal``), then small or pure groups merged."""
    levels = counts[counts["key"].notna()]
    if len(levels) > MAX_LEVELS:
        raise RiskLabError("binning.too_many_levels", factor=factor, levels=len(levels), max=MAX_LEVELS)
    if method == "levels":
        return BinSpec(factor, "categorical", "levels", groups=tuple((k,) for k in sorted(levels["key"])))
    ordered = sorted(
        zip(levels["key"], levels["count"], levels["bads"], strict=True), key=lambda r: (r[2] / r[1], r[0])
    )
    total = counts["count"].sum()
    goods = np.array([n - d for _, n, d in ordered], dtype=float)
    bads = np.array([d for _, _, d in ordered], dtype=float)
    blocks = [_Block(int(n), int(d), [k]) for k, n, d in ordered]
    if len(blocks) > 1:
        groups = _optimal.optimal_order_groups(goods, bads, min_share, total)
        blocks = [_merged([blocks[i] for i in group]) for group in groups]
    blocks = merge_small(blocks, min_share * total)
    return BinSpec(factor, "categorical", method, groups=tuple(tuple(sorted(b.members)) for b in blocks))


@dataclasses.dataclass
class _Block:
    count: int
    bads: int
    members: list

    @property
    def rate(self) -> float:
        return self.bads / self.count if self.count else math.nan

    def absorb(self, other: _Block) -> _Block:
        return _Block(self.count + other.count, self.bads + other.bads, self.members + other.members)


def _merged(blocks: Sequence[_Block]) -> _Block:
    out = blocks[0]
    for block in blocks[1:]:
        out = out.absorb(block)
    return out


def merge_small(blocks: list[_Block], min_count: float) -> list[_Block]:
    """Merge blocks under ``min_count`` loans, or without goods or bads, into the neighbour of closest bad rate
    (smallest first)."""
    blocks = list(blocks)
    while len(blocks) > 1:
        weak = [i for i, b in enumerate(blocks) if b.count < min_count or b.bads in (0, b.count)]
        if not weak:
            break
        i = min(weak, key=lambda j: (blocks[j].count, j))
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(blocks)]
        j = min(neighbours, key=lambda k: (abs(blocks[k].rate - blocks[i].rate), k))
        low, high = min(i, j), max(i, j)
        blocks[low : high + 1] = [blocks[low].absorb(blocks[high])]
    return blocks


# --- pre-bins: the input of the optimal numeric binning ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Prebins:
    """A numeric factor aggregated in DuckDB: per pre-bin (ascending) its first value ``x``, loans and bads;
    the missing values' loans and bads; its number of distinct values and the loans of its most common value.

    Pre-bins are the distinct values when there are at most ``MAX_PREBINS`` of them (``exact``), else
    ``MAX_PREBINS`` equal-width slices between the 0.5 % and 99.5 % quantiles plus one slice for each tail (a value
    is never split). Without ``exact``, ``distinct`` is DuckDB's estimate on the fixed sample (or the values counted,
    when every loan has more than the sample) and ``top`` the loans of the fullest slice."""

    x: np.ndarray
    count: np.ndarray
    bads: np.ndarray
    missing: int = 0
    missing_bads: int = 0
    distinct: int = 0
    top: int = 0
    exact: bool = True

    @property
    def total(self) -> int:
        return int(self.count.sum()) + self.missing

    def counts(self, spec: BinSpec) -> pd.DataFrame:
        """Loans and bads per bin of a numeric ``spec`` whose cut points are pre-bin starts."""
        codes = np.searchsorted(np.asarray(spec.cuts, dtype=float), self.x, side="right")
        frame = pd.DataFrame({"bin": codes.astype(np.int64), "count": self.count, "bads": self.bads})
        if self.missing:
            missing = pd.DataFrame({"bin": [MISSING], "count": [self.missing], "bads": [self.missing_bads]})
            frame = pd.concat([frame, missing], ignore_index=True)
        return frame

    def levels(self) -> pd.DataFrame:
        """The pre-bins as levels of an integer code (``key`` as the column's text, None = missing)."""
        keys = [str(int(v)) for v in self.x]
        frame = pd.DataFrame({"key": pd.Series(keys, dtype=object), "count": self.count, "bads": self.bads})
        if self.missing:
            missing = pd.DataFrame({"key": [None], "count": [self.missing], "bads": [self.missing_bads]})
            frame = pd.concat([frame, missing.astype({"key": object})], ignore_index=True)
        return frame


MAX_PREBINS = 1000


TAILS = (0.005, 0.995)  # the slices of a many-valued factor span these quantiles; the tails get one slice each
QUANTILE_SAMPLE = 100_000  # those quantiles come from a fixed sample of about this many loans


def prebins(
    con: duckdb.DuckDBPyConnection, pop: Population, factors: Sequence[str], max_prebins: int = MAX_PREBINS
) -> dict[str, Prebins]:
    """Pre-bins of numeric factors (NaN is missing) with no sort of the loans. A fixed sample of about
    ``QUANTILE_SAMPLE`` loans estimates each factor's distinct values; a factor with more than ``max_prebins`` values
    there is counted per equal-width slice between its sample's 0.5 % and 99.5 % quantiles, the others per value
    (two grouped scans of every loan, a grouping set per factor in each). A factor that turns out to have more
    values over every loan than in the sample is sliced from its value counts.
    Each pre-bin keeps its first value: the cut point that keeps it whole (slices only grow with the value)."""
    if not factors:
        return {}
    double = [f"CAST({store.quote_ident(f)} AS DOUBLE)" for f in factors]
    value_sql = [f"(CASE WHEN isnan({v}) THEN NULL ELSE {v} END)" for v in double]
    items = [(f"{v} AS v{i}", []) for i, v in enumerate(value_sql)]
    source, params = scan_sql(pop, items)
    k = len(factors)
    few, few_params = scan_sql(sampled(con, pop, QUANTILE_SAMPLE), items)
    counted = ", ".join(f"approx_count_distinct(v{i})" for i in range(k))
    distinct = dict(enumerate(con.execute(f"SELECT {counted} FROM {few}", few_params).fetchone()))
    wide = [i for i in range(k) if distinct[i] > max_prebins]
    rows = _exact_prebins(con, source, params, [i for i in range(k) if i not in wide])
    values = {i: sorted((r for r in rows if r[0] == i and r[1] is not None), key=lambda r: r[1]) for i in range(k)}
    surprising = [i for i in range(k) if len(values[i]) > max_prebins]  # more values than the sample showed
    tails = {}
    if wide or surprising:  # the slices' range, from the fixed sample (it only places the slices)
        found = ", ".join(f"quantile_cont(v{i}, {list(TAILS)})" for i in [*wide, *surprising])
        row = con.execute(f"SELECT {found} FROM {few}", few_params).fetchone()
        tails = dict(zip([*wide, *surprising], row, strict=True))
    for i in surprising:  # sliced from its value counts
        first, last = _slice_range(tails[i], values[i][0][1], values[i][-1][1])
        rows = [r for r in rows if r[0] != i or r[1] is None] + _slice_values(i, values[i], first, last, max_prebins)
        distinct[i] = len(values[i])
    rows += _sliced_prebins(con, source, params, {i: tails[i] for i in wide}, max_prebins)
    rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or 0.0))
    out = {}
    for i, factor in enumerate(factors):
        mine = [r for r in rows if r[0] == i and r[1] is not None]
        missing = [r for r in rows if r[0] == i and r[1] is None]
        count = np.array([r[2] for r in mine], dtype=np.int64)
        out[factor] = Prebins(
            x=np.array([r[1] for r in mine], dtype=float),
            count=count,
            bads=np.array([int(r[3]) for r in mine], dtype=np.int64),
            missing=int(missing[0][2]) if missing else 0,
            missing_bads=int(missing[0][3]) if missing else 0,
            distinct=int(distinct[i]) if i in wide or i in surprising else len(mine),
            top=int(count.max()) if len(count) else 0,
            exact=i not in wide and i not in surprising,
        )
    return out


def _slice_range(tails: Sequence[float] | None, low: float | None, high: float | None) -> tuple:
    """Where the equal-width slices of a many-valued factor start and end: its sample's 0.5 % and 99.5 %
    quantiles, else (when those coincide) its lowest and highest value; (None, None) when neither is known."""
    q_low, q_high = tails or (None, None)
    if q_low is not None and q_high > q_low:
        return q_low, q_high
    return low, high


def _slice_values(i: int, values: list[tuple], first: float, last: float, max_prebins: int) -> list[tuple]:
    """The pre-bins of factor ``i`` as slices of its ascending (i, value, loans, bads) rows: the same slices, first
    values and counts as the grouped scan of ``prebins`` (the same floating-point operations)."""
    x = np.array([r[1] for r in values], dtype=float)
    inside = np.minimum(np.floor((x - first) / ((last - first) / max_prebins)), max_prebins - 1)
    codes = np.where(x < first, -1.0, np.where(x >= last, float(max_prebins), inside))
    _, starts = np.unique(codes, return_index=True)  # codes only grow with the value
    count = np.add.reduceat(np.array([r[2] for r in values], dtype=np.int64), starts)
    bads = np.add.reduceat(np.array([int(r[3]) for r in values], dtype=np.int64), starts)
    return [(i, float(x[s]), int(n), int(b)) for s, n, b in zip(starts, count, bads, strict=True)]


def _sliced_prebins(
    con: duckdb.DuckDBPyConnection, source: str, params: list, tails: Mapping[int, object], max_prebins: int
) -> list[tuple]:
    """(factor index, first value, loans, bads) per equal-width slice of the many-valued factors ``tails`` (factor
    index: its sample quantiles), in one grouped scan (a grouping set per factor); a NULL value is the missing one.
    Slices span the quantiles (else, when they coincide, the factor's range) plus one slice for each tail."""
    if not tails:
        return []
    ranges = {i: _slice_range(q, None, None) for i, q in tails.items()}
    flat = [i for i, (first, _) in ranges.items() if first is None]
    if flat:  # sample quantiles that coincide: the slices span the factor's range
        found = ", ".join(f"min(v{i}), max(v{i})" for i in flat)
        row = con.execute(f"SELECT {found} FROM {source}", params).fetchone()
        for j, i in enumerate(flat):
            ranges[i] = (row[2 * j], row[2 * j + 1])
    slices, slice_params = [], []
    for i, (first, last) in ranges.items():
        slices.append(
            f"(CASE WHEN v{i} IS NULL THEN NULL WHEN v{i} < ? THEN -1 WHEN v{i} >= ? THEN {max_prebins} "
            f"ELSE least(floor((v{i} - ?) / ?), {max_prebins - 1}) END) AS s{i}"
        )
        slice_params += [first, last, first, (last - first) / max_prebins]
    wide = list(ranges)
    keys = ", ".join(f"s{i}" for i in wide)
    flags = ", ".join(f"GROUPING(s{i})" for i in wide)
    firsts = ", ".join(f"min(v{i})" for i in wide)
    sets = ", ".join(f"(s{i})" for i in wide)
    inner = f"SELECT {', '.join(f'v{i}' for i in wide)}, {', '.join(slices)}, __bad FROM {source}"
    found = con.execute(
        f"SELECT {keys}, {flags}, {firsts}, count(*), sum(__bad) FROM ({inner}) GROUP BY GROUPING SETS ({sets})",
        [*slice_params, *params],
    ).fetchall()
    k = len(wide)
    return [(i, r[2 * k + j], r[-2], r[-1]) for r in found for j, i in enumerate(wide) if r[k + j] == 0]


def _exact_prebins(con: duckdb.DuckDBPyConnection, source: str, params: list, exact: Sequence[int]) -> list[tuple]:
    """(factor index, value, loans, bads) per distinct value of the ``exact`` factors (``v{i}`` of ``source``), in
    one grouped scan (a grouping set per factor); a NULL value is the missing one."""
    if not exact:
        return []
    values = ", ".join(f"v{i}" for i in exact)
    flags = ", ".join(f"GROUPING(v{i})" for i in exact)
    sets = ", ".join(f"(v{i})" for i in exact)
    found = con.execute(
        f"SELECT {values}, {flags}, count(*), sum(__bad) FROM {source} GROUP BY GROUPING SETS ({sets})", params
    ).fetchall()
    k = len(exact)
    return [(i, r[j], r[-2], r[-1]) for r in found for j, i in enumerate(exact) if r[k + j] == 0]


def prebin_spec(factor: str, pre: Prebins, min_share: float = MIN_SHARE) -> BinSpec:
    """The optimal monotonic binning of a numeric factor from its pre-bins (optbinning), then bins without goods
    or bads merged with their closest neighbour (their WOE would be infinite)."""
    goods = pre.count - pre.bads
    cuts = _optimal.optimal_cuts(pre.x, goods, pre.bads, min_share, pre.total)
    codes = np.searchsorted(np.asarray(cuts, dtype=float), pre.x, side="right")
    blocks = []
    for code in range(len(cuts) + 1):
        inside = codes == code
        if inside.any():
            first = int(np.flatnonzero(inside)[0])
            blocks.append(_Block(int(pre.count[inside].sum()), int(pre.bads[inside].sum()), [first]))
    blocks = merge_small(blocks, 0)
    return BinSpec(factor, "numeric", "optimal", cuts=tuple(float(pre.x[b.members[0]]) for b in blocks[1:]))


_SEPARATORS = re.compile(r"[\s,;，；、]+")


def parse_cuts(text: str) -> tuple[float, ...]:
    """Cut points typed by hand: numbers separated by commas, semicolons or spaces (no thousands separators)."""
    tokens = [t for t in _SEPARATORS.split(text or "") if t]
    if not tokens:
        raise RiskLabError("binning.no_cuts")
    cuts = []
    for token in tokens:
        try:
            value = float(token)
        except ValueError:
            raise RiskLabError("binning.bad_cuts", token=token) from None
        if not math.isfinite(value):
            raise RiskLabError("binning.bad_cuts", token=token)
        cuts.append(value)
    return tuple(sorted(set(cuts)))


def manual_spec(factor: str, cuts_text: str) -> BinSpec:
    """A numeric spec from cut points typed by hand."""
    return BinSpec(factor, "numeric", "manual", cuts=parse_cuts(cuts_text))


def spec_from_assignment(factor: str, assignment: Mapping[str, int]) -> BinSpec:
    """A categorical spec from ``{level: bin number}`` (levels with the same number are merged; bins in number
    order)."""
    numbers: dict[int, list[str]] = {}
    for level, number in assignment.items():
        if number is None or (isinstance(number, float) and math.isnan(number)):
            raise RiskLabError("binning.unassigned", level=level)
        numbers.setdefault(int(number), []).append(str(level))
    if not numbers:
        raise RiskLabError("binning.unassigned", level="-")
    return BinSpec(factor, "categorical", "manual", groups=tuple(tuple(sorted(numbers[k])) for k in sorted(numbers)))


def make_spec(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factor: str,
    kind: str,
    method: str,
    *,
    n: int = 10,
    cuts_text: str | None = None,
    assignment: Mapping[str, int] | None = None,
) -> BinSpec:
    """The spec for ``method`` (one of ``METHODS``) with its parameters."""
    if method not in _METHODS:
        raise RiskLabError("binning.unknown_method", method=method)
    if kind not in _METHODS[method].kinds:
        raise RiskLabError("binning.method_kind", method=method, kind=kind)
    if method == "optimal":
        return optimal_spec(con, pop, factor, kind)
    if method == "quantile":
        return quantile_spec(con, pop, factor, n)
    if method == "levels":
        return levels_spec(con, pop, factor)
    if kind == "numeric":
        return manual_spec(factor, cuts_text or "")
    return spec_from_assignment(factor, assignment or {})


def build_binning(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    factor: str,
    kind: str,
    method: str,
    *,
    n: int = 10,
    cuts_text: str | None = None,
    assignment: Mapping[str, int] | None = None,
) -> Binning:
    """``make_spec`` and its binning table (the optimal method reuses its fine counts: one scan of the loans)."""
    if method == "optimal" and kind in _METHODS[method].kinds:
        return optimal_binning(con, pop, factor, kind)
    spec = make_spec(con, pop, factor, kind, method, n=n, cuts_text=cuts_text, assignment=assignment)
    return compute_binning(con, pop, spec)


# --- the binning table --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Binning:
    """A spec with its table: bin, label, count, share, goods, bads, bad_rate, woe, iv (one row per bin)."""

    spec: BinSpec
    table: pd.DataFrame

    @property
    def iv(self) -> float:
        """Information value: the sum of the bins' IV contributions."""
        return float(self.table["iv"].to_numpy().sum())

    @property
    def total(self) -> int:
        """Loans in the table."""
        return int(self.table["count"].to_numpy().sum())

    @property
    def missing_share(self) -> float:
        """Share of loans in the missing bin."""
        count = self.table["count"].to_numpy()
        missing = count[self.table["bin"].to_numpy() == MISSING].sum()
        return float(missing / count.sum()) if count.sum() else 0.0

    def with_totals(self) -> pd.DataFrame:
        """The table with a totals row (bin ``TOTAL``): all loans, goods and bads, the overall bad rate and the IV."""
        table = self.table
        count, bads = int(table["count"].sum()), int(table["bads"].sum())
        total = {
            "bin": TOTAL,
            "label": "total",
            "count": count,
            "share": 1.0 if count else 0.0,
            "goods": count - bads,
            "bads": bads,
            "bad_rate": bads / count if count else np.nan,
            "woe": np.nan,
            "iv": self.iv,
        }
        return pd.concat([table, pd.DataFrame([total]).astype(table.dtypes.to_dict())], ignore_index=True)

    def woe_map(self) -> dict[int, float]:
        """``{bin code: WOE}`` of the non-empty bins."""
        rows = self.table[self.table["count"] > 0]
        return dict(zip(rows["bin"].astype(int), rows["woe"].astype(float), strict=True))


def binning_table(spec: BinSpec, counts: pd.DataFrame) -> Binning:
    """The binning table of ``spec`` from its counts per bin (``bin``, ``count``, ``bads``): every bin of the spec
    (empty ones too), then unseen levels and missing values when present."""
    labels = spec.labels()
    bins = counts["bin"].to_numpy(dtype=np.int64)
    seen = set(bins[counts["count"].to_numpy() > 0].tolist())
    codes = [*labels, *(c for c in (OTHER, MISSING) if c in seen)]
    labels |= {OTHER: "other", MISSING: "missing"}
    at = {c: i for i, c in enumerate(codes)}
    count, bads = np.zeros(len(codes), dtype=np.int64), np.zeros(len(codes), dtype=np.int64)
    for b, n, d in zip(bins.tolist(), counts["count"].tolist(), counts["bads"].tolist(), strict=True):
        if b in at:
            count[at[b]] += n
            bads[at[b]] += d
    goods = count - bads
    total = count.sum()
    filled = count > 0
    woe, iv = np.full(len(codes), np.nan), np.zeros(len(codes))
    if goods[filled].sum() > 0 and bads[filled].sum() > 0:
        woe[filled], iv[filled] = core.woe_iv(goods[filled], bads[filled])
    with np.errstate(invalid="ignore", divide="ignore"):
        bad_rate = np.where(filled, bads / np.maximum(count, 1), np.nan)
    table = pd.DataFrame(
        {
            "bin": np.array(codes, dtype=np.int64),
            "label": [labels[c] for c in codes],
            "count": count,
            "share": count / total if total else np.zeros(len(codes)),
            "goods": goods,
            "bads": bads,
            "bad_rate": bad_rate,
            "woe": woe,
            "iv": iv,
        }
    )
    return Binning(spec, table)


def compute_binning(con: duckdb.DuckDBPyConnection, pop: Population, spec: BinSpec) -> Binning:
    """Apply ``spec`` to the population (one scan) and build its binning table."""
    pop.context.require_column(spec.factor)
    (counts,) = bin_counts(con, pop, [spec])
    return binning_table(spec, counts)


def coarsen(fine: BinSpec, counts: pd.DataFrame, coarse: BinSpec) -> pd.DataFrame:
    """Counts per bin of ``coarse`` from finer counts: per fine bin (column ``bin``; numeric, the coarse cuts being
    a subset of ``fine``'s) or per level (column ``key``; categorical)."""
    if coarse.kind == "categorical":
        where = {level: i for i, group in enumerate(coarse.groups) for level in group}
        codes = np.array([MISSING if pd.isna(k) else where.get(k, OTHER) for k in counts["key"]], dtype=np.int64)
    else:
        fine_bins = counts["bin"].to_numpy(dtype=np.int64)
        lower = np.array([-np.inf, *fine.cuts])[np.maximum(fine_bins, 0)]
        codes = np.where(fine_bins == MISSING, MISSING, np.searchsorted(coarse.cuts, lower, side="right"))
    return pd.DataFrame({"bin": codes, "count": counts["count"].to_numpy(), "bads": counts["bads"].to_numpy()})


def woe_sql(binning: Binning, column_sql: str | None = None) -> tuple[str, list]:
    """An SQL expression giving each loan the WOE of its bin (0 for bins the binning has not seen)."""
    bin_expr, params = bin_sql(binning.spec, column_sql)
    pairs = binning.woe_map()
    whens = " ".join(f"WHEN {code} THEN ?" for code in pairs)
    return f"(CASE {bin_expr} {whens} ELSE 0.0 END)", [*params, *pairs.values()]


_DELETE = (
    "DELETE FROM risklab_catalog.binnings WHERE table_name = ? AND factor = ? AND name = ? "
    "AND (? IS NULL OR version = ?)"
)

# --- saved binnings (named, versioned like models and rule sets) --------------------------------------------------


def save_binning(con: duckdb.DuckDBPyConnection, table: str, spec: BinSpec, name: str) -> int:
    """Save ``spec`` for ``table`` as the next version of ``name`` (versions never overwrite); returns the version."""
    name = (name or "").strip()
    if not 1 <= len(name) <= NAME_LENGTH:
        raise RiskLabError("binning.bad_name", max=NAME_LENGTH)
    store.require_column(con, table, spec.factor)

    def insert() -> int:
        with store.transaction(con):
            ((version,),) = con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM risklab_catalog.binnings "
                "WHERE table_name = ? AND factor = ? AND name = ?",
                [table, spec.factor, name],
            ).fetchall()
            con.execute(
                "INSERT INTO risklab_catalog.binnings (table_name, factor, name, version, method, spec) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [table, spec.factor, name, version, spec.method, json.dumps(spec.to_dict(), ensure_ascii=False)],
            )
            store.audit(con, "save_binning", table, factor=spec.factor, name=name, version=version, method=spec.method)
        return int(version)

    return store.retry_conflicts(insert)


def list_binnings(con: duckdb.DuckDBPyConnection, table: str, factor: str | None = None) -> pd.DataFrame:
    """Saved binnings of ``table`` (of one factor, when given), newest first: id, factor, name, version, method,
    saved_at."""
    return con.execute(
        "SELECT id, factor, name, version, method, saved_at FROM risklab_catalog.binnings WHERE table_name = ? "
        "AND (? IS NULL OR factor = ?) ORDER BY id DESC",
        [table, factor, factor],
    ).df()


def load_binning(
    con: duckdb.DuckDBPyConnection, table: str, factor: str, name: str, version: int | None = None
) -> BinSpec:
    """The saved binning ``name`` of ``factor`` in ``table`` (its latest version unless ``version``)."""
    rows = con.execute(
        "SELECT spec FROM risklab_catalog.binnings WHERE table_name = ? AND factor = ? AND name = ? "
        "AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
        [table, factor, name, version, version],
    ).fetchall()
    if not rows:
        raise RiskLabError("binning.not_found", table=table, factor=factor, name=name)
    return BinSpec.from_dict(json.loads(rows[0][0]), name=name)


def delete_binning(
    con: duckdb.DuckDBPyConnection, table: str, factor: str, name: str, version: int | None = None
) -> None:
    """Delete one version of a saved binning, or all its versions when ``version`` is None (audited)."""
    load_binning(con, table, factor, name, version)
    with store.transaction(con):
        con.execute(_DELETE, [table, factor, name, version, version])
        store.audit(con, "delete_binning", table, factor=factor, name=name, version=version)


def latest_binnings(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, BinSpec]:
    """The most recently saved binning of each factor of ``table``."""
    rows = con.execute(
        "SELECT name, spec FROM risklab_catalog.binnings WHERE table_name = ? "
        "QUALIFY row_number() OVER (PARTITION BY factor ORDER BY id DESC) = 1",
        [table],
    ).fetchall()
    specs = (BinSpec.from_dict(json.loads(spec), name=name) for name, spec in rows)
    return {s.factor: s for s in specs}


def saved_version(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """A key that changes whenever a binning of ``table`` is saved or deleted (for UI caches)."""
    ((count, last),) = con.execute(
        "SELECT count(*), coalesce(max(id), 0) FROM risklab_catalog.binnings WHERE table_name = ?", [table]
    ).fetchall()
    return int(count), int(last)


def as_specs(items: Iterable[BinSpec | Binning]) -> list[BinSpec]:
    """Specs from specs or binnings."""
    return [i.spec if isinstance(i, Binning) else i for i in items]

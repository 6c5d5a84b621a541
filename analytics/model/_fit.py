"""The logit model builder: specification, fit, plain-language warnings, stepwise selection and saved versions.

The design matrix is built from DuckDB query results, never from a formula over a big frame. One grouped scan of
the loans gives the outcome and train/test counts, the levels and bins and, when every factor is categorical or
WOE-binned, the aggregated cells themselves (one row per factor combination with its loans and defaults): Newton's
method on the binomial counts gives exactly the row-level estimates at a cost that grows with the number of
cells, not loans, and the validation comes from the same cells (``_cells``). Otherwise the fit is
row-level on every training loan: statsmodels ``Logit`` up to ``MAX_FIT_ROWS`` loans, beyond that the exact
batched Newton of ``_irls`` (compact arrays, no dense design), validated by scoring every loan with the
model's own SQL expression (``_validation``). A seeded sample is used only when a caller asks for one
(``max_rows``; stepwise selection), and then said in a warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
import warnings as py_warnings
from collections.abc import Callable, Collection, Sequence

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from threadpoolctl import threadpool_limits

from analytics import core, datasets, factors, store
from analytics.core import Notice, RiskLabError
from analytics.datasets import TableContext
from analytics.factors import Population
from analytics.model import _cells as cells
from analytics.model import _irls as irls
from analytics.model import _scorecard as scorecard
from analytics.model import _validation as validation
from analytics.model._scorecard import (
    CONST,
    MISSING_LEVEL,
    TREATMENTS,
    Encoding,
    FactorSpec,
    Literal,
    ModelSpec,
    SavedModel,
    Scaling,
)

MAX_FIT_ROWS = 200_000  # above this many training loans, row fits use the exact batched Newton (_irls)
STEPWISE_ROWS = 200_000  # stepwise selection fits many models: on a seeded sample beyond this, the final fit on all
MAX_LEVELS = 100
MAX_ITERATIONS = 100
CV_FOLDS = 5
FETCH_ROWS = 1 << 20  # rows per Arrow record batch of a batched fit's training loans
CV_ROWS = 200_000  # row-level cross-validation on at most this many training loans (a seeded subset)
VIF_LIMIT = 10.0
EVENTS_PER_PARAMETER = 10
IMPLAUSIBLE_EFFECT = 10.0  # |coef| of a 0/1 term, or |coef| x SD of another term, beyond which odds are absurd
HOLDOUTS = ("none", "random", "time")
FIT_METHODS = ("auto", "cells", "rows")


# --- the training data --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Data:
    """Design blocks per factor with outcomes: rows (``loans`` None, ``y`` 0/1, ``fold`` per row) or cells
    (``y`` = defaults; ``folds``: loans and defaults of each cell per cross-validation fold, cells x folds x 2)."""

    blocks: tuple[np.ndarray, ...]
    y: np.ndarray
    loans: np.ndarray | None
    fold: np.ndarray | None = None
    folds: np.ndarray | None = None

    def design(self, which: Sequence[int]) -> np.ndarray:
        return np.column_stack([np.ones(len(self.y)), *(self.blocks[i] for i in which)])

    def subset(self, mask: np.ndarray) -> _Data:
        """Some of the rows (row data)."""
        return _Data(tuple(b[mask] for b in self.blocks), self.y[mask], None, self.fold[mask])

    @property
    def weights(self) -> np.ndarray:
        return np.ones(len(self.y)) if self.loans is None else self.loans.astype(float)

    @property
    def n(self) -> int:
        return int(self.weights.sum())

    @property
    def events(self) -> float:
        """Defaults (frequency-weighted: a fraction after reject inference's fuzzy augmentation)."""
        total = float(self.y.sum())
        return int(total) if total.is_integer() else total


@dataclasses.dataclass(frozen=True)
class _Prepared:
    spec: ModelSpec
    pop: Population
    encodings: tuple[Encoding, ...]
    data: _Data
    method: str
    rows_total: int
    sampled: bool
    notices: tuple[Notice, ...]
    scan: pd.DataFrame | None = None  # the cell path's groups of every part (validation from cells)


def _item(build: Callable[[Literal], str], alias: str) -> tuple[str, list]:
    params: list = []
    return f"{build(scorecard.binder(params))} AS {alias}", params


def _check_spec(ctx: TableContext, spec: ModelSpec) -> None:
    if ctx.table != spec.table:
        raise ValueError(f"the context of table {ctx.table!r} does not fit a model of table {spec.table!r}")
    if not spec.factors:
        raise RiskLabError("factors.none_chosen")
    types = ctx.types
    seen = set()
    for f in spec.factors:
        ctx.require_column(f.column)
        if f.column in seen:
            raise RiskLabError("model.duplicate_factor", column=f.column)
        seen.add(f.column)
        if f.treatment not in TREATMENTS:
            raise RiskLabError("model.unknown_treatment", column=f.column, treatment=f.treatment)
        kind = datasets.type_class(types[f.column])
        if f.treatment in ("numeric", "log") and kind not in ("integer", "float", "boolean"):
            raise RiskLabError("model.not_numeric", column=f.column, type=types[f.column])
        if f.treatment == "woe" and not f.binning:
            raise RiskLabError("model.no_binning", column=f.column)
    if spec.segment_column is not None:
        ctx.require_column(spec.segment_column)
        if not spec.segment_values:
            raise RiskLabError("segments.no_values", column=spec.segment_column)
    if spec.holdout not in HOLDOUTS:
        raise RiskLabError("model.unknown_holdout", holdout=spec.holdout)
    if spec.holdout == "random" and not 0.05 <= spec.fraction <= 0.95:
        raise RiskLabError("model.bad_fraction", fraction=spec.fraction)


def _part_sql(ctx: TableContext, spec: ModelSpec, lit: Literal) -> str:
    """SQL giving 0 (train) or 1 (test) per loan (NULL: in neither, e.g. no date under a time split, or outside
    the spec's segment)."""
    if spec.segment_column is None:
        return _split_sql(ctx, spec, lit)
    return f"(CASE WHEN {spec.segment_sql(lit)} THEN {_split_sql(ctx, spec, lit)} END)"


def _split_sql(ctx: TableContext, spec: ModelSpec, lit: Literal) -> str:
    """The holdout's part of every loan: 0 (train), 1 (test) or NULL (in neither)."""
    if spec.holdout == "none":
        return "0"
    if spec.holdout == "random":
        seed, cut = lit(int(spec.seed)), lit(round(spec.fraction * 1e6))
        return f"(CASE WHEN hash(rowid, {seed}) % 1000000 < {cut} THEN 1 ELSE 0 END)"
    column = spec.date_column or ctx.column_with_role("origination_date")
    if not column:
        raise RiskLabError("model.no_date_column", table=spec.table)
    ctx.require_column(column)
    try:
        day = dt.date.fromisoformat(str(spec.split_date))
    except ValueError:
        raise RiskLabError("model.bad_split_date", date=spec.split_date) from None
    d = f"TRY_CAST({store.quote_ident(column)} AS DATE)"
    before = ""
    if spec.start_date is not None:  # a recent window: loans before it are in neither part
        try:
            start = dt.date.fromisoformat(str(spec.start_date))
        except ValueError:
            raise RiskLabError("model.bad_split_date", date=spec.start_date) from None
        before = f"WHEN {d} < CAST({lit(start.isoformat())} AS DATE) THEN NULL "
    split = f"CAST({lit(day.isoformat())} AS DATE)"
    return f"(CASE WHEN {d} IS NULL THEN NULL {before}WHEN {d} < {split} THEN 0 ELSE 1 END)"


def training_sql(ctx: TableContext, spec: ModelSpec, lit: Literal) -> str:
    """SQL that is true for the loans of a model's training part (its development sample, before the outcome
    and the population's conditions)."""
    return f"({_part_sql(ctx, spec, lit)} = 0)"


def _raw_sql(f: FactorSpec, bins: factors.BinSpec | None) -> Callable[[Literal], str]:
    """What the fit reads per factor: the number, the level text or the bin code."""
    if f.treatment in ("numeric", "log"):
        return lambda lit: f"CAST({store.quote_ident(f.column)} AS DOUBLE PRECISION)"
    if f.treatment == "categorical":
        return lambda lit: scorecard.level_sql(f.column, lit)
    return lambda lit: scorecard.bin_code_sql(bins, f.column, lit)


def sorted_levels(levels: list[str]) -> list[str]:
    """Levels in their natural order (numbers as numbers), the missing level last."""
    present = [v for v in levels if v != MISSING_LEVEL]
    try:
        ordered = sorted(present, key=float)
    except ValueError:
        ordered = sorted(present)
    return ordered + [MISSING_LEVEL] * (len(present) < len(levels))


MAX_SCAN_GROUPS = 1_000_000  # above this many groups in the one scan, levels are checked per factor first


def _key_sql(f: FactorSpec, bins: factors.BinSpec | None, cells: bool) -> Callable[[Literal], str] | None:
    """What the one scan groups by per factor: the raw value of a categorical factor (cast to its level text only
    after grouping), the bin code of a WOE factor, the number of a numeric factor when fitting on cells."""
    if f.treatment == "categorical":
        return lambda lit: store.quote_ident(f.column)
    if f.treatment == "woe":
        return lambda lit: scorecard.bin_code_sql(bins, f.column, lit)
    return _raw_sql(f, bins) if cells else None


def _scan(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, pop: Population, bins: dict, cells: bool, folds: int
) -> tuple[pd.DataFrame, tuple[list, list] | None]:
    """ONE grouped scan of the loans: per (part, fold when ``folds`` > 1, factor keys) the loans, those complete in
    the numeric factors, their defaults, all defaults, per log factor values <= 0 and per numeric factor the loans
    that have it.

    Per-loan work is kept to grouping: categorical keys are cast to their level text after grouping, and a flag or
    classification outcome (matched as text) is grouped by its raw value and evaluated per group. Also returns
    those raw outcome values: (meaning default, meaning no default), or None for a days-past-due definition.
    """
    numeric = [i for i, f in enumerate(spec.factors) if f.treatment in ("numeric", "log")]
    keys = {i: _key_sql(f, bins.get(f.column), cells) for i, f in enumerate(spec.factors)}
    keys = {i: k for i, k in keys.items() if k is not None}
    expr, expr_params = datasets.default_sql(pop.defn)
    by_value = pop.defn.kind in ("flag", "classification")  # few distinct values, costly text matching
    raw = store.quote_ident(pop.defn.column)
    items = [_item(lambda lit: _part_sql(pop.context, spec, lit), "__part")]
    if folds > 1:
        items.append(_item(lambda lit: f"hash(rowid, {lit(int(spec.seed))}, 'fold') % {int(folds)}", "__fold"))
    items += [_item(k, f"__k{i}") for i, k in keys.items()]
    items += [_item(_raw_sql(spec.factors[i], None), f"__x{i}") for i in numeric if i not in keys]
    items.append((f"{raw} AS __o", []) if by_value else (f"{expr} AS __o", list(expr_params)))
    where, where_params = factors.population_where(pop)  # the population's condition (booked loans)
    select = ", ".join(sql for sql, _ in items)
    scan_params = [p for _, item_params in items for p in item_params] + where_params
    value = {i: f"__k{i}" if i in keys else f"__x{i}" for i in numeric}
    complete = " AND ".join(f"{value[i]} IS NOT NULL AND NOT isnan({value[i]})" for i in numeric) or "TRUE"
    logs = [i for i in numeric if spec.factors[i].treatment == "log"]
    group = ["__part", *(["__fold"] if folds > 1 else []), *(f"__k{i}" for i in keys), "__o"]
    counts = ["total", "kept", *(f"nonpos{i}" for i in logs), *(f"present{i}" for i in numeric)]
    present = {i: f"{value[i]} IS NOT NULL AND NOT isnan({value[i]})" for i in numeric}
    grouped = (
        f"SELECT {', '.join(group)}, count(*) AS __total, count(*) FILTER (WHERE {complete}) AS __kept"
        + "".join(f", count(*) FILTER (WHERE {value[i]} <= 0) AS __nonpos{i}" for i in logs)
        + "".join(f", count(*) FILTER (WHERE {present[i]}) AS __present{i}" for i in numeric)
        + f" FROM (SELECT {select} FROM {store.quote_ident(pop.table)} {where}) GROUP BY ALL"
    )
    missing = "'" + MISSING_LEVEL.replace("'", "''") + "'"
    parts = group[: len(group) - len(keys) - 1]
    levels = [
        f"COALESCE(CAST(__k{i} AS VARCHAR), {missing}) AS f{i}"
        if spec.factors[i].treatment == "categorical"
        else f"__k{i} AS f{i}"
        for i in keys
    ]
    named = f"SELECT *, __o AS {raw} FROM ({grouped})" if by_value else grouped
    bad = expr if by_value else "__o"
    sql = (
        f"SELECT {', '.join([*parts, *levels, *(f'__{c} AS {c}' for c in counts)])}, {bad} AS __bad, __o "
        f"FROM ({named})"
    )  # no WHERE on __bad: DuckDB would push it below the GROUP BY, back to one text match per loan
    params = [*(expr_params if by_value else []), *scan_params]
    frame = con.execute(f"{sql} LIMIT {MAX_SCAN_GROUPS + 1}", params).df()
    if len(frame) > MAX_SCAN_GROUPS:  # a factor with very many levels (an ID?): say so before fetching it all
        _check_level_counts(
            con, spec, f"({sql})", params, [i for i in keys if spec.factors[i].treatment == "categorical"]
        )
        frame = con.execute(sql, params).df()
    frame = frame[frame["__bad"].notna()]
    values = None
    if by_value:
        pairs = frame[["__o", "__bad"]].drop_duplicates()
        values = tuple(pairs.loc[pairs["__bad"] == b, "__o"].tolist() for b in (1, 0))
    for column in counts:
        frame[column] = frame[column].fillna(0).astype(np.int64)
    bads = frame["__bad"].astype(np.int64)
    frame["bads_all"], frame["bads"] = frame["total"] * bads, frame["kept"] * bads
    keys_out = [*parts, *(f"f{i}" for i in keys)]
    return frame.groupby(keys_out, dropna=False, sort=False)[[*counts, "bads_all", "bads"]].sum().reset_index(), values


def _check_level_counts(con: duckdb.DuckDBPyConnection, spec: ModelSpec, source: str, params: list, keyed: list):
    """Raise ``model.too_many_levels`` for a categorical factor with more than ``MAX_LEVELS`` training levels."""
    if not keyed:
        return
    counts = ", ".join(f"count(DISTINCT f{i})" for i in keyed)
    (found,) = con.execute(f"SELECT {counts} FROM {source} WHERE __part = 0", params).fetchall()
    for i, levels in zip(keyed, found, strict=True):
        if levels > MAX_LEVELS:
            raise RiskLabError("model.too_many_levels", column=spec.factors[i].column, levels=levels, max=MAX_LEVELS)


def _prepare(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    *,
    method: str = "auto",
    max_rows: int | None = None,
    folds: int = CV_FOLDS,
) -> _Prepared:
    """Check the spec, read the training data from DuckDB (cells or rows) and freeze the factor encodings.

    One grouped scan gives the outcome counts, the train/test counts, the levels and, on the cell path, the cells
    themselves. Rows: all training loans (statsmodels up to ``MAX_FIT_ROWS``, beyond that the exact batched
    Newton of ``_irls``), or a seeded sample of ``max_rows`` when the caller asks for one.
    """
    _check_spec(ctx, spec)
    if method not in FIT_METHODS:
        raise RiskLabError("model.unknown_method", method=method)
    pop = factors.population(ctx, spec.outcome, booked_only=spec.booked_only)
    columns = {pop.defn.column, pop.booked_column}
    for f in spec.factors:
        if f.column in columns:
            raise RiskLabError("model.factor_is_outcome", column=f.column)
    bins = {f.column: factors.load_binning(con, spec.table, f.column, f.binning) for f in spec.factors if f.binning}
    bins = {f.column: bins.get(f.column) for f in spec.factors if f.treatment == "woe"}
    numeric = [i for i, f in enumerate(spec.factors) if f.treatment in ("numeric", "log")]
    use_cells = method == "cells" or (method == "auto" and not numeric)
    folds = max(int(folds), 1)
    frame, outcome_values = _scan(con, spec, pop, bins, use_cells, folds if use_cells else 1)
    known, defaults = int(frame["total"].sum()), int(frame["bads_all"].sum())
    datasets.check_two_classes(_outcome_summary(pop, known, defaults))
    counted = [c for c in frame.columns if c in _COUNTS or c.startswith(("nonpos", "present"))]
    parts = frame.groupby("__part", dropna=True)[counted].sum()
    if spec.segment_column is not None:
        _check_segment(spec, parts)
    if 0 not in parts.index:
        raise RiskLabError("model.empty_train")
    if not parts.loc[0, "kept"]:
        _no_complete_rows(spec, numeric, parts.loc[0])
    if spec.holdout != "none" and 1 not in parts.index:
        raise RiskLabError("model.empty_test")
    total, kept, events = (int(parts.loc[0, c]) for c in ("total", "kept", "bads"))
    for i in numeric:
        bad = int(parts.loc[0, f"nonpos{i}"]) if f"nonpos{i}" in parts.columns else 0
        if bad:
            raise RiskLabError("model.log_not_positive", column=spec.factors[i].column, rows=bad)
    if events in (0, kept):
        raise RiskLabError("model.train_one_class", loans=kept)
    notices = []
    if kept < total:
        names = ", ".join(spec.factors[i].column for i in numeric)
        notices.append(Notice("model.dropped_missing", rows=total - kept, columns=names))
    train = frame[(frame["__part"] == 0) & (frame["kept"] > 0)]
    encodings, level_notices = _encodings(spec, bins, train)
    notices += level_notices
    sampled = False
    if use_cells:
        data = _cell_data(train.rename(columns={"kept": "n", "bads": "d"}), encodings, folds)
    elif max_rows is None and kept > MAX_FIT_ROWS:
        bad = _bad_sql(pop, outcome_values)
        data = _batched_rows(con, spec, pop, bins, encodings, folds, kept, bad)
    else:
        sampled = max_rows is not None and kept > max_rows
        bad = _bad_sql(pop, outcome_values)
        data = _fetch_rows(con, spec, pop, bins, encodings, folds, max_rows if sampled else None, bad)
        if sampled:
            notices.append(Notice("model.sampled", rows=max_rows, total=kept))
    return _Prepared(
        spec=dataclasses.replace(spec, outcome=pop.defn),
        pop=pop,
        encodings=encodings,
        data=data,
        method="cells" if use_cells else "rows",
        rows_total=int(kept),
        sampled=sampled,
        notices=tuple(notices),
        scan=frame if use_cells else None,
    )


_COUNTS = ("total", "kept", "bads_all", "bads")
MIN_SEGMENT_LOANS = 50  # a segment's training loans below which its own model is refused


def _check_segment(spec: ModelSpec, parts: pd.DataFrame) -> None:
    """Say so in one sentence when a segment has too few training loans or only one outcome."""
    loans = int(parts.loc[0, "total"]) if 0 in parts.index else 0
    defaults = int(parts.loc[0, "bads_all"]) if 0 in parts.index else 0
    if loans < MIN_SEGMENT_LOANS:
        raise RiskLabError("segments.too_few", segment=spec.segment, loans=loans, min=MIN_SEGMENT_LOANS)
    if defaults in (0, loans):
        raise RiskLabError("segments.one_class", segment=spec.segment, loans=loans, defaults=defaults)


def _no_complete_rows(spec: ModelSpec, numeric: list[int], train: pd.Series) -> None:
    """Say why no training loan has every numeric factor: the factor no training loan has, else the factors that
    are never filled in together (or, with none numeric, that the sample is empty)."""
    if not train["total"]:
        raise RiskLabError("model.empty_train")
    empty = [spec.factors[i].column for i in numeric if not train.get(f"present{i}", 0)]
    if empty:
        raise RiskLabError("model.factor_all_missing", columns=", ".join(empty), loans=int(train["total"]))
    names = ", ".join(spec.factors[i].column for i in numeric)
    raise RiskLabError("model.no_complete_rows", columns=names, loans=int(train["total"]))


def _outcome_summary(pop: Population, known: int, defaults: int) -> dict:
    """What ``outcome.default_summary`` says of the population, from the scan's counts."""
    column = pop.defn.column
    warning = None
    if known == 0:
        warning = Notice("outcome.no_known", column=column)
    elif defaults == 0:
        warning = Notice("outcome.no_defaults", known=known, column=column)
    elif defaults == known:
        warning = Notice("outcome.all_defaults", known=known, column=column)
    return {"known": known, "defaults": defaults, "warning": warning}


def _bad_sql(pop: Population, values: tuple[list, list] | None) -> tuple[str, list]:
    """The outcome per loan (1, 0 or NULL): the definition's SQL, or for a flag or classification the raw values
    the scan found to mean default / no default (no text matching per loan)."""
    if values is None:
        expr, params = datasets.default_sql(pop.defn)
        return expr, list(params)
    kind = pop.context.types[pop.defn.column]
    raw = store.quote_ident(pop.defn.column)
    listed = f"CAST(? AS {kind}[])"
    sql = f"(CASE WHEN list_contains({listed}, {raw}) THEN 1 WHEN list_contains({listed}, {raw}) THEN 0 END)"
    return sql, [values[0], values[1]]


def _train_rows_sql(
    spec: ModelSpec,
    pop: Population,
    bins: dict,
    encodings: Sequence[Encoding],
    folds: int,
    bad: tuple[str, list],
) -> tuple[str, list]:
    """The training loans complete in their numbers: fold, outcome, categorical level codes (integers travel faster
    than text), WOE bin codes and numbers (``__row`` for a seeded order)."""
    items = [
        _item(lambda lit: _part_sql(pop.context, spec, lit), "__part"),
        _item(lambda lit: f"hash(rowid, {lit(int(spec.seed))}, 'fold') % {int(folds)}" if folds > 1 else "0", "__fold"),
        ("rowid AS __row", []),
        *(_item(_raw_sql(f, bins.get(f.column)), f"f{i}") for i, f in enumerate(spec.factors)),
    ]
    where, where_params = factors.population_where(pop)
    inner = (
        f"SELECT {', '.join(sql for sql, _ in items)}, {bad[0]} AS __bad FROM {store.quote_ident(pop.table)} {where}"
    )
    source = f"(SELECT * FROM ({inner}) WHERE __bad IS NOT NULL)"
    params = [*(p for _, item_params in items for p in item_params), *bad[1], *where_params]
    numeric = [i for i, e in enumerate(encodings) if e.treatment in ("numeric", "log")]
    complete = " AND ".join(f"f{i} IS NOT NULL AND NOT isnan(f{i})" for i in numeric) or "TRUE"
    codes = [
        f"CAST(list_position(CAST(? AS VARCHAR[]), f{i}) - 1 AS SMALLINT) AS f{i}"
        if e.treatment == "categorical"
        else f"CAST(f{i} AS SMALLINT) AS f{i}"
        if e.treatment == "woe"
        else f"f{i}"
        for i, e in enumerate(encodings)
    ]
    lists = [list(e.levels) for e in encodings if e.treatment == "categorical"]
    sql = f"SELECT CAST(__fold AS TINYINT) AS __fold, CAST(__bad AS TINYINT) AS __bad, __row, {', '.join(codes)} "
    return sql + f"FROM {source} WHERE __part = 0 AND {complete}", [*lists, *params]


def _fetch_rows(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    pop: Population,
    bins: dict,
    encodings: Sequence[Encoding],
    folds: int,
    sample: int | None,
    bad: tuple[str, list],
) -> _Data:
    """Row data for statsmodels: every training loan, or a seeded sample of ``sample`` loans."""
    sql, params = _train_rows_sql(spec, pop, bins, encodings, folds, bad)
    if sample is not None:
        sql += f" ORDER BY hash(__row, {int(spec.seed)}, 'sample') LIMIT {int(sample)}"
    return _row_data(con.execute(sql, params).fetchnumpy(), encodings)


def _batched_rows(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    pop: Population,
    bins: dict,
    encodings: Sequence[Encoding],
    folds: int,
    loans: int,
    bad: tuple[str, list],
) -> irls.Rows:
    """All ``loans`` training loans as compact arrays for the exact batched Newton (no dense design, no frame):
    fetched in Arrow record batches into preallocated numpy arrays."""
    sql, params = _train_rows_sql(spec, pop, bins, encodings, folds, bad)
    keyed = [i for i, e in enumerate(encodings) if e.treatment in ("categorical", "woe")]
    numeric = [i for i, e in enumerate(encodings) if e.treatment in ("numeric", "log")]
    sizes = [
        len(e.levels) if e.treatment == "categorical" else max(c for c, _ in e.woe) + 3
        for e in (encodings[i] for i in keyed)
    ]
    strides = np.cumprod([1, *sizes[:-1]]).astype(np.int64) if keyed else np.zeros(0, dtype=np.int64)
    combined = np.zeros(loans, dtype=np.int64)
    numbers = np.empty((len(numeric), loans))
    y = np.empty(loans)
    fold = np.empty(loans, dtype=np.int8)
    at = 0
    rows_sql = f"SELECT * EXCLUDE (__row) FROM ({sql})"  # the row id only orders a sample
    for batch in con.sql(rows_sql, params=params).to_arrow_reader(FETCH_ROWS):
        size = batch.num_rows
        if at + size > loans:
            raise RiskLabError("model.empty_train")  # the table changed under the fit
        columns = {name: batch.column(name).to_numpy(zero_copy_only=False) for name in batch.schema.names}
        part = slice(at, at + size)
        y[part], fold[part] = columns["__bad"], columns["__fold"]
        for k, i in enumerate(keyed):
            offset = 2 if encodings[i].treatment == "woe" else 0  # bin codes start at OTHER (-2)
            combined[part] += (columns[f"f{i}"].astype(np.int64) + offset) * strides[k]
        for k, i in enumerate(numeric):
            values = columns[f"f{i}"].astype(float)
            numbers[k, part] = np.log(values) if encodings[i].treatment == "log" else values
        at += size
    if at != loans:
        raise RiskLabError("model.empty_train")
    if len(strides) and strides[-1] * sizes[-1] <= 4 * loans:  # few possible cells: a lookup, no sort
        found = np.bincount(combined, minlength=int(strides[-1] * sizes[-1])) > 0
        present = np.flatnonzero(found)
        cell = (np.cumsum(found) - 1)[combined]
    else:
        present, cell = np.unique(combined, return_inverse=True)
    del combined
    blocks = []
    for k, i in enumerate(keyed):
        codes = present // strides[k] % sizes[k]
        enc = encodings[i]
        if enc.treatment == "categorical":
            blocks.append((codes[:, None] == np.arange(1, len(enc.levels))[None, :]).astype(float))
        else:
            lookup = np.full(sizes[k], np.nan)
            for code, woe in enc.woe:
                lookup[code + 2] = woe
            blocks.append(lookup[codes][:, None])
    cell_x = np.column_stack([np.ones(len(present)), *blocks])
    widths = [len(e.terms()) for e in encodings]
    starts = np.cumsum([1, *widths])  # each factor's first column in the model's order
    structured = [0]
    for i in keyed:
        structured += range(starts[i], starts[i] + widths[i])
    structured += [starts[i] for i in numeric]
    order = np.argsort(structured)  # model column j is structured column order[j]
    binary = np.concatenate(
        [
            np.all((cell_x == 0) | (cell_x == 1), axis=0),
            [_zero_one(row) for row in numbers],
        ]
    )[order]
    return irls.Rows(cell_x, cell.astype(np.intp, copy=False), numbers, y, fold, order, binary)


def _zero_one(values: np.ndarray) -> bool:
    """Whether every value is 0 or 1 (a 0/1 column): the first values decide at once for a continuous one."""
    head = values[:1024]
    return bool(np.all((head == 0) | (head == 1)) and np.all((values == 0) | (values == 1)))


def _encodings(spec: ModelSpec, bins: dict, train: pd.DataFrame) -> tuple[tuple[Encoding, ...], list[Notice]]:
    """Levels (reference first) and WOE per bin from the training loans (the scan's groups), with notices on
    levels without events."""
    encodings, notices = [], []
    for i, f in enumerate(spec.factors):
        if f.treatment in ("numeric", "log"):
            encodings.append(Encoding(f.column, f.treatment))
            continue
        grouped = train.groupby(f"f{i}", sort=True)[["kept", "bads"]].sum().reset_index()
        frame = pd.DataFrame(
            {"key": grouped[f"f{i}"].tolist(), "count": grouped["kept"].tolist(), "bads": grouped["bads"].tolist()}
        )
        if len(frame) < 2:
            raise RiskLabError("model.one_level", column=f.column)
        if f.treatment == "woe":
            frame["key"] = frame["key"].astype(int)
            table = factors.binning_table(bins[f.column], frame.rename(columns={"key": "bin"})).table
            filled = table[table["count"] > 0]
            woe = tuple(zip(filled["bin"].astype(int).tolist(), filled["woe"].astype(float).tolist(), strict=True))
            encodings.append(Encoding(f.column, "woe", bins=bins[f.column], woe=woe))
            continue
        if len(frame) > MAX_LEVELS:
            raise RiskLabError("model.too_many_levels", column=f.column, levels=len(frame), max=MAX_LEVELS)
        levels = sorted_levels(frame["key"].tolist())
        reference = levels[0] if f.reference is None else str(f.reference)
        if reference not in levels:
            shown = ", ".join(levels[:8]) + (" ..." if len(levels) > 8 else "")
            raise RiskLabError("model.unknown_reference", column=f.column, level=reference, levels=shown)
        for level, n, bads in frame.sort_values("key").itertuples(index=False):
            if bads == 0:
                notices.append(Notice("model.level_no_events", column=f.column, level=level, loans=int(n)))
            elif bads == n:
                notices.append(Notice("model.level_all_events", column=f.column, level=level, loans=int(n)))
        ordered = (reference, *(v for v in levels if v != reference))
        encodings.append(Encoding(f.column, "categorical", levels=ordered))
    return tuple(encodings), notices


def _block(enc: Encoding, values: np.ndarray) -> np.ndarray:
    """The design columns of one factor from what the query returned for it."""
    if enc.treatment == "numeric":
        return np.asarray(values, dtype=float)[:, None]
    if enc.treatment == "log":
        return np.log(np.asarray(values, dtype=float))[:, None]
    if enc.treatment == "categorical":
        index = {level: k for k, level in enumerate(enc.levels)}
        codes = np.array([index[v] for v in values], dtype=np.int64)
        return (codes[:, None] == np.arange(1, len(enc.levels))[None, :]).astype(float)
    woe = dict(enc.woe)
    return np.array([woe[int(c)] for c in values], dtype=float)[:, None]


def _row_data(arrays: dict, encodings: Sequence[Encoding]) -> _Data:
    """Design blocks from the fetched columns (categorical factors arrive as level codes, WOE factors as bin codes)."""
    blocks = []
    for i, enc in enumerate(encodings):
        values = np.asarray(arrays[f"f{i}"])
        if enc.treatment == "categorical":
            codes = values.astype(np.int64)
            blocks.append((codes[:, None] == np.arange(1, len(enc.levels))[None, :]).astype(float))
        elif enc.treatment == "woe":  # bin codes run from OTHER (-2) up: a lookup table, not a dict per row
            lookup = np.full(max(c for c, _ in enc.woe) + 3, np.nan)
            for code, woe in enc.woe:
                lookup[code + 2] = woe
            blocks.append(lookup[values.astype(np.int64) + 2][:, None])
        else:
            blocks.append(_block(enc, values))
    y = np.asarray(arrays["__bad"], dtype=float)
    return _Data(tuple(blocks), y, None, np.asarray(arrays["__fold"], dtype=np.int64))


def _cell_data(frame: pd.DataFrame, encodings: Sequence[Encoding], folds: int) -> _Data:
    """Cells from the scan's groups: one row per factor combination, with its loans and defaults per fold (when
    ``folds`` > 1)."""
    groups = frame.groupby([f"f{i}" for i in range(len(encodings))], dropna=False, sort=True)
    merged = groups[["n", "d"]].sum().reset_index()
    per_fold = None
    if folds > 1:
        cell = groups.ngroup().to_numpy()
        per_fold = np.zeros((len(merged), folds, 2))
        fold = frame["__fold"].to_numpy(dtype=np.int64)
        np.add.at(per_fold, (cell, fold, 0), frame["n"].to_numpy(dtype=float))
        np.add.at(per_fold, (cell, fold, 1), frame["d"].to_numpy(dtype=float))
    blocks = tuple(_block(enc, merged[f"f{i}"].to_numpy()) for i, enc in enumerate(encodings))
    return _Data(blocks, merged["d"].to_numpy(dtype=float), merged["n"].to_numpy(dtype=float), folds=per_fold)


# --- fitting ------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Fit:
    params: np.ndarray
    bse: np.ndarray
    cov: np.ndarray
    llf: float
    converged: bool
    iterations: int
    result: object


def _null_llf(data: _Data | irls.Rows) -> float:
    n, d = data.n, data.events
    return float(d * math.log(d / n) + (n - d) * math.log(1 - d / n))


def _fit(data: _Data, x: np.ndarray, start: np.ndarray | None = None, tol: float = 1e-10) -> _Fit:
    """Maximum likelihood by Newton's method: row-level statsmodels ``Logit``, or on cells the same Newton
    iteration on the binomial counts (``irls.newton``; statsmodels' GLM costs far more per cell). The rank is
    checked before (``_check_rank``)."""
    if data.loans is not None:
        cross = irls.grouped_cross(x, data.y, data.loans)
        params, cov, llf, converged, iterations = irls.newton(
            cross, x.shape[1], start, tol=tol, max_iterations=MAX_ITERATIONS
        )
        return _Fit(params, np.sqrt(np.diag(cov)), cov, llf, converged, iterations, None)
    with py_warnings.catch_warnings():
        py_warnings.simplefilter("ignore")  # convergence and separation are reported in plain words instead
        estimator = sm.Logit(data.y, x, check_rank=False)  # our own rank check replaces its SVD
        result = estimator.fit(start_params=start, method="newton", maxiter=MAX_ITERATIONS, tol=tol, disp=0)
        cov = np.asarray(result.cov_params(), dtype=float)
    params = np.asarray(result.params, dtype=float)
    converged, iterations = bool(result.mle_retvals["converged"]), int(result.mle_retvals["iterations"])
    return _Fit(params, np.sqrt(np.diag(cov)), cov, float(result.llf), converged, iterations, result)


def _fit_batched(data: irls.Rows) -> _Fit:
    """The exact row-level fit of a big table by the batched Newton (no statsmodels result object)."""
    params, cov, llf, converged, iterations = data.fit(max_iterations=MAX_ITERATIONS)
    return _Fit(params, np.sqrt(np.diag(cov)), cov, llf, converged, iterations, None)


def _cv_rows(data: irls.Rows) -> _Data:
    """The seeded ``CV_ROWS`` subset of a batched fit's loans as row data, for cross-validation."""
    picked = np.sort(np.random.default_rng(0).permutation(data.n)[:CV_ROWS])
    rows = data.in_cell_order()[picked]
    return _Data((data.design(rows)[:, 1:],), data.y[rows], None, data.fold[rows].astype(np.int64))


def _gram(data: _Data, x: np.ndarray) -> np.ndarray:
    """X'WX (W: loans per cell, or 1 per row)."""
    return (x * data.weights[:, None]).T @ x


def _check_rank(gram: np.ndarray, names: Sequence[str]) -> None:
    """Raise a clear error naming the terms when a design column is a linear combination of others (collinear
    factors), from the design's X'WX."""
    scale = np.sqrt(np.diag(gram))
    if scale.min() > 0 and np.linalg.eigvalsh(gram / np.outer(scale, scale))[0] >= 1e-10:
        return
    for j in range(len(names)):
        if scale[j] == 0:
            raise RiskLabError("model.collinear", terms=names[j])
        r = gram[: j + 1, : j + 1] / np.outer(scale[: j + 1], scale[: j + 1])
        if j and np.linalg.eigvalsh(r)[0] < 1e-10:
            beta = np.linalg.lstsq(r[:j, :j], r[:j, j], rcond=None)[0]
            involved = [names[k] for k in range(j) if abs(beta[k]) > 1e-6] + [names[j]]
            raise RiskLabError("model.collinear", terms=", ".join(involved))


def _weighted_sd(data: _Data, x: np.ndarray) -> np.ndarray:
    w = data.weights / data.weights.sum()
    mean = w @ x
    return np.sqrt(np.maximum(w @ (x - mean) ** 2, 0.0))


def _vif(data: _Data, x: np.ndarray) -> np.ndarray:
    """VIF of each non-constant design column (NaN with fewer than two)."""
    if x.shape[1] < 3:
        return np.full(x.shape[1] - 1, np.nan)
    w = data.weights / data.weights.sum()
    centred = x[:, 1:] - w @ x[:, 1:]
    cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.diag(cov))
    return core.variance_inflation(cov / np.outer(sd, sd))


def _separation(data: _Data, x: np.ndarray, fit: _Fit) -> tuple[str | None, list[int]]:
    """("complete" | "quasi" | None, indices of terms with implausibly large effects)."""
    log_odds = x @ fit.params
    p = 1 / (1 + np.exp(-log_odds))
    observed = data.y / data.weights
    exact = bool(np.all((observed == 0) | (observed == 1)) and np.all(np.abs(p - observed) < 1e-6))
    extreme = bool(np.any((p < 1e-8) | (p > 1 - 1e-8)))
    binary = np.all((x == 0) | (x == 1), axis=0)
    return _separation_kind(fit, exact, extreme, binary, _weighted_sd(data, x))


def _separation_kind(
    fit: _Fit, exact: bool, extreme: bool, binary: np.ndarray, sd: np.ndarray
) -> tuple[str | None, list[int]]:
    effect = np.abs(fit.params) * np.where(binary, 1.0, sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(fit.params / fit.bse)
    # a separated term: an absurd effect with an even larger standard error (collinear terms have z near 1)
    implausible = [j for j in range(1, len(fit.params)) if effect[j] > IMPLAUSIBLE_EFFECT and not z[j] > 0.1]
    if exact:
        return "complete", implausible
    if extreme and implausible:
        return "quasi", implausible
    return None, implausible


def _moments(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means and covariance of the design columns (after the constant) from X'X of a design with a constant."""
    n = gram[0, 0]
    mean = gram[0, 1:] / n
    return mean, gram[1:, 1:] / n - np.outer(mean, mean)


def _batched_checks(data: irls.Rows, gram: np.ndarray, fit: _Fit) -> tuple[tuple[str | None, list[int]], np.ndarray]:
    """Separation and VIF of a batched row fit, from its X'X and one pass over the loans."""
    exact, extreme = data.quality()
    _, cov = _moments(gram)
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0))
    separation = _separation_kind(fit, exact, extreme, data.binary, np.concatenate([[0.0], sd]))
    if len(sd) < 2:
        return separation, np.full(len(sd), np.nan)
    return separation, core.variance_inflation(cov / np.outer(sd, sd))


# --- the result ---------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class FittedModel:
    """A fitted logit: coefficients, statistics, warnings and validation; ``result`` is statsmodels' own."""

    spec: ModelSpec
    encodings: tuple[Encoding, ...]
    names: tuple[str, ...]
    coefs: np.ndarray
    standard_errors: np.ndarray
    cov: np.ndarray
    stats: dict
    vif: dict[str, float]
    warnings: tuple[Notice, ...]
    checks: dict
    result: object = dataclasses.field(repr=False, default=None)

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(self.names, self.coefs.tolist(), strict=True))

    @property
    def bse(self) -> dict[str, float]:
        return dict(zip(self.names, self.standard_errors.tolist(), strict=True))

    @property
    def pvalues(self) -> dict[str, float]:
        z = self.coefs / self.standard_errors
        return dict(zip(self.names, (2 * stats.norm.sf(np.abs(z))).tolist(), strict=True))

    def coef_table(self) -> pd.DataFrame:
        """The coefficient table (``coefficient_table``) with each term's VIF."""
        return scorecard.coefficient_table(self.encodings, self.names, self.coefs, self.standard_errors, self.vif)

    def fit_stats(self) -> dict:
        """N, events, log-likelihoods, LR test, McFadden pseudo R², AIC, BIC, iterations, convergence, method."""
        return dict(self.stats)

    def validation(self) -> dict:
        """``{"train": Validation, "test": Validation | None, "cv": CrossValidation | None}``."""
        return dict(self.checks)

    def as_saved(self, name: str = "", version: int = 0, scaling: Scaling | None = None) -> SavedModel:
        """The model as it would be saved (for scoring, the scorecard and exports before saving)."""
        return SavedModel(
            name=name,
            version=version,
            spec=self.spec,
            params=self.params,
            scaling=scaling or Scaling(),
            encodings=self.encodings,
            cov={"names": list(self.names), "matrix": self.cov.tolist()},
            metrics=model_metrics(self),
        )


def model_metrics(fitted: FittedModel) -> dict:
    """What a saved version keeps of the fit: statistics and the validation summary."""
    checks = fitted.validation()
    cv = checks.get("cv")
    return {
        "fit": fitted.fit_stats(),
        "train": checks["train"].summary() if checks.get("train") else None,
        "test": checks["test"].summary() if checks.get("test") else None,
        "cv": dataclasses.asdict(cv) if cv else None,
    }


def fit_model(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    *,
    method: str = "auto",
    max_rows: int | None = None,
    folds: int = CV_FOLDS,
    validate: bool = True,
) -> FittedModel:
    """Fit the logit of default (the table's saved definition unless ``spec.outcome``) on the training loans of
    ``spec.table``, whose context ``ctx`` the caller has read (``datasets.table_context``)."""
    began = time.perf_counter()
    prep = _prepare(con, ctx, spec, method=method, max_rows=max_rows, folds=folds if validate else 1)
    with threadpool_limits(1, "blas"):  # small matrices (k x k solves, k-row products): BLAS threads only contend
        return _fit_prepared(con, prep, validate, began)


def _fit_prepared(con: duckdb.DuckDBPyConnection, prep: _Prepared, validate: bool, began: float) -> FittedModel:
    """The fit, its checks and (when ``validate``) validation of prepared training data."""
    data, encodings = prep.data, prep.encodings
    names = (CONST, *(t for e in encodings for t in e.terms()))
    if isinstance(data, irls.Rows):
        gram = data.gram()
        _check_rank(gram, names)
        fit = _fit_batched(data)
        (kind, terms), vifs = _batched_checks(data, gram, fit)
    else:
        x = data.design(range(len(encodings)))
        _check_rank(_gram(data, x), names)
        fit = _fit(data, x)
        kind, terms = _separation(data, x, fit)
        vifs = _vif(data, x)
    notices = list(prep.notices)
    factors = ", ".join(dict.fromkeys(_owner(encodings, names[j]) for j in terms)) or ", ".join(
        e.column for e in encodings
    )
    if kind == "complete":
        raise RiskLabError("model.separation", factors=factors)
    if kind == "quasi":
        notices.append(Notice("model.quasi_separation", factors=factors))
    if not fit.converged:
        notices.append(Notice("model.no_convergence", iterations=fit.iterations))
    vif = dict(zip(names[1:], vifs.tolist(), strict=True))
    notices += [Notice("model.high_vif", term=t, vif=round(v, 1)) for t, v in vif.items() if v > VIF_LIMIT]
    n, events = data.n, data.events
    limiting = min(events, n - events)
    if len(names) > 1 and limiting < EVENTS_PER_PARAMETER * (len(names) - 1):
        notices.append(Notice("model.few_events", events=limiting, params=len(names) - 1))
    if fit.result is not None:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")
            fit.result.remove_data()  # keep the result small (it may live in a session): no copy of the design
    llnull = _null_llf(data)
    lr = max(2 * (fit.llf - llnull), 0.0)
    k = len(names)
    fit_stats = {
        "n_obs": n,
        "n_events": events,
        "event_rate": events / n,
        "llf": fit.llf,
        "llnull": llnull,
        "lr_chi2": lr,
        "lr_df": k - 1,
        "lr_p": float(stats.chi2.sf(lr, k - 1)) if k > 1 else 1.0,
        "pseudo_r2": 1 - fit.llf / llnull,
        "aic": -2 * fit.llf + 2 * k,
        "bic": -2 * fit.llf + k * math.log(n),
        "iterations": fit.iterations,
        "converged": fit.converged,
        "method": prep.method,
        "cells": len(data.y) if prep.method == "cells" else None,
        "rows_total": prep.rows_total,
        "sampled": prep.sampled,
        "batched": isinstance(data, irls.Rows),
    }
    model = FittedModel(
        spec=prep.spec,
        encodings=encodings,
        names=names,
        coefs=fit.params,
        standard_errors=fit.bse,
        cov=fit.cov,
        stats=fit_stats,
        vif=vif,
        warnings=(),
        checks={"train": None, "test": None, "cv": None},
        result=fit.result,
    )
    if validate:
        checks = _validate(con, prep, model)
        test = checks.get("test")
        if test is not None and test.unscored:
            notices.append(Notice("model.unscored", rows=test.unscored))
        rows = _cv_rows(data) if isinstance(data, irls.Rows) else data
        checks["cv"] = cross_validate(rows, range(len(rows.blocks)), fit.params)
        model = dataclasses.replace(model, checks=checks)
    fit_stats["seconds"] = round(time.perf_counter() - began, 3)
    return dataclasses.replace(model, warnings=tuple(notices), stats=fit_stats)


def _owner(encodings: Sequence[Encoding], term: str) -> str:
    return next(e.column for e in encodings if term in e.terms())


def _validate(con: duckdb.DuckDBPyConnection, prep: _Prepared, model: FittedModel) -> dict:
    """Validate on both samples: from the cells on the cell path (``_cells``), else by scoring every loan
    with the model's SQL in DuckDB."""
    if prep.scan is not None:
        keys = [f"f{i}" for i in range(len(model.encodings))]
        frame = prep.scan.groupby(["__part", *keys], dropna=False, sort=False)[["total", "bads_all"]].sum()
        frame = frame.reset_index()
        frame = frame[frame["__part"].notna()]
        results = cells.validate_cells(
            frame["__part"].to_numpy(),
            frame["total"].to_numpy(),
            frame["bads_all"].to_numpy(),
            _cell_log_odds(frame, model.encodings, model.coefs),
        )
        return {"train": results.get(0), "test": results.get(1) if prep.spec.holdout != "none" else None, "cv": None}
    return _scored_validation(con, prep.pop, prep.spec, model.encodings, model.params)


def _scored_validation(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    spec: ModelSpec,
    encodings: Sequence[Encoding],
    params: dict[str, float],
) -> dict:
    """Validation of both samples by scoring every loan of the population with the model's SQL in DuckDB."""
    items = [
        _item(lambda lit: _part_sql(pop.context, spec, lit), "__part"),
        ("rowid AS __row", []),
        _item(lambda lit: scorecard.log_odds_sql(encodings, params, lit), "__lo"),
    ]
    source, sql_params = factors.scan_sql(pop, items)
    results = validation.validate(con, source, sql_params)
    return {"train": results.get(0), "test": results.get(1) if spec.holdout != "none" else None, "cv": None}


def validate_saved(con: duckdb.DuckDBPyConnection, ctx: TableContext, saved: SavedModel) -> dict:
    """A saved version's validation on its own training and test loans, without refitting: every loan scored with
    its SQL (``{"train": Validation, "test": Validation | None, "cv": None}``; ``ctx`` is its table's context)."""
    if ctx.table != saved.spec.table:
        raise ValueError(f"the context of table {ctx.table!r} does not fit a model of table {saved.spec.table!r}")
    for enc in saved.encodings:
        ctx.require_column(enc.column)
    pop = factors.population(ctx, saved.spec.outcome, booked_only=saved.spec.booked_only)
    return _scored_validation(con, pop, saved.spec, saved.encodings, saved.params)


def _cell_log_odds(frame: pd.DataFrame, encodings: Sequence[Encoding], coefs: np.ndarray) -> np.ndarray:
    """The model's log-odds of each cell (columns ``f0``, ``f1`` ... as the scan gives them); NaN where the model
    cannot score it (a level or bin not seen in training, a missing or non-positive number)."""
    log_odds = np.full(len(frame), float(coefs[0]))
    at = 1
    for i, enc in enumerate(encodings):
        width = len(enc.terms())
        mine = coefs[at : at + width]
        values = frame[f"f{i}"]
        if enc.treatment == "categorical":
            points = dict(zip(enc.levels, [0.0, *mine.tolist()], strict=True))
            part = values.map(points).to_numpy(dtype=float)
        elif enc.treatment == "woe":
            points = {float(code): mine[0] * woe for code, woe in enc.woe}
            part = values.astype(float).map(points).to_numpy(dtype=float)
        else:
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            if enc.treatment == "log":
                with np.errstate(invalid="ignore", divide="ignore"):
                    x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
            part = mine[0] * x
        log_odds = log_odds + part
        at += width
    return log_odds


def cross_validate(
    data: _Data, which: Sequence[int], start: np.ndarray | None = None
) -> validation.CrossValidation | None:
    """k-fold cross-validated AUC on the training data (folds by a hash of the row; NaN for a one-class fold).

    Cells: each fold's training cells are the totals minus the fold, so every fit costs per cell, not per loan.
    Rows: at most ``CV_ROWS`` loans (a seeded subset).
    """
    which = list(which)
    if data.loans is None and len(data.y) > CV_ROWS:  # rows: a seeded subset keeps the k extra fits quick
        data = data.subset(np.sort(np.random.default_rng(0).permutation(len(data.y))[:CV_ROWS]))
    x = data.design(which)
    if data.folds is not None:  # cells: loans and defaults per fold
        k = data.folds.shape[1]
    elif data.fold is not None and len(data.fold):  # rows: a fold per row
        k = int(data.fold.max()) + 1
    else:  # fitted without folds (``folds`` < 2)
        k = 0
    if k < 2:
        return None
    aucs = []
    for fold in range(k):
        if data.loans is None:
            held = data.fold == fold
            train = _Data((), data.y[~held], None)
            x_train, test_y, test_x = x[~held], data.y[held], x[held]
            test_loans = np.ones(len(test_y))
        else:
            test_loans, test_y = data.folds[:, fold, 0], data.folds[:, fold, 1]
            loans = data.loans - test_loans
            keep = loans > 0
            train = _Data((), (data.y - test_y)[keep], loans[keep])
            x_train, test_x = x[keep], x
        if test_y.sum() in (0, test_loans.sum()) or train.events in (0, train.n):
            aucs.append(math.nan)
            continue
        try:
            _check_rank(_gram(train, x_train), [str(j) for j in range(x.shape[1])])
        except RiskLabError:
            aucs.append(math.nan)
            continue
        log_odds = test_x @ _fit(train, x_train, start).params
        levels, inverse = np.unique(log_odds, return_inverse=True)
        bads = np.bincount(inverse, weights=test_y, minlength=len(levels))
        goods = np.bincount(inverse, weights=test_loans - test_y, minlength=len(levels))
        aucs.append(core.auc_from_counts(goods, bads))
    return validation.CrossValidation.of(aucs, data.n)


# --- stepwise selection -------------------------------------------------------------------------------------------

DIRECTIONS = ("forward", "backward", "both")
CRITERIA = ("aic", "p")


@dataclasses.dataclass(frozen=True)
class Stepwise:
    """The chosen factors, the log of each step (step, action, factor, aic, p_value, terms) and warnings about
    the data (e.g. a sample was used)."""

    factors: tuple[FactorSpec, ...]
    log: pd.DataFrame
    seconds: float
    warnings: tuple[Notice, ...] = ()


def stepwise(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    *,
    direction: str = "both",
    criterion: str = "aic",
    enter: float = 0.05,
    stay: float = 0.10,
    max_steps: int = 100,
    max_rows: int = STEPWISE_ROWS,
) -> Stepwise:
    """Select factors among ``spec.factors`` by AIC or likelihood-ratio p-values (enter / stay thresholds).

    Every candidate model is fitted on the same training loans (complete in all candidate factors).
    """
    began = time.perf_counter()
    if direction not in DIRECTIONS:
        raise RiskLabError("model.unknown_direction", direction=direction)
    if criterion not in CRITERIA:
        raise RiskLabError("model.unknown_criterion", criterion=criterion)
    if not 0 < enter <= stay < 1:
        raise RiskLabError("model.bad_thresholds", enter=enter, stay=stay)
    prep = _prepare(con, ctx, spec, max_rows=max_rows, folds=1)
    data = prep.data
    sizes = [len(e.terms()) for e in prep.encodings]
    full = data.design(range(len(sizes)))
    gram = _gram(data, full)
    starts = np.cumsum([1, *sizes])  # column of each factor's first term in the full design
    fits: dict[frozenset, tuple[float, dict[int, np.ndarray]] | None] = {}

    def columns(chosen: Sequence[int]) -> list[int]:
        return [0, *(c for i in chosen for c in range(starts[i], starts[i] + sizes[i]))]

    def warm_start(chosen: frozenset, order: list[int]) -> np.ndarray | None:
        """A neighbouring model's estimates (one factor more or less), zeros for a factor it lacks."""
        near = [chosen - {i} for i in chosen] + [chosen | {i} for i in range(len(sizes)) if i not in chosen]
        parent = next((fits[n] for n in near if fits.get(n)), None)
        if parent is None:
            return None
        return np.concatenate([parent[1][-1], *(parent[1].get(i, np.zeros(sizes[i])) for i in order)])

    def llf(chosen: frozenset) -> float | None:
        if chosen not in fits:
            order = sorted(chosen)
            cols = columns(order)
            try:
                _check_rank(gram[np.ix_(cols, cols)], [str(c) for c in cols])
            except RiskLabError:
                fits[chosen] = None
                return None
            fit = _fit(data, full[:, cols], warm_start(chosen, order), tol=1e-6)
            blocks = np.split(fit.params[1:], np.cumsum([sizes[i] for i in order])[:-1]) if order else []
            fits[chosen] = (fit.llf, {**dict(zip(order, blocks, strict=True)), -1: fit.params[:1]})
        found = fits[chosen]
        return None if found is None else found[0]

    def aic(chosen: frozenset) -> float:
        value = llf(chosen)
        return math.inf if value is None else -2 * value + 2 * (1 + sum(sizes[i] for i in chosen))

    def lr_p(small: frozenset, big: frozenset) -> float:
        a, b = llf(small), llf(big)
        if a is None or b is None:
            return 1.0
        df = sum(sizes[i] for i in big - small)
        return float(stats.chi2.sf(max(2 * (b - a), 0.0), df))

    everything = frozenset(range(len(prep.encodings)))
    current = everything if direction == "backward" else frozenset()
    log = [(0, "start", "", aic(current), math.nan, 1 + sum(sizes[i] for i in current))]
    for step in range(1, max_steps + 1):
        moves = []  # (rank key, action, factor index, new set, p)
        if direction in ("forward", "both"):
            moves += [("add", i, current | {i}, lr_p(current, current | {i})) for i in everything - current]
        if direction in ("backward", "both"):
            moves += [("remove", i, current - {i}, lr_p(current - {i}, current)) for i in current]
        move = _best_move(moves, aic, aic(current), criterion, enter, stay)
        if move is None:
            break
        action, i, current, p = move
        log.append((step, action, prep.encodings[i].column, aic(current), p, 1 + sum(sizes[j] for j in current)))
    table = pd.DataFrame(log, columns=["step", "action", "factor", "aic", "p_value", "terms"])
    chosen = tuple(f for i, f in enumerate(spec.factors) if i in current)
    return Stepwise(chosen, table, round(time.perf_counter() - began, 3), prep.notices)


def _best_move(moves: list, aic: Callable, current_aic: float, criterion: str, enter: float, stay: float):
    if criterion == "aic":
        scored = [(aic(new), action, i, new, p) for action, i, new, p in moves]
        better = [m for m in scored if m[0] < current_aic - 1e-9]
        return min(better, key=lambda m: (m[0], m[2]))[1:] if better else None
    removals = [m for m in moves if m[0] == "remove" and m[3] > stay]
    if removals:
        return max(removals, key=lambda m: (m[3], -m[1]))
    additions = [m for m in moves if m[0] == "add" and m[3] < enter]
    return min(additions, key=lambda m: (m[3], m[1])) if additions else None


# --- what the Model page offers -----------------------------------------------------------------------------------

ATTRIBUTE_ROLES = ("amount", "term", "interest_rate", "segment", "product", "branch")  # usable as factors too


def factor_treatments(ctx: TableContext, codes: Collection[str] = ()) -> dict[str, tuple[str, ...]]:
    """``{column: treatments it allows, the default first}`` for the columns a model can use: the candidate factors,
    then loan attributes (amount, term, rate, segment, product, branch), each in table order. Number columns allow
    every treatment (categorical first when their role says so or they are among ``codes``, integer codes such as
    SEX 1/2: ``factors.code_columns``); text columns categorical or WOE."""
    types = ctx.types
    out = {}
    for wanted in (datasets.FACTOR_ROLES, ATTRIBUTE_ROLES):
        for column, role in ctx.roles:
            if role not in wanted or column not in types:
                continue
            if datasets.type_class(types[column]) not in ("integer", "float", "boolean"):
                out[column] = ("categorical", "woe")
            elif role == "factor_categorical" or column in codes:
                out[column] = ("categorical", "numeric", "log", "woe")
            else:
                out[column] = ("numeric", "log", "categorical", "woe")
    return out


def suggest_split_date(con: duckdb.DuckDBPyConnection, ctx: TableContext, later: float = 0.3) -> dt.date | None:
    """A date that leaves the latest ``later`` share of loans (by origination date) for an out-of-time test."""
    column = ctx.column_with_role("origination_date")
    if column is None:
        return None
    ((day,),) = con.execute(
        f"SELECT quantile_disc(TRY_CAST({store.quote_ident(column)} AS DATE), ?) FROM {store.quote_ident(ctx.table)}",
        [1 - later],
    ).fetchall()
    return day

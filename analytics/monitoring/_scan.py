"""The one grouped scan behind every monitoring figure: loans by period x score cell x outcome, and by period x
points attribute of each factor.

The saved model's own SQL (its coefficients and encodings) scores each loan inside DuckDB, once: a common table
expression gives each loan its period, score cell of ``SCORE_STEP`` points (fine enough that AUC, bands, grades
and the cutoff all come from the cells), PD, each number's log-odds contribution and each factor's attribute (its
points cell, or a number's development band). DuckDB streams that expression to several groupings, each with only
the aggregates it needs: per period, score cell and outcome the loans and their sum of PD; per period and a few
factors packed together the loans; per period each number's sum of contributions. A flag or classification
outcome is grouped by its raw value and matched as text once per group. The development sample is the same scan
over the model's training loans with one period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import duckdb
import pandas as pd

from analytics import datasets, factors, model, store
from analytics.core import RiskLabError

SCORE_STEP = 0.1  # score points per cell: AUC ties from rounding change it by far less than its standard error
ATTRIBUTE_STEP = 1.0  # points per attribute cell of a number: its CSI bands are cut at whole points
LEVEL_STEP = 0.001  # points per attribute cell of a level or bin: each keeps its own points (to 0.0005)
MAX_SET_VALUES = 64  # factors share a grouping while the product of their attribute counts stays below this
UNKNOWN_VALUES = 100  # points cells a number is taken to have before its development bands are known (packing only)
PERIODS = {"month": "month", "quarter": "quarter"}
# the factors' groupings key a period by its month number, an integer whose range DuckDB knows from the date
# column's statistics, so that few attribute values group by direct index (a perfect hash) rather than hashing
_INDEX_OF_PERIOD = "CAST(year(__period) * 12 + month(__period) - 1 AS INTEGER)"
_PERIOD_OF_INDEX = "make_date(CAST(__m // 12 AS BIGINT), CAST(__m % 12 + 1 AS BIGINT), 1)"


@dataclasses.dataclass(frozen=True)
class Scan:
    """What the scan returned: ``cells`` (period, cell, bad, loans, pd_sum; cell NULL for loans the model cannot
    score, bad NULL for an unknown outcome) and per factor ``attributes[column]`` (period, attribute, loans,
    contributed: the loans whose factor has points, points_sum: their points on the factor). A categorical or
    WOE factor (in ``levelled``) has its points cell of ``LEVEL_STEP`` points as attribute; a number its
    development band when in ``banded``, else its points cell of ``ATTRIBUTE_STEP`` points."""

    cells: pd.DataFrame
    attributes: dict[str, pd.DataFrame]
    banded: frozenset[str] = frozenset()
    levelled: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class Banding:
    """How the monitored scan writes a factor's attribute: its development band by the ``edges`` in points (None:
    the points cell itself), and how many values it takes, so that factors with few can share a grouping set."""

    edges: tuple[float, ...] | None
    values: int


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A default definition as the scan reads it: the SQL giving 1, 0 or NULL with its parameters, its column,
    and whether it matches values as text (a flag or classification: then grouped by the raw value)."""

    sql: str
    params: tuple
    column: str
    by_value: bool

    @classmethod
    def of(cls, defn: datasets.DefaultDefinition) -> Outcome:
        sql, params = datasets.default_sql(defn)
        return cls(sql, tuple(params), defn.column, defn.kind in ("flag", "classification"))


def date_sql(column: str) -> str:
    """A date column (a DATE, a timestamp or ISO text) as a DATE."""
    return f"TRY_CAST({store.quote_ident(column)} AS DATE)"


def period_sql(column: str, period: str) -> str:
    """The first day of a loan's month or quarter."""
    if period not in PERIODS:
        raise RiskLabError("monitoring.bad_period", period=period)
    return f"CAST(date_trunc('{PERIODS[period]}', {date_sql(column)}) AS DATE)"


def levelled(encoding: model.Encoding) -> bool:
    """Whether a factor enters by levels or bins (a few points values) rather than as a number."""
    return encoding.treatment in ("categorical", "woe")


def _attribute_sql(k: int, banding: Banding | None, by_level: bool) -> str:
    """A factor's attribute from its points cell ``q{k}``: the cell itself (levels and bins, or a number whose
    bands are not known yet), or a number's development band (edges in whole points; NULL: missing)."""
    if by_level or banding is None or banding.edges is None:
        return f"q{k}"
    if not banding.edges:
        return f"(CASE WHEN q{k} IS NOT NULL THEN 0 END)"
    step = model.literal(ATTRIBUTE_STEP)  # the band of the points cell, as the development sample's cells have it
    whens = " ".join(f"WHEN q{k} * {step} < {model.literal(e)} THEN {i}" for i, e in enumerate(banding.edges))
    return f"(CASE WHEN q{k} IS NULL THEN NULL {whens} ELSE {len(banding.edges)} END)"


def _values(enc: model.Encoding, banding: Banding | None) -> int:
    """How many attribute values a factor can take (for packing the groupings): a level's or bin's points, a
    number's bands, or a guess for a number's points cells."""
    if levelled(enc):
        return max(len(enc.levels), len(enc.woe)) + 1  # every level or bin with points, and missing
    if banding is not None and banding.edges is not None:
        return banding.values
    return UNKNOWN_VALUES


def _sets(values: list[int]) -> list[list[int]]:
    """Factors packed into groupings: as many together as keep the product of their values below
    ``MAX_SET_VALUES`` (few values first)."""
    sets: list[list[int]] = []
    product = math.inf
    for k in sorted(range(len(values)), key=lambda k: values[k]):
        if product * values[k] > MAX_SET_VALUES:
            sets.append([])
            product = 1
        sets[-1].append(k)
        product *= values[k]
    return sets


def _outcome_sql(outcome: Outcome | None) -> tuple[str, list, str | None]:
    """What the scan groups by for the outcome (the raw column of a flag or classification, whose text matching
    then runs once per group, else the outcome itself), its parameters, and the column to evaluate it on after
    grouping (None: already the outcome)."""
    if outcome is None:
        return "CAST(NULL AS INTEGER)", [], None
    if outcome.by_value:
        return store.quote_ident(outcome.column), [], outcome.column
    return outcome.sql, list(outcome.params), None


def scan(
    con: duckdb.DuckDBPyConnection,
    saved: model.SavedModel,
    table: str,
    *,
    period: str,
    outcome: Outcome | None,
    where: str,
    where_params: list,
    banding: dict[str, Banding] | None = None,
    known_only: bool = False,
    with_factors: bool = True,
) -> Scan:
    """Group the loans of ``table`` that satisfy ``where`` by ``period`` (SQL giving a DATE), score cell and
    ``outcome`` (None: unknown), and by each factor's attribute (``banding``: the development bands of the
    numbers). ``known_only``: only loans with a known outcome; ``with_factors``: False for the cells alone.

    The score, its cell, the PD and each factor's attribute are computed once per loan in a common table
    expression that DuckDB streams to every grouping: the score cells (loans and PD sum), the factors packed into
    few sets (loans only) and per period each number's sum of points."""
    params: list = []
    lit = model.binder(params)
    const, coefs = model.split_params(saved.encodings, saved.params)
    outcome_sql, outcome_params, raw = _outcome_sql(outcome)
    columns = [f"{period} AS __period", f"{outcome_sql} AS __o"]
    params += outcome_params
    for k, (enc, coef) in enumerate(zip(saved.encodings, coefs, strict=True)):
        columns.append(f"{model.contribution_sql(enc, coef, lit)} AS __c{k}")
    params += list(where_params)
    inner = f"SELECT {', '.join(columns)} FROM {store.quote_ident(table)} {where}"
    names = [enc.column for enc in saved.encodings]
    k_all = range(len(names)) if with_factors else range(0)
    factor, offset = saved.scaling.factor, saved.scaling.offset
    log_odds = " + ".join([model.literal(const), *(f"__c{k}" for k in range(len(names)))])
    by_level = [levelled(enc) for enc in saved.encodings]
    chosen = [banding.get(name) if banding else None for name in names]
    steps = [LEVEL_STEP if by_level[k] else ATTRIBUTE_STEP for k in range(len(names))]
    cells = [f"CAST(round({model.literal(-factor / steps[k])} * __c{k}) AS BIGINT) AS q{k}" for k in k_all]
    points = f"({model.literal(offset)} - {model.literal(factor)} * __lo)"
    score = f"CAST(round({points} / {model.literal(SCORE_STEP)}) AS BIGINT)"
    scored = (
        f"SELECT *, {', '.join([f'{score} AS __cell', '1.0 / (1.0 + exp(-__lo)) AS __p', *cells])} "
        f"FROM (SELECT *, {log_odds} AS __lo FROM ({inner}))"
    )
    attributes = "".join(f", {_attribute_sql(k, chosen[k], by_level[k])} AS __a{k}" for k in k_all)
    keys = ["__m", *(["__o"] if known_only else [])]
    groups = _sets([_values(saved.encodings[k], chosen[k]) for k in k_all]) if with_factors else []
    numbers = [k for k in k_all if not by_level[k]]  # a level's points are its attribute: only numbers need sums
    branches = [
        "SELECT 0 AS __g, __period, __cell, __o, count(*) AS __loans, sum(__p) AS __pd_sum "
        "FROM __scored GROUP BY __period, __cell, __o"
    ]
    start = f"{_PERIOD_OF_INDEX} AS __period"
    for j, group in enumerate(groups, start=1):
        by = ", ".join([*keys, *(f"__a{k}" for k in group)])
        branches.append(f"SELECT {j} AS __g, {start}, {by}, count(*) AS __loans FROM __scored GROUP BY {by}")
    if numbers:
        sums = ", ".join(f"sum(__c{k}) AS __s{k}" for k in numbers)
        by = ", ".join(keys)
        branches.append(f"SELECT -1 AS __g, {start}, {by}, {sums} FROM __scored GROUP BY {by}")
    sql = (
        f"WITH __scored AS (SELECT *, {_INDEX_OF_PERIOD} AS __m{attributes} FROM ({scored})) "
        f"SELECT * FROM ({' UNION ALL BY NAME '.join(branches)})"
    )
    if raw is None:
        sql = f"SELECT *, __o AS __bad FROM ({sql})"
    else:  # the outcome's text matching once per group
        sql = f"SELECT *, {outcome.sql} AS __bad FROM (SELECT *, __o AS {store.quote_ident(raw)} FROM ({sql}))"
        params = [*outcome.params, *params]
    frame = con.execute(sql, params).df()
    if known_only:  # every grouping has the outcome among its keys
        frame = frame[frame["__bad"].notna()]
    return _collect(frame, saved, groups, numbers, by_level, chosen)


def _collect(
    frame: pd.DataFrame,
    saved: model.SavedModel,
    groups: list[list[int]],
    numbers: list[int],
    by_level: list[bool],
    chosen: list[Banding | None],
) -> Scan:
    """The scan's rows as ``Scan``: score cells merged over the raw outcome values, and per factor its attribute
    counts with the period's points on the first row of each period."""
    names = [enc.column for enc in saved.encodings]
    factor = saved.scaling.factor
    keys = ["__period", "__cell", "__bad"]
    main = frame.loc[frame["__g"] == 0, [*keys, "__loans", "__pd_sum"]]
    cells = main.groupby(keys, dropna=False, sort=False).sum().reset_index()
    cells.columns = ["period", "cell", "bad", "loans", "pd_sum"]
    sums = frame[frame["__g"] == -1]
    period_sums = sums.groupby("__period", dropna=False, sort=False)[[f"__s{k}" for k in numbers]].sum()
    found = {}
    for j, group in enumerate(groups, start=1):
        part = frame[frame["__g"] == j]
        for k in group:
            merged = part.groupby(["__period", f"__a{k}"], dropna=False, sort=False)["__loans"].sum().reset_index()
            merged.columns = ["period", "attribute", "loans"]
            merged["contributed"] = merged["loans"].where(merged["attribute"].notna(), 0)
            if by_level[k]:
                merged["points_sum"] = (merged["loans"] * merged["attribute"] * LEVEL_STEP).fillna(0.0)
            else:  # the period's points on its first row
                merged["points_sum"] = 0.0
                first = ~merged["period"].duplicated()
                total = merged.loc[first, "period"].map(period_sums[f"__s{k}"]).fillna(0.0)
                merged.loc[first, "points_sum"] = -factor * total
            found[names[k]] = merged
    found = {name: found[name] for name in names if name in found}  # the model's order of factors
    banded = frozenset(
        n for n, b, lv in zip(names, chosen, by_level, strict=True) if b and b.edges is not None and not lv
    )
    return Scan(cells, found, banded, frozenset(n for n, lv in zip(names, by_level, strict=True) if lv))


def _loans_where(pop: factors.Population, condition: str, params: list) -> tuple[str, list]:
    """The population's WHERE (booked loans) and ``condition``, with their parameters in order."""
    where, where_params = factors.population_where(pop)
    return (f"{where} AND {condition}" if where else f"WHERE {condition}"), [*where_params, *params]


def _monitored(ctx: datasets.TableContext, saved: model.SavedModel) -> factors.Population:
    """The monitored table's loans: booked ones when the model was fitted on booked loans."""
    booked = ctx.column_with_role("booked") if saved.spec.booked_only else None
    return factors.Population(ctx, ctx.definition, booked, ctx.types.get(booked) if booked else None)


def _in_segment(ctx: datasets.TableContext, saved: model.SavedModel, condition: str, params: list) -> tuple[str, list]:
    """``condition`` and, for a segment model, its segment: it monitors its own segment's loans only."""
    if saved.spec.segment_column is None:
        return condition, params
    ctx.require_column(saved.spec.segment_column)
    segment_params: list = []
    return f"{condition} AND {saved.spec.segment_sql(model.binder(segment_params))}", [*params, *segment_params]


def monitored_scan(
    con: duckdb.DuckDBPyConnection,
    saved: model.SavedModel,
    ctx: datasets.TableContext,
    date_column: str,
    period: str,
    as_of: dt.date,
    banding: dict[str, Banding] | None = None,
) -> Scan:
    """The monitored table's loans originated up to ``as_of``, by origination period."""
    day = date_sql(date_column)
    condition = f"{day} IS NOT NULL AND {day} <= CAST(? AS DATE)"
    condition, params = _in_segment(ctx, saved, condition, [as_of.isoformat()])
    where, params = _loans_where(_monitored(ctx, saved), condition, params)
    outcome = Outcome.of(ctx.definition) if ctx.definition else None
    period_of = period_sql(date_column, period)
    return scan(
        con, saved, ctx.table, period=period_of, outcome=outcome, where=where, where_params=params, banding=banding
    )


def development_scan(con: duckdb.DuckDBPyConnection, saved: model.SavedModel) -> Scan:
    """The model's development sample: its training loans with a known outcome, as the fit saw them."""
    ctx = datasets.table_context(con, saved.spec.table)
    pop = factors.population(ctx, saved.spec.outcome, booked_only=saved.spec.booked_only)
    params: list = []
    training = model.training_sql(ctx, saved.spec, model.binder(params))
    where, params = _loans_where(pop, training, params)
    no_period = "CAST(NULL AS DATE)"
    outcome = Outcome.of(pop.defn)
    return scan(
        con, saved, ctx.table, period=no_period, outcome=outcome, where=where, where_params=params, known_only=True
    )


def window_scan(
    con: duckdb.DuckDBPyConnection,
    saved: model.SavedModel,
    ctx: datasets.TableContext,
    date_column: str,
    start: dt.date,
    end: dt.date,
) -> Scan:
    """The monitored table's loans originated from ``start`` up to ``end`` with a known outcome, as one period."""
    if ctx.definition is None:
        raise RiskLabError("factors.no_definition", table=ctx.table)
    day = date_sql(date_column)
    condition = f"{day} >= CAST(? AS DATE) AND {day} <= CAST(? AS DATE)"
    condition, params = _in_segment(ctx, saved, condition, [start.isoformat(), end.isoformat()])
    where, params = _loans_where(_monitored(ctx, saved), condition, params)
    no_period = "CAST(NULL AS DATE)"
    outcome = Outcome.of(ctx.definition)
    return scan(
        con,
        saved,
        ctx.table,
        period=no_period,
        outcome=outcome,
        where=where,
        where_params=params,
        known_only=True,
        with_factors=False,
    )

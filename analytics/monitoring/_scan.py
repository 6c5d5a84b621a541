"""The one grouped scan behind every monitoring figure: loans by period x score cell x outcome, and by period x
points attribute of each factor.

The saved model's own SQL (its coefficients and encodings) scores each loan inside DuckDB. One ``GROUPING SETS``
query then returns, per period, the loans, the sum of their PD and their outcome counts for each score cell of
``SCORE_STEP`` points (fine enough that AUC, bands, grades and the cutoff all come from the cells) and, per
factor, the loans per points cell of that factor with the sum of its log-odds contribution. The development
sample is the same scan over the model's training loans with one period.
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
MAX_SET_VALUES = 4000  # factors share a grouping set while the product of their attribute counts stays below this
PERIODS = {"month": "month", "quarter": "quarter"}


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


def _attribute_sql(k: int, factor: float, banding: Banding | None, by_level: bool) -> str:
    """A factor's attribute: its points cell (of ``LEVEL_STEP`` points for levels and bins, ``ATTRIBUTE_STEP``
    for a number), or a number's development band (edges in whole points)."""
    step = LEVEL_STEP if by_level else ATTRIBUTE_STEP
    cell = f"CAST(round({model.literal(-factor / step)} * c{k}) AS BIGINT)"
    if by_level or banding is None or banding.edges is None:
        return cell
    if not banding.edges:
        return f"(CASE WHEN c{k} IS NOT NULL THEN 0 END)"
    step_sql = model.literal(ATTRIBUTE_STEP)  # the band of the points cell, as the development sample's cells have it
    return "(" + " + ".join(f"CAST({cell} * {step_sql} >= {model.literal(e)} AS INTEGER)" for e in banding.edges) + ")"


def _sets(count: int, values: list[int] | None) -> list[list[int]]:
    """Factors grouped into grouping sets: one each, or (knowing how many values each takes) as many together as
    keep the product of their values below ``MAX_SET_VALUES``."""
    if values is None:
        return [[k] for k in range(count)]
    sets: list[list[int]] = []
    product = math.inf
    for k in sorted(range(count), key=lambda k: values[k]):
        if product * values[k] > MAX_SET_VALUES:
            sets.append([])
            product = 1
        sets[-1].append(k)
        product *= values[k]
    return sets


def scan(
    con: duckdb.DuckDBPyConnection,
    saved: model.SavedModel,
    table: str,
    *,
    period: str,
    outcome: tuple[str, list] | None,
    where: str,
    where_params: list,
    banding: dict[str, Banding] | None = None,
) -> Scan:
    """Group the loans of ``table`` that satisfy ``where`` by ``period`` (SQL giving a DATE), score cell and
    ``outcome`` (SQL giving 1, 0 or NULL; None: unknown), and by each factor's attribute (``banding``: the
    development bands of the factors, which lets factors share grouping sets)."""
    params: list = []
    lit = model.binder(params)
    const, coefs = model.split_params(saved.encodings, saved.params)
    columns = [f"{period} AS period"]
    if outcome is None:
        columns.append("CAST(NULL AS INTEGER) AS bad")
    else:
        columns.append(f"{outcome[0]} AS bad")
        params += list(outcome[1])
    for k, (enc, coef) in enumerate(zip(saved.encodings, coefs, strict=True)):
        columns.append(f"{model.contribution_sql(enc, coef, lit)} AS c{k}")
    params += list(where_params)
    inner = f"SELECT {', '.join(columns)} FROM {store.quote_ident(table)} {where}"
    names = [enc.column for enc in saved.encodings]
    k_all = range(len(names))
    factor, offset, step = saved.scaling.factor, saved.scaling.offset, SCORE_STEP
    log_odds = " + ".join([model.literal(const), *(f"c{k}" for k in k_all)])
    chosen = [banding.get(name) if banding else None for name in names]
    by_level = [levelled(enc) for enc in saved.encodings]
    attributes = ", ".join(f"{_attribute_sql(k, factor, chosen[k], by_level[k])} AS a{k}" for k in k_all)
    cell = f"CAST(round(({model.literal(offset)} - {model.literal(factor)} * lo) / {model.literal(step)}) AS BIGINT)"
    scored = (
        f"SELECT *, {cell} AS cell, 1.0 / (1.0 + exp(-lo)) AS p, {attributes} "
        f"FROM (SELECT *, {log_odds} AS lo FROM ({inner}))"
    )
    groups = _sets(len(names), [b.values for b in chosen] if banding and all(chosen) else None)
    sets = ", ".join(["(period, cell, bad)", *(f"(period, {', '.join(f'a{k}' for k in g)})" for g in groups)])
    flags = ", ".join(["grouping(cell) AS g", *(f"grouping(a{g[0]}) AS g{j}" for j, g in enumerate(groups))])
    numbers = [k for k in k_all if not by_level[k]]  # a level's points are its attribute: only numbers need sums
    sums = "".join(f", sum(c{k}) AS s{k}" for k in numbers)  # per period from the first set, where all loans are
    sql = (
        f"SELECT {flags}, period, cell, bad, {', '.join(f'a{k}' for k in k_all)}, count(*) AS loans, "
        f"sum(p) AS pd_sum{sums} FROM ({scored}) GROUP BY GROUPING SETS ({sets})"
    )
    frame = con.execute(sql, params).df()
    main = frame[frame["g"] == 0]
    cells = main[["period", "cell", "bad", "loans", "pd_sum"]].reset_index(drop=True)
    period_sums = main.groupby("period", dropna=False, sort=False)[[f"s{k}" for k in numbers]].sum()
    found = {}
    for j, group in enumerate(groups):
        part = frame[frame[f"g{j}"] == 0]
        for k in group:
            keys = ["period", f"a{k}"]
            merged = part.groupby(keys, dropna=False, sort=False)["loans"].sum().reset_index()
            merged = merged.rename(columns={f"a{k}": "attribute"})
            merged["contributed"] = merged["loans"].where(merged["attribute"].notna(), 0)
            if by_level[k]:
                merged["points_sum"] = (merged["loans"] * merged["attribute"] * LEVEL_STEP).fillna(0.0)
            else:  # the period's points on its first row
                merged["points_sum"] = 0.0
                first = ~merged["period"].duplicated()
                total = merged.loc[first, "period"].map(period_sums[f"s{k}"]).fillna(0.0)
                merged.loc[first, "points_sum"] = -factor * total
            found[names[k]] = merged
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
    where, params = _loans_where(_monitored(ctx, saved), condition, [as_of.isoformat()])
    outcome = datasets.default_sql(ctx.definition) if ctx.definition else None
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
    outcome = datasets.default_sql(pop.defn)
    where, params = _loans_where(pop, f"{training} AND {outcome[0]} IS NOT NULL", [*params, *outcome[1]])
    no_period = "CAST(NULL AS DATE)"
    return scan(con, saved, ctx.table, period=no_period, outcome=outcome, where=where, where_params=params)


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
    outcome = datasets.default_sql(ctx.definition)
    condition = f"{day} >= CAST(? AS DATE) AND {day} <= CAST(? AS DATE) AND {outcome[0]} IS NOT NULL"
    where, params = _loans_where(_monitored(ctx, saved), condition, [start.isoformat(), end.isoformat(), *outcome[1]])
    no_period = "CAST(NULL AS DATE)"
    return scan(con, saved, ctx.table, period=no_period, outcome=outcome, where=where, where_params=params)

"""The expert side of a credit decision: recorded officer decisions, an expert scorecard and knock-out rules.

Every source becomes one SQL expression over a loan table's raw columns: 1 when the expert rejects, 0 when
the expert approves, NULL when unknown. Values never enter the SQL text: they are bound as parameters,
and column names pass through ``store.quote_ident``. ``OPERATORS`` is the registry of knock-out rule
operators; sources are saved as named rule sets with versions in ``risklab_catalog.rule_sets``.

Semantics worth knowing:
- a knock-out condition on a missing value is false (``debt_ratio > 0.7`` does not fire when the debt ratio
  is NULL); only ``is null`` tests for missing values. Conditions are joined left to right with AND/OR, AND
  binding tighter (``a OR b AND c`` is ``a OR (b AND c)``), as in SQL.
- a scorecard gives each factor the points of its first matching row (level, numeric range ``[low, high)``,
  or the missing-value row with neither), 0 when none matches; the total decides against the threshold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd

from analytics import datasets, store
from analytics.core import RiskLabError
from analytics.datasets import TableContext
from analytics.decisions import _matrix as matrix

# Values of a recorded decision column that mean approval (compared as ``outcome.text_key``).
APPROVE_WORDS: frozenset[str] = frozenset(
    {
        "approve",
        "approved",
        "accept",
        "accepted",
        "pass",
        "passed",
        "yes",
        "y",
        "1",
        "true",
        "grant",
        "granted",
        "同意",
        "通过",
        "批准",
        "准予",
        "核准",
        "是",
        "建议发放",
        "同意发放",
    }
)
LIST_SEPARATORS = (";", "；")  # how the editor separates the values of ``in`` / ``not in``


# --- knock-out rule operators (registry) ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Operator:
    """A rule operator: its key (what users pick), the SQL template and what value it takes.

    ``takes``: ``one`` (a single value), ``list`` (one or more values) or ``none``; ``ordered`` operators
    need a numeric or date column.
    """

    key: str
    template: str
    takes: str = "one"
    ordered: bool = False


OPERATORS: tuple[Operator, ...] = (
    Operator("=", "{col} = {value}"),
    Operator("!=", "{col} <> {value}"),
    Operator("<", "{col} < {value}", ordered=True),
    Operator("<=", "{col} <= {value}", ordered=True),
    Operator(">", "{col} > {value}", ordered=True),
    Operator(">=", "{col} >= {value}", ordered=True),
    Operator("in", "list_contains({value}, {col})", "list"),
    Operator("not in", "NOT list_contains({value}, {col})", "list"),
    Operator("is null", "{col} IS NULL", "none"),
    Operator("is not null", "{col} IS NOT NULL", "none"),
)
OPERATOR_KEYS: tuple[str, ...] = tuple(o.key for o in OPERATORS)
_OPERATORS = {o.key: o for o in OPERATORS}
JOINS: tuple[str, ...] = ("and", "or")


# --- the three sources ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RecordedDecision:
    """The officers' recorded decision (or grade) column; ``approve`` lists the values meaning approval."""

    column: str
    approve: tuple[str, ...] = ()
    kind: str = dataclasses.field(default="recorded", init=False)

    def __post_init__(self) -> None:
        values = (self.approve,) if isinstance(self.approve, str) else tuple(self.approve or ())
        object.__setattr__(self, "approve", tuple(str(v) for v in values))


@dataclasses.dataclass(frozen=True)
class ScoreThreshold:
    """The officers' recorded score: approve when ``column >= threshold``."""

    column: str
    threshold: float
    kind: str = dataclasses.field(default="score", init=False)


@dataclasses.dataclass(frozen=True)
class Condition:
    """One knock-out condition ``column op value``, joined to the previous one by ``join`` (and/or)."""

    column: str
    op: str
    value: Any = None
    join: str = "and"

    def __post_init__(self) -> None:
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))


@dataclasses.dataclass(frozen=True)
class PointsRow:
    """Scorecard points for one level (``level``) or numeric range ``[low, high)`` of a factor; neither = missing."""

    column: str
    points: float
    level: str | None = None
    low: float | None = None
    high: float | None = None


@dataclasses.dataclass(frozen=True)
class GradeBand:
    """A scorecard grade: ``label`` for a total of at least ``min_points``."""

    label: str
    min_points: float


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """An expert scorecard (points, grades, approval threshold) and/or knock-out rules.

    The expert rejects when a knock-out rule fires or (with a threshold) the total points fall below it.
    """

    knockouts: tuple[Condition, ...] = ()
    points: tuple[PointsRow, ...] = ()
    grades: tuple[GradeBand, ...] = ()
    threshold: float | None = None
    kind: str = dataclasses.field(default="rules", init=False)

    def __post_init__(self) -> None:
        for name in ("knockouts", "points", "grades"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))


ExpertSource = RecordedDecision | ScoreThreshold | RuleSet | matrix.MatrixStrategy


# --- SQL ----------------------------------------------------------------------------------------------------------


def _types(ctx: TableContext, columns: list[str]) -> dict[str, str]:
    for column in columns:
        ctx.require_column(column)
    return ctx.types


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _bind(value: Any, duckdb_type: str, column: str) -> tuple[str, Any]:
    """A placeholder (with a cast) and the Python value to bind, converted to the column's kind."""
    cls = datasets.type_class(duckdb_type)
    text = str(value).strip()
    if cls in ("integer", "float"):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise RiskLabError("expert.bad_number", column=column, value=text) from None
        if not math.isfinite(number):
            raise RiskLabError("expert.bad_number", column=column, value=text)
        return "CAST(? AS DOUBLE)", number
    if cls == "date":
        try:
            return "CAST(? AS DATE)", dt.date.fromisoformat(text[:10])
        except ValueError:
            raise RiskLabError("expert.bad_date", column=column, value=text) from None
    return "CAST(? AS VARCHAR)", text


def _column_sql(column: str, duckdb_type: str) -> str:
    cls = datasets.type_class(duckdb_type)
    col = store.quote_ident(column)
    if cls in ("integer", "float"):
        return f"CAST({col} AS DOUBLE)"
    if cls == "date":
        return f"CAST({col} AS DATE)"
    return f"CAST({col} AS VARCHAR)"


def split_values(value: Any) -> tuple[str, ...]:
    """The values of an ``in`` list: a tuple/list as is, text split on ``;``."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        text = "" if _is_missing(value) else str(value)
        for sep in LIST_SEPARATORS[1:]:
            text = text.replace(sep, LIST_SEPARATORS[0])
        items = text.split(LIST_SEPARATORS[0])
    return tuple(v.strip() for v in items if v.strip())


def condition_sql(cond: Condition, types: dict[str, str]) -> tuple[str, list]:
    """One condition as a boolean SQL expression that is never NULL (missing values do not match)."""
    op = _OPERATORS.get(str(cond.op).strip().lower())
    if op is None:
        raise RiskLabError("expert.bad_operator", op=cond.op, allowed=", ".join(OPERATOR_KEYS))
    if cond.column not in types:
        raise RiskLabError("expert.no_column", column=cond.column)
    duckdb_type = types[cond.column]
    cls = datasets.type_class(duckdb_type)
    col = _column_sql(cond.column, duckdb_type)
    if op.ordered and cls not in ("integer", "float", "date"):
        raise RiskLabError("expert.needs_number", column=cond.column, op=op.key)
    if op.takes == "none":
        return f"({op.template.format(col=col)})", []
    if op.takes == "list":
        values = split_values(cond.value)
        if not values:
            raise RiskLabError("expert.no_value", column=cond.column, op=op.key)
        bound = [_bind(v, duckdb_type, cond.column) for v in values]
        element = "DOUBLE" if cls in ("integer", "float") else ("DATE" if cls == "date" else "VARCHAR")
        sql = op.template.format(col=col, value=f"CAST(? AS {element}[])")
        return f"coalesce({sql}, false)", [[b for _, b in bound]]
    if _is_missing(cond.value):
        raise RiskLabError("expert.no_value", column=cond.column, op=op.key)
    mark, bound = _bind(cond.value, duckdb_type, cond.column)
    return f"coalesce({op.template.format(col=col, value=mark)}, false)", [bound]


def knockout_sql(conditions: tuple[Condition, ...], types: dict[str, str]) -> tuple[str, list]:
    """The knock-out rules as one boolean SQL expression (``false`` when there are none)."""
    if not conditions:
        return "false", []
    parts, params = [], []
    for i, cond in enumerate(conditions):
        join = str(cond.join or "and").strip().lower()
        if join not in JOINS:
            raise RiskLabError("expert.bad_join", join=cond.join)
        sql, values = condition_sql(cond, types)
        parts.append(sql if i == 0 else f"{join.upper()} {sql}")
        params += values
    return f"({' '.join(parts)})", params


def points_sql(rows: tuple[PointsRow, ...], types: dict[str, str]) -> tuple[str, list]:
    """The scorecard total: per factor the points of the first matching row (0 when none), summed."""
    by_column: dict[str, list[PointsRow]] = {}
    for row in rows:
        if row.column not in types:
            raise RiskLabError("expert.no_column", column=row.column)
        by_column.setdefault(row.column, []).append(row)
    terms, params = [], []
    for column, column_rows in by_column.items():
        duckdb_type = types[column]
        numeric = datasets.type_class(duckdb_type) in ("integer", "float")
        col = _column_sql(column, duckdb_type)
        whens = []
        for row in column_rows:
            points = _points_value(row)
            if not _is_missing(row.level):
                mark, value = _bind(row.level, duckdb_type, column)
                whens.append(f"WHEN {col} = {mark} THEN CAST(? AS DOUBLE)")
                params += [value, points]
            elif row.low is not None or row.high is not None:
                if not numeric:
                    raise RiskLabError("expert.range_needs_number", column=column)
                bounds = []
                for value, cmp in ((row.low, ">="), (row.high, "<")):
                    if value is not None:
                        bounds.append(f"{col} {cmp} CAST(? AS DOUBLE)")
                        params.append(_bind(value, duckdb_type, column)[1])
                whens.append(f"WHEN {' AND '.join(bounds)} THEN CAST(? AS DOUBLE)")
                params.append(points)
            else:
                whens.append(f"WHEN {col} IS NULL THEN CAST(? AS DOUBLE)")
                params.append(points)
        terms.append(f"(CASE {' '.join(whens)} ELSE 0 END)")
    return (f"({' + '.join(terms)})" if terms else "CAST(0 AS DOUBLE)"), params


def _points_value(row: PointsRow) -> float:
    try:
        points = float(row.points)
    except (TypeError, ValueError):
        raise RiskLabError("expert.bad_points", column=row.column, value=row.points) from None
    if not math.isfinite(points):
        raise RiskLabError("expert.bad_points", column=row.column, value=row.points)
    return points


def grade_sql(grades: tuple[GradeBand, ...], total_sql: str) -> tuple[str, list]:
    """The grade of a total: the band with the highest ``min_points`` the total reaches (NULL below all)."""
    if not grades:
        return "CAST(NULL AS VARCHAR)", []
    whens, params = [], []
    for band in sorted(grades, key=lambda b: float(b.min_points), reverse=True):
        if not str(band.label).strip():
            raise RiskLabError("expert.bad_grade")
        whens.append(f"WHEN {total_sql} >= CAST(? AS DOUBLE) THEN CAST(? AS VARCHAR)")
        params += [float(band.min_points), str(band.label).strip()]
    return f"(CASE {' '.join(whens)} ELSE NULL END)", params


MAX_DECISION_VALUES = 1_000  # a recorded decision column with more distinct values is decoded row by row


def _recorded_sql(con: duckdb.DuckDBPyConnection, ctx: TableContext, source: RecordedDecision) -> tuple[str, list]:
    """Approval when the value's ``text_key`` is one of the approving words. The column's distinct values are
    decoded once (one grouped scan), so the expression compares raw text instead of a regexp per row."""
    table = ctx.table
    _types(ctx, [source.column])
    approve = sorted({datasets.text_key(v) for v in source.approve} or APPROVE_WORDS)
    col = store.quote_ident(source.column)
    marks = ", ".join("?" * len(approve))
    distinct, matched = con.execute(
        f"SELECT count(*), coalesce(list(v ORDER BY v) FILTER ({datasets.text_key_sql('v')} IN ({marks})), []) "
        f"FROM (SELECT DISTINCT CAST({col} AS VARCHAR) AS v FROM {store.quote_ident(table)} WHERE {col} IS NOT NULL)",
        approve,
    ).fetchall()[0]
    if not matched:
        values = ", ".join(store.distinct_values(con, table, source.column, limit=6))
        raise RiskLabError("expert.approve_not_found", column=source.column, found=values)
    if distinct > MAX_DECISION_VALUES:
        sql = f"(CASE WHEN {col} IS NULL THEN NULL WHEN {datasets.text_key_sql(col)} IN ({marks}) THEN 0 ELSE 1 END)"
        return sql, [*approve]
    sql = f"(CASE WHEN {col} IS NULL THEN NULL WHEN list_contains(CAST(? AS VARCHAR[]), CAST({col} AS VARCHAR)) "
    return sql + "THEN 0 ELSE 1 END)", [list(matched)]


def _score_sql(con: duckdb.DuckDBPyConnection, ctx: TableContext, source: ScoreThreshold) -> tuple[str, list]:
    types = _types(ctx, [source.column])
    if not datasets.is_numeric(types[source.column]):
        raise RiskLabError("expert.score_not_numeric", column=source.column, type=types[source.column])
    try:
        threshold = float(source.threshold)
    except (TypeError, ValueError):
        raise RiskLabError("expert.bad_threshold", value=source.threshold) from None
    col = store.quote_ident(source.column)
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {col} >= ? THEN 0 ELSE 1 END)", [threshold]


def _rules_sql(con: duckdb.DuckDBPyConnection, ctx: TableContext, source: RuleSet) -> tuple[str, list]:
    if not source.knockouts and source.threshold is None:
        raise RiskLabError("expert.empty_rules")
    if source.threshold is not None and not source.points:
        raise RiskLabError("expert.no_points")
    types = ctx.types
    knock, knock_params = knockout_sql(source.knockouts, types)
    if source.threshold is None:
        return f"(CASE WHEN {knock} THEN 1 ELSE 0 END)", knock_params
    total, total_params = points_sql(source.points, types)
    return (
        f"(CASE WHEN {knock} OR {total} < CAST(? AS DOUBLE) THEN 1 ELSE 0 END)",
        [*knock_params, *total_params, float(source.threshold)],
    )


_REJECT_SQL: dict[str, Callable[[duckdb.DuckDBPyConnection, TableContext, Any], tuple[str, list]]] = {
    "recorded": _recorded_sql,
    "score": _score_sql,
    "rules": _rules_sql,
    "matrix": matrix.reject_sql,
}


def source_columns(source: ExpertSource) -> tuple[str, ...]:
    """The columns a source's decision reads."""
    if isinstance(source, RuleSet):
        return tuple(dict.fromkeys([*(c.column for c in source.knockouts), *(r.column for r in source.points)]))
    if isinstance(source, matrix.MatrixStrategy):
        return matrix.columns(source)
    return (source.column,)


def reject_sql(con: duckdb.DuckDBPyConnection, ctx: TableContext, source: ExpertSource) -> tuple[str, list]:
    """The expert's decision on each row of the table as SQL: 1 reject, 0 approve, NULL unknown."""
    return _REJECT_SQL[source.kind](con, ctx, source)


def _applicant_sql(types: list[tuple[str, str]], applicant: dict[str, Any]) -> tuple[str, list]:
    """A one-row relation with the table's columns and types holding the applicant's values (others NULL)."""
    parts, params = [], []
    for column, duckdb_type in types:
        value = applicant.get(column)
        if _is_missing(value):
            parts.append(f"CAST(NULL AS {duckdb_type}) AS {store.quote_ident(column)}")
        else:
            parts.append(f"TRY_CAST(? AS {duckdb_type}) AS {store.quote_ident(column)}")
            params.append(value.item() if hasattr(value, "item") else value)
    return f"(SELECT {', '.join(parts)})", params


def decide(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, source: ExpertSource, applicant: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Row by row (in table order): ``reject`` and, for a rule set, ``points``, ``grade`` and ``knocked_out``.

    With ``applicant`` (column -> value), the same SQL runs on that one applicant instead of the table's rows.
    """
    sql, params = reject_sql(con, ctx, source)
    relation, relation_params = store.quote_ident(ctx.table), []
    if applicant is not None:
        relation, relation_params = _applicant_sql(ctx.columns, applicant)
    if not isinstance(source, RuleSet):
        return con.execute(f"SELECT {sql} AS reject FROM {relation}", [*params, *relation_params]).df()
    types = ctx.types
    total, total_params = points_sql(source.points, types)
    knock, knock_params = knockout_sql(source.knockouts, types)
    grade, grade_params = grade_sql(source.grades, "points")
    return con.execute(
        f"WITH s AS (SELECT {sql} AS reject, {total} AS points, {knock} AS knocked_out FROM {relation}) "
        f"SELECT reject, points, {grade} AS grade, knocked_out FROM s",
        [*params, *total_params, *knock_params, *relation_params, *grade_params],
    ).df()


def default_source(con: duckdb.DuckDBPyConnection, ctx: TableContext) -> ExpertSource | None:
    """The table's recorded expert decision column, else its expert score with the median as threshold."""
    decision = ctx.column_with_role("expert_decision")
    if decision:
        return RecordedDecision(decision)
    for column in ctx.with_role("expert_score"):
        if datasets.is_numeric(ctx.types[column]):
            median = median_score(con, ctx, column)
            if median is not None:
                return ScoreThreshold(column, median)
    return None


def median_score(con: duckdb.DuckDBPyConnection, ctx: TableContext, column: str) -> float | None:
    """The median of a numeric expert-score column (a starting approval threshold)."""
    sql = f"SELECT median({store.quote_ident(ctx.require_column(column))}) FROM {store.quote_ident(ctx.table)}"
    value = con.execute(sql).fetchall()[0][0]
    return None if value is None else float(value)


# --- editing (table frames) and a traditional starter ---------------------------------------------------------

KNOCKOUT_COLUMNS = ("join", "column", "operator", "value")
POINTS_COLUMNS = ("column", "level", "low", "high", "points")
GRADE_COLUMNS = ("grade", "min_points")


def _text(value: Any) -> str | None:
    return None if _is_missing(value) else str(value).strip()


def _number(value: Any, column: str) -> float | None:
    if _is_missing(value):
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        raise RiskLabError("expert.bad_number", column=column, value=value) from None


def rules_from_frames(
    knockouts: pd.DataFrame | None = None,
    points: pd.DataFrame | None = None,
    grades: pd.DataFrame | None = None,
    threshold: float | None = None,
) -> RuleSet:
    """A rule set from the page's edited tables; rows without a column are ignored."""
    conds, rows, bands = [], [], []
    for rec in [] if knockouts is None else knockouts.to_dict("records"):
        if _text(rec.get("column")):
            op = _text(rec.get("operator")) or "="
            value = rec.get("value")
            value = split_values(value) if op in ("in", "not in") else _text(value)
            conds.append(Condition(_text(rec["column"]), op, value, (_text(rec.get("join")) or "and").lower()))
    for rec in [] if points is None else points.to_dict("records"):
        column = _text(rec.get("column"))
        if column:
            if _is_missing(rec.get("points")):
                raise RiskLabError("expert.bad_points", column=column, value="")
            low, high = _number(rec.get("low"), column), _number(rec.get("high"), column)
            rows.append(PointsRow(column, _number(rec.get("points"), column), _text(rec.get("level")), low, high))
    for rec in [] if grades is None else grades.to_dict("records"):
        label = _text(rec.get("grade"))
        if label:
            if _is_missing(rec.get("min_points")):
                raise RiskLabError("expert.bad_grade")
            bands.append(GradeBand(label, _number(rec.get("min_points"), label)))
    return RuleSet(tuple(conds), tuple(rows), tuple(bands), None if threshold is None else float(threshold))


def rules_to_frames(rules: RuleSet) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The editable tables (knock-outs, points, grades) of a rule set."""
    knock = pd.DataFrame(
        [
            [c.join, c.column, c.op, LIST_SEPARATORS[0].join(c.value) if isinstance(c.value, tuple) else c.value]
            for c in rules.knockouts
        ],
        columns=list(KNOCKOUT_COLUMNS),
    ).astype({"join": "object", "column": "object", "operator": "object", "value": "object"})
    points = pd.DataFrame(
        [[r.column, r.level, r.low, r.high, r.points] for r in rules.points], columns=list(POINTS_COLUMNS)
    ).astype({"column": "object", "level": "object", "low": "float64", "high": "float64", "points": "float64"})
    grades = pd.DataFrame([[g.label, g.min_points] for g in rules.grades], columns=list(GRADE_COLUMNS)).astype(
        {"grade": "object", "min_points": "float64"}
    )
    return knock, points, grades


# The traditional rating sheet of a rural credit cooperative (income, assets, land, guarantee, credit record),
# for the sample portfolio's column names; rows whose columns a table lacks are dropped.
_INF = None
TRADITIONAL_POINTS: tuple[PointsRow, ...] = (
    PointsRow("annual_income", 0, low=_INF, high=40_000),
    PointsRow("annual_income", 10, low=40_000, high=100_000),
    PointsRow("annual_income", 20, low=100_000, high=_INF),
    PointsRow("debt_ratio", 20, low=_INF, high=0.3),
    PointsRow("debt_ratio", 10, low=0.3, high=0.5),
    PointsRow("debt_ratio", 0, low=0.5, high=_INF),
    PointsRow("land_mu", 10, low=10, high=_INF),
    PointsRow("land_mu", 5, low=3, high=10),
    PointsRow("guarantee_method", 20, level="mortgage"),
    PointsRow("guarantee_method", 15, level="collateral"),
    PointsRow("guarantee_method", 10, level="joint group"),
    PointsRow("guarantee_method", 10, level="guarantor"),
    PointsRow("prior_overdue_count", 20, level="0"),
    PointsRow("prior_overdue_count", 5, level="1"),
    PointsRow("credit_rating", 20, level="AAA"),
    PointsRow("credit_rating", 15, level="AA"),
    PointsRow("credit_rating", 10, level="A"),
    PointsRow("credit_rating", 5, level="B"),
)
TRADITIONAL_GRADES: tuple[GradeBand, ...] = (
    GradeBand("AAA", 85),
    GradeBand("AA", 70),
    GradeBand("A", 55),
    GradeBand("B", 40),
    GradeBand("C", 0),
)
TRADITIONAL_THRESHOLD = 55.0
TRADITIONAL_KNOCKOUTS: tuple[Condition, ...] = (
    Condition("debt_ratio", ">", "0.7"),
    Condition("prior_overdue_count", ">=", "2", "or"),
    Condition("guarantee_method", "=", "none", "or"),
    Condition("loan_amount", ">", "50000"),
)


def starter_rules(ctx: TableContext) -> RuleSet:
    """The traditional rating sheet and knock-outs, keeping only the rows whose columns the table has."""
    columns = ctx.types
    points = tuple(r for r in TRADITIONAL_POINTS if r.column in columns)
    knock: list[Condition] = []
    for cond in TRADITIONAL_KNOCKOUTS:
        if cond.column in columns:
            knock.append(cond if knock else dataclasses.replace(cond, join="and"))
    return RuleSet(
        tuple(knock), points, TRADITIONAL_GRADES if points else (), TRADITIONAL_THRESHOLD if points else None
    )


# --- saved rule sets (named, versioned) ------------------------------------------------------------------------

_SOURCES: dict[str, type] = {
    "recorded": RecordedDecision,
    "score": ScoreThreshold,
    "rules": RuleSet,
    "matrix": matrix.MatrixStrategy,
}


def source_to_dict(source: ExpertSource) -> dict:
    """A JSON-ready description of a source (the inverse of ``source_from_dict``)."""
    data = matrix.to_dict(source) if source.kind == "matrix" else dataclasses.asdict(source)
    data["kind"] = source.kind
    return data


def source_from_dict(data: dict) -> ExpertSource:
    """Rebuild a source saved with ``source_to_dict``."""
    kind = data.get("kind")
    if kind not in _SOURCES:
        raise RiskLabError("expert.unknown_kind", kind=kind)
    fields = {k: v for k, v in data.items() if k != "kind"}
    if kind == "matrix":
        return matrix.from_dict(fields)
    if kind == "rules":
        return RuleSet(
            tuple(Condition(**c) for c in fields.get("knockouts", ())),
            tuple(PointsRow(**r) for r in fields.get("points", ())),
            tuple(GradeBand(**g) for g in fields.get("grades", ())),
            fields.get("threshold"),
        )
    return _SOURCES[kind](**fields)


@dataclasses.dataclass(frozen=True)
class SavedRuleSet:
    """A saved expert source: name, version, the table it was built for, the source and when."""

    name: str
    version: int
    table: str | None
    source: ExpertSource
    saved_at: object = None


def save_rule_set(con: duckdb.DuckDBPyConnection, name: str, source: ExpertSource, ctx: TableContext) -> int:
    """Check ``source`` against the table and save it as the next version of ``name``; returns the version."""
    name = str(name or "").strip()
    if not name or len(name) > 80:
        raise RiskLabError("expert.bad_name", name=name)
    reject_sql(con, ctx, source)  # every column, operator and value is checked before saving
    table = ctx.table

    def insert() -> int:
        with store.transaction(con):
            version = con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM risklab_catalog.rule_sets WHERE name = ?", [name]
            ).fetchall()[0][0]
            con.execute(
                "INSERT INTO risklab_catalog.rule_sets (name, version, table_name, kind, spec) VALUES (?, ?, ?, ?, ?)",
                [name, version, table, source.kind, json.dumps(source_to_dict(source), ensure_ascii=False)],
            )
            store.audit(con, "save_rule_set", table, name=name, version=version, kind=source.kind)
        return int(version)

    return store.retry_conflicts(insert)  # two users saving one name at once get two versions


def list_rule_sets(con: duckdb.DuckDBPyConnection, table: str | None = None) -> pd.DataFrame:
    """Saved rule sets (newest version first per name): name, version, table, kind, saved_at."""
    where, params = ("WHERE table_name = ?", [table]) if table else ("", [])
    return con.execute(
        'SELECT name, version, table_name AS "table", kind, saved_at FROM risklab_catalog.rule_sets '
        f"{where} ORDER BY name, version DESC",
        params,
    ).df()


def load_rule_set(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None) -> SavedRuleSet:
    """A saved rule set by name (latest version unless ``version``)."""
    rows = con.execute(
        "SELECT name, version, table_name, spec, saved_at FROM risklab_catalog.rule_sets WHERE name = ? "
        "AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
        [name, version, version],
    ).fetchall()
    if not rows:
        raise RiskLabError("expert.no_rule_set", name=name)
    name, version, table, spec, saved_at = rows[0]
    return SavedRuleSet(name, int(version), table, source_from_dict(json.loads(spec)), saved_at)

"""A matrix strategy: the model's grade x the officer's grade -> approve or reject, the way institutions combine a
score with the traditional credit rating. It is one more expert source (``kind`` "matrix"), evaluated like any
other in the comparison, and saved like a rule set (the grades and the grid; the model is bound when it is used).

The model grade of a PD is the band with the highest ``pd_from`` at or below it (a PD below every band has none);
the officer grade is the value of ``officer_column`` (e.g. the credit rating). A row whose model grade, officer
grade or cell is missing has no decision (NULL), like a missing recorded decision.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import pandas as pd

from analytics import store
from analytics.core import RiskLabError
from analytics.datasets import TableContext

DECISIONS = ("approve", "reject")
MAX_GRADES = 12  # officer grades of a matrix (a column with more values is no rating)
TRADITIONAL_ORDER = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")  # ratings best first
STARTER_MODEL_GRADES = (("M1", 0.0), ("M2", 0.05), ("M3", 0.10), ("M4", 0.20), ("M5", 0.35))
BOUND = ("pd_sql", "pd_params", "pd_columns")  # the model's PD, bound at use and never saved


@dataclasses.dataclass(frozen=True)
class ModelGrade:
    """A model grade: ``label`` for a PD of at least ``pd_from``."""

    label: str
    pd_from: float


@dataclasses.dataclass(frozen=True)
class MatrixStrategy:
    """Model grades (rows) x officer grades (columns, values of ``officer_column``) -> ``grid[row][column]``,
    "approve" or "reject". ``pd_sql`` (with ``pd_params``, reading ``pd_columns``) is the model's PD, bound with
    ``bind``."""

    officer_column: str
    officer_grades: tuple[str, ...]
    model_grades: tuple[ModelGrade, ...]
    grid: tuple[tuple[str, ...], ...]
    pd_sql: str = ""
    pd_params: tuple = ()
    pd_columns: tuple[str, ...] = ()
    kind: str = dataclasses.field(default="matrix", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "officer_grades", tuple(str(g) for g in self.officer_grades))
        object.__setattr__(self, "model_grades", tuple(self.model_grades))
        object.__setattr__(self, "grid", tuple(tuple(row) for row in self.grid))
        object.__setattr__(self, "pd_params", tuple(self.pd_params))
        object.__setattr__(self, "pd_columns", tuple(self.pd_columns))


def bind(strategy: MatrixStrategy, model: Any) -> MatrixStrategy:
    """The strategy with the PD of a saved model (anything with ``pd_sql() -> (sql, params)``)."""
    sql, params = model.pd_sql()
    columns = tuple(dict.fromkeys(e.column for e in getattr(model, "encodings", ())))
    return dataclasses.replace(strategy, pd_sql=sql, pd_params=tuple(params), pd_columns=columns)


def columns(strategy: MatrixStrategy) -> tuple[str, ...]:
    """The columns the decision reads; ("",) (no few-valued cells) while the model's columns are unknown."""
    return (strategy.officer_column, *strategy.pd_columns) if strategy.pd_columns else ("",)


def _check(ctx: TableContext, strategy: MatrixStrategy) -> None:
    if not strategy.pd_sql:
        raise RiskLabError("matrix.no_model")
    ctx.require_column(strategy.officer_column)
    if not strategy.officer_grades or not strategy.model_grades:
        raise RiskLabError("matrix.empty")
    if len(set(strategy.officer_grades)) < len(strategy.officer_grades):
        raise RiskLabError("matrix.repeated", grades=", ".join(strategy.officer_grades))
    labels = [g.label for g in strategy.model_grades]
    if any(not str(label).strip() for label in labels) or len(set(labels)) < len(labels):
        raise RiskLabError("matrix.bad_model_grades", grades=", ".join(map(str, labels)))
    bounds = [g.pd_from for g in strategy.model_grades]
    for bound in bounds:
        if isinstance(bound, bool) or not isinstance(bound, int | float) or not 0 <= bound < 1 or math.isnan(bound):
            raise RiskLabError("matrix.bad_pd_from", value=bound)
    if any(low >= high for low, high in itertools.pairwise(bounds)):
        raise RiskLabError("matrix.unordered", bounds=", ".join(f"{b:g}" for b in bounds))
    shape = (len(strategy.model_grades), len(strategy.officer_grades))
    if len(strategy.grid) != shape[0] or any(len(row) != shape[1] for row in strategy.grid):
        raise RiskLabError("matrix.bad_grid", rows=shape[0], columns=shape[1])
    for row in strategy.grid:
        for cell in row:
            if cell not in DECISIONS:
                raise RiskLabError("matrix.bad_decision", value=cell)


def reject_sql(con: Any, ctx: TableContext, strategy: MatrixStrategy) -> tuple[str, list]:
    """The strategy's decision on each row as SQL: 1 reject, 0 approve, NULL without a model or officer grade.

    The model grade's row index (0-based) times the number of officer grades plus the officer grade's position
    (1-based) picks the cell of the flattened grid; the PD is computed once per grade band tested.
    """
    _check(ctx, strategy)
    whens, params = [], []
    for index, grade in sorted(enumerate(strategy.model_grades), key=lambda pair: -pair[1].pd_from):
        whens.append(f"WHEN ({strategy.pd_sql}) >= CAST(? AS DOUBLE) THEN {index}")
        params += [*strategy.pd_params, float(grade.pd_from)]
    row = f"(CASE {' '.join(whens)} END)"
    column = (
        f"nullif(list_position(CAST(? AS VARCHAR[]), CAST({store.quote_ident(strategy.officer_column)} AS VARCHAR)), 0)"
    )
    flat = [1 if cell == "reject" else 0 for row_cells in strategy.grid for cell in row_cells]
    sql = f"list_extract(CAST(? AS INTEGER[]), {row} * {len(strategy.officer_grades)} + {column})"
    return sql, [flat, *params, list(strategy.officer_grades)]


# --- editing (one table) and a starter -----------------------------------------------------------------------------


def to_frame(strategy: MatrixStrategy) -> pd.DataFrame:
    """The editable table: one row per model grade (``grade``, ``pd_from``), one column per officer grade."""
    frame = pd.DataFrame(
        [[g.label, g.pd_from, *row] for g, row in zip(strategy.model_grades, strategy.grid, strict=True)],
        columns=["grade", "pd_from", *strategy.officer_grades],
    )
    return frame.astype({"grade": "object", "pd_from": "float64"})


def from_frame(frame: pd.DataFrame, officer_column: str, officer_grades: tuple[str, ...]) -> MatrixStrategy:
    """A strategy (not yet bound to a model) from the edited table; rows without a grade are ignored."""
    grades, grid = [], []
    for record in frame.to_dict("records"):
        label = record.get("grade")
        if label is None or (isinstance(label, float) and math.isnan(label)) or not str(label).strip():
            continue
        pd_from = record.get("pd_from")
        if pd_from is None or (isinstance(pd_from, float) and math.isnan(pd_from)):
            raise RiskLabError("matrix.bad_pd_from", value="")
        grades.append(ModelGrade(str(label).strip(), float(pd_from)))
        grid.append(tuple(str(record.get(g) or "") for g in officer_grades))
    return MatrixStrategy(officer_column, tuple(officer_grades), tuple(grades), tuple(grid))


def order_grades(values: list[str]) -> tuple[str, ...]:
    """Officer grades best first: the rating order (AAA, AA, A, BBB ...) when the values are ratings, else sorted."""
    if set(values) <= set(TRADITIONAL_ORDER):
        return tuple(g for g in TRADITIONAL_ORDER if g in values)
    return tuple(sorted(values))


def starter_matrix(con: Any, ctx: TableContext, officer_column: str) -> MatrixStrategy:
    """A starting matrix over ``officer_column``'s values: approve when the two grades together are good enough
    (the model grade's rank plus the officer grade's rank on the same 0-4 scale at most 4)."""
    ctx.require_column(officer_column)
    values = store.distinct_values(con, ctx.table, officer_column, limit=MAX_GRADES + 1)
    if not values or len(values) > MAX_GRADES:
        raise RiskLabError("matrix.not_a_rating", column=officer_column, limit=MAX_GRADES)
    officer = order_grades([str(v) for v in values])
    top = len(STARTER_MODEL_GRADES) - 1
    grid = []
    for i in range(len(STARTER_MODEL_GRADES)):
        row = []
        for j in range(len(officer)):
            rank = round(j * top / max(len(officer) - 1, 1))
            row.append("approve" if i + rank <= top else "reject")
        grid.append(tuple(row))
    grades = tuple(ModelGrade(label, pd_from) for label, pd_from in STARTER_MODEL_GRADES)
    return MatrixStrategy(officer_column, officer, grades, tuple(grid))


def to_dict(strategy: MatrixStrategy) -> dict:
    """What is saved and printed: the grades and the grid (the model's PD is bound at use)."""
    data = dataclasses.asdict(strategy)
    for name in BOUND:
        data.pop(name)
    return data


def from_dict(data: dict) -> MatrixStrategy:
    """A strategy saved with ``to_dict``."""
    grades = tuple(ModelGrade(**g) for g in data.get("model_grades", ()))
    return MatrixStrategy(data["officer_column"], tuple(data["officer_grades"]), grades, tuple(data["grid"]))

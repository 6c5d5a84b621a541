"""What-if and training: one applicant through the model and the expert, the smallest change that flips the
model's decision, and a quiz on past applicants.

The model is a saved model (``analytics.model.SavedModel``): anything with ``spec.factors`` (column and
treatment), ``predict(frame) -> PD``, ``contributions(row) -> {factor: log-odds}``, ``pd_sql()`` and
``scaling`` (``model.Scaling``); grades are the model's (``model.grade``). An applicant
is a dict of column values (a whole loan row, so the expert's rules can read columns the model does not use).
The model rejects when ``PD >= cutoff``.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics import datasets, store
from analytics.core import RiskLabError
from analytics.datasets import TableContext
from analytics.decisions import _compare as decisions
from analytics.decisions import _expert as expert
from analytics.model import CONST, grade

PERCENTILES = np.linspace(0, 1, 101)  # the grid of each numeric factor's distribution (slider ranges, distances)
REFINE_POINTS, REFINE_ROUNDS = 200, 2  # the flip boundary is refined on two grids


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p))


# --- the factors: kinds and ranges ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FactorRange:
    """How a factor can be set: a numeric slider (percentile grid) or a select over levels (by frequency)."""

    column: str
    kind: str
    integer: bool = False
    quantiles: tuple[float, ...] = ()
    levels: tuple[str, ...] = ()
    shares: tuple[float, ...] = ()
    typical: Any = None

    @property
    def low(self) -> float | None:
        """Slider minimum: the 1st percentile (None for a categorical factor)."""
        return self.quantiles[1] if self.quantiles else None

    @property
    def high(self) -> float | None:
        """Slider maximum: the 99th percentile (None for a categorical factor)."""
        return self.quantiles[99] if self.quantiles else None

    @property
    def step(self) -> float:
        """A slider step: 1 for integers, else a round hundredth of the 1-99 percentile range."""
        if self.integer or not self.quantiles:
            return 1.0
        span = max(self.high - self.low, 1e-9)
        return float(10 ** math.floor(math.log10(span / 100)))

    def bounds(self, current: float | None = None) -> tuple[float, float]:
        """The ends of the factor's slider: the 1st and 99th percentiles (whole numbers for an integer factor),
        widened to the current value. Every suggested change stays inside them."""
        low, high = self.low, self.high
        if self.integer:
            low, high = float(math.floor(low)), float(math.floor(high))
        if current is not None:
            low, high = min(low, float(current)), max(high, float(current))
        return low, high

    def percentile(self, value: float) -> float:
        """Where ``value`` sits in the factor's distribution (0-1)."""
        grid = np.asarray(self.quantiles)
        return float(np.interp(value, grid, PERCENTILES)) if grid[-1] > grid[0] else 0.5


def factor_columns(model: object) -> list[tuple[str, str]]:
    """``[(column, treatment), ...]`` of the model's factors."""
    return [(f.column, f.treatment) for f in model.spec.factors]


def factor_ranges(con: duckdb.DuckDBPyConnection, ctx: TableContext, model: object) -> dict[str, FactorRange]:
    """Each model factor's distribution in the table: percentile grids of numeric factors (one scan) and the
    levels of categorical ones with their shares."""
    table, types = ctx.table, ctx.types
    ranges: dict[str, FactorRange] = {}
    numeric = []
    for column, treatment in factor_columns(model):
        ctx.require_column(column)
        if treatment != "categorical" and datasets.is_numeric(types[column]):
            numeric.append(column)
        else:
            rows = con.execute(
                f"SELECT CAST({store.quote_ident(column)} AS VARCHAR) AS v, count(*) AS n FROM "
                f"{store.quote_ident(table)} WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT 200",
            ).fetchall()
            total = sum(n for _, n in rows) or 1
            ranges[column] = FactorRange(
                column,
                "categorical",
                levels=tuple(v for v, _ in rows),
                shares=tuple(n / total for _, n in rows),
                typical=rows[0][0] if rows else None,
            )
    if numeric:
        parts = [f"quantile_cont({store.quote_ident(c)}, ?)" for c in numeric]
        grids = con.execute(
            f"SELECT {', '.join(parts)} FROM {store.quote_ident(table)}", [PERCENTILES.tolist()] * len(numeric)
        ).fetchall()[0]
        for column, grid in zip(numeric, grids, strict=True):
            if grid is None:
                raise RiskLabError("whatif.empty_factor", column=column)
            integer = datasets.type_class(types[column]) == "integer"
            ranges[column] = FactorRange(
                column, "numeric", integer, tuple(float(v) for v in grid), typical=_tidy(grid[50], integer)
            )
    return {column: ranges[column] for column, _ in factor_columns(model)}


def _tidy(value: float, integer: bool) -> float:
    return float(round(value)) if integer else float(f"{value:.4g}")


# --- applicants -------------------------------------------------------------------------------------------------


def _loan_id_column(ctx: TableContext) -> str:
    column = ctx.column_with_role("loan_id")
    if column is None:
        raise RiskLabError("whatif.no_loan_id", table=ctx.table)
    return column


def loan_applicant(con: duckdb.DuckDBPyConnection, ctx: TableContext, loan_id: str) -> dict[str, Any]:
    """The whole row of one loan, found by its loan id."""
    column = _loan_id_column(ctx)
    frame = con.execute(
        f"SELECT * FROM {store.quote_ident(ctx.table)} WHERE CAST({store.quote_ident(column)} AS VARCHAR) = ? LIMIT 1",
        [str(loan_id).strip()],
    ).df()
    if frame.empty:
        raise RiskLabError("whatif.no_loan", loan_id=loan_id)
    return {k: (None if _missing(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def typical_applicant(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, ranges: dict[str, FactorRange]
) -> dict[str, Any]:
    """A typical applicant: the median of every numeric column and the most common value of the others,
    with the model's factors at their typical values (the reference applicant)."""
    types = ctx.columns
    parts = [
        f"median({store.quote_ident(c)})" if datasets.is_numeric(t) else f"mode({store.quote_ident(c)})"
        for c, t in types
    ]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {store.quote_ident(ctx.table)}").fetchall()[0]
    applicant = {c: v for (c, _), v in zip(types, row, strict=True)}
    for column, r in ranges.items():
        applicant[column] = r.typical
    return applicant


def _frame(model: object, applicants: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [c for c, _ in factor_columns(model)]  # object columns: no text-array conversion for a few rows
    return pd.DataFrame({c: [a.get(c) for a in applicants] for c in columns}, columns=columns, dtype=object)


def predict(model: object, applicants: list[dict[str, Any]]) -> np.ndarray:
    """The model's PD of each applicant."""
    return np.asarray(model.predict(_frame(model, applicants)), dtype=float)


# --- one applicant ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Evaluation:
    """An applicant through the model (PD, score, grade, decision, contributions) and the expert."""

    pd: float
    log_odds: float
    score: float
    grade: str
    cutoff: float
    model_reject: bool
    contributions: pd.DataFrame
    reference_log_odds: float
    reference_score: float
    expert: dict[str, Any] | None = None


def contributions(model: object, applicant: dict[str, Any], reference: dict[str, Any]) -> pd.DataFrame:
    """Each factor's contribution to the log-odds relative to the reference applicant, and in score points.

    The contributions add up to ``log_odds(applicant) - log_odds(reference)``; the points are the differences of
    the rounded points (``SavedModel.points_frame``), so they add up to ``score(applicant) - score(reference)``.
    """
    columns = [c for c, _ in factor_columns(model)]
    own = model.contributions({c: applicant.get(c) for c in columns})
    ref = model.contributions({c: reference.get(c) for c in columns})
    own_points, ref_points = model.points_frame(_frame(model, [applicant, reference])).to_dict("records")
    rows = []
    for name in (n for n in own if n != CONST):
        delta = float(own[name]) - float(ref.get(name, 0.0))
        rows.append(
            {
                "factor": name,
                "value": applicant.get(name),
                "reference": reference.get(name),
                "contribution": delta,
                "points": float(own_points[name]) - float(ref_points[name]),
            }
        )
    return pd.DataFrame(rows, columns=["factor", "value", "reference", "contribution", "points"])


def expert_view(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, source: expert.ExpertSource, applicant: dict[str, Any]
) -> dict[str, Any]:
    """The expert's decision on an applicant (and, for a rule set, points, grade and whether a rule knocked out)."""
    frame = expert.decide(con, ctx, source, applicant=applicant)
    row = frame.iloc[0].to_dict()
    out = {"reject": None if _missing(row["reject"]) else bool(row["reject"])}
    if isinstance(source, expert.RuleSet):
        out.update(
            points=float(row["points"]),
            grade=None if _missing(row["grade"]) else str(row["grade"]),
            knocked_out=bool(row["knocked_out"]),
        )
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    model: object,
    applicant: dict[str, Any],
    reference: dict[str, Any],
    cutoff: float,
    source: expert.ExpertSource | None = None,
) -> Evaluation:
    """The applicant's PD, score, grade, both decisions and the contributions versus the reference."""
    pd_app, pd_ref = predict(model, [applicant, reference])
    if not math.isfinite(pd_app):
        raise RiskLabError("whatif.no_pd")
    score_app, score_ref = model.score(_frame(model, [applicant, reference]))
    return Evaluation(
        pd=float(pd_app),
        log_odds=float(_logit(pd_app)),
        score=float(score_app),  # the sum of the rounded points, as the scorecard and the SQL give it
        grade=str(grade(np.array([pd_app]))[0]),
        cutoff=cutoff,
        model_reject=bool(pd_app >= cutoff),
        contributions=contributions(model, applicant, reference),
        reference_log_odds=float(_logit(pd_ref)),
        reference_score=float(score_ref),
        expert=expert_view(con, ctx, source, applicant) if source is not None else None,
    )


# --- the smallest change that flips the model's decision --------------------------------------------------------


def _tidy_flip(boundary: float, current: float, r: FactorRange) -> float:
    """The boundary rounded away from the current value to a step of about 1% of the change (whole numbers for
    integer factors): a value people can read that still flips the decision."""
    delta = abs(boundary - current)
    if r.integer:
        step = 1.0
    elif delta > 0:
        step = 10.0 ** math.floor(math.log10(delta / 100))
    else:
        return boundary
    rounded = math.ceil(boundary / step) * step if boundary > current else math.floor(boundary / step) * step
    return float(f"{rounded:.12g}")


def flips(model: object, applicant: dict[str, Any], cutoff: float, ranges: dict[str, FactorRange]) -> pd.DataFrame:
    """Per factor, the closest single change that flips the model's decision, verified by re-scoring.

    Numeric factors: the flipping value nearest to the current one on the percentile grid inside the slider's
    range (``FactorRange.bounds``), refined by
    bisection to the boundary and tidied to few digits; the distance is the share of applicants between the
    old and new value; the value is tidied to about 1% of the change (whole numbers for integer factors).
    Categorical factors: the most common level that flips; the distance is the share of
    applicants outside that level. Sorted by distance (the first row is the smallest change).
    """
    base_pd = predict(model, [applicant])[0]
    rejected = bool(base_pd >= cutoff)
    found: dict[str, dict[str, Any]] = {}
    levels, grids = {}, {}
    for column, r in ranges.items():
        current = applicant.get(column)
        if r.kind == "categorical":
            levels[column] = [lv for lv in r.levels if str(lv) != str(current)]
        elif current is not None:
            grids[column] = np.unique(np.clip(np.asarray(r.quantiles), *r.bounds(current)))
    first = _predict_changes(
        model,
        applicant,
        {
            **{c: [_level_value(lv, applicant.get(c)) for lv in lvs] for c, lvs in levels.items()},
            **{c: [float(v) for v in grid] for c, grid in grids.items()},
        },
    )
    for column, lvs in levels.items():
        r = ranges[column]
        for level, p in zip(lvs, first[column], strict=True):
            if (p >= cutoff) != rejected:  # levels come most common first
                share = r.shares[r.levels.index(level)]
                found[column] = _flip(column, applicant.get(column), level, p, 1 - share, rejected)
                break
    bounds: dict[str, tuple[float, float]] = {}  # lo keeps the decision, hi flips
    for column, grid in grids.items():
        r, current = ranges[column], float(applicant[column])
        flipping = (first[column] >= cutoff) != rejected
        if flipping.any():
            distances = np.abs(np.interp(grid, np.asarray(r.quantiles), PERCENTILES) - r.percentile(current))
            bounds[column] = (current, float(grid[int(np.argmin(np.where(flipping, distances, np.inf)))]))
    for _ in range(REFINE_ROUNDS):  # two fine grids between them: the boundary to (hi - lo) / REFINE_POINTS**2
        steps = {c: np.linspace(lo, hi, REFINE_POINTS) for c, (lo, hi) in bounds.items()}
        pds = _predict_changes(model, applicant, {c: [float(v) for v in grid] for c, grid in steps.items()})
        for column, grid in steps.items():
            j = int(np.argmax((pds[column] >= cutoff) != rejected))  # the first point that flips (the last does)
            bounds[column] = (float(grid[max(j - 1, 0)]), float(grid[j]))
    candidates = {
        c: [float(np.clip(_tidy_flip(hi, float(applicant[c]), ranges[c]), *ranges[c].bounds(applicant[c]))), hi]
        for c, (_, hi) in bounds.items()
    }
    pds = _predict_changes(model, applicant, candidates)
    for column, values in candidates.items():
        r, current = ranges[column], applicant[column]
        value, p_new = next((v, p) for v, p in zip(values, pds[column], strict=True) if (p >= cutoff) != rejected)
        distance = abs(r.percentile(value) - r.percentile(float(current)))
        found[column] = _flip(column, current, value, p_new, distance, rejected)
    records = [found[c] for c in ranges if c in found]
    frame = pd.DataFrame(
        records, columns=["factor", "current", "new_value", "direction", "new_pd", "distance", "decision"]
    )
    return frame.sort_values(["distance", "factor"]).reset_index(drop=True)


# --- the smallest change over up to three factors ---------------------------------------------------------------

MAX_CHANGED = 3  # factors changed at once by the multi-factor search


@dataclasses.dataclass(frozen=True)
class Moves:
    """One factor's possible changes: the values a user can set (slider steps inside its range, or other levels),
    the distance of each (share of applicants passed, or outside the new level) and the log-odds each moves
    toward the other decision (``gain``, positive = toward the flip)."""

    column: str
    values: tuple
    distances: np.ndarray
    gains: np.ndarray

    def frontier(self) -> Moves:
        """The moves no other beats on both counts: by distance, each gaining more than every nearer one."""
        order = np.lexsort((-self.gains, self.distances))
        keep, best = [], 0.0
        for i in order:
            if self.gains[i] > best:
                keep.append(i)
                best = self.gains[i]
        pick = np.array(keep, dtype=int)
        return Moves(self.column, tuple(self.values[i] for i in pick), self.distances[pick], self.gains[pick])


def change_moves(
    model: object, applicant: dict[str, Any], cutoff: float, ranges: dict[str, FactorRange]
) -> tuple[dict[str, Moves], float, bool]:
    """Every factor's possible changes (one scoring call), the log-odds the decision needs to move and whether the
    model rejects now. Numeric values are the percentile grid inside the slider's range, snapped to its step."""
    base_pd = float(predict(model, [applicant])[0])
    rejected = base_pd >= cutoff
    changes, distances = {}, {}
    for column, r in ranges.items():
        current = applicant.get(column)
        if r.kind == "categorical":
            levels = [lv for lv in r.levels if str(lv) != str(current)]
            changes[column] = [_level_value(lv, current) for lv in levels]
            distances[column] = [1 - r.shares[r.levels.index(lv)] for lv in levels]
        elif current is not None:
            low, high = r.bounds(current)
            step = r.step
            grid = np.clip(np.round(np.asarray([*r.quantiles, low, high]) / step) * step, low, high)
            values = [float(f"{v:.12g}") for v in np.unique(grid) if abs(v - float(current)) > step / 2]
            changes[column] = values
            distances[column] = [abs(r.percentile(v) - r.percentile(float(current))) for v in values]
    pds = _predict_changes(model, applicant, changes)
    sign = 1.0 if rejected else -1.0  # a rejected applicant needs lower log-odds, an approved one higher
    moves = {
        column: Moves(
            column,
            tuple(values),
            np.asarray(distances[column], dtype=float),
            sign * (float(_logit(base_pd)) - _logit(pds[column])),
        )
        for column, values in changes.items()
    }
    needed = sign * (float(_logit(base_pd)) - float(_logit(cutoff)))
    return moves, needed, bool(rejected)


def smallest_change(
    model: object,
    applicant: dict[str, Any],
    cutoff: float,
    ranges: dict[str, FactorRange],
    max_factors: int = MAX_CHANGED,
) -> pd.DataFrame:
    """The smallest change of one, two and up to ``max_factors`` factors together that flips the model's decision,
    verified by re-scoring.

    Each changed factor moves toward the flip. The size of a change is the sum over the changed factors of their
    distances (as in ``flips``: the share of
    applicants between the old and new value, or outside the new level). The logit is additive in its factors, so
    the search is exact over the values a user can set: each factor's best moves (its Pareto frontier of distance
    and log-odds moved), every combination of factors, and for the last factor the nearest move that is enough.
    Rows: factors_changed, factor, current, new_value, distance, total_distance, new_pd, decision; the
    best combination of each size, smallest total first.
    """
    moves, needed, rejected = change_moves(model, applicant, cutoff, ranges)
    fronts = {c: m.frontier() for c, m in moves.items() if (m.gains > 0).any()}
    fronts = {c: m for c, m in fronts.items() if len(m.values)}
    best: dict[int, tuple[float, list[tuple[str, int]]]] = {}
    for size in range(1, max_factors + 1):
        for combo in itertools.combinations(fronts, size):
            found = _best_combination([fronts[c] for c in combo], needed, strict=rejected)
            if found is not None and (size not in best or found[0] < best[size][0] - 1e-12):
                best[size] = (found[0], list(zip(combo, found[1], strict=True)))
    rows = []
    for size, (total, picks) in best.items():
        changed = {c: fronts[c].values[i] for c, i in picks}
        new_pd = float(predict(model, [{**applicant, **changed}])[0])
        if (new_pd >= cutoff) == rejected:  # re-scoring disagrees (a tie at the cutoff): not offered
            continue
        for column, i in picks:
            rows.append(
                {
                    "factors_changed": size,
                    "factor": column,
                    "current": applicant.get(column),
                    "new_value": fronts[column].values[i],
                    "distance": float(fronts[column].distances[i]),
                    "total_distance": total,
                    "new_pd": new_pd,
                    "decision": "approve" if rejected else "reject",
                }
            )
    columns = ["factors_changed", "factor", "current", "new_value", "distance", "total_distance", "new_pd", "decision"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["total_distance", "factors_changed"], kind="stable").reset_index(drop=True)


def _best_combination(fronts: list[Moves], needed: float, *, strict: bool) -> tuple[float, tuple[int, ...]] | None:
    """The cheapest pick of one move per factor whose gains add up to ``needed`` (more than it when ``strict``):
    all picks of the first factors, and for the last one the nearest frontier move that is enough."""
    *firsts, last = fronts
    grids = np.meshgrid(*[np.arange(len(m.values)) for m in firsts], indexing="ij") if firsts else []
    picks = [g.ravel() for g in grids]
    count = picks[0].size if picks else 1
    gain = np.zeros(count)
    distance = np.zeros(count)
    for m, pick in zip(firsts, picks, strict=True):
        gain += m.gains[pick]
        distance += m.distances[pick]
    side = "right" if strict else "left"
    j = np.searchsorted(last.gains, needed - gain, side=side)  # the frontier's gains rise with distance
    enough = j < len(last.values)
    if not enough.any():
        return None
    total = np.where(enough, distance + last.distances[np.minimum(j, len(last.values) - 1)], np.inf)
    k = int(np.argmin(total))
    return float(total[k]), (*(int(pick[k]) for pick in picks), int(j[k]))


def _predict_changes(model: object, applicant: dict[str, Any], changes: dict[str, list]) -> dict[str, np.ndarray]:
    """The model's PD of the applicant with each factor set to each of its values, all in one scoring call."""
    rows = [{**applicant, column: value} for column, values in changes.items() for value in values]
    pds = predict(model, rows) if rows else np.array([])
    out, at = {}, 0
    for column, values in changes.items():
        out[column], at = pds[at : at + len(values)], at + len(values)
    return out


def _level_value(level: str, current: Any) -> Any:
    """A level in the type of the current value (a numeric factor treated as categorical stays numeric)."""
    if isinstance(current, int | float | np.number) and not isinstance(current, bool):
        try:
            return type(current)(float(level))
        except ValueError:
            return level
    return level


def _flip(column: str, current: Any, value: Any, p: float, distance: float, rejected: bool) -> dict[str, Any]:
    if isinstance(value, str) or isinstance(current, str) or current is None:
        direction = "level"
    else:
        direction = "at_most" if float(value) < float(current) else "at_least"
    return {
        "factor": column,
        "current": current,
        "new_value": value,
        "direction": direction,
        "new_pd": float(p),
        "distance": float(distance),
        "decision": "approve" if rejected else "reject",
    }


# --- quiz -------------------------------------------------------------------------------------------------------


def quiz_items(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, n: int, seed: int, outcome: str = "actual"
) -> list[str]:
    """``n`` loan ids with a known outcome, drawn at random with ``seed`` (same seed, same items)."""
    column = _loan_id_column(ctx)
    y_sql, params = decisions.outcome_sql(ctx, outcome)
    rows = con.execute(
        f"SELECT CAST({store.quote_ident(column)} AS VARCHAR) FROM {store.quote_ident(ctx.table)} "
        f"WHERE {y_sql} IS NOT NULL ORDER BY rowid",
        params,
    ).fetchall()
    if not rows:
        raise RiskLabError("decisions.no_loans")
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(rows), size=min(int(n), len(rows)), replace=False)
    return [rows[int(i)][0] for i in picks]


def loan_outcome(
    con: duckdb.DuckDBPyConnection, ctx: TableContext, loan_id: str, outcome: str = "actual"
) -> int | None:
    """The outcome of one loan (1 default, 0 good, None unknown), actual or simulated."""
    column = _loan_id_column(ctx)
    y_sql, params = decisions.outcome_sql(ctx, outcome)
    rows = con.execute(
        f"SELECT {y_sql} FROM {store.quote_ident(ctx.table)} WHERE CAST({store.quote_ident(column)} AS VARCHAR) = ?",
        [*params, str(loan_id)],
    ).fetchall()
    if not rows:
        raise RiskLabError("whatif.no_loan", loan_id=loan_id)
    return None if rows[0][0] is None else int(rows[0][0])


QUIZ_COLUMNS = ("loan_id", "trainee_reject", "model_reject", "pd", "default")


def quiz_tally(answers: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """Trainee versus model over the answered items: answered, correct, accuracy, defaults approved, goods rejected.

    A decision is correct when it rejects a default or approves a good loan.
    """
    frame = pd.DataFrame(answers, columns=list(QUIZ_COLUMNS))
    rows = []
    for who in ("trainee", "model"):
        reject = frame[f"{who}_reject"].astype(bool)
        default = frame["default"].astype(int) == 1
        correct = int((reject == default).sum())
        rows.append(
            {
                "who": who,
                "answered": len(frame),
                "correct": correct,
                "accuracy": correct / len(frame) if len(frame) else math.nan,
                "defaults_approved": int((~reject & default).sum()),
                "goods_rejected": int((reject & ~default).sum()),
            }
        )
    return pd.DataFrame(rows)


def quiz_sheet(answers: pd.DataFrame | list[dict[str, Any]]) -> bytes:
    """The downloadable result sheet: an Excel workbook with the answers (who was right) and the tally."""
    frame = pd.DataFrame(answers, columns=list(QUIZ_COLUMNS))
    default = frame["default"].astype(int) == 1
    items = frame.assign(
        trainee_correct=frame["trainee_reject"].astype(bool) == default,
        model_correct=frame["model_reject"].astype(bool) == default,
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        items.to_excel(writer, sheet_name="answers", index=False)
        quiz_tally(frame).to_excel(writer, sheet_name="tally", index=False)
    return buffer.getvalue()

"""Expert versus model: confusion matrices, agreement, metrics, strategy curve, disagreements, officer consistency.

One SQL relation (``base_sql``) puts side by side, per loan: the outcome ``y`` (1 default, 0 good, NULL
unknown), the expert's ``expert_reject`` (1/0/NULL) and the model's ``pd``. The model rejects when
``pd >= cutoff``. Matrices follow scikit-learn's ``confusion_matrix`` layout ``[[tn, fp], [fn, tp]]``:
for the expert and the model, y_true is default and y_pred is "rejected"; for the agreement matrix, y_true is
the expert's reject and y_pred the model's.

Populations: *applications* are the filtered rows where both decisions are known (no PD means no model
decision); the outcome matrices and metrics use the *evaluated* loans, the applications with a known outcome,
so both sides are judged on the same loans. With recorded decisions and real outcomes, rejected applicants
have no outcome (they were never booked): the expert then rejects none of the evaluated loans. The sample
portfolio also carries a simulated outcome for every application (``SIMULATED_OUTCOME``), which makes the
comparison complete; pages label it as simulated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd

from analytics import core, datasets, store
from analytics.core import RiskLabError
from analytics.datasets import TableContext
from analytics.decisions import _expert as expert

SIMULATED_OUTCOME = "simulated_default"  # the sample portfolio's outcome for every application (simulated)
OUTCOMES = ("actual", "simulated")
CURVE_BINS = 10_000  # PD histogram resolution of the strategy curve (cutoffs at multiples of 1/CURVE_BINS)
CURVE_POINTS = 400  # at most this many points are kept for the chart
OVERRIDE_FLAG_RATE = 0.10  # examiners look twice at more than about 10% overrides
FILTER_ROLES = ("segment", "branch", "officer")
CELLS = (
    "expert_approved_default",
    "expert_approved_good",
    "expert_approved_unknown",
    "model_approved_default",
    "model_approved_good",
    "model_approved_unknown",
)


@dataclasses.dataclass(frozen=True)
class Filters:
    """Which applications to compare: values of the segment/branch/officer roles and an origination period."""

    segment: tuple[str, ...] = ()
    branch: tuple[str, ...] = ()
    officer: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None

    def __post_init__(self) -> None:
        for name in FILTER_ROLES:
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value or ()))
        for name in ("start", "end"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value in (None, "") else str(value)[:10])


@dataclasses.dataclass(frozen=True)
class Economics:
    """Loss and profit assumptions: loss given default, interest margin (share of exposure), average exposure."""

    lgd: float = 0.45
    margin: float = 0.08
    exposure: float = 50_000.0

    def __post_init__(self) -> None:
        for name, low, high in (("lgd", 0.0, 1.0), ("margin", -1.0, 1.0), ("exposure", 0.0, math.inf)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not low <= value <= high or math.isnan(value):
                raise RiskLabError("decisions.bad_economics", name=name, value=value)


@dataclasses.dataclass(frozen=True)
class Setup:
    """What is compared: a table (its context), the expert source, the model's PD as SQL, the outcome and the
    filters. Hashable: a cache key that changes with the table."""

    context: TableContext
    expert: expert.ExpertSource
    pd_sql: str
    pd_params: tuple = ()
    outcome: str = "actual"
    filters: Filters = Filters()
    pd_columns: tuple[str, ...] = ()  # the columns ``pd_sql`` reads (empty: unknown, evaluated row by row)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pd_params", tuple(self.pd_params))
        object.__setattr__(self, "pd_columns", tuple(self.pd_columns))

    @property
    def table(self) -> str:
        return self.context.table

    @classmethod
    def from_model(cls, ctx: TableContext, model: object, source: expert.ExpertSource, **kwargs: object) -> Setup:
        """A setup whose model side is a saved model (anything with ``pd_sql() -> (sql, params)``)."""
        sql, params = model.pd_sql()
        columns = tuple(dict.fromkeys(e.column for e in getattr(model, "encodings", ())))
        return cls(ctx, source, sql, tuple(params), pd_columns=columns, **kwargs)


@dataclasses.dataclass(frozen=True)
class Cutoff:
    """The model's cutoff as a PD, a score (reject at or below it) or a target approval rate of applications."""

    kind: str
    value: float


# --- the one relation -------------------------------------------------------------------------------------------


def outcome_sql(ctx: TableContext, kind: str = "actual") -> tuple[str, list]:
    """The outcome as SQL (1 default, 0 good, NULL unknown): the table's default definition ("actual") or the
    sample portfolio's simulated outcome of every application ("simulated")."""
    if kind == "simulated":
        ctx.require_column(SIMULATED_OUTCOME)
        return f"CAST({store.quote_ident(SIMULATED_OUTCOME)} AS INTEGER)", []
    if kind != "actual":
        raise RiskLabError("decisions.bad_outcome", outcome=kind)
    if ctx.definition is None:
        raise RiskLabError("decisions.no_default", table=ctx.table)
    return datasets.default_sql(ctx.definition)


def _filter_sql(ctx: TableContext, filters: Filters) -> tuple[list[str], list]:
    where, params = [], []
    for key in FILTER_ROLES:
        values = getattr(filters, key)
        if values:
            column = ctx.column_with_role(key)
            if column is None:
                raise RiskLabError("decisions.no_role", role=key)
            where.append(f"list_contains(CAST(? AS VARCHAR[]), CAST({store.quote_ident(column)} AS VARCHAR))")
            params.append(list(values))
    for bound, cmp in ((filters.start, ">="), (filters.end, "<=")):
        if bound:
            column = ctx.column_with_role("origination_date")
            if column is None:
                raise RiskLabError("decisions.no_role", role="origination_date")
            try:
                day = dt.date.fromisoformat(bound)
            except ValueError:
                raise RiskLabError("decisions.bad_date", value=bound) from None
            where.append(f"TRY_CAST({store.quote_ident(column)} AS DATE) {cmp} ?")
            params.append(day)
    return where, params


def base_sql(con: duckdb.DuckDBPyConnection, setup: Setup, extra: tuple[str, ...] = ()) -> tuple[str, list]:
    """``SELECT row_id, loan_id, y, expert_reject, pd, officer, branch, segment[, extra columns]`` for the filters."""
    ctx, table = setup.context, setup.table
    y_sql, y_params = outcome_sql(ctx, setup.outcome)
    reject, reject_params = expert.reject_sql(con, ctx, setup.expert)
    where, where_params = _filter_sql(ctx, setup.filters)
    loan_id = ctx.column_with_role("loan_id")
    parts = [
        "rowid AS row_id",
        f"CAST({store.quote_ident(loan_id) if loan_id else 'rowid + 1'} AS VARCHAR) AS loan_id",
        f"{y_sql} AS y",
        f"{reject} AS expert_reject",
        f"CAST(({setup.pd_sql}) AS DOUBLE) AS pd",
    ]
    for key in FILTER_ROLES:
        column = ctx.column_with_role(key)
        parts.append(f"CAST({store.quote_ident(column) if column else 'NULL'} AS VARCHAR) AS {key}")
    for column in extra:
        ctx.require_column(column)
        parts.append(f"{store.quote_ident(column)} AS {store.quote_ident('f_' + column)}")
    sql = f"SELECT {', '.join(parts)} FROM {store.quote_ident(table)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, [*y_params, *reject_params, *setup.pd_params, *where_params]


_DECIDED = "pd IS NOT NULL AND isfinite(pd) AND expert_reject IS NOT NULL"


# --- the scored applications: one scan, shared by every cutoff ----------------------------------------------------

FEW_VALUED = ("text", "boolean", "integer")  # column kinds grouped as raw values (few distinct values per column)


@dataclasses.dataclass(frozen=True, eq=False)
class Scored:
    """A setup's applications reduced to their distinct (PD, outcome, expert decision) with loan counts.

    ``pd`` ascending, NaN where the model gives no PD (last); ``y`` 1 default, 0 good, -1 unknown;
    ``expert_reject`` 1, 0 or -1 (unknown); ``n`` loans. Every cutoff, the strategy curve and the approval-rate
    cutoff are cheap passes over these arrays (their length is the number of distinct PDs, not of loans).
    """

    pd: np.ndarray
    y: np.ndarray
    expert_reject: np.ndarray
    n: np.ndarray
    outcome: str

    @property
    def decided(self) -> np.ndarray:
        """Both decisions known (a finite PD and the expert's decision)."""
        return np.isfinite(self.pd) & (self.expert_reject >= 0)


def _part(columns: tuple[str, ...], types: dict[str, str]) -> bool:
    """True when an expression over ``columns`` can be evaluated on cells of their raw values (all few-valued)."""
    return bool(columns) and all(datasets.type_class(types.get(c, "")) in FEW_VALUED for c in columns)


def scored_sql(con: duckdb.DuckDBPyConnection, setup: Setup) -> tuple[str, list]:
    """One grouped scan giving ``pd, y, expert_reject, n`` per distinct combination (see ``Scored``).

    The filtered rows are first grouped into cells by the raw values of the few-valued columns the PD, the
    outcome and the expert decision read (a PD over float columns is evaluated per row and grouped by its value);
    the three expressions then run once per cell, unchanged, so they give exactly the per-loan values of
    ``base_sql``, at the cost of one GROUP BY instead of a CASE and a regexp per loan.
    """
    ctx, table = setup.context, setup.table
    types = ctx.types
    y_sql, y_params = outcome_sql(ctx, setup.outcome)
    y_columns = (SIMULATED_OUTCOME,) if setup.outcome == "simulated" else (ctx.definition.column,)
    reject, reject_params = expert.reject_sql(con, ctx, setup.expert)
    where, where_params = _filter_sql(ctx, setup.filters)
    parts = (
        ("__pd", f"CAST(({setup.pd_sql}) AS DOUBLE)", list(setup.pd_params), setup.pd_columns),
        ("__y", y_sql, list(y_params), y_columns),
        ("__expert", reject, list(reject_params), expert.source_columns(setup.expert)),
    )
    keys: dict[str, str] = {}  # key name -> what the rows give for it
    inner_params: list = []
    outer, outer_params = [], []
    for alias, expr, params, columns in parts:
        if _part(columns, types):
            keys.update({store.quote_ident(c): store.quote_ident(c) for c in columns})
            outer.append(f"{expr} AS {alias}")
            outer_params += params
        else:
            keys[alias] = f"{expr} AS {alias}"
            inner_params += params
            outer.append(alias)
    rows = f"SELECT {', '.join(keys.values())} FROM {store.quote_ident(table)}"
    if where:
        rows += " WHERE " + " AND ".join(where)
    cells = f"SELECT {', '.join(keys)}, count(*) AS n FROM ({rows}) GROUP BY ALL"
    scored = f"SELECT {', '.join(outer)}, n FROM ({cells})"  # subqueries: DuckDB may materialise a CTE
    sql = (
        "SELECT CASE WHEN isfinite(__pd) THEN __pd END AS pd, coalesce(__y, -1) AS y, "
        "coalesce(__expert, -1) AS expert_reject, sum(n) AS n "
        f"FROM ({scored}) GROUP BY ALL ORDER BY pd NULLS LAST, y, expert_reject"
    )
    return sql, [*outer_params, *inner_params, *where_params]  # in the order of their marks in the text


def score(con: duckdb.DuckDBPyConnection, setup: Setup) -> Scored:
    """The setup's applications scored once (see ``Scored``): PD, outcome and expert decision with counts."""
    sql, params = scored_sql(con, setup)
    data = con.execute(sql, params).fetchnumpy()
    pd_ = np.ma.filled(np.ma.asarray(data["pd"], dtype=float), np.nan)
    arrays = [np.asarray(np.ma.filled(data[k], -1), dtype=np.int8) for k in ("y", "expert_reject")]
    n = np.asarray(data["n"], dtype=np.int64)
    for array in (pd_, *arrays, n):
        array.flags.writeable = False
    return Scored(pd_, *arrays, n, setup.outcome)


# --- matrices and metrics ---------------------------------------------------------------------------------------


def kappa(matrix: np.ndarray) -> float:
    """Cohen's kappa of a 2x2 agreement matrix (NaN when chance agreement is total)."""
    m = np.asarray(matrix, dtype=float)
    n = m.sum()
    if n == 0:
        return math.nan
    observed = np.trace(m) / n
    expected = float(m.sum(axis=0) @ m.sum(axis=1)) / n**2
    return math.nan if expected == 1 else (observed - expected) / (1 - expected)


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def side_metrics(matrix: np.ndarray, econ: Economics) -> dict[str, float]:
    """Approval and bad rates, accuracy, sensitivity ... and loss/profit of one side's outcome matrix."""
    (tn, fp), (fn, tp) = np.asarray(matrix, dtype=float)
    n = tn + fp + fn + tp
    loss = fn * econ.exposure * econ.lgd
    return {
        "known": n,
        "approval_rate": _ratio(tn + fn, n),
        "bad_rate_approved": _ratio(fn, tn + fn),
        "defaults_rejected": _ratio(tp, tp + fn),
        "accuracy": _ratio(tn + tp, n),
        "sensitivity": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
        "precision": _ratio(tp, tp + fp),
        "defaults_approved": fn,
        "goods_rejected": fp,
        "expected_loss": loss,
        "profit": tn * econ.exposure * econ.margin - loss,
    }


METRICS = tuple(side_metrics(np.ones((2, 2)), Economics()))
# How each metric of a comparison reads, as the column registry says (each metric is a registered column, its
# label ``column.<metric>``): a share, a count of loans or an amount of money.
METRIC_KINDS: dict[str, str] = {metric: core.column(metric).kind for metric in (*METRICS, "approval_rate_applications")}


@dataclasses.dataclass(frozen=True, eq=False)
class Comparison:
    """Expert and model at one cutoff: the three matrices, kappa, the metrics of both sides and the counts."""

    cutoff: float
    expert: np.ndarray
    model: np.ndarray
    agreement: np.ndarray
    kappa: float
    metrics: pd.DataFrame
    counts: dict[str, int]
    outcome: str

    def to_json(self) -> dict:
        """Plain JSON: matrices as lists, NaN as None."""

        def clean(value: float) -> float | None:
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

        return {
            "cutoff": self.cutoff,
            "outcome": self.outcome,
            "expert": self.expert.tolist(),
            "model": self.model.tolist(),
            "agreement": self.agreement.tolist(),
            "kappa": clean(self.kappa),
            "metrics": {side: {k: clean(v) for k, v in self.metrics[side].items()} for side in ("expert", "model")},
            "counts": self.counts,
        }


def _check_cutoff(cutoff: float) -> float:
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float) or not 0 < cutoff <= 1:
        raise RiskLabError("decisions.bad_cutoff", value=cutoff)
    return float(cutoff)


def _matrix(index: np.ndarray, n: np.ndarray) -> np.ndarray:
    """A 2x2 matrix of loan counts from cell indexes ``2 * row + column`` and the cells' counts."""
    return np.rint(np.bincount(index, weights=n, minlength=4)).astype(np.int64).reshape(2, 2)


def compare(
    con: duckdb.DuckDBPyConnection,
    setup: Setup,
    cutoff: float,
    econ: Economics | None = None,
    scored: Scored | None = None,
) -> Comparison:
    """Both sides at a PD cutoff (the model rejects when ``pd >= cutoff``), from the scored applications
    (``scored``: ``score(con, setup)`` done before, else scored here)."""
    cutoff = _check_cutoff(cutoff)
    econ = econ or Economics()
    s = scored if scored is not None else score(con, setup)
    has_pd = np.isfinite(s.pd)
    model_reject = (has_pd & (np.nan_to_num(s.pd, nan=0.0) >= cutoff)).astype(np.int64)
    expert_reject, y = s.expert_reject.astype(np.int64), s.y.astype(np.int64)
    both = has_pd & (expert_reject >= 0)
    known = both & (y >= 0)
    counts = {
        "rows": int(s.n.sum()),
        "applications": int(s.n[both].sum()),
        "evaluated": int(s.n[known].sum()),
        "no_pd": int(s.n[~has_pd].sum()),
        "no_expert": int(s.n[expert_reject < 0].sum()),
        "no_outcome": int(s.n[both & (y < 0)].sum()),
    }
    if counts["applications"] == 0:
        raise RiskLabError("decisions.no_loans")
    agree_m = _matrix(2 * expert_reject[both] + model_reject[both], s.n[both])
    expert_m = _matrix(2 * y[known] + expert_reject[known], s.n[known])
    model_m = _matrix(2 * y[known] + model_reject[known], s.n[known])
    metrics = pd.DataFrame({"expert": side_metrics(expert_m, econ), "model": side_metrics(model_m, econ)})
    apps = counts["applications"]
    metrics.loc["approval_rate_applications"] = [_ratio(agree_m[0].sum(), apps), _ratio(agree_m[:, 0].sum(), apps)]
    return Comparison(cutoff, expert_m, model_m, agree_m, kappa(agree_m), metrics, counts, setup.outcome)


def confusion_table(matrix: np.ndarray, kind: str) -> pd.DataFrame:
    """A matrix as long rows for tables and heat maps: actual, predicted, n, row rate, column rate.

    ``kind`` "outcome": actual good/default x predicted approve/reject; "agreement": expert x model decision.
    """
    m = np.asarray(matrix, dtype=float)
    rows = ("good", "default") if kind == "outcome" else ("approve", "reject")
    records = []
    for i, actual in enumerate(rows):
        for j, predicted in enumerate(("approve", "reject")):
            records.append(
                {
                    "actual": actual,
                    "predicted": predicted,
                    "n": int(m[i, j]),
                    "row_rate": _ratio(m[i, j], m[i].sum()),
                    "column_rate": _ratio(m[i, j], m[:, j].sum()),
                }
            )
    return pd.DataFrame(records)


# --- cutoffs ----------------------------------------------------------------------------------------------------


def score_to_pd(score: float, scaling: object) -> float:
    """The PD at a scorecard score (``base_score`` points at ``base_odds`` good:bad, ``pdo`` points to double)."""
    factor = scaling.pdo / math.log(2)
    offset = scaling.base_score - factor * math.log(scaling.base_odds)
    return 1 / (1 + math.exp((score - offset) / factor))


def pd_to_score(pd_: float, scaling: object) -> float:
    """The scorecard score of a PD (the inverse of ``score_to_pd``)."""
    factor = scaling.pdo / math.log(2)
    offset = scaling.base_score - factor * math.log(scaling.base_odds)
    return offset + factor * math.log((1 - pd_) / pd_)


def pd_cutoff(
    con: duckdb.DuckDBPyConnection,
    setup: Setup,
    cutoff: Cutoff,
    scaling: object | None = None,
    scored: Scored | None = None,
) -> float:
    """A cutoff as a PD: as given, from a score, or the PD quantile of the applications at an approval rate."""
    value = cutoff.value
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise RiskLabError("decisions.bad_cutoff", value=value)
    if cutoff.kind == "pd":
        return _check_cutoff(value)
    if cutoff.kind == "score":
        if scaling is None:
            raise RiskLabError("decisions.no_scaling")
        return min(max(score_to_pd(value, scaling), 1e-12), 1.0)
    if cutoff.kind != "approval_rate":
        raise RiskLabError("decisions.bad_cutoff_kind", kind=cutoff.kind)
    if not 0 < value < 1:
        raise RiskLabError("decisions.bad_rate", value=value)
    s = scored if scored is not None else score(con, setup)
    decided = s.decided
    found = quantile_disc(s.pd[decided], s.n[decided], value)
    if found is None:
        raise RiskLabError("decisions.no_loans")
    return min(max(float(found), 1e-12), 1.0)


def quantile_disc(values: np.ndarray, n: np.ndarray, q: float) -> float | None:
    """DuckDB's ``quantile_disc`` of ascending ``values`` each repeated ``n`` times: the value at 0-based
    position ``max(ceil(N * q), 1) - 1`` of the N sorted values (None when there are none)."""
    cumulative = np.cumsum(n)
    if not len(cumulative) or cumulative[-1] == 0:
        return None
    position = max(math.ceil(int(cumulative[-1]) * q), 1) - 1
    return float(values[int(np.searchsorted(cumulative, position, side="right"))])


@dataclasses.dataclass(frozen=True)
class EqualApproval:
    """The model at the expert's approval count on the evaluated loans: defaults and loss saved."""

    approved: int
    expert_defaults: int
    model_defaults: int
    fewer_defaults: int
    less_loss: float
    cutoff: float | None


def at_expert_rate(con: duckdb.DuckDBPyConnection, setup: Setup, econ: Economics | None = None) -> EqualApproval:
    """ "At the expert's approval rate the model would have had X fewer defaults": the model approves as many
    evaluated loans as the expert (those with its lowest PDs); we count the defaults among each side's approvals.

    It does not depend on the model's cutoff; ``cutoff`` is the PD cutoff that gives that approval count.
    """
    econ = econ or Economics()
    sql, params = base_sql(con, setup)
    evaluated = f"WITH b AS ({sql}) SELECT * FROM b WHERE {_DECIDED} AND y IS NOT NULL"
    loans, approved, expert_defaults = con.execute(
        f"SELECT count(*), count(*) FILTER (expert_reject = 0), coalesce(sum(y) FILTER (expert_reject = 0), 0) "
        f"FROM ({evaluated})",
        params,
    ).fetchall()[0]
    if not loans:
        raise RiskLabError("decisions.no_loans")
    model_defaults, cutoff = con.execute(
        f"SELECT coalesce(sum(y) FILTER (r <= ?), 0), min(pd) FILTER (r > ?) FROM (SELECT y, pd, "
        f"row_number() OVER (ORDER BY pd, row_id) AS r FROM ({evaluated}))",
        [approved, approved, *params],
    ).fetchall()[0]
    fewer = int(expert_defaults) - int(model_defaults)
    return EqualApproval(
        int(approved),
        int(expert_defaults),
        int(model_defaults),
        fewer,
        fewer * econ.exposure * econ.lgd,
        None if cutoff is None else float(cutoff),
    )


# --- strategy curve (one pass) ----------------------------------------------------------------------------------


def strategy_curve(
    con: duckdb.DuckDBPyConnection,
    setup: Setup,
    econ: Economics | None = None,
    bins: int = CURVE_BINS,
    max_points: int = CURVE_POINTS,
    scored: Scored | None = None,
) -> pd.DataFrame:
    """Approval rate and bad rate of approved for every PD cutoff ``k / bins``, from the scored applications.

    The evaluated loans are counted per PD bin (a histogram of the scored PDs, no rescoring per cutoff);
    cumulative sums give each cutoff's approved loans (``pd < cutoff``) and defaults. Cutoffs where nothing
    changes are dropped; at most ``max_points`` are kept.
    """
    econ = econ or Economics()
    s = scored if scored is not None else score(con, setup)
    evaluated = s.decided & (s.y >= 0)
    if not s.n[evaluated].sum():
        raise RiskLabError("decisions.no_loans")
    index = np.minimum(np.floor(s.pd[evaluated] * bins).astype(np.int64), bins - 1)
    n = np.bincount(index, weights=s.n[evaluated], minlength=bins)
    bad = np.bincount(index, weights=s.n[evaluated] * s.y[evaluated], minlength=bins)
    present = np.flatnonzero(n)
    edges = np.concatenate([present, [present[-1] + 1]])  # cutoff k approves bins < k
    approved = np.concatenate([[0], np.cumsum(np.rint(n[present]).astype(np.int64))])
    bads = np.concatenate([[0], np.cumsum(np.rint(bad[present]).astype(np.int64))])
    total, total_bads = approved[-1], bads[-1]
    curve = pd.DataFrame(
        {
            "cutoff": edges / bins,
            "approved": approved,
            "approval_rate": approved / total,
            "bads_approved": bads,
            "bad_rate_approved": np.where(approved > 0, bads / np.maximum(approved, 1), np.nan),
            "rejected": total - approved,
            "bads_rejected": total_bads - bads,
        }
    )
    curve["defaults_rejected"] = curve["bads_rejected"] / total_bads if total_bads else np.nan
    curve["expected_loss"] = curve["bads_approved"] * econ.exposure * econ.lgd
    curve["profit"] = (curve["approved"] - curve["bads_approved"]) * econ.exposure * econ.margin - curve[
        "expected_loss"
    ]
    if len(curve) > max_points:
        keep = np.unique(np.round(np.linspace(0, len(curve) - 1, max_points)).astype(int))
        curve = curve.iloc[keep]
    return curve.reset_index(drop=True)


# --- disagreements and officers ---------------------------------------------------------------------------------


def disagreements(
    con: duckdb.DuckDBPyConnection,
    setup: Setup,
    cutoff: float,
    columns: tuple[str, ...] = (),
    limit: int = 200,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loans where expert and model disagree: counts per cell (``CELLS``) and up to ``limit`` loans per cell.

    Cells: who approves (``expert_approved``: the model rejects; ``model_approved``: the expert rejects) and
    the outcome (default, good, unknown). Loans come most confident disagreement first (PD farthest from the
    cutoff), with their ``columns`` (the model's factors).
    """
    cutoff = _check_cutoff(cutoff)
    sql, params = base_sql(con, setup, tuple(columns))
    cell = (
        "(CASE WHEN expert_reject = 0 THEN 'expert_approved_' ELSE 'model_approved_' END || "
        "CASE WHEN y = 1 THEN 'default' WHEN y = 0 THEN 'good' ELSE 'unknown' END)"
    )
    picked = ", ".join(store.quote_ident("f_" + c) + " AS " + store.quote_ident(c) for c in columns)
    rows = con.execute(
        f"WITH b AS ({sql}), d AS (SELECT *, {cell} AS cell FROM b WHERE {_DECIDED} "
        "AND expert_reject <> CASE WHEN pd >= ? THEN 1 ELSE 0 END), "
        "c AS (SELECT *, count(*) OVER (PARTITION BY cell) AS cell_n, row_number() OVER "
        "(PARTITION BY cell ORDER BY abs(pd - ?) DESC, row_id) AS r FROM d) "
        f"SELECT cell, cell_n, loan_id, officer, branch, pd, y AS outcome{', ' + picked if picked else ''} "
        "FROM c WHERE r <= ? ORDER BY cell, r",
        [*params, cutoff, cutoff, limit],
    ).df()
    counts = rows.groupby("cell", sort=False)["cell_n"].first()
    summary = pd.DataFrame({"cell": list(CELLS), "loans": [int(counts.get(c, 0)) for c in CELLS]})
    return summary, rows.drop(columns="cell_n")


def officer_consistency(
    con: duckdb.DuckDBPyConnection, setup: Setup, cutoff: float, by: str = "officer"
) -> pd.DataFrame:
    """Per officer (or branch): approval rates, bad rate of approved, agreement with the model, override rates
    (shares of the officer's applications), the bad rate of overridden loans and a leniency ranking.

    A low-side override approves what the model rejects; a high-side override rejects what it approves.
    Leniency is the officer's approval rate minus the model's on the same applications (rank 1 = most lenient);
    ``flag`` marks override rates above ``OVERRIDE_FLAG_RATE``.
    """
    if by not in ("officer", "branch"):
        raise RiskLabError("decisions.bad_group", by=by)
    if setup.context.column_with_role(by) is None:
        raise RiskLabError("decisions.no_role", role=by)
    cutoff = _check_cutoff(cutoff)
    sql, params = base_sql(con, setup)
    frame = con.execute(
        f"""
        WITH b AS ({sql}), d AS (
            SELECT *, CASE WHEN pd >= ? THEN 1 ELSE 0 END AS model_reject FROM b WHERE {_DECIDED}
        )
        SELECT coalesce({by}, '') AS name, count(*) AS applications,
               avg(1 - expert_reject) AS approval_rate,
               avg(1 - model_reject) AS model_approval_rate,
               sum(y) FILTER (expert_reject = 0) / nullif(count(y) FILTER (expert_reject = 0), 0)
                   AS bad_rate_approved,
               avg(CASE WHEN expert_reject = model_reject THEN 1 ELSE 0 END) AS agreement,
               avg(CASE WHEN expert_reject = 0 AND model_reject = 1 THEN 1 ELSE 0 END) AS low_side_override_rate,
               avg(CASE WHEN expert_reject = 1 AND model_reject = 0 THEN 1 ELSE 0 END) AS high_side_override_rate,
               sum(y) FILTER (expert_reject <> model_reject)
                   / nullif(count(y) FILTER (expert_reject <> model_reject), 0) AS bad_rate_overridden
        FROM d GROUP BY ALL
        """,
        [*params, cutoff],
    ).df()
    frame["override_rate"] = frame["low_side_override_rate"] + frame["high_side_override_rate"]
    frame["leniency"] = frame["approval_rate"] - frame["model_approval_rate"]
    frame = frame.sort_values(["leniency", "name"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "leniency_rank", np.arange(1, len(frame) + 1))
    frame["flag"] = frame["override_rate"] > OVERRIDE_FLAG_RATE
    return frame


# --- pick lists -------------------------------------------------------------------------------------------------


def filter_options(con: duckdb.DuckDBPyConnection, ctx: TableContext) -> dict[str, object]:
    """Pick lists for the filters: values of the segment/branch/officer roles and the origination date range."""
    table = ctx.table
    options: dict[str, object] = {}
    for key in FILTER_ROLES:
        column = ctx.column_with_role(key)
        options[key] = sorted(store.distinct_values(con, table, column, limit=500)) if column else []
    column = ctx.column_with_role("origination_date")
    options["period"] = None
    if column:
        low, high = con.execute(
            f"SELECT min(TRY_CAST({store.quote_ident(column)} AS DATE)), max(TRY_CAST({store.quote_ident(column)} "
            f"AS DATE)) FROM {store.quote_ident(table)}"
        ).fetchall()[0]
        options["period"] = (low, high) if low is not None else None
    return options


def average_amount(con: duckdb.DuckDBPyConnection, ctx: TableContext) -> float | None:
    """The average of the amount role (a starting value for the average exposure), or None."""
    column = ctx.column_with_role("amount")
    if column is None:
        return None
    sql = f"SELECT avg({store.quote_ident(column)}) FROM {store.quote_ident(ctx.table)}"
    value = con.execute(sql).fetchall()[0][0]
    return None if value is None else float(value)


def has_simulated_outcome(ctx: TableContext) -> bool:
    """True when the table carries the sample portfolio's simulated outcome for every application."""
    return SIMULATED_OUTCOME in ctx.types

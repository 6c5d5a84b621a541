"""Segment scorecards: one pooled model and one per segment (the values of a column, e.g. farm and enterprise),
compared on each segment's holdout, and the saved segment models used together as one scorecard set.

A segment model is an ordinary model whose ``ModelSpec`` carries a segment filter (``segment_column``,
``segment_values``): it is trained and tested on that segment's loans only, by the same holdout split as the
pooled model, so on each segment both models are judged on the very same test loans. A scorecard set scores each
application by its segment's model; an application of a segment without a model gets no PD (NULL), which the
pages report instead of dropping it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from analytics import factors, store
from analytics.core import Notice, RiskLabError
from analytics.datasets import TableContext
from analytics.model import _fit as fit
from analytics.model import _validation as validation
from analytics.model._scorecard import Literal, ModelSpec, SavedModel, binder, log_odds_sql, pd_sql
from analytics.model._versions import list_models, load_model, save_model

MAX_SEGMENTS = 12  # a segment column with more values is refused (an ID, not a segment)
POOLED = "pooled"
COLUMNS = ["segment", "model", "n", "events", "bad_rate", "mean_pd", "auc", "ks"]
COLUMNS += ["hosmer_lemeshow", "hosmer_lemeshow_p"]


def segment_spec(spec: ModelSpec, column: str, values: Sequence[str]) -> ModelSpec:
    """``spec`` restricted to the loans whose ``column`` is one of ``values``."""
    return dataclasses.replace(spec, segment_column=column, segment_values=tuple(str(v) for v in values))


def segment_values(con: duckdb.DuckDBPyConnection, ctx: TableContext, column: str) -> list[str]:
    """The values of a segment column among the table's loans, most frequent first (at most ``MAX_SEGMENTS``)."""
    ctx.require_column(column)
    rows = con.execute(
        f"SELECT CAST({store.quote_ident(column)} AS VARCHAR) AS v, count(*) AS n "
        f"FROM {store.quote_ident(ctx.table)} WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v",
    ).fetchall()
    if len(rows) > MAX_SEGMENTS:
        raise RiskLabError("segments.too_many", column=column, values=len(rows), max=MAX_SEGMENTS)
    if not rows:
        raise RiskLabError("segments.no_values", column=column)
    return [v for v, _ in rows]


# --- the scorecard set ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class ScorecardSet:
    """Models by segment value: each application is scored by the model of its ``column``'s value (as text)."""

    column: str
    models: tuple[tuple[str, SavedModel], ...]

    @property
    def table(self) -> str:
        return self.models[0][1].spec.table

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.models)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the set reads: the segment column and each model's factors."""
        return tuple(dict.fromkeys([self.column, *(e.column for _, m in self.models for e in m.encodings)]))

    def model_for(self, value: object) -> SavedModel | None:
        """The model of a segment value (None: the segment has no model)."""
        return dict(self.models).get(None if value is None else str(value))

    def log_odds_sql(self, lit: Literal) -> str:
        """SQL of the log-odds: the segment model's, NULL for a segment without one."""
        column = f"CAST({store.quote_ident(self.column)} AS VARCHAR)"
        cases = " ".join(
            f"WHEN {column} = {lit(v)} THEN ({log_odds_sql(m.encodings, m.params, lit)})" for v, m in self.models
        )
        return f"(CASE {cases} END)"

    def pd_sql(self) -> tuple[str, list]:
        params: list = []
        return pd_sql(self.log_odds_sql(binder(params))), params

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """PD of every row of ``frame`` by its segment's model (NaN for a segment without one)."""
        out = np.full(len(frame), np.nan)
        segment = frame[self.column].astype("string")
        for value, saved in self.models:
            rows = (segment == value).fillna(False).to_numpy()
            if rows.any():
                out[rows] = saved.predict(frame.loc[rows])
        return out

    def label(self) -> str:
        """The set in words: ``segment = farm: name v2; segment = enterprise: name v1``."""
        return "; ".join(f"{self.column} = {v}: {m.name} v{m.version}" for v, m in self.models)


def segment_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns that saved segment models of ``table`` are split by (each a possible scorecard set)."""
    found = [load_model(con, n, int(v)).spec.segment_column for n, v in _latest(con, table)]
    return sorted({c for c in found if c})


def _latest(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, int]]:
    versions = list_models(con, table)
    newest = versions.drop_duplicates("name")  # newest first within a name
    return list(zip(newest["name"], newest["version"], strict=True))


def scorecard_set(con: duckdb.DuckDBPyConnection, table: str, column: str) -> ScorecardSet:
    """The saved segment models of ``table`` split by ``column`` as one set: the latest version of each model
    name, and for each segment value the most recently saved of the models that cover it."""
    chosen: dict[str, SavedModel] = {}
    for name, version in _latest(con, table):
        saved = load_model(con, name, int(version))
        if saved.spec.segment_column != column:
            continue
        for value in saved.spec.segment_values:
            older = chosen.get(value)
            if older is None or str(saved.created_at) > str(older.created_at):
                chosen[value] = saved
    if not chosen:
        raise RiskLabError("segments.no_set", table=table, column=column)
    return ScorecardSet(column, tuple(sorted(chosen.items())))


def set_coverage(con: duckdb.DuckDBPyConnection, ctx: TableContext, scorecards: ScorecardSet) -> pd.DataFrame:
    """Applications per segment value and the model that scores them (``model`` None: no model, not scored)."""
    ctx.require_column(scorecards.column)
    rows = con.execute(
        f"SELECT CAST({store.quote_ident(scorecards.column)} AS VARCHAR) AS segment, count(*) AS applications "
        f"FROM {store.quote_ident(ctx.table)} GROUP BY ALL ORDER BY applications DESC, segment NULLS LAST"
    ).df()
    models = [scorecards.model_for(v) for v in rows["segment"]]
    rows.insert(1, "model", [f"{m.name} v{m.version}" if m else None for m in models])
    return rows


# --- pooled versus per segment ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class SegmentFit:
    """One segment's own model (None when it could not be fitted: ``problem`` says why)."""

    value: str
    spec: ModelSpec
    fitted: fit.FittedModel | None
    problem: Notice | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class SegmentComparison:
    """The pooled model, each segment's model, and both on each segment's holdout (``table``: segment, model
    ("pooled" or "segment"), n, events, bad_rate, mean_pd, auc, ks, hosmer_lemeshow, hosmer_lemeshow_p; the
    segment "all" compares the pooled model with the set of segment models on every holdout loan).
    ``sample`` is "test", or "train" for a spec without holdout."""

    column: str
    pooled: fit.FittedModel
    segments: tuple[SegmentFit, ...]
    table: pd.DataFrame
    sample: str

    @property
    def problems(self) -> tuple[Notice, ...]:
        return tuple(s.problem for s in self.segments if s.problem is not None)

    def scorecards(self) -> ScorecardSet:
        """The fitted segment models as an (unsaved) scorecard set."""
        models = tuple((s.value, s.fitted.as_saved()) for s in self.segments if s.fitted is not None)
        return ScorecardSet(self.column, models)


ALL = "all"


def fit_segments(
    con: duckdb.DuckDBPyConnection,
    ctx: TableContext,
    spec: ModelSpec,
    column: str,
    values: Sequence[str] | None = None,
) -> SegmentComparison:
    """Fit ``spec`` pooled and once per segment value of ``column`` (all its values unless ``values``), and compare
    them on each segment's holdout: AUC, KS, observed against mean predicted bad rate and Hosmer-Lemeshow."""
    pooled_spec = dataclasses.replace(spec, segment_column=None, segment_values=())
    if any(f.column == column for f in spec.factors):
        raise RiskLabError("segments.is_factor", column=column)
    chosen = [str(v) for v in values] if values else segment_values(con, ctx, column)
    pooled = fit.fit_model(con, ctx, pooled_spec, folds=1)
    sample = "test" if spec.holdout != "none" else "train"
    pop = factors.population(ctx, spec.outcome, booked_only=spec.booked_only)
    fits, rows = [], []
    for value in chosen:
        own = segment_spec(pooled_spec, column, [value])
        try:
            fitted = fit.fit_model(con, ctx, own, folds=1)
        except RiskLabError as error:
            fits.append(SegmentFit(value, own, None, Notice(error.key, **error.params)))
            fitted = None
        else:
            fits.append(SegmentFit(value, own, fitted))
        on_segment = _validation(con, pop, own, pooled.encodings, pooled.params).get(sample)
        rows.append(_row(value, POOLED, on_segment))
        if fitted is not None:
            rows.append(_row(value, "segment", fitted.validation()[sample]))
    scorecards = SegmentComparison(column, pooled, tuple(fits), pd.DataFrame(), sample).scorecards()
    if scorecards.models:
        rows.append(_row(ALL, POOLED, pooled.validation()[sample]))
        rows.append(_row(ALL, "segment", _set_validation(con, pop, pooled_spec, scorecards).get(sample)))
    table = pd.DataFrame([r for r in rows if r is not None], columns=COLUMNS)
    return SegmentComparison(column, pooled, tuple(fits), table, sample)


def _validation(con, pop, spec: ModelSpec, encodings, params) -> dict:
    """A model's validation on the loans of ``spec`` (its segment's train and test parts)."""
    checks = fit._scored_validation(con, pop, spec, encodings, params)
    return {k: v for k, v in checks.items() if k in ("train", "test") and v is not None}


def _set_validation(con, pop, spec: ModelSpec, scorecards: ScorecardSet) -> dict:
    """The set's validation on every loan of ``spec``'s parts, each scored by its segment's model."""
    items = [
        fit._item(lambda lit: fit._part_sql(pop.context, spec, lit), "__part"),
        ("rowid AS __row", []),
        fit._item(scorecards.log_odds_sql, "__lo"),
    ]
    source, params = factors.scan_sql(pop, items)
    results = validation.validate(con, source, params)
    return {"train": results.get(0), "test": results.get(1) if spec.holdout != "none" else None}


def _row(segment: str, which: str, checks: validation.Validation | None) -> dict | None:
    if checks is None:
        return None
    calibration = checks.calibration
    loans = float(calibration["loans"].sum())
    hl = checks.hosmer_lemeshow
    return {
        "segment": segment,
        "model": which,
        "n": checks.n,
        "events": checks.events,
        "bad_rate": checks.events / checks.n if checks.n else np.nan,
        "mean_pd": float(calibration["expected"].sum()) / loans if loans else np.nan,
        "auc": checks.auc,
        "ks": checks.ks,
        "hosmer_lemeshow": hl.statistic,
        "hosmer_lemeshow_p": hl.p_value,
    }


def save_segments(
    con: duckdb.DuckDBPyConnection, name: str, comparison: SegmentComparison, scaling=None
) -> list[tuple[str, int]]:
    """Save each fitted segment model as ``name (column = value)``; returns the (name, version) saved."""
    name = (name or "").strip()
    saved = []
    for segment in comparison.segments:
        if segment.fitted is None:
            continue
        label = f"{name} ({comparison.column} = {segment.value})"
        saved.append((label, save_model(con, label, segment.fitted, scaling)))
    return saved

"""Reason codes: the factors that cost an application the most points (the usual adverse-action method).

For each factor the best attribute is the one with the most points: the best level or bin of a categorical or
WOE factor, and for a number the better end of its range in the model's table, the 1st or 99th percentile
(points are linear in the value or its log, so the best value is an end of the range; an application beyond it
loses no points). An application's points lost on a factor
are the best attribute's rounded points minus its own (``whole_points``, the points the score adds up); its
reasons are the ``REASONS`` factors with the most points lost (more than zero), the first factor of the model
first on a tie.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pandas as pd

from analytics import store
from analytics.core import RiskLabError
from analytics.model._scorecard import SavedModel, factor_points, split_params, whole_points

REASONS = 3
RANGE_QUANTILES = (0.01, 0.99)  # a number's range: its 1st to 99th percentile, as the What-if sliders offer it


def reason_columns(n: int = REASONS) -> list[str]:
    """``reason_1, reason_1_points, ... reason_n, reason_n_points``."""
    return [name for i in range(1, n + 1) for name in (f"reason_{i}", f"reason_{i}_points")]


def value_ranges(con: duckdb.DuckDBPyConnection, saved: SavedModel) -> dict[str, tuple[float, float]]:
    """The range of each numeric factor in the model's table: its 1st and 99th percentile (``RANGE_QUANTILES``;
    only positive values for a factor entered as its log), so one extreme loan does not set the best points."""
    numbers = [e for e in saved.encodings if e.treatment in ("numeric", "log")]
    if not numbers:
        return {}
    store.require_table(con, saved.spec.table)
    items = []
    for enc in numbers:
        x = f"TRY_CAST({store.quote_ident(enc.column)} AS DOUBLE PRECISION)"
        kept = f"{x} > 0" if enc.treatment == "log" else f"{x} IS NOT NULL"
        low, high = (f"quantile_cont({x}, {q}) FILTER (WHERE {kept})" for q in RANGE_QUANTILES)
        items += [low, high]
    row = con.execute(f"SELECT {', '.join(items)} FROM {store.quote_ident(saved.spec.table)}").fetchone()
    return {enc.column: (row[2 * i], row[2 * i + 1]) for i, enc in enumerate(numbers)}


def best_points(saved: SavedModel, ranges: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """The rounded points of each factor's best attribute (``ranges``: a numeric factor's smallest and largest
    value, ``value_ranges``)."""
    _, coefs = split_params(saved.encodings, saved.params)
    best = {}
    for enc, c in zip(saved.encodings, coefs, strict=True):
        if enc.treatment == "categorical":
            candidates = whole_points(-saved.scaling.factor * np.array([0.0, *c], dtype=float))
        elif enc.treatment == "woe":
            candidates = whole_points(-saved.scaling.factor * np.array([c[0] * woe for _, woe in enc.woe]))
        else:
            low, high = ranges.get(enc.column, (None, None))
            if low is None or high is None:
                raise RiskLabError("reasons.no_range", factor=enc.column)
            candidates = factor_points(enc, c, pd.Series([low, high], dtype=float), saved.scaling)
        best[enc.column] = float(np.nanmax(candidates))
    return best


def reason_codes(saved: SavedModel, frame: pd.DataFrame, best: Mapping[str, float], n: int = REASONS) -> pd.DataFrame:
    """For every row of ``frame``: ``reason_1 .. reason_n`` (the factors that cost it the most points against
    their best attribute, most first) and ``reason_i_points`` (the points lost). Fewer reasons when fewer
    factors lose points; none when the row cannot be scored."""
    points = saved.points_frame(frame)
    factors = list(points.columns)
    lost = np.array([best[f] for f in factors], dtype=float) - points.to_numpy(dtype=float)
    lost = np.maximum(lost, 0.0)  # a value beyond the table's range: no points lost, never negative ones
    order = np.argsort(-lost, axis=1, kind="stable")  # most points lost first, the model's factor order on a tie
    scorable = ~np.isnan(lost).any(axis=1)
    names = np.array(factors, dtype=object)
    rows = np.arange(len(lost))
    out: dict[str, object] = {}
    for i in range(n):
        if i < len(factors):
            j = order[:, i]
            lost_i = lost[rows, j]
            named = scorable & (lost_i > 0)
        else:  # fewer factors than reasons
            j, lost_i, named = np.zeros(len(lost), dtype=int), np.full(len(lost), np.nan), np.zeros(len(lost), bool)
        out[f"reason_{i + 1}"] = np.where(named, names[j] if len(names) else None, None)
        out[f"reason_{i + 1}_points"] = np.where(named, lost_i, np.nan)
    return pd.DataFrame(out, index=frame.index)


def applicant_reasons(
    saved: SavedModel, applicant: Mapping[str, object], best: Mapping[str, float], n: int = REASONS
) -> pd.DataFrame:
    """One applicant's reasons (``reason_codes``), a row each, most points lost first: rank, factor,
    points_rounded (its own points), best_points and points_lost."""
    columns = list(dict.fromkeys(e.column for e in saved.encodings))
    frame = pd.DataFrame([{c: applicant.get(c) for c in columns}], columns=columns, dtype=object)
    codes = reason_codes(saved, frame, best, n).iloc[0]
    points = saved.points_frame(frame).iloc[0]
    rows = []
    for rank in range(1, n + 1):
        factor = codes[f"reason_{rank}"]
        if factor is None or pd.isna(factor):
            break
        rows.append(
            {
                "rank": rank,
                "factor": factor,
                "points_rounded": float(points[factor]),
                "best_points": float(best[factor]),
                "points_lost": float(codes[f"reason_{rank}_points"]),
            }
        )
    return pd.DataFrame(rows, columns=["rank", "factor", "points_rounded", "best_points", "points_lost"])

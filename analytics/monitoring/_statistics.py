"""The statistics of monitoring: PD back-tests (binomial, Jeffreys), traffic lights and the DeLong interval of an
AUC, all from counts that DuckDB has already aggregated.

The back-tests are one-sided, as the European Central Bank's instructions for reporting the validation of PD
models use them: the question is whether more loans defaulted than the predicted PD allows.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import special, stats

LIGHTS = ("green", "yellow", "red")


def binomial_p(defaults: int, loans: int, pd_: float) -> float:
    """One-sided binomial test: P(X >= defaults) for X ~ Binomial(loans, pd_); small when PD is too low."""
    _check_counts(defaults, loans, pd_)
    return float(stats.binom.sf(defaults - 1, loans, pd_))


def jeffreys_p(defaults: int, loans: int, pd_: float) -> float:
    """Jeffreys test (ECB): the Beta(defaults + 1/2, loans - defaults + 1/2) posterior's probability below PD;
    small when the realised default rate is well above the predicted PD."""
    _check_counts(defaults, loans, pd_)
    return float(special.betainc(defaults + 0.5, loans - defaults + 0.5, pd_))


def _check_counts(defaults: int, loans: int, pd_: float) -> None:
    if not 0 <= defaults <= loans or loans <= 0:
        raise ValueError("a back-test needs 0 <= defaults <= loans and at least one loan")
    if not 0 < pd_ < 1:
        raise ValueError("a back-test needs a predicted PD between 0 and 1")


def traffic_light(p_value: float | None, yellow: float = 0.05, red: float = 0.01) -> str | None:
    """Red below the ``red`` p-value, yellow below ``yellow``, else green (None without a test)."""
    if not 0 < red < yellow < 1:
        raise ValueError("traffic lights need 0 < red p-value < yellow p-value < 1")
    if p_value is None or math.isnan(p_value):
        return None
    if p_value < red:
        return "red"
    return "yellow" if p_value < yellow else "green"


@dataclasses.dataclass(frozen=True)
class AucInterval:
    """An AUC with DeLong's standard error and normal confidence interval (clipped to [0, 1])."""

    auc: float
    se: float
    low: float
    high: float

    @property
    def gini(self) -> float:
        return 2 * self.auc - 1


def delong_from_counts(goods: np.ndarray, bads: np.ndarray, level: float = 0.95) -> AucInterval:
    """AUC and its DeLong (1988) variance from goods and bads per score level, levels ordered by increasing
    risk (ties count one half): the variance of the bads' placements among goods over the bads plus that of
    the goods' placements among bads over the goods."""
    goods, bads = np.asarray(goods, dtype=float), np.asarray(bads, dtype=float)
    n_good, n_bad = goods.sum(), bads.sum()
    if n_good < 2 or n_bad < 2:
        raise ValueError("a DeLong interval needs at least two goods and two bads")
    goods_below = np.cumsum(goods) - goods
    bads_above = n_bad - np.cumsum(bads)
    placement_bad = (goods_below + 0.5 * goods) / n_good  # per level: share of goods a bad there outranks
    placement_good = (bads_above + 0.5 * bads) / n_bad  # per level: share of bads that outrank a good there
    auc = float((bads * placement_bad).sum() / n_bad)
    var_bad = float((bads * (placement_bad - auc) ** 2).sum() / (n_bad - 1))
    var_good = float((goods * (placement_good - auc) ** 2).sum() / (n_good - 1))
    se = math.sqrt(var_bad / n_bad + var_good / n_good)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return AucInterval(auc, se, max(auc - z * se, 0.0), min(auc + z * se, 1.0))

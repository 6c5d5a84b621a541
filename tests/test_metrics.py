"""Metric functions pinned against scikit-learn, SciPy and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

from analytics import core


@pytest.fixture
def scored():
    rng = np.random.default_rng(7)
    x = rng.normal(size=5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(-2 + 1.2 * x)))).astype(int)
    score = np.round(x, 1)  # ties on purpose
    return y, score


def test_auc_gini_match_scikit_learn_with_ties(scored):
    y, score = scored
    assert core.auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert core.gini(y, score) == pytest.approx(2 * roc_auc_score(y, score) - 1, abs=1e-12)


def test_ks_matches_scipy(scored):
    y, score = scored
    expected = stats.ks_2samp(score[y == 1], score[y == 0]).statistic
    assert core.ks(y, score) == pytest.approx(expected, abs=1e-12)


def test_counts_form_equals_row_form(scored):
    y, score = scored
    levels = np.unique(score)
    goods = np.array([((score == v) & (y == 0)).sum() for v in levels])
    bads = np.array([((score == v) & (y == 1)).sum() for v in levels])
    assert core.auc_from_counts(goods, bads) == pytest.approx(core.auc(y, score), abs=1e-12)
    assert core.ks_from_counts(goods, bads) == pytest.approx(core.ks(y, score), abs=1e-12)


def test_woe_iv_by_hand():
    goods, bads = np.array([400, 300, 100]), np.array([20, 30, 50])
    woe, contributions = core.woe_iv(goods, bads)
    assert contributions.sum() == pytest.approx(core.information_value(goods, bads), abs=1e-15)
    expected_woe = np.log(np.array([0.5, 0.375, 0.125]) / np.array([0.2, 0.3, 0.5]))
    assert woe == pytest.approx(expected_woe, abs=1e-12)
    assert core.information_value(goods, bads) == pytest.approx(
        float(((np.array([0.5, 0.375, 0.125]) - np.array([0.2, 0.3, 0.5])) * expected_woe).sum()), abs=1e-12
    )
    assert core.information_value(goods, bads) == pytest.approx(0.8114834, abs=1e-6)
    assert core.band(0.8114834, core.IV_BANDS) == "suspicious"
    assert core.band(0.05, core.IV_BANDS) == "weak"


def test_woe_smooths_empty_cells():
    woe, _ = core.woe_iv(np.array([10, 0]), np.array([5, 5]))
    assert np.isfinite(woe).all()
    assert woe[1] == pytest.approx(np.log((0.5 / 11) / (5.5 / 11)), abs=1e-12)


def test_psi_by_hand_and_verdicts():
    expected, actual = np.array([25, 25, 25, 25]), np.array([10, 20, 30, 40])
    by_hand = sum((a - e) * np.log(a / e) for e, a in zip([0.25] * 4, [0.1, 0.2, 0.3, 0.4], strict=True))
    assert core.psi(expected, actual) == pytest.approx(by_hand, abs=1e-12)
    assert core.psi(expected, expected) == 0.0
    assert core.band(0.05, core.PSI_BANDS) == "stable"
    assert core.band(0.2, core.PSI_BANDS) == "minor_shift"
    assert core.band(0.3, core.PSI_BANDS) == "major_shift"


def test_brier_matches_scikit_learn(scored):
    y, score = scored
    pd_ = 1 / (1 + np.exp(-(-2 + 1.2 * score)))
    assert core.brier(y, pd_) == pytest.approx(brier_score_loss(y, pd_), abs=1e-15)


def test_hosmer_lemeshow_well_and_badly_calibrated(scored):
    y, score = scored
    good = core.hosmer_lemeshow(y, 1 / (1 + np.exp(-(-2 + 1.2 * score))))
    bad = core.hosmer_lemeshow(y, np.full(len(y), 0.5))
    assert good.df == 8 and good.p_value > 0.01
    assert bad.p_value < 1e-10


def test_hosmer_lemeshow_by_hand():
    y = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    result = core.hosmer_lemeshow(y, p, groups=4)
    groups = [(0, 0.3, 2), (1, 0.7, 2), (2, 1.1, 2), (1, 1.5, 2)]
    by_hand = sum((o - e) ** 2 / (e * (1 - e / n)) for o, e, n in groups)
    assert result.statistic == pytest.approx(by_hand, abs=1e-12)
    assert result.p_value == pytest.approx(stats.chi2.sf(by_hand, 2), abs=1e-12)


def test_hosmer_lemeshow_from_counts_equals_the_row_form(scored):
    y, score = scored
    p = 1 / (1 + np.exp(-(-2 + 1.2 * score)))
    order = np.argsort(p, kind="stable")
    chunks = np.array_split(order, 10)
    counts = core.hosmer_lemeshow_from_counts(
        [y[c].sum() for c in chunks], [p[c].sum() for c in chunks], [len(c) for c in chunks]
    )
    assert counts == core.hosmer_lemeshow(y, p)
    with pytest.raises(ValueError, match="non-empty groups"):
        core.hosmer_lemeshow_from_counts([1], [0.5], [0])


def test_one_class_outcome_is_refused():
    with pytest.raises(ValueError, match="one class only"):
        core.auc(np.zeros(10), np.arange(10))


def test_variance_inflation_matches_statsmodels():
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 4))
    x[:, 1] += 0.8 * x[:, 0]
    x[:, 3] = x[:, 2] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=2000)
    exog = np.column_stack([np.ones(2000), x])
    expected = [variance_inflation_factor(exog, j) for j in range(1, 5)]
    assert core.variance_inflation(np.corrcoef(x, rowvar=False)) == pytest.approx(expected, rel=1e-9)
    copied = np.corrcoef(np.column_stack([x[:, 0], x[:, 0], x[:, 2]]), rowvar=False)
    assert np.isinf(core.variance_inflation(copied)[:2]).all()
    with pytest.raises(ValueError, match="square correlation matrix"):
        core.variance_inflation(np.array([[1.0]]))

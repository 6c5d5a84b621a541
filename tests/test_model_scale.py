"""The model's big-table paths pinned against statsmodels called directly: the exact batched row fit (used above
``model.MAX_FIT_ROWS``, here forced on the embedded sample), the one-scan cell fit, and their checks."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import datasets, factors, model, store
from analytics.core import RiskLabError
from analytics.model import FactorSpec, ModelSpec, _fit, _irls
from tests.conftest import fit

F = FactorSpec


@pytest.fixture(scope="module")
def db(demo_db_template, tmp_path_factory):
    """A private copy of the demo database for this module."""
    path = tmp_path_factory.mktemp("model_scale") / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture()
def batched(monkeypatch):
    """Every row fit of more than 500 loans takes the big-table path."""
    monkeypatch.setattr(_fit, "MAX_FIT_ROWS", 500)
    monkeypatch.setattr(_irls, "CHUNK", 4096)  # several chunks, as on a big table


def sample_design(db) -> tuple[pd.DataFrame, pd.Series]:
    frame = db.execute(
        "SELECT annual_income, debt_ratio, prior_overdue_count, segment, credit_rating, default_flag "
        "FROM sample_loans WHERE booked ORDER BY rowid"
    ).df()
    x = pd.DataFrame({"const": 1.0, "log(annual_income)": np.log(frame["annual_income"])})
    for level in sorted(frame["credit_rating"].unique())[1:]:
        x[f"credit_rating[T.{level}]"] = (frame["credit_rating"] == level).astype(float)
    x["debt_ratio"] = frame["debt_ratio"]
    x["segment[T.farm]"] = (frame["segment"] == "farm").astype(float)
    x["prior_overdue_count"] = frame["prior_overdue_count"].astype(float)
    return x, frame["default_flag"].astype(float)


SPEC = ModelSpec(
    "sample_loans",
    (
        F("annual_income", "log"),
        F("credit_rating", "categorical"),
        F("debt_ratio"),
        F("segment", "categorical"),
        F("prior_overdue_count"),
    ),
)


def test_batched_row_fit_equals_statsmodels_logit(db, batched):
    fitted = fit(db, SPEC, validate=False)
    x, y = sample_design(db)
    reference = sm.Logit(y, x).fit(disp=0, method="newton", tol=1e-12)
    s = fitted.fit_stats()
    assert (s["method"], s["sampled"], s["n_obs"], s["rows_total"]) == ("rows", False, len(y), len(y))
    assert fitted.result is None  # the batched Newton, not statsmodels
    assert fitted.names == tuple(x.columns)  # the model's term order, though the solver groups cell terms first
    np.testing.assert_allclose(fitted.coefs, reference.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fitted.standard_errors, reference.bse.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fitted.cov, reference.cov_params().to_numpy(), rtol=1e-7, atol=1e-14)
    assert s["llf"] == pytest.approx(reference.llf, abs=1e-8)
    assert s["llnull"] == pytest.approx(reference.llnull, abs=1e-6)  # its null fit is iterative
    assert s["converged"] and s["iterations"] >= 4
    assert not fitted.warnings


def test_batched_fit_equals_the_in_memory_fit_with_validation(db, batched, monkeypatch):
    pop = factors.population(datasets.table_context(db, "sample_loans"))
    spec_bins = factors.optimal_spec(db, pop, "loan_purpose", "categorical")
    factors.save_binning(db, "sample_loans", spec_bins, "purpose scale")
    spec = ModelSpec(
        "sample_loans",
        (*SPEC.factors, F("loan_purpose", "woe", binning="purpose scale")),
        holdout="random",
        fraction=0.3,
        seed=5,
    )
    big = fit(db, spec)
    monkeypatch.setattr(_fit, "MAX_FIT_ROWS", 10**9)
    small = fit(db, spec)
    assert big.result is None and small.result is not None
    assert big.names == small.names
    np.testing.assert_allclose(big.coefs, small.coefs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(big.standard_errors, small.standard_errors, rtol=1e-8)
    for key in ("n_obs", "n_events", "llf", "llnull", "aic", "bic", "rows_total"):
        assert big.fit_stats()[key] == pytest.approx(small.fit_stats()[key], abs=1e-7)
    for term, vif in small.vif.items():
        assert big.vif[term] == pytest.approx(vif, rel=1e-6)
    assert big.validation()["test"].auc == pytest.approx(small.validation()["test"].auc, abs=1e-12)
    assert big.validation()["cv"].mean == pytest.approx(small.validation()["cv"].mean, abs=1e-9)
    assert [str(w) for w in big.warnings] == [str(w) for w in small.warnings]


def test_batched_fit_reports_separation_and_collinearity(con, batched):
    rng = np.random.default_rng(3)
    n = 2000
    x1 = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-x1))).astype(int)
    frame = pd.DataFrame({"x1": x1, "copy": 2 * x1 + 1, "y": y, "g": rng.choice(["a", "b"], size=n)})
    frame["split"] = np.where(frame["y"] == 1, 1.0, 0.0) + rng.random(n) * 0.5
    con.register("_frame", frame)
    con.execute("CREATE OR REPLACE TABLE big_bad AS SELECT * FROM _frame")
    con.unregister("_frame")
    datasets.save_definition(con, "big_bad", datasets.DefaultDefinition("flag", "y", values=(1,)))
    with pytest.raises(RiskLabError, match=r"collinear .*: const, x1, copy"):
        fit(con, ModelSpec("big_bad", (F("x1"), F("copy"), F("g", "categorical"))))
    with pytest.raises(RiskLabError, match="perfect separation: every outcome is predicted exactly by split"):
        fit(con, ModelSpec("big_bad", (F("split"), F("g", "categorical"))))


def test_cell_fit_equals_statsmodels_logit_on_rows(db):
    """The one-scan cell path (categorical levels grouped by raw value, the outcome matched per group) against
    statsmodels on every loan, with a holdout and the missing level of a factor."""
    db.execute("CREATE OR REPLACE TABLE holes AS SELECT * FROM sample_loans")
    db.execute("UPDATE holes SET education = NULL WHERE rowid % 17 = 0")
    db.execute("UPDATE holes SET default_flag = NULL WHERE rowid % 23 = 0")
    datasets.save_definition(db, "holes", datasets.DefaultDefinition("flag", "default_flag", values=(1,)))
    spec = ModelSpec(
        "holes",
        (F("education", "categorical"), F("guarantee_method", "categorical")),
        holdout="random",
        fraction=0.25,
        seed=9,
        booked_only=False,
    )
    fitted = fit(db, spec, validate=False)
    assert fitted.fit_stats()["method"] == "cells" and fitted.result is None
    parts = db.execute(
        "SELECT COALESCE(CAST(education AS VARCHAR), '(missing)') AS education, guarantee_method, default_flag, "
        "CASE WHEN hash(rowid, 9) % 1000000 < 250000 THEN 1 ELSE 0 END AS part FROM holes "
        "WHERE default_flag IS NOT NULL"
    ).df()
    train = parts[parts["part"] == 0]
    x = pd.DataFrame({"const": np.ones(len(train))}, index=train.index)
    for column in ("education", "guarantee_method"):
        levels = model.sorted_levels(sorted(train[column].unique()))
        for level in levels[1:]:
            x[f"{column}[T.{level}]"] = (train[column] == level).astype(float)
    reference = sm.Logit(train["default_flag"].astype(float), x).fit(disp=0, method="newton", tol=1e-12)
    assert "education[T.(missing)]" in fitted.names and fitted.names == tuple(x.columns)
    assert fitted.fit_stats()["n_obs"] == len(train)
    np.testing.assert_allclose(fitted.coefs, reference.params.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(fitted.standard_errors, reference.bse.to_numpy(), rtol=1e-8)
    assert fitted.fit_stats()["llf"] == pytest.approx(reference.llf, abs=1e-8)


def test_cell_validation_equals_row_validation(db):
    """Validation from the cells against scoring every loan in SQL (the row path): AUC, KS, Brier, counts and the
    score distribution exactly; deciles and curves up to the split of a cell cut by a decile boundary."""
    db.execute("CREATE OR REPLACE TABLE unseen AS SELECT * FROM sample_loans")
    db.execute(
        "UPDATE unseen SET guarantee_method = 'new kind' WHERE hash(rowid, 4) % 1000000 < 300000 AND rowid % 101 = 0"
    )
    datasets.save_definition(db, "unseen", datasets.DefaultDefinition("flag", "default_flag", values=(1,)))
    spec = ModelSpec(
        "unseen",
        (F("credit_rating", "categorical"), F("guarantee_method", "categorical"), F("education", "categorical")),
        holdout="random",
        fraction=0.3,
        seed=4,
    )
    cells = fit(db, spec)
    rows = fit(db, spec, method="rows")
    assert cells.fit_stats()["method"] == "cells" and rows.fit_stats()["method"] == "rows"
    for part in ("train", "test"):
        c, r = cells.validation()[part], rows.validation()[part]
        assert (c.n, c.events, c.unscored) == (r.n, r.events, r.unscored)
        assert c.auc == pytest.approx(r.auc, abs=1e-12) and c.ks == pytest.approx(r.ks, abs=1e-12)
        assert c.brier == pytest.approx(r.brier, abs=1e-12)
        pd.testing.assert_frame_equal(c.distribution, r.distribution, check_exact=False, atol=1e-9)
        assert c.calibration["loans"].tolist() == r.calibration["loans"].tolist()
        np.testing.assert_allclose(c.calibration["expected"], r.calibration["expected"], rtol=1e-9)
        assert c.calibration["defaults"].sum() == r.calibration["defaults"].sum() == r.events
        assert np.abs(c.calibration["defaults"] - r.calibration["defaults"]).max() <= 0.1 * r.events / 10
        assert len(c.roc) == len(r.roc) and c.roc.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
        np.testing.assert_allclose(c.roc, r.roc, atol=0.01)  # a split cell moves a point by a few defaults
        assert c.hosmer_lemeshow.statistic == pytest.approx(r.hosmer_lemeshow.statistic, rel=0.5)
    assert cells.validation()["test"].unscored > 0  # the level 'new kind' of test loans only
    assert "model.unscored" in {w.key for w in cells.warnings}


def test_many_scan_groups_check_the_levels_first(con, monkeypatch):
    """Beyond ``MAX_SCAN_GROUPS`` groups the levels are counted per factor: an ID-like factor is refused with the
    usual message, many combinations of few levels are fitted as usual."""
    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame(
        {
            "loan": [f"L{i}" for i in range(n)],
            "a": rng.choice(list("abcdefgh"), size=n),
            "b": rng.choice(list("pqrstuvw"), size=n),
            "y": (rng.random(n) < 0.3).astype(int),
        }
    )
    con.register("_frame", frame)
    con.execute("CREATE OR REPLACE TABLE many AS SELECT * FROM _frame")
    con.unregister("_frame")
    datasets.save_definition(con, "many", datasets.DefaultDefinition("flag", "y", values=(1,)))
    monkeypatch.setattr(_fit, "MAX_SCAN_GROUPS", 20)
    with pytest.raises(RiskLabError, match="loan has 3,000 levels"):
        fit(con, ModelSpec("many", (F("a", "categorical"), F("loan", "categorical"))), validate=False)
    fitted = fit(con, ModelSpec("many", (F("a", "categorical"), F("b", "categorical"))), validate=False)
    monkeypatch.setattr(_fit, "MAX_SCAN_GROUPS", 10**6)
    again = fit(con, ModelSpec("many", (F("a", "categorical"), F("b", "categorical"))), validate=False)
    np.testing.assert_allclose(fitted.coefs, again.coefs, rtol=0, atol=1e-12)


def test_batched_fit_of_the_bench_model_equals_statsmodels_to_1e10(con, batched):
    """Issue 19: the bench's numeric model (six numeric factors, six categorical) by the batched Newton (cache-sized
    steps, per-cell bincounts, BLAS on one thread) equals statsmodels Logit on the same rows to 1e-10."""
    from analytics import bench
    from analytics.bench import _runner

    bench.build(con, loans=20_000, months=1, seed=4)
    factors_ = [F(c, t) for c, t in _runner.NUMERIC_FACTORS] + [F(c, "categorical") for c in _runner.BINNED_FACTORS]
    fitted = fit(con, ModelSpec(bench.LOANS_TABLE, tuple(factors_)), validate=False)
    assert fitted.fit_stats()["batched"] and fitted.fit_stats()["converged"]
    frame = con.execute(f"SELECT * FROM {bench.LOANS_TABLE} WHERE booked ORDER BY rowid").df()
    encodings = [[e.column, e.treatment, list(e.levels)] for e in fitted.encodings]
    x, names = _runner.design(frame, encodings)
    reference = sm.Logit(frame["default_flag"].to_numpy(float), x).fit(disp=0, method="newton", tol=1e-12)
    assert tuple(names) == fitted.names
    np.testing.assert_allclose(fitted.coefs, reference.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fitted.standard_errors, reference.bse, rtol=1e-8)
    assert fitted.fit_stats()["llf"] == pytest.approx(reference.llf, abs=1e-8)


def test_batched_cross_validation_picks_the_loans_in_cell_order(db, batched, monkeypatch):
    """The loans are no longer sorted by cell for the passes; cross-validation still takes its seeded subset by
    position in cell order (ties by position), so its loans are those of earlier versions."""
    monkeypatch.setattr(_fit, "CV_ROWS", 700)
    prep = _fit._prepare(db, datasets.table_context(db, "sample_loans"), SPEC)
    data = prep.data
    assert isinstance(data, _irls.Rows)
    in_cell_order = np.lexsort((np.arange(data.n), data.cell))
    picked = in_cell_order[np.sort(np.random.default_rng(0).permutation(data.n)[:700])]
    cv = _fit._cv_rows(data)
    np.testing.assert_array_equal(cv.y, data.y[picked])
    np.testing.assert_array_equal(cv.blocks[0], data.design(picked)[:, 1:])

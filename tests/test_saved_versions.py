"""A saved version opens without refitting: its coefficient table from the saved coefficients and covariance,
its validation by scoring its own training and test loans with its SQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import datasets, model, store
from analytics.model import FactorSpec, ModelSpec
from tests.conftest import fit

ROWS = (FactorSpec("annual_income", "log"), FactorSpec("credit_rating", "categorical", "AAA"))
CELLS = (FactorSpec("credit_rating", "categorical", "AAA"), FactorSpec("guarantee_method", "categorical", "none"))


@pytest.fixture(scope="module")
def db(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "risklab.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    con = store.connect(path)
    yield con
    con.close()


@pytest.mark.parametrize("factors", [ROWS, CELLS], ids=["rows", "cells"])
def test_a_saved_version_has_the_fits_coefficients_and_validation(db, factors):
    spec = ModelSpec("sample_loans", factors, holdout="random", fraction=0.3, seed=7)
    fitted = fit(db, spec)
    name = f"reopen {len(factors)} {factors[0].treatment}"
    version = model.save_model(db, name, fitted)
    saved = model.load_model(db, name, version)

    table = saved.coef_table()
    expected = fitted.coef_table().drop(columns="vif")
    pd.testing.assert_frame_equal(table.drop(columns="vif"), expected, rtol=1e-12, check_exact=False)
    assert table["vif"].isna().all()

    checks = model.validate_saved(db, datasets.table_context(db, "sample_loans"), saved)
    for sample in ("train", "test"):
        mine, theirs = checks[sample], fitted.validation()[sample]
        assert (mine.n, mine.events) == (theirs.n, theirs.events)
        for figure in ("auc", "ks", "gini", "brier"):
            assert getattr(mine, figure) == pytest.approx(getattr(theirs, figure), abs=1e-12)
        assert mine.summary()["auc"] == pytest.approx(saved.metrics[sample]["auc"], abs=1e-12)
        if factors is ROWS:  # the same rows scored alike (a cell fit splits tied deciles by cell, not by loan)
            pd.testing.assert_frame_equal(mine.calibration, theirs.calibration, rtol=1e-9, check_exact=False)
    assert checks["cv"] is None


def test_saved_standard_errors_match_statsmodels(db):
    spec = ModelSpec("sample_loans", ROWS[:1], holdout="none")
    version = model.save_model(db, "se check", fit(db, spec))
    saved = model.load_model(db, "se check", version)
    frame = db.execute("SELECT annual_income, default_flag FROM sample_loans WHERE booked").df()
    x = sm.add_constant(np.log(frame["annual_income"].astype(float)))
    reference = sm.Logit(frame["default_flag"].astype(float), x).fit(disp=0, tol=1e-12)
    table = saved.coef_table().set_index("term")
    assert table["se"].to_numpy() == pytest.approx(reference.bse.to_numpy(), rel=1e-6)
    assert table["p_value"].to_numpy() == pytest.approx(reference.pvalues.to_numpy(), rel=1e-5)

"""The shipped real datasets import exactly and reproduce published results."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import datasets, store
from tests.conftest import GERMAN_R_GLM

CANONICAL_ROLES = {
    "loan_id",
    "borrower_id",
    "outcome",
    "days_past_due",
    "status",
    "classification",
    "origination_date",
    "snapshot_date",
    "branch",
    "officer",
    "segment",
    "product",
    "amount",
    "balance",
    "interest_rate",
    "term",
    "expert_decision",
    "expert_score",
    "booked",
    "factor_numeric",
    "factor_categorical",
    "ignore",
}
SHA256 = {
    "german_credit.csv": "37d8c34c58415a48d038a5f815fa3c9c120526fe92414f4c2c967646393b8c9c",
    "sba_case_2102.csv": "68a159bba12ff988c3884c22edba956ca0074b8228fe04331976f4fb62fb9ab3",
    "south_german_credit.asc": "921fdae321892628147363b74d675d0f9b2fc940e8989064a771b693622313b6",
}


def as_printed(text: str):
    """A published number, equal to anything that rounds to it at the printed precision."""
    exponent = Decimal(text).as_tuple().exponent
    return pytest.approx(float(text), abs=0.5 * 10.0**exponent * 1.001)


@pytest.fixture(scope="module")
def shipped():
    con = store.connect(":memory:")
    results = {r.table: r for r in datasets.import_shipped(con)}
    yield con, results
    con.close()


@pytest.mark.parametrize(("file", "digest"), SHA256.items())
def test_shipped_files_are_unchanged(file, digest):
    assert hashlib.sha256((datasets.DATA_DIR / file).read_bytes()).hexdigest() == digest


def test_german_credit(shipped):
    con, results = shipped
    result = results["german_credit"]
    assert (result.rows, len(result.columns), result.warnings) == (1000, 21, ())
    rate = con.execute('SELECT avg("default") FROM german_credit').fetchall()[0][0]
    assert rate == pytest.approx(0.300, abs=1e-12)


def test_sba_loans(shipped):
    con, results = shipped
    result = results["sba_loans"]
    assert (result.rows, len(result.columns), result.encoding) == (2101, 35, "utf-8-sig")
    assert result.columns[0] == ("Selected", "BIGINT")
    rate = con.execute('SELECT avg("Default") FROM sba_loans').fetchall()[0][0]
    assert round(rate, 3) == 0.327


def test_roles_and_default_name_real_columns(shipped):
    con, _ = shipped
    for dataset in datasets.SHIPPED:
        columns = [name for name, _ in store.table_columns(con, dataset.table)]
        assert set(dataset.roles) == set(columns)
        assert set(dataset.roles.values()) <= CANONICAL_ROLES
        assert dataset.default["kind"] == "flag"
        assert dataset.roles[dataset.default["column"]] == "outcome"
        assert dataset.default["values"] == [1]


def test_sba_logit_reproduces_the_published_coefficients(shipped):
    """Li, Mickel & Taylor (2018): Default ~ RealEstate + Portion + Recession on Selected == 1."""
    con, _ = shipped
    frame = con.execute('SELECT "Default", RealEstate, Portion, Recession FROM sba_loans WHERE Selected = 1').df()
    fit = sm.Logit(frame["Default"], sm.add_constant(frame[["RealEstate", "Portion", "Recession"]])).fit(disp=0)
    assert len(frame) == 1051
    expected = {"const": 1.393064, "RealEstate": -2.128217, "Portion": -2.987482, "Recession": 0.504123}
    errors = {"const": 0.321569, "RealEstate": 0.345002, "Portion": 0.539272, "Recession": 0.241214}
    for name, value in expected.items():
        assert fit.params[name] == pytest.approx(value, abs=1e-4)
        assert fit.bse[name] == pytest.approx(errors[name], abs=1e-4)
    assert fit.llf == pytest.approx(-541.378, abs=1e-3)
    assert fit.llnull == pytest.approx(-654.768, abs=1e-3)


def test_german_logit_reproduces_r_glm(shipped):
    """R glm(binomial) on all 20 attributes, categorical ones dummy-coded against their first level."""
    con, _ = shipped
    frame = con.execute("SELECT * FROM german_credit").df()
    y = frame.pop("default")
    categorical = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    dummies = pd.get_dummies(frame, columns=categorical, drop_first=True, dtype=float)
    fit = sm.Logit(y, sm.add_constant(dummies.astype(float))).fit(disp=0, maxiter=100)
    assert fit.df_resid == 951
    assert -2 * fit.llf == pytest.approx(895.82, abs=0.01)
    assert -2 * fit.llnull == pytest.approx(1221.73, abs=0.01)
    published = GERMAN_R_GLM
    for name, (coef, se) in published.items():
        assert fit.params[name] == as_printed(coef)
        assert fit.bse[name] == as_printed(se)
    assert np.isfinite(fit.params).all()


def test_import_shipped_replaces_one_table(shipped):
    con, _ = shipped
    (again,) = datasets.import_shipped(con, datasets.GERMAN_CREDIT)
    assert (again.table, again.rows) == ("german_credit", 1000)
    assert store.row_count(con, "sba_loans") == 2101

"""The logit model builder pinned against statsmodels, scikit-learn and published tables (R glm, SBA, Spector)."""

from __future__ import annotations

import dataclasses
import math
import shutil

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sklearn.metrics import brier_score_loss, roc_auc_score

from analytics import core, datasets, factors, model, store
from analytics.core import RiskLabError
from analytics.datasets import GERMAN_CREDIT
from analytics.model import FactorSpec, ModelSpec, Scaling, _fit, _scorecard
from tests.conftest import GERMAN_R_GLM, fit, stepwise

F = FactorSpec


@pytest.fixture(scope="module")
def db(demo_db_template, tmp_path_factory):
    """A private copy of the demo database for this module."""
    path = tmp_path_factory.mktemp("model") / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    connection = store.connect(path)
    yield connection
    connection.close()


def make_table(con, name: str, frame: pd.DataFrame, target: str = "y") -> str:
    """A user table from a DataFrame, with a flag default definition on ``target``."""
    con.register("_frame", frame)
    con.execute(f"CREATE OR REPLACE TABLE {store.quote_ident(name)} AS SELECT * FROM _frame")
    con.unregister("_frame")
    datasets.save_definition(con, name, datasets.DefaultDefinition("flag", target, values=(1,)))
    return name


def german_frame(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM german_credit ORDER BY rowid").df()


CATEGORICAL = [c for c, r in GERMAN_CREDIT.roles.items() if r == "factor_categorical"]
NUMERIC = ["duration_months", "credit_amount", "installment_rate", "residence_since", "age_years"]
NUMERIC += ["existing_credits", "people_liable"]


@pytest.fixture(scope="module")
def german(db):
    spec = ModelSpec("german_credit", tuple([F(c, "categorical") for c in CATEGORICAL] + [F(c) for c in NUMERIC]))
    return fit(db, spec)


# --- pinned against published tables and statsmodels -----------------------------------------------------------


def test_german_credit_equals_r_glm(german):
    s = german.fit_stats()
    assert (s["n_obs"], s["n_events"], s["method"]) == (1000, 300, "rows")
    assert -2 * s["llf"] == pytest.approx(895.82, abs=0.005)  # residual deviance on 951 df
    assert -2 * s["llnull"] == pytest.approx(1221.73, abs=0.005)
    assert s["aic"] == pytest.approx(993.82, abs=0.005)
    assert len(german.params) == 1000 - 951
    published = GERMAN_R_GLM
    for term, (coef, se) in published.items():
        assert german.params[term] == as_published(coef)
        assert german.bse[term] == as_published(se)


def as_published(text: str):
    """A published number, to the precision it was printed with (half a unit of its last digit)."""
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2]) - int(exponent or 0)
    return pytest.approx(float(text), abs=0.5 * 10.0**-decimals)


def test_german_credit_equals_statsmodels_logit(db, german):
    frame = german_frame(db)
    formula = "default ~ " + " + ".join(CATEGORICAL + NUMERIC)
    reference = smf.logit(formula, data=frame).fit(disp=0, method="newton", tol=1e-12)
    params = reference.params.rename({"Intercept": "const"})
    bse = reference.bse.rename({"Intercept": "const"})
    assert set(german.params) == set(params.index)  # patsy's names: const, COL, COL[T.LEVEL]
    for term in params.index:
        assert german.params[term] == pytest.approx(params[term], rel=1e-7, abs=1e-9)
        assert german.bse[term] == pytest.approx(bse[term], rel=1e-7)
    s = german.fit_stats()
    assert s["llf"] == pytest.approx(reference.llf, abs=1e-8)
    assert s["bic"] == pytest.approx(reference.bic, abs=1e-7)
    assert s["pseudo_r2"] == pytest.approx(reference.prsquared, abs=1e-9)  # its null fit is iterative
    assert s["lr_chi2"] == pytest.approx(reference.llr, abs=1e-6)
    assert s["lr_p"] == pytest.approx(reference.llr_pvalue, rel=1e-6)
    assert s["converged"] and s["iterations"] >= 4
    table = german.coef_table().set_index("term")
    assert table.loc["duration_months", "p_value"] == pytest.approx(reference.pvalues["duration_months"], rel=1e-6)
    ci = reference.conf_int().loc["duration_months"]
    assert table.loc["duration_months", ["or_low", "or_high"]].tolist() == pytest.approx(np.exp(ci).tolist())


def test_validation_equals_scikit_learn(db, german):
    frame = german_frame(db)
    p = german.as_saved().predict(frame)
    y = frame["default"].to_numpy()
    train = german.validation()["train"]
    assert german.validation()["test"] is None
    assert train.auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert train.gini == pytest.approx(2 * roc_auc_score(y, p) - 1, abs=1e-12)
    assert train.ks == pytest.approx(core.ks(y, p), abs=1e-12)
    assert train.brier == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    hl = core.hosmer_lemeshow(y, p)
    assert train.hosmer_lemeshow.statistic == pytest.approx(hl.statistic, rel=1e-9)
    assert train.calibration["loans"].tolist() == [100] * 10
    assert train.calibration["defaults"].sum() == 300
    assert train.gains["capture"].iloc[-1] == pytest.approx(1.0)
    riskiest = y[np.argsort(-p)[:100]].sum()
    assert train.gains["defaults"].iloc[0] == riskiest and train.gains["lift"].iloc[0] == pytest.approx(riskiest / 30)
    assert train.roc.iloc[0].tolist() == [0.0, 0.0] and train.roc.iloc[-1].tolist() == [1.0, 1.0]
    assert len(train.roc) <= 101 and (train.ks_curve["gap"].max() <= train.ks + 1e-12)
    dist = train.score_distribution(Scaling())
    assert len(dist) == 50 and dist["goods"].sum() == 700 and dist["bads"].sum() == 300
    cv = german.validation()["cv"]
    assert len(cv.aucs) == 5 and 0.7 < cv.mean < train.auc


def test_hosmer_lemeshow_degrees_of_freedom_by_sample(db):
    """Issue 13: g - 2 degrees of freedom on the training sample, g on a holdout (external validation), pinned
    against the chi-square sum written out by hand and scipy's chi2 survival function."""
    from scipy import stats as scipy_stats

    spec = ModelSpec("sample_loans", (F("credit_rating", "categorical"), F("debt_ratio")), holdout="random")
    checks = fit(db, spec).validation()
    for sample, df in (("train", 8), ("test", 10)):
        cal = checks[sample].calibration
        observed, expected, loans = (cal[k].to_numpy(dtype=float) for k in ("defaults", "expected", "loans"))
        by_hand = sum((o - e) ** 2 / (e * (1 - e / n)) for o, e, n in zip(observed, expected, loans, strict=True))
        hl = checks[sample].hosmer_lemeshow
        assert (hl.df, checks[sample].summary()["hosmer_lemeshow_df"]) == (df, df)
        assert hl.statistic == pytest.approx(by_hand, rel=1e-12)
        assert hl.p_value == pytest.approx(scipy_stats.chi2.sf(by_hand, df), rel=1e-12)
    y, p = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 0] * 5), np.linspace(0.05, 0.9, 50)
    inside, outside = core.hosmer_lemeshow(y, p, 5), core.hosmer_lemeshow(y, p, 5, holdout=True)
    assert (inside.df, outside.df, inside.statistic) == (3, 5, outside.statistic)
    assert outside.p_value == pytest.approx(scipy_stats.chi2.sf(outside.statistic, 5), rel=1e-12)


def test_sba_replication(db):
    db.execute("CREATE OR REPLACE TABLE sba_selected AS SELECT * FROM sba_loans WHERE Selected = 1")
    datasets.save_definition(db, "sba_selected", datasets.DefaultDefinition("flag", "Default", values=(1,)))
    fitted = fit(db, ModelSpec("sba_selected", (F("RealEstate"), F("Portion"), F("Recession"))))
    published = {
        "const": (1.393064, 0.321569),
        "RealEstate": (-2.128217, 0.345002),
        "Portion": (-2.987482, 0.539272),
        "Recession": (0.504123, 0.241214),
    }
    for term, (coef, se) in published.items():
        assert fitted.params[term] == pytest.approx(coef, abs=2e-6)
        assert fitted.bse[term] == pytest.approx(se, abs=2e-6)
    assert fitted.fit_stats()["n_obs"] == 1051
    assert fitted.fit_stats()["llf"] == pytest.approx(-541.378, abs=5e-4)
    assert fitted.fit_stats()["llnull"] == pytest.approx(-654.768, abs=5e-4)


def test_spector(con):
    data = sm.datasets.spector.load_pandas().data
    make_table(con, "spector", data, target="GRADE")
    fitted = fit(con, ModelSpec("spector", (F("GPA"), F("TUCE"), F("PSI"))))
    reference = sm.Logit(data["GRADE"], sm.add_constant(data[["GPA", "TUCE", "PSI"]])).fit(disp=0)
    for term, coef, se in [("const", -13.021, 4.931), ("GPA", 2.826, 1.263), ("TUCE", 0.0952, 0.1416)]:
        assert fitted.params[term] == pytest.approx(coef, abs=1e-3)
        assert fitted.bse[term] == pytest.approx(se, abs=1e-3)
    assert fitted.params["PSI"] == pytest.approx(2.379, abs=1e-3)
    assert list(fitted.params.values()) == pytest.approx(reference.params.tolist(), rel=1e-8)
    assert list(fitted.bse.values()) == pytest.approx(reference.bse.tolist(), rel=1e-8)
    kinds = {n.key for n in fitted.warnings}
    assert "model.few_events" in kinds  # 11 events for 3 parameters


# --- the sample portfolio: cells = rows, SQL = Python ---------------------------------------------------------


@pytest.fixture(scope="module")
def saved_binnings(db):
    pop = factors.population(datasets.table_context(db, "sample_loans"))
    factors.save_binning(db, "sample_loans", factors.optimal_spec(db, pop, "debt_ratio", "numeric"), "debt optimal")
    spec = factors.optimal_spec(db, pop, "loan_purpose", "categorical")
    factors.save_binning(db, "sample_loans", spec, "purpose optimal")
    return {"debt_ratio": "debt optimal", "loan_purpose": "purpose optimal"}


CELL_FACTORS = (
    F("credit_rating", "categorical", reference="AAA"),
    F("guarantee_method", "categorical"),
    F("education", "categorical"),
    F("debt_ratio", "woe", binning="debt optimal"),
    F("loan_purpose", "woe", binning="purpose optimal"),
)


def test_cell_fit_equals_row_fit(db, saved_binnings):
    spec = ModelSpec("sample_loans", CELL_FACTORS, holdout="random", fraction=0.3, seed=7)
    cells = fit(db, spec)
    rows = fit(db, spec, method="rows")
    assert cells.fit_stats()["method"] == "cells" and rows.fit_stats()["method"] == "rows"
    assert cells.fit_stats()["cells"] < cells.fit_stats()["n_obs"] / 3  # optimal bins: about 4,300 cells, 18,000 loans
    assert cells.names == rows.names and cells.names[:2] == ("const", "credit_rating[T.A]")
    np.testing.assert_allclose(cells.coefs, rows.coefs, rtol=0, atol=1e-8)
    np.testing.assert_allclose(cells.standard_errors, rows.standard_errors, rtol=0, atol=1e-8)
    for key in ("llf", "llnull", "aic", "bic", "pseudo_r2"):
        assert cells.fit_stats()[key] == pytest.approx(rows.fit_stats()[key], abs=1e-7)
    assert cells.validation()["test"].auc == pytest.approx(rows.validation()["test"].auc, abs=1e-12)
    assert cells.validation()["cv"].mean == pytest.approx(rows.validation()["cv"].mean, abs=1e-9)


@pytest.mark.parametrize("folds", [0, 1])
def test_a_fit_without_cross_validation_folds(db, folds):
    """Issue 13: ``fit_model(..., folds=0)`` on a model fitted exactly on cells crashed (``len(None)``). With
    fewer than two folds there is no cross-validation; the fit itself is the same: one categorical factor's
    coefficients are each level's log-odds of default against the reference level's, counted here by hand."""
    spec = ModelSpec("sample_loans", (F("credit_rating", "categorical", "AAA"),))
    fitted = fit(db, spec, folds=folds)
    assert fitted.fit_stats()["method"] == "cells"
    assert fitted.validation()["cv"] is None and fitted.validation()["train"] is not None
    loans = db.execute("SELECT credit_rating, default_flag FROM sample_loans WHERE booked").df()
    rates = loans.groupby("credit_rating")["default_flag"].mean()
    log_odds = np.log(rates / (1 - rates))
    expected = [log_odds["AAA"], *(log_odds[level] - log_odds["AAA"] for level in ("A", "AA", "B", "C"))]
    assert fitted.names == ("const", *(f"credit_rating[T.{level}]" for level in ("A", "AA", "B", "C")))
    np.testing.assert_allclose(fitted.coefs, expected, rtol=0, atol=1e-9)
    rows = fit(db, dataclasses.replace(spec, factors=(F("debt_ratio"),)), method="rows", folds=folds)
    assert rows.validation()["cv"] is None


def test_row_fit_equals_statsmodels_on_the_sample(db):
    spec = ModelSpec("sample_loans", (F("annual_income", "log"), F("debt_ratio"), F("segment", "categorical")))
    fitted = fit(db, spec)
    frame = db.execute("SELECT annual_income, debt_ratio, segment, default_flag FROM sample_loans WHERE booked").df()
    x = pd.DataFrame(
        {
            "const": 1.0,
            "log(annual_income)": np.log(frame["annual_income"]),
            "debt_ratio": frame["debt_ratio"],
            "segment[T.farm]": (frame["segment"] == "farm").astype(float),
        }
    )
    reference = sm.Logit(frame["default_flag"].astype(float), x).fit(disp=0, method="newton", tol=1e-12)
    assert fitted.fit_stats()["n_obs"] == len(frame)
    assert fitted.params == pytest.approx(reference.params.to_dict(), rel=1e-8)
    assert fitted.bse == pytest.approx(reference.bse.to_dict(), rel=1e-8)
    assert fitted.params["log(annual_income)"] < 0 < fitted.params["debt_ratio"]  # as in the true model


def test_sql_scores_equal_python_scores(db, saved_binnings):
    factors = (*CELL_FACTORS[:2], F("annual_income", "log"), F("prior_overdue_count"), CELL_FACTORS[3])
    fitted = fit(db, ModelSpec("sample_loans", factors, holdout="random"))
    saved = fitted.as_saved("check", scaling=Scaling(500, 20, 40))
    frame = db.execute("SELECT * FROM sample_loans ORDER BY rowid").df()
    pd_sql, params = saved.pd_sql()
    score_sql, score_params = saved.score_sql()
    bound = db.execute(f"SELECT {pd_sql} FROM sample_loans ORDER BY rowid", params).fetchnumpy()
    scores = db.execute(f"SELECT {score_sql} FROM sample_loans ORDER BY rowid", score_params).fetchnumpy()
    exported = db.execute(saved.export_sql() + " ORDER BY rowid").df()
    python_pd, python_score = saved.predict(frame), saved.score(frame)
    assert not np.isnan(python_pd).any()
    np.testing.assert_allclose(next(iter(bound.values())), python_pd, rtol=0, atol=1e-12)
    np.testing.assert_allclose(next(iter(scores.values())), python_score, rtol=0, atol=1e-9)
    np.testing.assert_allclose(exported["pd"], python_pd, rtol=0, atol=1e-12)
    np.testing.assert_allclose(exported["score"], python_score, rtol=0, atol=1e-9)
    assert exported["grade"].tolist() == model.grade(python_pd).tolist()
    row = frame.iloc[123].to_dict()
    parts = saved.contributions(row)
    assert list(parts) == [
        "const",
        "credit_rating",
        "guarantee_method",
        "annual_income",
        "prior_overdue_count",
        "debt_ratio",
    ]
    assert sum(parts.values()) == pytest.approx(saved.predict_log_odds(frame.iloc[[123]])[0], abs=1e-12)


def test_unscorable_rows_are_null_and_named(db):
    fitted = fit(db, ModelSpec("sample_loans", (F("annual_income", "log"), F("branch", "categorical"))))
    saved = fitted.as_saved("check")
    odd = pd.DataFrame({"annual_income": [50000.0, None, -5.0, 50000.0], "branch": [None, "A", "A", "Mars"]})
    odd.loc[[1, 2], "branch"] = db.execute("SELECT min(branch) FROM sample_loans").fetchall()[0][0]
    assert np.isnan(saved.predict(odd)).tolist() == [True, True, True, True]
    con = store.connect(":memory:")
    con.register("odd", odd)
    params: list = []
    problems = con.execute(f"SELECT {saved.problem_sql(_scorecard.binder(params))} FROM odd", params).fetchall()
    assert [p for (p,) in problems] == [
        "branch: missing",
        "annual_income: missing",
        "annual_income: not a positive number",
        "branch: not seen when the model was fitted",
    ]


def test_scorecard_points_add_up_to_the_score(db, saved_binnings):
    fitted = fit(db, ModelSpec("sample_loans", CELL_FACTORS[:2] + CELL_FACTORS[3:4]))
    scaling = Scaling(600, 50, 20)
    assert scaling.factor == pytest.approx(20 / math.log(2))
    assert scaling.score(-math.log(50)) == pytest.approx(600)  # 50:1 good:bad odds
    assert scaling.score(-math.log(100)) == pytest.approx(620)  # double the odds, + PDO
    saved = fitted.as_saved("card", scaling=scaling)
    card = saved.scorecard()
    frame = db.execute("SELECT * FROM sample_loans WHERE booked LIMIT 50").df()
    labels = saved.encodings[2].bin_labels()
    codes = model.bin_codes(saved.encodings[2].bins, frame["debt_ratio"])
    points = card.set_index(["factor", "attribute"])["points_rounded"]
    base = points[("base_points", "")]
    for i, row in frame.iterrows():
        total = base + points[("credit_rating", row["credit_rating"])]
        total += points[("guarantee_method", row["guarantee_method"])] + points[("debt_ratio", labels[codes[i]])]
        assert total == saved.score(frame.iloc[[i]])[0]  # the score is the sum of the rounded points, exactly
    exact = card.set_index(["factor", "attribute"])["points"]
    assert (card["points_rounded"].dropna() == np.floor(card["points"].dropna() + 0.5)).all()  # halves up
    by_hand = exact[("base_points", "")] + exact[("credit_rating", frame["credit_rating"][0])]
    by_hand += exact[("guarantee_method", frame["guarantee_method"][0])] + exact[("debt_ratio", labels[codes[0]])]
    assert by_hand == pytest.approx(saved.exact_score(frame.iloc[[0]])[0], abs=1e-9)  # exact points: exact score
    reference = card.loc[card["attribute"] == "AAA"]  # the reference level: 0 points, never -0
    assert reference["points"].item() == 0 and math.copysign(1, reference["points"].item()) == 1
    assert reference["points_rounded"].item() == 0
    with pytest.raises(RiskLabError, match="must be positive"):
        Scaling(600, 0, 20)


# --- saved versions -------------------------------------------------------------------------------------------


def test_save_versions_list_load_compare_delete(db):
    model.delete_model(db, "sample scorecard")  # the demo database's own model: start from none
    spec = ModelSpec("sample_loans", (F("credit_rating", "categorical"), F("debt_ratio")), holdout="random")
    fitted = fit(db, spec)
    smaller = fit(db, dataclasses_replace(spec, factors=(F("credit_rating", "categorical"),)))
    assert model.save_model(db, " rating model ", fitted) == 1
    assert model.save_model(db, "rating model", smaller, Scaling(500, 20, 40)) == 2
    listed = model.list_models(db, "sample_loans")
    assert listed[["name", "version"]].values.tolist() == [["rating model", 2], ["rating model", 1]]
    assert listed["factors"].tolist() == ["credit_rating", "credit_rating, debt_ratio"]
    assert model.list_models(db, "german_credit").empty
    latest, first = model.load_model(db, "rating model"), model.load_model(db, "rating model", 1)
    assert (latest.version, latest.scaling.pdo, first.version) == (2, 40.0, 1)
    assert first.params == fitted.params and first.spec.outcome == fitted.spec.outcome
    assert first.metrics["test"]["auc"] == pytest.approx(fitted.validation()["test"].auc)
    v1 = listed.set_index("version").loc[1]  # the table names each AUC by its sample
    assert (v1["train_auc"], v1["test_auc"]) == (first.metrics["train"]["auc"], first.metrics["test"]["auc"])
    assert "auc" not in listed.columns
    assert len(first.fingerprint) == 64 and first.fingerprint == latest.fingerprint  # the same training data
    frame = db.execute("SELECT * FROM sample_loans WHERE booked LIMIT 100").df()
    np.testing.assert_allclose(first.predict(frame), fitted.as_saved().predict(frame), atol=1e-15)
    comparison = model.compare_models(db, [("rating model", 1), ("rating model", 2)])
    assert list(comparison.coefficients.columns) == ["term", "rating model v1", "rating model v2"]
    debt = comparison.coefficients.set_index("term").loc["debt_ratio"]
    assert not math.isnan(debt["rating model v1"]) and math.isnan(debt["rating model v2"])
    assert comparison.metrics.set_index("metric").loc["test.auc"].notna().all()
    model.delete_model(db, "rating model", 1)
    assert model.list_models(db)["version"].tolist() == [2]
    with pytest.raises(RiskLabError) as error:
        model.load_model(db, "rating model", 1)
    assert str(error.value) == "there is no saved model 'rating model' version 1"
    model.delete_model(db, "rating model")
    assert model.list_models(db).empty
    with pytest.raises(RiskLabError) as error:
        model.save_model(db, "   ", fitted)
    assert str(error.value) == "give the model a name of 1 to 60 characters"
    with pytest.raises(RiskLabError, match="at least two saved versions"):
        model.compare_models(db, [("x", 1)])


def dataclasses_replace(spec, **changes):
    import dataclasses

    return dataclasses.replace(spec, **changes)


def test_saved_json_round_trip(db, saved_binnings):
    fitted = fit(db, ModelSpec("sample_loans", CELL_FACTORS[3:], booked_only=True))
    model.save_model(db, "woe only", fitted)
    loaded = model.load_model(db, "woe only")
    data = loaded.to_json()
    assert {"name", "version", "spec", "encodings", "params", "cov", "scaling", "metrics", "sql"} <= set(data)
    assert data["encodings"][0]["binning"] == "debt optimal" and data["encodings"][0]["woe"]
    assert [e.woe for e in loaded.encodings] == [e.woe for e in fitted.encodings]
    model.delete_model(db, "woe only")


# --- warnings and bad input -----------------------------------------------------------------------------------


def synthetic(n: int = 4000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.8 * x1 - 0.6 * x2 + 0.5 * (group == "c"))))).astype(int)
    day = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, size=n), unit="D")
    return pd.DataFrame({"x1": x1, "x2": x2, "noise": noise, "group": group, "day": day, "y": y})


def test_stepwise_selects_the_true_factors(con):
    make_table(con, "synth", synthetic())
    spec = ModelSpec("synth", (F("noise"), F("x1"), F("group", "categorical"), F("x2")))
    forward = stepwise(con, spec, direction="forward", criterion="aic")
    assert [f.column for f in forward.factors] == ["x1", "group", "x2"]
    assert forward.log["action"].tolist() == ["start", "add", "add", "add"]
    assert forward.log["factor"].tolist()[1] == "x1" and forward.log["aic"].is_monotonic_decreasing
    final = fit(con, dataclasses_replace(spec, factors=forward.factors))
    assert forward.log["aic"].iloc[-1] == pytest.approx(final.fit_stats()["aic"], abs=1e-4)
    backward = stepwise(con, spec, direction="backward", criterion="p", stay=0.1)
    assert [f.column for f in backward.factors] == ["x1", "group", "x2"]
    assert backward.log["action"].tolist() == ["start", "remove"] and backward.log["factor"].iloc[1] == "noise"
    assert backward.log["p_value"].iloc[1] > 0.1
    both = stepwise(con, spec, direction="both", criterion="p")
    assert [f.column for f in both.factors] == ["x1", "group", "x2"]
    with pytest.raises(RiskLabError, match="unknown stepwise direction 'sideways'"):
        stepwise(con, spec, direction="sideways")


def test_holdouts_random_and_out_of_time(con):
    make_table(con, "synth", synthetic())
    spec = ModelSpec("synth", (F("x1"), F("x2")), holdout="random", fraction=0.25, seed=3)
    fitted = fit(con, spec)
    test = fitted.validation()["test"]
    assert fitted.fit_stats()["n_obs"] + test.n == 4000 and 800 < test.n < 1200
    time_spec = dataclasses_replace(spec, holdout="time", split_date="2023-06-01", date_column="day")
    by_time = fit(con, time_spec)
    ((before,),) = con.execute("SELECT count(*) FROM synth WHERE day < DATE '2023-06-01'").fetchall()
    assert by_time.fit_stats()["n_obs"] == before and by_time.validation()["test"].n == 4000 - before
    with pytest.raises(RiskLabError, match="'June' is not a date: use YYYY-MM-DD"):
        fit(con, dataclasses_replace(time_spec, split_date="June"))
    with pytest.raises(RiskLabError, match="has no origination date column"):
        fit(con, dataclasses_replace(time_spec, date_column=None))
    with pytest.raises(RiskLabError, match="the test sample is empty"):
        fit(con, dataclasses_replace(time_spec, split_date="2030-01-01"))


def test_warnings_in_plain_language(con):
    frame = synthetic(600)
    frame["twin"] = frame["x1"] * 0.995 + 0.005 * np.random.default_rng(2).normal(size=600)
    frame.loc[frame["group"] == "c", "y"] = 0
    frame.loc[:9, "x2"] = np.nan
    make_table(con, "warn", frame)
    fitted = fit(con, ModelSpec("warn", (F("x1"), F("twin"), F("x2"), F("group", "categorical"))))
    messages = [str(w) for w in fitted.warnings]
    assert "10 training loans with a missing value in x1, twin, x2 were left out of the fit" in messages
    assert any(m.startswith("no loan with group = 'c' (") and "merge the level with another" in m for m in messages)
    assert any(m.startswith("separation: some outcomes are predicted perfectly by group,") for m in messages)
    assert any(m.startswith("x1 has a variance inflation factor of") for m in messages)
    assert fitted.coef_table().set_index("term").loc["twin", "vif"] > 10
    assert fitted.fit_stats()["n_obs"] == 590


def test_no_convergence_and_row_limit(con, monkeypatch):
    make_table(con, "synth", synthetic())
    spec = ModelSpec("synth", (F("x1"), F("x2")))
    sampled = fit(con, spec, max_rows=1000)
    assert sampled.fit_stats()["n_obs"] == 1000 and sampled.fit_stats()["sampled"]
    assert str(sampled.warnings[0]) == (
        "the fit used a seeded random sample of 1,000 of the 4,000 training loans (row limit); "
        "validation uses all loans"
    )
    assert sampled.validation()["train"].n == 4000
    monkeypatch.setattr(_fit, "MAX_ITERATIONS", 1)
    slow = fit(con, spec)
    assert not slow.fit_stats()["converged"]
    assert str(slow.warnings[0]).startswith("the fit did not converge in 1 iterations")


COLLINEAR = "these terms are collinear (one is a linear combination of the others): "
SEPARATED = "perfect separation: every outcome is predicted exactly by split, so the estimates are meaningless; "


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ((F("nope"),), "table 'bad' has no column 'nope'"),
        ((F("group"),), "group is not a number column (type VARCHAR): treat it as categorical"),
        ((F("x1"), F("x1")), "factor 'x1' is chosen twice"),
        ((F("x1", "cubic"),), "unknown treatment 'cubic' for x1: use numeric, log, categorical or woe"),
        (
            (F("x1", "log"),),
            "x1 has 2,029 training values that are zero or negative: the log treatment needs positive numbers",
        ),
        (
            (F("group", "categorical", reference="z"),),
            "group has no level 'z' among the training loans (levels: a, b, c)",
        ),
        ((F("x1"), F("copy")), COLLINEAR + "const, x1, copy; remove one of the factors"),
        ((F("const1"),), COLLINEAR + "const, const1; remove one of the factors"),
        ((F("split"),), SEPARATED + "remove the factor or check it for leakage"),
        ((F("y"),), "'y' defines the outcome (or booked loans) and cannot be a factor"),
        ((F("x1", "woe"),), "choose a saved binning for the WOE of x1"),
        ((F("x1", "woe", binning="none such"),), "there is no saved binning 'none such' of x1 in table 'bad'"),
        ((), "choose at least one factor"),
        (  # issue 13: it said "the training sample is empty: check the sample choice"
            (F("x1"), F("empty")),
            "empty: missing on every one of the 4,000 training loans, so it cannot be a factor; remove it or choose "
            "another column",
        ),
        (
            (F("half_a"), F("half_b")),
            "none of the 4,000 training loans has all of half_a, half_b filled in: remove one of them",
        ),
    ],
)
def test_bad_input_messages(con, factors, message):
    frame = synthetic(4000)
    frame["copy"] = 2 * frame["x1"] + 1
    frame["const1"] = 1.0
    frame["split"] = np.where(frame["y"] == 1, 1.0, 0.0) + np.random.default_rng(0).random(4000) * 0.5
    frame["empty"] = np.nan
    even = np.arange(4000) % 2 == 0
    frame["half_a"] = np.where(even, frame["x1"], np.nan)
    frame["half_b"] = np.where(even, np.nan, frame["x2"])
    make_table(con, "bad", frame)
    with pytest.raises(RiskLabError) as error:
        fit(con, ModelSpec("bad", factors))
    assert str(error.value) == message


def test_one_class_and_unknown_table(con):
    frame = synthetic(300).assign(y=0)
    frame.loc[0, "y"] = 1
    make_table(con, "rare", frame)
    con.execute("UPDATE rare SET y = 0")
    with pytest.raises(RiskLabError, match="no defaults under this definition"):
        fit(con, ModelSpec("rare", (F("x1"),)))
    with pytest.raises(RiskLabError, match="there is no table named 'ghost'"):
        fit(con, ModelSpec("ghost", (F("x1"),)))


# --- the command line ---------------------------------------------------------------------------------------------


def run_cli(capsys, db_path, *args: str) -> tuple[int, str, str]:
    from analytics import cli

    status = cli.main(["--db", str(db_path), *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_fit_contract(demo_db):
    """A real subprocess, as a user runs it: one JSON object with patsy-style names."""
    import json
    import subprocess
    import sys

    from tests.conftest import PROJECT

    args = ["fit", "--table", "german_credit", "--target", "default", "--factors", "duration_months,checking_status"]
    args += ["--categorical", "checking_status", "--reference", "checking_status=A14", "--save", "german"]
    result = subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(demo_db), *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    keys = {"n_obs", "n_events", "params", "bse", "pvalues", "llf", "llnull", "aic", "bic", "train_auc", "train_ks"}
    assert keys | {"converged", "warnings"} <= set(out)
    assert list(out["params"]) == [
        "const",
        "duration_months",
        "checking_status[T.A11]",
        "checking_status[T.A12]",
        "checking_status[T.A13]",
    ]
    frame = pd.read_csv(store.PROJECT_DIR / "data" / "german_credit.csv")
    frame["checking_status"] = pd.Categorical(frame["checking_status"], ["A14", "A11", "A12", "A13"])
    reference = smf.logit("default ~ duration_months + checking_status", data=frame).fit(disp=0)
    expected = reference.params.rename({"Intercept": "const"}).to_dict()
    assert out["params"] == pytest.approx(expected, rel=1e-7)
    assert out["bse"] == pytest.approx(reference.bse.rename({"Intercept": "const"}).to_dict(), rel=1e-7)
    assert out["train_auc"] == pytest.approx(roc_auc_score(frame["default"], reference.predict(frame)), abs=1e-12)
    assert out["train"]["auc"] == out["train_auc"] and out["test_auc"] is None and "auc" not in out
    assert (out["n_obs"], out["n_events"], out["converged"]) == (1000, 300, True)
    assert out["saved"] == {"name": "german", "version": 1}


def test_cli_fit_positive_values_holdout_and_default_reference(capsys, demo_db):
    import json

    status, out, err = run_cli(
        capsys,
        demo_db,
        "fit",
        "--table",
        "sba_loans",
        "--target",
        "MIS_Status",
        "--positive",
        "CHGOFF",
        "--factors",
        "RealEstate,Portion,UrbanRural",
        "--categorical",
        "UrbanRural",
        "--holdout",
        "0.3",
        "--seed",
        "4",
    )
    assert status == 0, err
    result = json.loads(out)
    assert result["n_events"] + result["test"]["events"] == 686  # CHGOFF = Default
    assert [k for k in result["params"] if k.startswith("UrbanRural")] == ["UrbanRural[T.1]", "UrbanRural[T.2]"]
    assert 0.5 < result["test"]["auc"] < 1 and 0.5 < result["cv_auc"] < 1
    # every top-level figure says its sample: the test AUC is test_auc, the training one train_auc
    assert result["test_auc"] == result["test"]["auc"] and result["train_auc"] == result["train"]["auc"]
    assert result["train_auc"] != result["test_auc"] and "auc" not in result and "gini" not in result
    assert (result["train"]["hosmer_lemeshow_df"], result["test"]["hosmer_lemeshow_df"]) == (8, 10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--factors", "Nope"], "error: table 'sba_loans' has no column 'Nope'"),
        (["--factors", "City"], "error: City is not a number column (type VARCHAR): treat it as categorical"),
        (["--factors", "RealEstate", "--positive", "EXEMPT"], "error: no defaults under this definition"),
        (
            ["--factors", "RealEstate", "--categorical", "Bank"],
            "error: 'Bank' is listed in --categorical but not in --factors",
        ),
        (["--factors", "Default,Term"], "error: perfect separation: every outcome is predicted exactly by Default,"),
        (["--factors", "Bank", "--categorical", "Bank"], "error: Bank has "),
    ],
)
def test_cli_fit_bad_input(capsys, demo_db_template, args, message):
    target = ["--target", "MIS_Status", *([] if "--positive" in args else ["--positive", "CHGOFF"])]
    status, out, err = run_cli(capsys, demo_db_template, "fit", "--table", "sba_loans", *target, *args)
    assert status == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_cli_fit_one_class_and_non_binary_target(capsys, demo_db_template):
    status, _, err = run_cli(
        capsys, demo_db_template, "fit", "--table", "sba_loans", "--target", "MIS_Status", "--factors", "RealEstate"
    )
    assert (status, err) == (
        1,
        "error: target 'MIS_Status' is not 0/1 or true/false (values: CHGOFF, P I F): "
        "name the values that mean default with --positive\n",
    )
    status, _, err = run_cli(
        capsys,
        demo_db_template,
        "fit",
        "--table",
        "sba_loans",
        "--target",
        "Default",
        "--factors",
        "RealEstate",
        "--positive",
        "7",
    )
    assert status == 1 and err.startswith("error: no defaults under this definition (2,101 loans")


def test_cli_score_adds_pd_score_grade_and_reports_bad_rows(capsys, demo_db, tmp_path):
    import json

    status, out, err = run_cli(
        capsys,
        demo_db,
        "fit",
        "--table",
        "sample_loans",
        "--target",
        "default_flag",
        "--factors",
        "annual_income,credit_rating",
        "--categorical",
        "credit_rating",
        "--save",
        "card",
    )
    assert status == 0, err
    con = store.connect(demo_db)
    loans = con.execute("SELECT loan_id, annual_income, credit_rating FROM sample_loans ORDER BY rowid LIMIT 5").df()
    expected = model.load_model(con, "card").predict(loans)
    con.close()
    loans.loc[1, "annual_income"] = None
    loans.loc[3, "credit_rating"] = "ZZ"
    loans.to_csv(tmp_path / "in.csv", index=False)
    status, out, err = run_cli(
        capsys,
        demo_db,
        "score",
        "--model",
        "card",
        "--input",
        str(tmp_path / "in.csv"),
        "--output",
        str(tmp_path / "out.parquet"),
    )
    assert status == 0
    report = json.loads(out)
    assert (report["rows"], report["scored"], report["bad_rows"]) == (5, 3, 2)
    assert err == (
        "warning: 2 rows could not be scored (row 2: annual_income: missing; "
        "row 4: credit_rating: not seen when the model was fitted)\n"
    )
    scored = pd.read_parquet(tmp_path / "out.parquet")
    reasons = ["reason_1", "reason_1_points", "reason_2", "reason_2_points", "reason_3", "reason_3_points"]
    assert list(scored.columns) == [
        "loan_id",
        "annual_income",
        "credit_rating",
        "pd",
        "score",
        "grade",
        *reasons,
        "problem",
    ]
    assert scored["pd"].isna().tolist() == [False, True, False, True, False]
    np.testing.assert_allclose(scored["pd"][[0, 2, 4]], expected[[0, 2, 4]], rtol=0, atol=1e-12)
    status, _, err = run_cli(
        capsys,
        demo_db,
        "score",
        "--model",
        "card",
        "--input",
        str(tmp_path / "in.csv"),
        "--output",
        str(tmp_path / "out.txt"),
    )
    assert status == 1 and err.startswith("error: cannot write")
    status, _, err = run_cli(
        capsys,
        demo_db,
        "score",
        "--model",
        "nope",
        "--input",
        str(tmp_path / "in.csv"),
        "--output",
        str(tmp_path / "out.csv"),
    )
    assert (status, err) == (1, "error: there is no saved model 'nope'\n")


def test_a_raw_amount_reads_its_odds_ratio_per_ten_thousand(con):
    """Issue 13: a raw annual_income coefficient showed "-0.000001537", odds ratio "1", CI "1". The odds ratio
    and its interval are now per 10,000 (pinned against statsmodels' conf_int scaled by hand)."""
    frame = synthetic()
    rng = np.random.default_rng(3)
    frame["income"] = rng.gamma(4.0, 20_000.0, size=len(frame))
    logit = -0.5 + 0.8 * frame["x1"] - 0.000015 * frame["income"]
    frame["y"] = (rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)
    make_table(con, "incomes", frame)
    table = fit(con, ModelSpec("incomes", (F("x1"), F("income")))).coef_table().set_index("term")
    reference = smf.logit("y ~ x1 + income", data=frame).fit(disp=0)
    coef = reference.params["income"]
    assert 1e-6 < abs(coef) < 1e-4 and table.loc["income", "coef"] == pytest.approx(coef, rel=1e-7)
    unit = table.loc["income", "per"]
    assert unit == 10 ** math.ceil(math.log10(0.01 / abs(coef)))  # the power of ten moving log-odds >= 0.01
    assert unit in (1_000, 10_000, 100_000) and abs(coef) * unit >= 0.01 > abs(coef) * unit / 10
    low, high = reference.conf_int().loc["income"]
    assert table.loc["income", "odds_ratio"] == pytest.approx(math.exp(coef * unit), rel=1e-6)
    assert table.loc["income", ["or_low", "or_high"]].tolist() == pytest.approx(
        [math.exp(low * unit), math.exp(high * unit)], rel=1e-6
    )
    assert table.loc["x1", "per"] == 1 and table.loc["const", "per"] == 1  # readable per unit: as they are
    assert table.loc["x1", "odds_ratio"] == pytest.approx(math.exp(reference.params["x1"]), rel=1e-6)

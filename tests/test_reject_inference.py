"""Reject inference pinned against statsmodels GLM with frequency weights on augmented data built by hand, parceling
against a hand re-implementation, the sample portfolio's comparison against the through-the-door truth, the CLI."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from analytics import datasets, model, reports, store
from analytics.core import RiskLabError
from analytics.model import FactorSpec, ModelSpec
from tests.conftest import PROJECT

TABLE = "applications"
FACTORS = (FactorSpec("income", "log"), FactorSpec("debt"), FactorSpec("grade", "categorical", "A"))
SPEC = ModelSpec(TABLE, FACTORS, holdout="random", fraction=0.25, seed=7)


def applications(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    """Applications whose officers booked the safer-looking ones (on what the data shows and a little they saw
    alone); every application has a simulated outcome, the booked ones their own."""
    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(10, 0.5, n))
    debt = rng.uniform(0, 1, n)
    grade = rng.choice(["A", "B", "C"], n, p=[0.4, 0.4, 0.2])
    unseen = rng.normal(0, 1, n)
    lp = 2.0 - 0.4 * np.log(income) + 1.5 * debt + np.select([grade == "B", grade == "C"], [0.5, 1.2], 0.0)
    truth = (rng.random(n) < expit(lp + 0.8 * unseen)).astype(int)
    booked = lp + 0.8 * unseen + 0.7 * rng.normal(0, 1, n) < np.quantile(lp, 0.7)
    income[rng.random(n) < 0.02] = np.nan  # a few unscorable applications
    return pd.DataFrame(
        {
            "income": income,
            "debt": debt,
            "grade": grade,
            "booked": booked,
            "default_flag": np.where(booked, truth, np.nan),
            "simulated_default": truth,
        }
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    connection = store.connect(tmp_path_factory.mktemp("reject") / "risklab.duckdb")
    frame = applications()
    connection.register("_frame", frame)
    connection.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _frame")
    connection.unregister("_frame")
    datasets.save_roles(connection, TABLE, {"booked": "booked", "default_flag": "outcome"})
    datasets.save_definition(connection, TABLE, datasets.DefaultDefinition("flag", "default_flag", values=(1,)))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def ctx(db):
    return datasets.table_context(db, TABLE)


def hand_frame(db) -> pd.DataFrame:
    """Every application with its training part (the spec's random split written out: hash of the row and seed),
    the design of the model's terms, and whether the model can score it."""
    frame = db.execute(
        f"SELECT *, hash(rowid, {SPEC.seed}) % 1000000 < {round(SPEC.fraction * 1e6)} AS test FROM {TABLE} "
        "ORDER BY rowid"
    ).df()
    frame["scorable"] = frame["income"].notna()
    return frame


def design(frame: pd.DataFrame) -> pd.DataFrame:
    x = pd.DataFrame({"const": 1.0, "log(income)": np.log(frame["income"]), "debt": frame["debt"]})
    for level in ("B", "C"):
        x[f"grade[T.{level}]"] = (frame["grade"] == level).astype(float)
    return x


def glm(y, x, weights) -> np.ndarray:
    result = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=weights).fit(tol=1e-13, maxiter=100)
    return np.asarray(result.params)


@pytest.fixture(scope="module")
def hand(db):
    """The booked-only fit by statsmodels on the booked training loans, and every reject's PD from it."""
    frame = hand_frame(db)
    train = frame[frame["scorable"] & ~frame["test"]]
    booked, rejects = train[train["booked"]], train[~train["booked"]]
    booked_coefs = glm(booked["default_flag"].to_numpy(), design(booked), np.ones(len(booked)))
    p = expit(design(rejects).to_numpy() @ booked_coefs)
    return booked, rejects, booked_coefs, p


def coefs_of(fitted: model.FittedModel) -> np.ndarray:
    return np.array([fitted.params[t] for t in ("const", "log(income)", "debt", "grade[T.B]", "grade[T.C]")])


def test_the_booked_only_model_is_statsmodels_on_the_booked_loans(db, ctx, hand):
    booked, rejects, booked_coefs, _ = hand
    found = model.infer_rejects(db, ctx, SPEC, "fuzzy")
    np.testing.assert_allclose(coefs_of(found.booked), booked_coefs, atol=1e-8)
    assert found.rejects == len(rejects) > 500
    assert found.model.fit_stats()["n_obs"] == len(booked) + len(rejects)


@pytest.mark.parametrize("factor", [1.0, 1.8])
def test_hard_cutoff_equals_statsmodels(db, ctx, hand, factor):
    booked, rejects, _, p = hand
    cutoff = 0.3
    inferred = (np.minimum(1.0, factor * p) >= cutoff).astype(float)
    assert 0 < inferred.sum() < len(inferred)  # the cutoff splits the rejects
    x = pd.concat([design(booked), design(rejects)])
    y = np.concatenate([booked["default_flag"].to_numpy(), inferred])
    found = model.infer_rejects(db, ctx, SPEC, "hard", factor=factor, cutoff=cutoff)
    np.testing.assert_allclose(coefs_of(found.model), glm(y, x, np.ones(len(y))), atol=1e-8)
    assert found.summary() == {"method": "hard", "factor": factor, "cutoff": cutoff, "seed": 7, "rejects": len(p)}


@pytest.mark.parametrize("factor", [1.0, 2.5])
def test_fuzzy_augmentation_equals_statsmodels_with_frequency_weights(db, ctx, hand, factor):
    """Each reject twice: a default weighted p', a non-default weighted 1 - p'; booked loans weighted 1."""
    booked, rejects, _, p = hand
    raised = np.minimum(1.0, factor * p)
    if factor > 1:
        assert (raised == 1).any()  # K pushes some rejects to certain default
    x = pd.concat([design(booked), design(rejects), design(rejects)])
    y = np.concatenate([booked["default_flag"].to_numpy(), np.ones(len(p)), np.zeros(len(p))])
    weights = np.concatenate([np.ones(len(booked)), raised, 1 - raised])
    found = model.infer_rejects(db, ctx, SPEC, "fuzzy", factor=factor)
    np.testing.assert_allclose(coefs_of(found.model), glm(y, x, weights), atol=1e-8)
    assert found.model.fit_stats()["n_events"] == pytest.approx(booked["default_flag"].sum() + raised.sum())


def test_fuzzy_with_k_1_returns_the_booked_only_estimates(db, ctx, hand):
    _, _, booked_coefs, _ = hand
    found = model.infer_rejects(db, ctx, SPEC, "fuzzy", factor=1.0)
    np.testing.assert_allclose(coefs_of(found.model), booked_coefs, atol=1e-8)
    np.testing.assert_allclose(found.model.coefs, found.booked.coefs, atol=1e-10)
    raised = model.infer_rejects(db, ctx, SPEC, "fuzzy", factor=1.5)
    assert np.max(np.abs(raised.model.coefs - raised.booked.coefs)) > 0.05  # K > 1 moves them


def test_parceling_against_a_hand_reimplementation(db, ctx, hand):
    """Deciles of the booked training loans' log-odds; per band round(rejects x min(1, K x bad rate)) defaults,
    drawn by numpy's generator with the seed, band after band, among the band's rejects in row order."""
    booked, rejects, booked_coefs, _ = hand
    factor, seed = 1.6, 11
    booked_lo = design(booked).to_numpy() @ booked_coefs
    reject_lo = design(rejects).to_numpy() @ booked_coefs
    edges = np.unique(np.quantile(booked_lo, np.arange(1, 10) / 10, method="inverted_cdf"))
    booked_band = np.searchsorted(edges, booked_lo, side="right")
    reject_band = np.searchsorted(edges, reject_lo, side="right")
    rng = np.random.default_rng(seed)
    inferred = np.zeros(len(rejects))
    expected = []
    for band in range(len(edges) + 1):
        outcome = booked["default_flag"].to_numpy()[booked_band == band]
        members = np.flatnonzero(reject_band == band)
        drawn = math.floor(len(members) * min(1.0, factor * outcome.mean()) + 0.5)
        inferred[rng.choice(members, size=drawn, replace=False)] = 1
        expected.append((band + 1, len(outcome), int(outcome.sum()), outcome.mean(), len(members), drawn))
    found = model.infer_rejects(db, ctx, SPEC, "parcel", factor=factor, seed=seed)
    bands = found.bands[["score_band", "loans", "defaults", "bad_rate", "rejects", "reject_defaults"]]
    assert [tuple(row) for row in bands.itertuples(index=False)] == expected
    assert len(expected) == 10 and bands["reject_defaults"].sum() == inferred.sum() > 0
    x = pd.concat([design(booked), design(rejects)])
    y = np.concatenate([booked["default_flag"].to_numpy(), inferred])
    np.testing.assert_allclose(coefs_of(found.model), glm(y, x, np.ones(len(y))), atol=1e-8)


def test_the_comparison_against_the_through_the_door_truth(db, ctx, hand):
    frame = hand_frame(db)
    scorable = frame[frame["scorable"]]
    found = model.compare_reject_inference(db, ctx, SPEC, factor=1.0, cutoff=0.25)
    assert found.simulated and found.fuzzy_gap < 1e-9
    assert found.unscorable == int((~frame["scorable"] & ~frame["booked"] & ~frame["test"]).sum()) > 0
    train = scorable[~scorable["test"]]
    truth = glm(train["simulated_default"].to_numpy(), design(train), np.ones(len(train)))
    coefficients = found.coefficients.set_index("term")
    np.testing.assert_allclose(coefficients["truth"].to_numpy()[[0, 1, 2, 3, 4]], truth, atol=1e-8)
    x, y = design(scorable).to_numpy(), scorable["simulated_default"].to_numpy()
    for row in found.metrics.itertuples(index=False):
        coefs = coefficients[row.model].to_numpy()
        pd_ = expit(x @ coefs)
        assert row.auc == pytest.approx(roc_auc_score(y, x @ coefs), abs=1e-12)
        assert row.approval_rate == pytest.approx((pd_ < 0.25).mean(), abs=1e-12)
        assert row.bad_rate == pytest.approx(y[pd_ < 0.25].mean(), abs=1e-12)
    assert found.metrics["model"].tolist() == ["booked", "hard", "fuzzy", "parcel", "truth"]
    assert found.metrics["rejects_used"].tolist() == [0, found.rejects, found.rejects, found.rejects, 0]


def test_the_sample_portfolio_shows_every_method_against_the_truth(demo_db_template, tmp_path):
    """Whatever the methods find on the sample: the figures are those of the applications, computed here."""
    path = tmp_path / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    con = store.connect(path)
    factors = (FactorSpec("debt_ratio"), FactorSpec("annual_income", "log"), FactorSpec("credit_rating", "categorical"))
    spec = ModelSpec("sample_loans", factors)
    ctx = datasets.table_context(con, "sample_loans")
    found = model.compare_reject_inference(con, ctx, spec, factor=1.0)
    apps = con.execute("SELECT * FROM sample_loans ORDER BY rowid").df()
    rejects = int((~apps["booked"].astype(bool)).sum())
    assert found.simulated and found.rejects == rejects and found.unscorable == 0
    assert found.fuzzy_gap < 1e-9
    y = apps["simulated_default"].to_numpy()
    x = pd.DataFrame({"const": 1.0, "debt_ratio": apps["debt_ratio"]})
    x["log(annual_income)"] = np.log(apps["annual_income"])
    for level in sorted(set(apps["credit_rating"]))[1:]:
        x[f"credit_rating[T.{level}]"] = (apps["credit_rating"] == level).astype(float)
    truth = glm(y, x, np.ones(len(y)))
    coefficients = found.coefficients.set_index("term").loc[list(x.columns)]
    np.testing.assert_allclose(coefficients["truth"].to_numpy(), truth, atol=1e-8)
    for row in found.metrics.itertuples(index=False):
        assert row.auc == pytest.approx(roc_auc_score(y, x.to_numpy() @ coefficients[row.model].to_numpy()))
    print(found.metrics.to_string(), found.coefficients.to_string(), sep="\n")
    con.close()


def cli(*args: str, db) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "analytics", "--db", str(db), *args]
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_cli_fit_with_reject_inference(db, ctx, tmp_path):
    path = tmp_path / "cli.duckdb"
    copy = store.connect(path)
    frame = applications()
    copy.register("_frame", frame)
    copy.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _frame")
    copy.execute("CREATE TABLE unbooked AS SELECT * EXCLUDE (booked) FROM _frame")
    copy.unregister("_frame")
    datasets.save_roles(copy, TABLE, {"booked": "booked"})
    copy.close()
    base = ["fit", "--table", TABLE, "--target", "default_flag", "--factors", "debt,grade", "--categorical", "grade"]
    options = ["--reject-inference", "hard", "--ri-factor", "1.5", "--ri-cutoff", "0.3", "--seed", "4"]
    result = cli(*base, *options, db=path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    outcome = datasets.DefaultDefinition("flag", "default_flag", values=(1,))
    spec = ModelSpec(TABLE, (FactorSpec("debt"), FactorSpec("grade", "categorical")), seed=4, outcome=outcome)
    expected = model.infer_rejects(db, ctx, spec, "hard", factor=1.5, cutoff=0.3)
    assert report["reject_inference"] == expected.summary()
    assert report["reject_inference"]["rejects"] == int((~frame["booked"]).sum())  # no holdout: every reject
    for term, value in expected.model.params.items():
        assert report["params"][term] == pytest.approx(value, abs=1e-10)
    # saved, the version keeps how it was fitted, and its report says why a booked-only refit differs
    assert cli(*base, *options, "--save", "inferred", db=path).returncode == 0
    copy = store.connect(path)
    assert model.load_model(copy, "inferred").metrics["fit"]["reject_inference"] == expected.summary()
    page = reports.to_html(reports.model_report(copy, "inferred", lang="en"))
    copy.close()
    assert "fitted with reject inference (Hard cutoff: event-rate factor K = 1.5, PD cutoff 30.00%, seed 4" in page
    assert "does not give the saved coefficients" not in page
    refused = cli(*[a if a != TABLE else "unbooked" for a in base], "--reject-inference", "fuzzy", db=path)
    assert refused.returncode == 1
    assert "has no booked flag (role booked)" in refused.stderr and "Traceback" not in refused.stderr
    bad = cli(*base, "--reject-inference", "fuzzy", "--ri-factor", "much", db=path)
    assert bad.returncode == 1 and "--ri-factor must be a number, not 'much'" in bad.stderr


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("guess", {}, "unknown reject inference method 'guess': use hard, fuzzy, parcel"),
        ("hard", {"factor": 0.0}, "the event-rate factor K must be a positive number, not 0.0"),
        ("hard", {"cutoff": 1.0}, "the PD cutoff must be between 0 and 1 (exclusive), not 1.0"),
    ],
)
def test_bad_choices_are_one_sentence(db, ctx, method, options, message):
    with pytest.raises(RiskLabError) as raised:
        model.infer_rejects(db, ctx, SPEC, method, **options)
    assert str(raised.value) == message


def test_a_table_without_rejects_is_refused(db):
    db.execute(f"CREATE OR REPLACE TABLE all_booked AS SELECT * FROM {TABLE} WHERE booked")
    datasets.save_roles(db, "all_booked", {"booked": "booked"})
    datasets.save_definition(db, "all_booked", datasets.DefaultDefinition("flag", "default_flag", values=(1,)))
    ctx = datasets.table_context(db, "all_booked")
    spec = ModelSpec("all_booked", FACTORS)
    with pytest.raises(RiskLabError, match="has no rejected application in the training sample"):
        model.compare_reject_inference(db, ctx, spec)


# --- the Model page's view (AppTest) ------------------------------------------------------------------------------

PICKED = ["credit_rating", "debt_ratio", "annual_income"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_model_page_compares_the_methods(demo_db, monkeypatch, lang):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.session_state["model_factors"] = PICKED
    at.session_state["lang"] = lang
    at.switch_page("pages/model.py").run()
    at.selectbox(key="model_treat_annual_income").set_value("log").run()
    at.button(key="model_fit").click().run()
    assert not at.exception and not at.error
    at.number_input(key="ri_factor").set_value(1.5).run()
    at.button(key="ri_run").click().run()
    assert not at.exception and not at.error
    metrics = next(d.value for d in at.dataframe if "rejects_used" in d.value.columns)
    coefficients = next(d.value for d in at.dataframe if "parcel" in d.value.columns)
    from ui import database

    con = database._database(str(demo_db)).cursor()  # the app's own connection (it lives in this process)
    fitted = at.session_state["model_fitted"]
    expected = model.compare_reject_inference(con, datasets.table_context(con, "sample_loans"), fitted.spec, factor=1.5)
    names = {"en": "Through the door (truth)", "zh": "全量申请（真实结果）"}[lang]
    assert metrics["model"].tolist()[-1] == names
    np.testing.assert_allclose(metrics["auc"].to_numpy(), expected.metrics["auc"].to_numpy(), atol=1e-12)
    for share in ("approval_rate", "bad_rate"):  # shares travel to the browser in percent
        np.testing.assert_allclose(metrics[share].to_numpy(), 100 * expected.metrics[share].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(coefficients["fuzzy"].to_numpy(), expected.coefficients["fuzzy"].to_numpy(), atol=1e-9)
    assert expected.cutoff == at.session_state["cutoff_pd"] == 0.15  # the PD cutoff the pages share
    infos = " ".join(i.value for i in at.info)
    assert {"en": "With K = 1 fuzzy augmentation would return", "zh": "K = 1 时，模糊扩充会恰好"}[lang] in infos


def test_a_model_fitted_on_cells_takes_fractional_weights_too(db, ctx):
    """All factors categorical: the booked-only model is fitted on aggregated cells, the augmented data stay exact."""
    spec = ModelSpec(TABLE, (FactorSpec("grade", "categorical", "A"),), holdout="random", fraction=0.25, seed=7)
    frame = hand_frame(db)
    train = frame[~frame["test"]]  # a missing income no longer matters
    booked, rejects = train[train["booked"]], train[~train["booked"]]

    def x_of(part: pd.DataFrame) -> pd.DataFrame:
        return design(part)[["const", "grade[T.B]", "grade[T.C]"]]

    booked_coefs = glm(booked["default_flag"].to_numpy(), x_of(booked), np.ones(len(booked)))
    raised = np.minimum(1.0, 2.0 * expit(x_of(rejects).to_numpy() @ booked_coefs))
    x = pd.concat([x_of(booked), x_of(rejects), x_of(rejects)])
    y = np.concatenate([booked["default_flag"].to_numpy(), np.ones(len(raised)), np.zeros(len(raised))])
    weights = np.concatenate([np.ones(len(booked)), raised, 1 - raised])
    found = model.infer_rejects(db, ctx, spec, "fuzzy", factor=2.0)
    assert found.booked.fit_stats()["method"] == "cells"
    terms = ("const", "grade[T.B]", "grade[T.C]")
    np.testing.assert_allclose([found.booked.params[t] for t in terms], booked_coefs, atol=1e-8)
    np.testing.assert_allclose([found.model.params[t] for t in terms], glm(y, x, weights), atol=1e-8)


def test_a_segment_model_infers_and_judges_only_its_own_segment(db):
    """With a segment filter the rejects used and the applications the methods are judged on are the segment's:
    everything equals the comparison on a table holding only that segment's applications."""
    db.execute(f"CREATE TABLE regions AS SELECT *, CAST(rowid % 2 AS VARCHAR) AS region FROM {TABLE} ORDER BY rowid")
    db.execute("CREATE TABLE region_1 AS SELECT * FROM regions WHERE region = '1' ORDER BY rowid")
    for table in ("regions", "region_1"):
        datasets.save_roles(db, table, {"booked": "booked", "default_flag": "outcome"})
        datasets.save_definition(db, table, datasets.DefaultDefinition("flag", "default_flag", values=(1,)))
    whole = dataclasses.replace(SPEC, table="regions", holdout="none", segment_column="region", segment_values=("1",))
    alone = dataclasses.replace(SPEC, table="region_1", holdout="none")
    found = model.compare_reject_inference(db, datasets.table_context(db, "regions"), whole, factor=1.5, cutoff=0.25)
    wanted = model.compare_reject_inference(db, datasets.table_context(db, "region_1"), alone, factor=1.5, cutoff=0.25)
    assert found.rejects == wanted.rejects < int((~applications()["booked"]).sum()) * 0.6
    pd.testing.assert_frame_equal(found.metrics, wanted.metrics, atol=1e-10)
    pd.testing.assert_frame_equal(found.coefficients, wanted.coefficients, atol=1e-8)

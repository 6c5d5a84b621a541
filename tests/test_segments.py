"""Segment scorecards: a segment model pinned against statsmodels fitted directly on the segment's loans, the
pooled-versus-segment comparison against scikit-learn on each segment's holdout, and a scorecard set scoring each
application by its own segment's model. Every reference is computed here from the table itself (the sample's
numbers change whenever the generator does)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.metrics import roc_auc_score

from analytics import datasets, decisions, model, reports, store
from analytics.core import RiskLabError
from analytics.model import FactorSpec, ModelSpec
from tests.conftest import fit
from tests.test_cli import cli

F = FactorSpec
FACTORS = (F("debt_ratio"), F("annual_income", "log"), F("credit_rating", "categorical", "AAA"))
SPLIT = "2022-07-01"


@pytest.fixture(scope="module")
def db(demo_db_template, tmp_path_factory):
    """A private copy of the demo database for this module."""
    path = tmp_path_factory.mktemp("segments") / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    connection = store.connect(path)
    yield connection
    connection.close()


def booked(db, where: str = "TRUE", params: list | None = None) -> pd.DataFrame:
    return db.execute(
        "SELECT debt_ratio, annual_income, credit_rating, segment, application_date, default_flag "
        f"FROM sample_loans WHERE booked AND {where} ORDER BY rowid",
        params or [],
    ).df()


def design(frame: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """The model's design by hand: constant, debt ratio, log income, one dummy per rating but AAA."""
    x = pd.DataFrame(
        {"const": 1.0, "debt_ratio": frame["debt_ratio"], "log(annual_income)": np.log(frame["annual_income"])}
    )
    for level in levels:
        x[f"credit_rating[T.{level}]"] = (frame["credit_rating"] == level).astype(float)
    return x


def logit(frame: pd.DataFrame) -> sm.regression.linear_model.RegressionResultsWrapper:
    levels = sorted(set(frame["credit_rating"]) - {"AAA"})
    return sm.Logit(frame["default_flag"].astype(float), design(frame, levels)).fit(disp=0, method="newton", tol=1e-12)


def test_segment_fit_equals_statsmodels_on_the_subset(db):
    spec = ModelSpec("sample_loans", FACTORS, segment_column="segment", segment_values=("farm",))
    fitted = fit(db, spec)
    reference = logit(booked(db, "segment = 'farm'"))
    assert fitted.fit_stats()["n_obs"] == reference.nobs
    assert fitted.params == pytest.approx(reference.params.to_dict(), rel=1e-8)
    assert fitted.bse == pytest.approx(reference.bse.to_dict(), rel=1e-8)
    assert fitted.spec.segment == "segment = farm"


def test_segment_cell_fit_equals_statsmodels_glm_on_the_subset(db):
    """Categorical factors fit on cells: the same estimates as a binomial GLM on the segment's loans."""
    factors = (F("credit_rating", "categorical", "AAA"), F("repayment_method", "categorical"))
    spec = ModelSpec("sample_loans", factors, segment_column="segment", segment_values=("enterprise",))
    fitted = fit(db, spec)
    assert fitted.fit_stats()["method"] == "cells"
    frame = db.execute(
        "SELECT credit_rating, repayment_method, default_flag FROM sample_loans WHERE booked AND segment = 'enterprise'"
    ).df()
    x = pd.get_dummies(frame[["credit_rating", "repayment_method"]], prefix_sep="=", dtype=float)
    reference_levels = ["credit_rating=AAA", f"repayment_method={sorted(set(frame['repayment_method']))[0]}"]
    x = sm.add_constant(x.drop(columns=reference_levels))
    glm = sm.GLM(frame["default_flag"].astype(float), x, family=sm.families.Binomial()).fit(tol=1e-12)
    ours = fitted.coef_table().set_index("term")["coef"]
    assert ours.iloc[0] == pytest.approx(glm.params["const"], rel=1e-8)
    assert np.sort(ours.to_numpy()) == pytest.approx(np.sort(glm.params.to_numpy()), rel=1e-7, abs=1e-10)
    assert fitted.fit_stats()["llf"] == pytest.approx(glm.llf, rel=1e-10)


def ks_by_hand(y: np.ndarray, pd_: np.ndarray) -> float:
    """The largest gap between the cumulative shares of bads and goods at any PD."""
    bads, goods = np.sort(pd_[y == 1]), np.sort(pd_[y == 0])
    grid = np.unique(pd_)
    gaps = np.searchsorted(bads, grid, "right") / len(bads) - np.searchsorted(goods, grid, "right") / len(goods)
    return float(np.max(np.abs(gaps)))


@pytest.fixture(scope="module")
def compared(db):
    spec = ModelSpec("sample_loans", FACTORS, holdout="time", split_date=SPLIT)
    ctx = datasets.table_context(db, "sample_loans")
    return model.fit_segments(db, ctx, spec, "segment")


def test_pooled_and_segment_models_on_each_holdout_equal_scikit_learn(db, compared):
    loans = booked(db)
    train = loans[loans["application_date"] < pd.Timestamp(SPLIT)]
    test = loans[loans["application_date"] >= pd.Timestamp(SPLIT)]
    pooled = logit(train)
    assert compared.pooled.params == pytest.approx(pooled.params.to_dict(), rel=1e-8)
    table = compared.table.set_index(["segment", "model"])
    assert compared.sample == "test" and compared.problems == ()
    levels = list(pooled.params.index[3:].str.removeprefix("credit_rating[T.").str.removesuffix("]"))
    for value in ("farm", "enterprise"):
        own = logit(train[train["segment"] == value])
        held = test[test["segment"] == value]
        y = held["default_flag"].to_numpy(dtype=float)
        for which, reference in (("pooled", pooled), ("segment", own)):
            pd_ = reference.predict(design(held, levels)[reference.params.index])
            row = table.loc[(value, which)]
            assert row["n"] == len(held) and row["events"] == y.sum()
            assert row["auc"] == pytest.approx(roc_auc_score(y, pd_), abs=1e-12)
            assert row["bad_rate"] == pytest.approx(y.mean(), rel=1e-12)
            assert row["mean_pd"] == pytest.approx(pd_.mean(), rel=1e-9)
            bads, goods = np.sort(pd_[y == 1]), np.sort(pd_[y == 0])
            grid = np.unique(pd_)
            ks = np.max(
                np.abs(
                    np.searchsorted(bads, grid, "right") / len(bads)
                    - np.searchsorted(goods, grid, "right") / len(goods)
                )
            )
            assert row["ks"] == pytest.approx(ks, abs=1e-12)
    # "all": the pooled model against the set, every holdout loan scored by its own segment's model
    y = test["default_flag"].to_numpy(dtype=float)
    by_segment = np.empty(len(test))
    for value in ("farm", "enterprise"):
        mine = (test["segment"] == value).to_numpy()
        own = logit(train[train["segment"] == value])
        by_segment[mine] = own.predict(design(test[mine], levels)[own.params.index])
    assert table.loc[("all", "segment"), "auc"] == pytest.approx(roc_auc_score(y, by_segment), abs=1e-12)
    pooled_pd = pooled.predict(design(test, levels)[pooled.params.index])
    assert table.loc[("all", "pooled"), "auc"] == pytest.approx(roc_auc_score(y, pooled_pd), abs=1e-12)


def test_a_scorecard_set_scores_each_segment_by_its_own_model(db, compared):
    saved = model.save_segments(db, "Seg test", compared)
    assert [name for name, _ in saved] == [f"Seg test (segment = {s.value})" for s in compared.segments]
    assert model.segment_columns(db, "sample_loans") == ["segment"]
    scorecards = model.scorecard_set(db, "sample_loans", "segment")
    assert scorecards.values == ("enterprise", "farm")
    frame = db.execute("SELECT * FROM sample_loans ORDER BY rowid").df()
    sql, params = scorecards.pd_sql()
    by_sql = db.execute(f"SELECT {sql} AS pd FROM sample_loans ORDER BY rowid", params).fetchnumpy()
    by_sql = np.ma.filled(np.ma.asarray(by_sql["pd"], dtype=float), np.nan)
    for value in ("farm", "enterprise"):
        mine = (frame["segment"] == value).to_numpy()
        own = model.load_model(db, f"Seg test (segment = {value})")
        expected = own.predict(frame[mine])
        assert by_sql[mine] == pytest.approx(expected, rel=1e-12)
        assert scorecards.predict(frame)[mine] == pytest.approx(expected, rel=1e-12)
    model.delete_model(db, "Seg test (segment = enterprise)")
    model.delete_model(db, "Seg test (segment = farm)")


def test_applications_of_a_segment_without_a_model_are_reported(db, compared):
    """Only the farm model saved: enterprise applications get no PD, counted as such in Expert vs model."""
    farm = next(s for s in compared.segments if s.value == "farm")
    model.save_model(db, "Farm only", farm.fitted)
    ctx = datasets.table_context(db, "sample_loans")
    scorecards = model.scorecard_set(db, "sample_loans", "segment")
    coverage = model.set_coverage(db, ctx, scorecards).set_index("segment")
    counts = db.execute("SELECT segment, count(*) FROM sample_loans GROUP BY ALL").fetchall()
    for value, applications in counts:
        assert coverage.loc[value, "applications"] == applications
    assert coverage.loc["farm", "model"].startswith("Farm only v") and pd.isna(coverage.loc["enterprise", "model"])
    source = decisions.RecordedDecision("expert_decision", ("approve",))
    setup = decisions.Setup(ctx, source, *scorecards.pd_sql(), pd_columns=scorecards.columns)
    comparison = decisions.compare(db, setup, 0.15)
    assert comparison.counts["no_pd"] == dict(counts)["enterprise"]
    assert comparison.counts["rows"] == sum(n for _, n in counts)
    model.delete_model(db, "Farm only")


def test_the_segment_is_saved_with_the_version_and_shown_in_exports(db):
    spec = ModelSpec("sample_loans", FACTORS, segment_column="segment", segment_values=("farm", "enterprise"))
    plain = fit(db, dataclasses.replace(spec, segment_column=None, segment_values=()))
    both = fit(db, spec)
    assert both.params == pytest.approx(plain.params, rel=1e-10)  # both values: every loan
    version = model.save_model(db, "Both segments", both)
    saved = model.load_model(db, "Both segments", version)
    assert (saved.spec.segment_column, saved.spec.segment_values) == ("segment", ("farm", "enterprise"))
    exported = json.loads(model.model_json(saved, "en"))
    assert exported["spec"]["segment_values"] == ["farm", "enterprise"]
    assert "Segment: segment = farm, enterprise." in saved.identity_text("en")
    assert "分群：segment = farm, enterprise。" in saved.identity_text("zh")
    report = reports.model_report(db, "Both segments", version, "zh")
    assert ("分群列", "segment = farm, enterprise") in report.sections[0].blocks[0].rows
    plain_version = model.save_model(db, "No segment", plain)
    assert model.load_model(db, "No segment", plain_version).fingerprint != saved.fingerprint
    model.delete_model(db, "Both segments")
    model.delete_model(db, "No segment")


def segment_table(con) -> str:
    """A table with a hostile segment column and values: a quote in a value, a space in the name."""
    rng = np.random.default_rng(5)
    n = 700
    x = rng.normal(size=n)
    group = np.where(np.arange(n) < 580, "o'brien; DROP TABLE t", np.where(np.arange(n) < 610, "tiny", "clean"))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x - 1)))).astype(int)
    y[group == "clean"] = 0
    frame = pd.DataFrame({"x": x, "my group": group, "y": y})
    con.register("_frame", frame)
    con.execute("CREATE TABLE seg AS SELECT * FROM _frame")
    con.unregister("_frame")
    datasets.save_definition(con, "seg", datasets.DefaultDefinition("flag", "y", values=(1,)))
    return "seg"


def test_values_are_bound_and_small_or_one_class_segments_are_refused(con):
    table = segment_table(con)
    ctx = datasets.table_context(con, table)
    spec = ModelSpec(table, (F("x"),), booked_only=False)
    hostile = fit(con, model.segment_spec(spec, "my group", ["o'brien; DROP TABLE t"]))
    frame = con.execute("SELECT x, y FROM seg WHERE \"my group\" = 'o''brien; DROP TABLE t'").df()
    reference = sm.Logit(frame["y"].astype(float), sm.add_constant(frame["x"])).fit(disp=0, tol=1e-12)
    assert list(hostile.params.values()) == pytest.approx(reference.params.to_list(), rel=1e-8)
    with pytest.raises(RiskLabError) as small:
        fit(con, model.segment_spec(spec, "my group", ["tiny"]))
    assert small.value.message() == (
        "the segment my group = tiny has 30 training loans, fewer than the 50 its own model needs"
    )
    with pytest.raises(RiskLabError) as single:
        fit(con, model.segment_spec(spec, "my group", ["clean", "nowhere"]))
    assert single.value.key == "segments.one_class" and "90 training loans with 0 defaults" in single.value.message()
    comparison = model.fit_segments(con, ctx, spec, "my group")
    assert [p.key for p in comparison.problems] == ["segments.one_class", "segments.too_few"]  # most loans first
    assert comparison.scorecards().values == ("o'brien; DROP TABLE t",)
    assert con.execute("SELECT count(*) FROM seg").fetchone() == (700,)
    with pytest.raises(RiskLabError, match="factor of the model"):
        model.fit_segments(con, ctx, spec, "x")


def test_cli_fit_on_a_segment(demo_db_template, tmp_path):
    path = tmp_path / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    options = ["--table", "sample_loans", "--target", "default_flag", "--positive", "1"]
    options += ["--factors", "debt_ratio,credit_rating", "--categorical", "credit_rating", "--reference"]
    options += ["credit_rating=AAA", "--save", "Farm", "--segment", "segment=farm"]
    result = cli("fit", *options, db=path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["segment"] == {"column": "segment", "values": ["farm"]}
    con = store.connect(path, read_only=True)
    frame = booked(con, "segment = 'farm'")
    con.close()
    x = design(frame, sorted(set(frame["credit_rating"]) - {"AAA"})).drop(columns="log(annual_income)")
    reference = sm.Logit(frame["default_flag"].astype(float), x).fit(disp=0, method="newton", tol=1e-12)
    assert report["n_obs"] == len(frame)
    assert report["params"] == pytest.approx(reference.params.to_dict(), rel=1e-8)
    wrong = cli("fit", *options[:-1], "segment", db=path)
    assert wrong.returncode == 1 and wrong.stderr.strip().splitlines() == [
        "error: --segment segment: write COLUMN=VALUE or COLUMN=VALUE,VALUE (e.g. segment=farm)"
    ]
    # a segment model monitors its own segment's loans only
    monitored = cli("monitor", "--table", "sample_loans", "--model", "Farm", "--period", "quarter", db=path)
    assert monitored.returncode == 0, monitored.stderr
    periods = {p["period"]: p["n"] for p in json.loads(monitored.stdout)["periods"]}
    con = store.connect(path, read_only=True)
    farm = booked(con, "segment = 'farm'")
    con.close()
    dates = farm["application_date"]
    quarters = dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)
    assert periods == quarters.value_counts().to_dict()


# --- the pages (AppTest) ------------------------------------------------------------------------------------------


def open_page(db, monkeypatch, page: str, lang: str = "en", factors: list | None = None):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT

    monkeypatch.setenv("RISKLAB_DB", str(db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    at.session_state["lang"] = lang
    if factors:
        at.session_state["model_factors"] = factors
    at.switch_page(page).run()
    ok(at)
    return at


def ok(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def app_db(db_path):
    """The app's own connection (it lives in this process), to read what the page saved."""
    from ui import database

    return database._database(str(db_path)).cursor()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_model_page_compares_pooled_and_segment_models_and_saves_them(demo_db, monkeypatch, lang):
    at = open_page(demo_db, monkeypatch, "pages/model.py", lang, ["credit_rating", "debt_ratio"])
    at.selectbox(key="model_ref_credit_rating").set_value("AAA").run()
    assert at.selectbox(key="seg_column").value == "segment"  # the segment role first
    at.button(key="seg_fit").click().run()
    ok(at)
    ranking = next(d.value for d in at.dataframe if "auc" in d.value.columns)
    calibration = next(d.value for d in at.dataframe if "hosmer_lemeshow_p" in d.value.columns)
    con = app_db(demo_db)
    ctx = datasets.table_context(con, "sample_loans")
    spec = ModelSpec(
        "sample_loans", (F("credit_rating", "categorical", "AAA"), F("debt_ratio")), holdout="random", fraction=0.3
    )
    direct = model.fit_segments(con, ctx, spec, "segment").table
    words = {"en": ["pooled", "segment"], "zh": ["整体", "分群"]}[lang]
    assert ranking["model"].tolist() == calibration["model"].tolist() == [words[0], words[1]] * 3
    assert ranking["segment"].tolist()[:4] == direct["segment"].tolist()[:4]
    assert ranking["auc"].tolist() == pytest.approx(direct["auc"].tolist(), rel=1e-12)
    assert ranking["n"].tolist() == direct["n"].tolist()
    assert (calibration["mean_pd"] / 100).tolist() == pytest.approx(direct["mean_pd"].tolist(), rel=1e-12)  # in %
    assert calibration["hosmer_lemeshow"].tolist() == pytest.approx(direct["hosmer_lemeshow"].tolist(), rel=1e-9)
    at.text_input(key="seg_name").input("Seg").run()
    at.button(key="seg_save").click().run()
    ok(at)
    saved = model.list_models(con, "sample_loans")
    names = {n for n in saved["name"] if n.startswith("Seg (")}
    assert names == {"Seg (segment = farm)", "Seg (segment = enterprise)"}
    farm = model.load_model(con, "Seg (segment = farm)")
    assert (farm.spec.segment_column, farm.spec.segment_values) == ("segment", ("farm",))


def save_farm_only(db_path) -> int:
    """Save the farm segment's own model only (the sample logit's factors) into ``db_path``."""
    con = store.connect(db_path)
    factors = (F("debt_ratio"), F("annual_income", "log"), F("credit_rating", "categorical", "AAA"))
    spec = ModelSpec("sample_loans", factors, segment_column="segment", segment_values=("farm",))
    model.save_model(con, "Farm", fit(con, spec, validate=False))
    (enterprise,) = con.execute("SELECT count(*) FROM sample_loans WHERE segment = 'enterprise'").fetchone()
    con.close()
    return enterprise


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_expert_vs_model_scores_by_the_set_and_reports_unmodelled_segments(model_db, monkeypatch, lang):
    enterprise = save_farm_only(model_db)
    at = open_page(model_db, monkeypatch, "pages/expert_vs_model.py", lang)
    at.selectbox(key="ev_model").set_value("Sample logit").run()
    before = at.dataframe[0].value.copy()
    warnings = [w.value for w in at.warning]
    at.toggle(key="ev_set").set_value(True).run()
    ok(at)
    (warning,) = [w.value for w in at.warning if w.value not in warnings]
    assert f"{enterprise:,}" in warning and "enterprise" in warning
    after = at.dataframe[0].value
    assert not after.equals(before)  # the model side is the set's now
    con = app_db(model_db)
    ctx = datasets.table_context(con, "sample_loans")
    scorecards = model.scorecard_set(con, "sample_loans", "segment")
    assert scorecards.values == ("farm",)
    coverage = next(d.value for d in at.dataframe if "applications" in d.value.columns)
    assert coverage.set_index("segment").loc["enterprise", "model"] == {"en": "no model", "zh": "无模型"}[lang]
    assert coverage["applications"].sum() == con.execute("SELECT count(*) FROM sample_loans").fetchone()[0]
    assert model.set_coverage(con, ctx, scorecards)["applications"].tolist() == coverage["applications"].tolist()


def test_what_if_scores_the_applicant_by_its_segment_model(model_db, monkeypatch):
    save_farm_only(model_db)
    con = store.connect(model_db, read_only=True)
    farm_loan, enterprise_loan = (
        con.execute(f"SELECT loan_id FROM sample_loans WHERE segment = '{s}' ORDER BY rowid LIMIT 1").fetchone()[0]
        for s in ("farm", "enterprise")
    )
    con.close()
    at = open_page(model_db, monkeypatch, "pages/what_if.py")
    at.selectbox(key="wi_model").set_value("Sample logit").run()
    at.text_input(key="wi_loan").input(farm_loan).run()
    pooled_pd = at.metric[0].value
    at.toggle(key="wi_set").set_value(True).run()
    ok(at)
    assert any("the model of its segment" in c.value and "Farm v1" in c.value for c in at.caption)
    con = app_db(model_db)
    ctx = datasets.table_context(con, "sample_loans")
    applicant = decisions.loan_applicant(con, ctx, farm_loan)
    own = model.load_model(con, "Farm")
    expected = float(own.predict(pd.DataFrame([applicant]))[0])
    assert at.metric[0].value == f"{expected:.2%}" and at.metric[0].value != pooled_pd
    at.text_input(key="wi_loan").input(enterprise_loan).run()
    ok(at)
    assert "No segment model covers segment = enterprise" in at.warning[0].value

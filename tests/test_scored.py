"""The scored applications (one grouped scan shared by every cutoff) equal the loan-by-loan computation.

``decisions.score`` groups loans into cells of raw values and evaluates the PD, outcome and expert decision once
per cell; these tests pin it to ``base_sql`` evaluated on every loan, and the numbers built on it (matrices,
strategy curve, approval-rate cutoff) to scikit-learn, pandas and DuckDB's own ``quantile_disc``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from analytics import datasets, decisions, model, store
from analytics.decisions import Cutoff, Filters, Setup
from analytics.model import FactorSpec, ModelSpec
from analytics.sample import SAMPLE_MODEL
from tests.conftest import fit

CATEGORICAL = (
    FactorSpec("credit_rating", "categorical", "AAA"),
    FactorSpec("guarantee_method", "categorical", "none"),
    FactorSpec("repayment_method", "categorical", "equal instalments"),
    FactorSpec("interest_rate_increase", "categorical", "0"),
    FactorSpec("education", "categorical", "primary"),
)


@pytest.fixture(scope="module")
def db(demo_db_template):
    """The demo database (read-only), its saved sample scorecard (numeric factors: PDs evaluated per loan) and a
    categorical model fitted here (PDs evaluated per cell)."""
    con = store.connect(demo_db_template, read_only=True)
    fitted = fit(con, ModelSpec("sample_loans", CATEGORICAL, booked_only=True), validate=False)
    yield con, model.load_model(con, SAMPLE_MODEL), fitted.as_saved("categorical", 1)
    con.close()


def per_loan(con, setup: Setup) -> pd.DataFrame:
    """``base_sql`` on every loan: pd, y and expert_reject (-1 for unknown)."""
    sql, params = decisions.base_sql(con, setup)
    frame = con.execute(f"SELECT pd, y, expert_reject FROM ({sql}) ORDER BY row_id", params).df()
    frame["pd"] = frame["pd"].where(np.isfinite(frame["pd"]))
    return frame.fillna({"y": -1, "expert_reject": -1}).astype({"y": int, "expert_reject": int})


def grouped(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["pd", "y", "expert_reject"]
    return frame.groupby(keys, dropna=False).size().rename("n").reset_index().sort_values(keys, na_position="last")


SOURCES = {
    "recorded": decisions.RecordedDecision("expert_decision"),
    "recorded_values": decisions.RecordedDecision("expert_decision", ("approve",)),
    "score": decisions.ScoreThreshold("expert_score", 60),
    "rules": decisions.RuleSet(
        (decisions.Condition("debt_ratio", ">", "0.7"), decisions.Condition("guarantee_method", "=", "none", "or")),
        (decisions.PointsRow("annual_income", 10, low=50_000), decisions.PointsRow("credit_rating", 20, level="AAA")),
        threshold=15,
    ),
    "knockouts_on_text": decisions.RuleSet((decisions.Condition("credit_rating", "in", ("C", "B")),)),
}


@pytest.mark.parametrize("which", ["sample", "categorical"])
@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize("outcome", ["actual", "simulated"])
def test_scored_cells_equal_every_loan(db, which, source, outcome):
    con, sample, categorical = db
    saved = sample if which == "sample" else categorical
    ctx = datasets.table_context(con, "sample_loans")
    setup = Setup.from_model(ctx, saved, SOURCES[source], outcome=outcome)
    scored = decisions.score(con, setup)
    expected = grouped(per_loan(con, setup))
    assert len(scored.n) == len(expected)
    np.testing.assert_array_equal(scored.pd, expected["pd"].to_numpy(dtype=float, na_value=np.nan))  # bitwise
    np.testing.assert_array_equal(scored.y, expected["y"])
    np.testing.assert_array_equal(scored.expert_reject, expected["expert_reject"])
    np.testing.assert_array_equal(scored.n, expected["n"])
    if which == "categorical":  # the cells are few: the PD takes one value per combination of levels
        assert len(np.unique(scored.pd)) <= 600  # at most 5 x 5 x 3 x 2 x 4 level combinations


def test_filters_apply_before_the_cells(db):
    con, _, categorical = db
    filters = Filters(branch=("Qingshan", "Hexi"), start="2021-01-01", end="2022-06-30")
    ctx = datasets.table_context(con, "sample_loans")
    setup = Setup.from_model(ctx, categorical, SOURCES["recorded"], filters=filters)
    scored = decisions.score(con, setup)
    expected = grouped(per_loan(con, setup))
    assert 0 < int(scored.n.sum()) < 36_000 and scored.n.sum() == expected["n"].sum()
    np.testing.assert_array_equal(scored.pd, expected["pd"])
    np.testing.assert_array_equal(scored.n, expected["n"])


@pytest.mark.parametrize("cutoff", [0.05, 0.12, 0.3])
def test_compare_equals_scikit_learn_on_every_loan(db, cutoff):
    con, _, categorical = db
    ctx = datasets.table_context(con, "sample_loans")
    setup = Setup.from_model(ctx, categorical, SOURCES["recorded"], outcome="simulated")
    result = decisions.compare(con, setup, cutoff)
    rows = per_loan(con, setup)
    decided = rows[rows["pd"].notna() & (rows["expert_reject"] >= 0)]
    model_reject = (decided["pd"] >= cutoff).astype(int)
    evaluated = decided["y"] >= 0
    np.testing.assert_array_equal(
        result.agreement, confusion_matrix(decided["expert_reject"], model_reject, labels=[0, 1])
    )
    y = decided.loc[evaluated, "y"]
    expected_expert = confusion_matrix(y, decided.loc[evaluated, "expert_reject"], labels=[0, 1])
    np.testing.assert_array_equal(result.expert, expected_expert)
    np.testing.assert_array_equal(result.model, confusion_matrix(y, model_reject[evaluated], labels=[0, 1]))
    assert result.counts["rows"] == len(rows) == 36_000
    assert result.counts["no_pd"] == int(rows["pd"].isna().sum())


def test_every_curve_point_equals_the_comparison_at_its_cutoff(db):
    con, sample, _ = db
    ctx = datasets.table_context(con, "sample_loans")
    setup = Setup.from_model(ctx, sample, SOURCES["recorded"], outcome="simulated")
    scored = decisions.score(con, setup)
    curve = decisions.strategy_curve(con, setup, scored=scored)
    assert 50 < len(curve) <= decisions.CURVE_POINTS
    for point in curve.iloc[1:-1:25].itertuples():
        at = decisions.compare(con, setup, point.cutoff, scored=scored)
        approved = at.model[:, 0].sum()
        assert point.approved == approved and point.bads_approved == at.model[1, 0]
        assert point.approval_rate == pytest.approx(at.metrics.loc["approval_rate", "model"], abs=1e-15)
    rows = per_loan(con, setup)
    evaluated = rows[rows["pd"].notna() & (rows["expert_reject"] >= 0) & (rows["y"] >= 0)]
    last = curve.iloc[-1]
    assert last["approved"] == len(evaluated) and last["bads_approved"] == evaluated["y"].sum()


def test_quantile_equals_duckdb_quantile_disc():
    con = store.connect(":memory:")
    rng = np.random.default_rng(5)
    for _ in range(40):
        values = np.round(rng.random(int(rng.integers(1, 300))), 2)  # ties
        distinct, n = np.unique(values, return_counts=True)
        for q in (0.01, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 0.9, 0.99, float(rng.random())):
            con.register("v", pd.DataFrame({"x": values}))
            (expected,) = con.execute("SELECT quantile_disc(x, ?) FROM v", [q]).fetchall()[0]
            assert decisions.quantile_disc(distinct, n, q) == expected
    assert decisions.quantile_disc(np.array([]), np.array([], dtype=int), 0.5) is None
    con.close()


@pytest.mark.parametrize("rate", [0.35, 0.7, 0.9])
def test_approval_rate_cutoff_equals_duckdb_on_every_loan(db, rate):
    con, sample, categorical = db
    for saved in (sample, categorical):
        ctx = datasets.table_context(con, "sample_loans")
        setup = Setup.from_model(ctx, saved, SOURCES["recorded"])
        sql, params = decisions.base_sql(con, setup)
        (expected,) = con.execute(
            f"SELECT quantile_disc(pd, ?) FROM ({sql}) WHERE pd IS NOT NULL AND isfinite(pd) "
            "AND expert_reject IS NOT NULL",
            [rate, *params],
        ).fetchall()[0]
        assert decisions.pd_cutoff(con, setup, Cutoff("approval_rate", rate)) == expected
        assert not math.isnan(expected)


def test_recorded_decisions_decode_each_distinct_value_once(con):
    """Values meaning approval in any spelling, case or spacing decode like ``outcome.text_key``; a column with
    more distinct values than ``MAX_DECISION_VALUES`` is decoded row by row, with the same result."""
    words = [" Approved", "APPROVE", "yes", "1.0", "1", "reject", "Declined", None, "通过", "no"]
    frame = pd.DataFrame({"decision": words * 3})
    con.register("_src", frame)
    con.execute("CREATE TABLE t AS SELECT * FROM _src")
    expected = [
        None if w is None else (0 if w.strip().lower() in {"approved", "approve", "yes", "1.0", "1", "通过"} else 1)
        for w in words
    ] * 3
    ctx = datasets.table_context(con, "t")
    got = decisions.decide(con, ctx, decisions.RecordedDecision("decision"))["reject"]
    assert [None if pd.isna(v) else int(v) for v in got] == expected
    many = pd.DataFrame({"decision": [f"note {i}" for i in range(decisions.MAX_DECISION_VALUES + 5)] + ["approve"]})
    con.register("_many", many)
    con.execute("CREATE TABLE m AS SELECT * FROM _many")
    many_values = datasets.table_context(con, "m")
    sql, _ = decisions.reject_sql(con, many_values, decisions.RecordedDecision("decision"))
    assert "regexp_replace" in sql
    got = decisions.decide(con, many_values, decisions.RecordedDecision("decision"))["reject"].tolist()
    assert got == [1] * (decisions.MAX_DECISION_VALUES + 5) + [0]

"""Expert versus model on the sample portfolio, pinned against scikit-learn and pandas computed independently.

The model side is a statsmodels Logit fitted here directly, passed to the engine as a PD SQL expression; the
reference numbers come from the same fit evaluated in numpy on the raw rows.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_score, recall_score

from analytics import datasets, decisions, store
from analytics.core import RiskLabError
from analytics.decisions import Cutoff, Economics, Filters, Setup
from tests.conftest import fit


def fails(message: str):
    """Expect a RiskLabError whose English message is exactly ``message``."""
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}$")


def fails_starting(message: str):
    """Expect a RiskLabError whose English message starts with ``message``."""
    return pytest.raises(RiskLabError, match=f"^{re.escape(message)}")


RATINGS = ("AA", "A", "B", "C")
COLUMNS = "loan_id, officer, branch, segment, application_date, debt_ratio, annual_income, prior_overdue_count, "
COLUMNS += "credit_rating, guarantee_method, loan_amount, expert_decision, default_flag, simulated_default"


def design(frame: pd.DataFrame) -> np.ndarray:
    x = [
        np.ones(len(frame)),
        frame["debt_ratio"],
        np.log(frame["annual_income"] / 1e4),
        frame["prior_overdue_count"],
    ]
    x += [(frame["credit_rating"] == r).astype(float) for r in RATINGS]
    return np.column_stack(x)


PD_SQL = (
    "1 / (1 + exp(-(? + ? * debt_ratio + ? * ln(annual_income / 1e4) + ? * prior_overdue_count"
    + "".join(f" + ? * CAST(credit_rating = '{r}' AS INTEGER)" for r in RATINGS)
    + ")))"
)


@pytest.fixture(scope="module")
def sample(demo_db_template):
    """A read-only connection to the demo database, the loans as a DataFrame with the logit PD, and the fit."""
    con = store.connect(demo_db_template, read_only=True)
    frame = con.execute(f"SELECT {COLUMNS} FROM sample_loans ORDER BY rowid").df()
    booked = frame[frame["default_flag"].notna()]
    fit = sm.Logit(booked["default_flag"].astype(float), design(booked)).fit(disp=0)
    frame["pd"] = fit.predict(design(frame))
    yield con, frame, tuple(float(v) for v in fit.params)
    con.close()


def setup_for(sample, outcome="actual", source=None, **filters) -> Setup:
    con, _, params = sample
    return Setup(
        datasets.table_context(con, "sample_loans"),
        source or decisions.RecordedDecision("expert_decision"),
        PD_SQL,
        params,
        outcome=outcome,
        filters=Filters(**filters),
    )


def truth(frame: pd.DataFrame, outcome: str) -> pd.Series:
    return frame["default_flag"] if outcome == "actual" else frame["simulated_default"].astype(float)


@pytest.mark.parametrize("outcome", ["actual", "simulated"])
@pytest.mark.parametrize("cutoff", [0.08, 0.15, 0.3])
def test_matrices_and_kappa_equal_scikit_learn(sample, outcome, cutoff):
    con, frame, _ = sample
    result = decisions.compare(con, setup_for(sample, outcome), cutoff)
    expert_reject = (frame["expert_decision"] == "reject").astype(int)
    model_reject = (frame["pd"] >= cutoff).astype(int)
    y = truth(frame, outcome)
    known = y.notna()
    np.testing.assert_array_equal(result.expert, confusion_matrix(y[known], expert_reject[known], labels=[0, 1]))
    np.testing.assert_array_equal(result.model, confusion_matrix(y[known], model_reject[known], labels=[0, 1]))
    np.testing.assert_array_equal(result.agreement, confusion_matrix(expert_reject, model_reject, labels=[0, 1]))
    assert result.kappa == pytest.approx(cohen_kappa_score(expert_reject, model_reject), abs=1e-12)
    for side, pred in (("expert", expert_reject), ("model", model_reject)):
        m = result.metrics[side]
        yt, yp = y[known].astype(int), pred[known]
        assert m["accuracy"] == pytest.approx(accuracy_score(yt, yp))
        assert m["sensitivity"] == pytest.approx(recall_score(yt, yp, zero_division=np.nan), nan_ok=True)
        assert m["defaults_rejected"] == m["sensitivity"] or np.isnan(m["sensitivity"])
        assert m["specificity"] == pytest.approx(recall_score(yt, yp, pos_label=0))
        assert m["precision"] == pytest.approx(precision_score(yt, yp, zero_division=np.nan), nan_ok=True)
        assert m["approval_rate"] == pytest.approx((yp == 0).mean())
        assert m["bad_rate_approved"] == pytest.approx(yt[yp == 0].mean())
        assert m["approval_rate_applications"] == pytest.approx((pred == 0).mean())
    assert result.counts["applications"] == len(frame) and result.counts["evaluated"] == known.sum()


def test_real_outcomes_only_exist_for_approved_applicants(sample):
    """With recorded decisions and real outcomes, the expert rejects none of the evaluated (booked) loans."""
    con, frame, _ = sample
    result = decisions.compare(con, setup_for(sample), 0.15)
    assert result.expert[:, 1].sum() == 0
    assert result.counts["no_outcome"] == frame["default_flag"].isna().sum() > 0
    assert np.isnan(result.metrics.loc["precision", "expert"])
    assert result.to_json()["metrics"]["expert"]["precision"] is None


def test_loss_and_profit_follow_the_assumptions(sample):
    con, _, _ = sample
    econ = Economics(lgd=0.6, margin=0.1, exposure=20_000)
    result = decisions.compare(con, setup_for(sample, "simulated"), 0.15, econ)
    (tn, _), (fn, _) = result.model
    assert result.metrics.loc["expected_loss", "model"] == pytest.approx(fn * 20_000 * 0.6)
    assert result.metrics.loc["profit", "model"] == pytest.approx(tn * 20_000 * 0.1 - fn * 20_000 * 0.6)


def test_at_the_experts_approval_rate(sample):
    con, frame, _ = sample
    setup = setup_for(sample, "simulated")
    equal = decisions.at_expert_rate(con, setup, Economics(lgd=0.5, exposure=10_000))
    approved = (frame["expert_decision"] == "approve").sum()
    lowest = frame.sort_values("pd", kind="stable").head(approved)
    assert equal.approved == approved
    assert equal.expert_defaults == frame.loc[frame["expert_decision"] == "approve", "simulated_default"].sum()
    assert equal.model_defaults == lowest["simulated_default"].sum()
    assert equal.fewer_defaults == equal.expert_defaults - equal.model_defaults > 0
    assert equal.less_loss == pytest.approx(equal.fewer_defaults * 10_000 * 0.5)
    assert equal.cutoff == pytest.approx(frame["pd"].sort_values().iloc[approved])


def test_strategy_curve_equals_brute_force_rescoring(sample):
    con, frame, _ = sample
    curve = decisions.strategy_curve(con, setup_for(sample, "simulated"))
    assert 100 <= len(curve) <= decisions.CURVE_POINTS
    assert curve["approval_rate"].is_monotonic_increasing and curve["approval_rate"].iloc[-1] == 1
    y = frame["simulated_default"]
    for i in (1, 37, len(curve) // 2, len(curve) - 2):
        point = curve.iloc[i]
        approved = frame["pd"] < point["cutoff"]
        assert point["approved"] == approved.sum()
        assert point["bads_approved"] == y[approved].sum()
        assert point["bad_rate_approved"] == pytest.approx(y[approved].mean())
        assert point["defaults_rejected"] == pytest.approx(y[~approved].sum() / y.sum())


def test_cutoff_from_an_approval_rate_or_a_score(sample):
    con, frame, _ = sample
    setup = setup_for(sample)
    cutoff = decisions.pd_cutoff(con, setup, Cutoff("approval_rate", 0.7))
    assert (frame["pd"] < cutoff).mean() == pytest.approx(0.7, abs=1e-3)
    assert decisions.pd_cutoff(con, setup, Cutoff("pd", 0.2)) == 0.2

    class Scaling:
        base_score, base_odds, pdo = 600, 50, 20

    assert decisions.pd_cutoff(con, setup, Cutoff("score", 600), Scaling()) == pytest.approx(1 / 51)
    assert decisions.pd_to_score(1 / 51, Scaling()) == pytest.approx(600)
    assert decisions.pd_to_score(decisions.score_to_pd(540, Scaling()), Scaling()) == pytest.approx(540)


def test_filters_select_the_same_loans_as_pandas(sample):
    con, frame, _ = sample
    setup = setup_for(sample, officer=("Wang Wei", "Li Na"), segment="farm", start="2022-01-01", end="2022-12-31")
    result = decisions.compare(con, setup, 0.15)
    day = pd.to_datetime(frame["application_date"])
    subset = frame[
        frame["officer"].isin(["Wang Wei", "Li Na"])
        & (frame["segment"] == "farm")
        & (day >= "2022-01-01")
        & (day <= "2022-12-31")
    ]
    expert_reject = (subset["expert_decision"] == "reject").astype(int)
    model_reject = (subset["pd"] >= 0.15).astype(int)
    np.testing.assert_array_equal(result.agreement, confusion_matrix(expert_reject, model_reject, labels=[0, 1]))
    branch = decisions.compare(con, setup_for(sample, branch=("Hexi",)), 0.15)
    assert branch.counts["applications"] == (frame["branch"] == "Hexi").sum()


def test_officer_consistency_equals_pandas(sample):
    con, frame, _ = sample
    table = decisions.officer_consistency(con, setup_for(sample, "simulated"), 0.15)
    f = frame.assign(
        expert_reject=(frame["expert_decision"] == "reject").astype(int), model_reject=(frame["pd"] >= 0.15).astype(int)
    )
    f["low"] = (f["expert_reject"] == 0) & (f["model_reject"] == 1)
    f["high"] = (f["expert_reject"] == 1) & (f["model_reject"] == 0)
    g = f.groupby("officer")
    want = pd.DataFrame(
        {
            "applications": g.size(),
            "approval_rate": 1 - g["expert_reject"].mean(),
            "model_approval_rate": 1 - g["model_reject"].mean(),
            "agreement": g.apply(lambda d: (d["expert_reject"] == d["model_reject"]).mean()),
            "low_side_override_rate": g["low"].mean(),
            "high_side_override_rate": g["high"].mean(),
            "bad_rate_approved": g.apply(lambda d: d.loc[d["expert_reject"] == 0, "simulated_default"].mean()),
            "bad_rate_overridden": g.apply(lambda d: d.loc[d["low"] | d["high"], "simulated_default"].mean()),
        }
    )
    got = table.set_index("name").loc[want.index]
    pd.testing.assert_frame_equal(got[want.columns], want, check_names=False, check_dtype=False)
    assert len(table) == 18 and table["leniency_rank"].tolist() == list(range(1, 19))
    assert table["leniency"].is_monotonic_decreasing
    assert (table["flag"] == (table["override_rate"] > decisions.OVERRIDE_FLAG_RATE)).all()
    branches = decisions.officer_consistency(con, setup_for(sample), 0.15, by="branch")
    assert set(branches["name"]) == set(frame["branch"])


def test_disagreements_by_cell(sample):
    con, frame, _ = sample
    summary, rows = decisions.disagreements(
        con, setup_for(sample), 0.15, columns=("debt_ratio", "credit_rating"), limit=5
    )
    expert_reject = frame["expert_decision"] == "reject"
    model_reject = frame["pd"] >= 0.15
    outcome = frame["default_flag"].map({1.0: "default", 0.0: "good"}).fillna("unknown")
    who = np.where(expert_reject, "model_approved_", "expert_approved_")
    cells = pd.Series(who, index=frame.index) + outcome
    want = cells[expert_reject != model_reject].value_counts()
    assert dict(zip(summary["cell"], summary["loans"], strict=True)) == {
        c: int(want.get(c, 0)) for c in decisions.CELLS
    }
    assert summary.set_index("cell").loc["model_approved_good", "loans"] == 0  # rejected applicants have no outcome
    assert rows.groupby("cell").size().max() == 5
    assert {"loan_id", "officer", "pd", "outcome", "debt_ratio", "credit_rating"} <= set(rows.columns)
    first = rows[rows["cell"] == "expert_approved_default"].iloc[0]
    best = frame.loc[(cells == "expert_approved_default") & model_reject, "pd"].max()
    assert first["pd"] == pytest.approx(best, rel=1e-13, abs=0)  # SQL and Python PDs agree to the last digits


def test_a_rule_set_expert_is_judged_the_same_way(sample):
    con, frame, _ = sample
    rules = decisions.RuleSet(knockouts=(decisions.Condition("debt_ratio", ">", "0.6"),))
    result = decisions.compare(con, setup_for(sample, source=rules), 0.2)
    known = frame["default_flag"].notna()
    reject = (frame["debt_ratio"] > 0.6).astype(int)
    np.testing.assert_array_equal(result.expert, confusion_matrix(frame["default_flag"][known], reject[known]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda con, s: decisions.compare(con, s, 0), "The PD cutoff must be a number above 0 and at most 1, not 0."),
        (
            lambda con, s: decisions.compare(con, s, 1.5),
            "The PD cutoff must be a number above 0 and at most 1, not 1.5.",
        ),
        (
            lambda con, s: decisions.pd_cutoff(con, s, Cutoff("approval_rate", 1.0)),
            "The approval rate must lie strictly between 0 and 1, not 1.0.",
        ),
        (
            lambda con, s: decisions.pd_cutoff(con, s, Cutoff("odds", 1.0)),
            "Unknown kind of cutoff 'odds': use pd, score or approval_rate.",
        ),
        (
            lambda con, s: decisions.pd_cutoff(con, s, Cutoff("score", 600)),
            "A score cutoff needs the model's score scaling.",
        ),
        (
            lambda con, s: decisions.officer_consistency(con, s, 0.1, by="product"),
            "Officer consistency is grouped by officer or branch, not 'product'.",
        ),
    ],
)
def test_bad_cutoffs_have_clear_messages(sample, call, message):
    con, _, _ = sample
    with pytest.raises(RiskLabError) as err:
        call(con, setup_for(sample))
    assert str(err.value) == message


def test_bad_setups_have_clear_messages(sample, con):
    demo, _, _ = sample
    with fails("'2022-13-01' is not a date (YYYY-MM-DD)."):
        decisions.compare(demo, setup_for(sample, start="2022-13-01"), 0.1)
    with fails_starting("No applications with both decisions"):
        decisions.compare(demo, setup_for(sample, officer=("Nobody",)), 0.1)
    with fails("Unknown outcome 'guess': use actual or simulated."):
        decisions.compare(demo, setup_for(sample, "guess"), 0.1)
    with fails_starting("lgd = 1.5 is out of range"):
        Economics(lgd=1.5)
    con.execute("CREATE TABLE loans AS SELECT 1 AS debt_ratio, 'approve' AS decision")
    bare = Setup(datasets.table_context(con, "loans"), decisions.RecordedDecision("decision"), "0.1")
    with fails_starting("loans has no default definition yet: define what default means"):
        decisions.compare(con, bare, 0.1)
    with fails("table 'loans' has no column 'simulated_default'"):
        decisions.compare(con, Setup(bare.context, bare.expert, "0.1", outcome="simulated"), 0.1)
    con.execute("ALTER TABLE loans ADD COLUMN bad INTEGER DEFAULT 1")
    datasets.save_definition(con, "loans", datasets.DefaultDefinition("flag", "bad", values=(1,)))
    bare = dataclasses.replace(bare, context=datasets.table_context(con, "loans"))  # the next run reads it
    assert decisions.compare(con, bare, 0.1).agreement.tolist() == [[0, 1], [0, 0]]
    with fails("No column of this table has the role 'branch': set it on the Data page."):
        decisions.compare(con, Setup(bare.context, bare.expert, "0.1", filters=Filters(branch=("x",))), 0.1)
    simulated = decisions.has_simulated_outcome(datasets.table_context(demo, "sample_loans"))
    assert not decisions.has_simulated_outcome(bare.context) and simulated
    assert decisions.filter_options(con, bare.context) == {"segment": [], "branch": [], "officer": [], "period": None}
    assert decisions.average_amount(con, bare.context) is None


# --- the command line: python -m analytics compare ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(demo_db_template, tmp_path_factory):
    """A demo database with a saved model and a saved rule set, and the loans with the model's PD."""
    from analytics import model

    path = tmp_path_factory.mktemp("compare") / "risklab.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    con = store.connect(path)
    factors = (model.FactorSpec("debt_ratio"), model.FactorSpec("credit_rating", "categorical", "AAA"))
    fitted = fit(con, model.ModelSpec("sample_loans", factors), validate=False)
    model.save_model(con, "logit", fitted)
    saved = model.load_model(con, "logit")
    rules = decisions.RuleSet(knockouts=(decisions.Condition("debt_ratio", ">", "0.6"),))
    decisions.save_rule_set(con, "debt rule", rules, datasets.table_context(con, "sample_loans"))
    frame = con.execute("SELECT * FROM sample_loans ORDER BY rowid").df()
    frame["pd"] = saved.predict(frame[["debt_ratio", "credit_rating"]])
    con.close()
    return path, frame


def compare_cli(db, *args):
    from tests.test_cli import cli

    return cli("compare", "--table", "sample_loans", "--model", "logit", *args, db=db)


def test_cli_compare_prints_the_matrices_in_scikit_learn_layout(cli_db):
    import json

    db, frame = cli_db
    result = compare_cli(db, "--expert-column", "expert_decision", "--approve", "approve", "--cutoff", "0.12")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"expert", "model", "agreement", "kappa", "metrics", "cutoff", "at_expert_rate"} <= set(out)
    expert_reject = (frame["expert_decision"] == "reject").astype(int)
    model_reject = (frame["pd"] >= 0.12).astype(int)
    known = frame["default_flag"].notna()
    y = frame["default_flag"][known].astype(int)
    assert out["expert"] == confusion_matrix(y, expert_reject[known], labels=[0, 1]).tolist()
    assert out["model"] == confusion_matrix(y, model_reject[known], labels=[0, 1]).tolist()
    assert out["agreement"] == confusion_matrix(expert_reject, model_reject).tolist()
    assert out["kappa"] == pytest.approx(cohen_kappa_score(expert_reject, model_reject))
    assert out["metrics"]["model"]["accuracy"] == pytest.approx(accuracy_score(y, model_reject[known]))
    assert out["metrics"]["expert"]["precision"] is None  # the expert rejected none of the booked loans

    rules = json.loads(
        compare_cli(db, "--rules", "debt rule", "--approval-rate", "0.8", "--outcome", "simulated").stdout
    )
    assert (frame["pd"] < rules["cutoff"]).mean() == pytest.approx(0.8, abs=1e-3)
    reject = (frame["debt_ratio"] > 0.6).astype(int)
    assert rules["expert"] == confusion_matrix(frame["simulated_default"], reject).tolist()

    matched = json.loads(compare_cli(db, "--expert-column", "expert_decision").stdout)  # approve words guessed
    assert (frame["pd"] < matched["cutoff"]).mean() == pytest.approx((expert_reject == 0).mean(), abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cutoff", "0.1"],
            "Give the expert side as one of --expert-column COL (with --approve VALUE ...), --rules NAME and "
            "--expert-score COL (with --min-score X).",
        ),
        (
            ["--expert-column", "expert_decision", "--rules", "debt rule"],
            "Give the expert side as one of --expert-column COL (with --approve VALUE ...), --rules NAME and "
            "--expert-score COL (with --min-score X).",
        ),
        (
            ["--expert-column", "expert_decision", "--cutoff", "0.1", "--approval-rate", "0.5"],
            "Give either --cutoff or --approval-rate, not both.",
        ),
        (
            ["--expert-column", "expert_decision", "--cutoff", "2"],
            "The PD cutoff must be a number above 0 and at most 1, not 2.0.",
        ),
        (
            ["--expert-column", "expert_decision", "--approval-rate", "0"],
            "The approval rate must lie strictly between 0 and 1, not 0.0.",
        ),
        (
            ["--expert-column", "expert_decision", "--approve", "同意"],
            "No value of expert_decision means approval; found: approve, reject. Name the values that mean approval.",
        ),
        (["--rules", "nope"], "There is no saved rule set named 'nope'."),
        (["--expert-column", "officer_view"], "table 'sample_loans' has no column 'officer_view'"),
    ],
)
def test_cli_compare_bad_input_is_one_line(cli_db, args, message, capsys):
    """The same entry point as ``python -m analytics`` (in-process; one subprocess case below)."""
    from analytics import cli

    db, _ = cli_db
    status = cli.main(["--db", str(db), "compare", "--table", "sample_loans", "--model", "logit", *args])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err == f"error: {message}\n"
    assert captured.out == ""


def test_cli_compare_unknown_model_and_table(cli_db, capsys):
    from analytics import cli

    db, _ = cli_db
    missing = compare_cli(db, "--expert-column", "expert_decision", "--rules", "x")  # a real process
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == (
        "error: Give the expert side as one of --expert-column COL (with --approve VALUE ...), --rules NAME and "
        "--expert-score COL (with --min-score X).\n"
    )
    assert cli.main(["--db", str(db), "compare", "--table", "sample_loans", "--model", "nope", "--rules", "x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["--db", str(db), "compare", "--table", "german_credit", "--model", "logit", "--rules", "x"]) == 1
    assert capsys.readouterr().err == "error: table 'german_credit' has no column 'debt_ratio'\n"


def test_chart_builders_take_the_aggregated_results(sample):
    from analytics import charts

    con, _, _ = sample
    setup = setup_for(sample, "simulated")
    result = decisions.compare(con, setup, 0.15)

    def t(key, **params):
        return key

    curve = decisions.strategy_curve(con, setup)
    spec = charts.strategy_chart(curve, (0.75, 0.09), (0.7, 0.08), t).to_dict()
    assert [p["name"] for p in spec["params"]] == ["pick"]  # a click selects a cutoff
    table = decisions.confusion_table(result.agreement, "agreement")
    assert table["n"].sum() == result.counts["applications"]
    assert table.groupby("actual")["row_rate"].sum().round(12).tolist() == [1.0, 1.0]
    charts.confusion_chart(table, "agreement", t).to_dict()
    charts.officer_chart(decisions.officer_consistency(con, setup, 0.15), t).to_dict()
    steps = pd.DataFrame({"factor": ["a", "b"], "points": [-5.0, 12.0]})
    waterfall = charts.waterfall_chart(steps, 600.0, t).to_dict()
    rows = waterfall["datasets"][next(iter(waterfall["datasets"]))]
    assert [row["high"] for row in rows] == [0, -5, 7, 7]  # drawn from the reference applicant, at zero
    assert [row["text"] for row in rows] == ["600", "-5", "+12", "607 (+7)"]

"""Champion and challenger: the windows, the recalibrations against statsmodels on every loan, the refit on a
recent window against a direct fit, the comparison against scikit-learn, and saving the next version."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.metrics import roc_auc_score

from analytics import datasets, model, monitoring
from analytics.core import RiskLabError
from tests.conftest import fit
from tests.test_monitoring import book, install

SETTINGS = monitoring.Settings(period="quarter", as_of=dt.date(2024, 6, 30), window_months=12)
SINCE = dt.date(2022, 1, 1)


@pytest.fixture
def drifted(con):
    saved = install(con, "drifted", book(2, "2022-01-01"))
    return saved, datasets.table_context(con, "drifted")


def _loans(con, saved, start: str, end: str):
    """The loans originated in [start, end] with the champion's log-odds, computed in pandas."""
    frame = con.execute("SELECT * FROM drifted WHERE opened BETWEEN ? AND ?", [start, end]).df()
    return frame.assign(log_odds=saved.predict_log_odds(frame))


def test_the_evaluation_is_the_latest_closed_months():
    assert monitoring.windows(dt.date(2024, 6, 30), 12, dt.date(2022, 1, 1), 6) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 12, 31),
        dt.date(2023, 1, 1),
        dt.date(2023, 6, 30),
    )
    assert monitoring.windows(dt.date(2024, 6, 29), 12, dt.date(2022, 1, 1), 6)[3] == dt.date(2023, 5, 31)
    with pytest.raises(RiskLabError, match="must start before the evaluation months"):
        monitoring.windows(dt.date(2024, 6, 30), 12, dt.date(2023, 2, 1), 6)


@pytest.mark.parametrize("kind", ["intercept", "intercept_slope"])
def test_recalibration_equals_statsmodels_on_every_loan(con, drifted, kind):
    saved, ctx = drifted
    found = monitoring.challenge(con, ctx, "drifted", None, kind, SINCE, SETTINGS)
    loans = _loans(con, saved, "2022-01-01", "2022-12-31")
    if kind == "intercept":
        result = sm.Logit(loans["bad"], np.ones(len(loans)), offset=loans["log_odds"]).fit(disp=0)
        a, b = float(result.params.iloc[0]), 1.0
    else:
        result = sm.Logit(loans["bad"], sm.add_constant(loans["log_odds"].to_numpy())).fit(disp=0)
        a, b = (float(v) for v in result.params)
    recalibrated = found.challenger.metrics["recalibrated"]
    assert recalibrated["loans"] == len(loans)
    assert recalibrated["intercept"] == pytest.approx(a, abs=2e-3)  # score cells of 0.1 points, not every loan
    assert recalibrated["slope"] == pytest.approx(b, abs=2e-3)
    assert a > 0.2  # the drift raised the defaults: the intercept goes up
    expected = a + b * loans["log_odds"]
    assert found.challenger.predict_log_odds(loans) == pytest.approx(expected.to_numpy(), abs=5e-3)


def test_the_challenger_is_judged_against_the_champion_on_closed_months(con, drifted):
    saved, ctx = drifted
    found = monitoring.challenge(con, ctx, "drifted", None, "intercept", SINCE, SETTINGS)
    assert (found.evaluation_start, found.evaluation_end) == (dt.date(2023, 1, 1), dt.date(2023, 6, 30))
    table = found.comparison.set_index("metric")
    loans = _loans(con, saved, "2023-01-01", "2023-06-30")
    pd_ = 1 / (1 + np.exp(-loans["log_odds"]))
    champion = table["champion"]
    assert champion["loans"] == len(loans) and champion["defaults"] == loans["bad"].sum()
    assert champion["mean_pd"] == pytest.approx(pd_.mean(), rel=1e-9)
    assert champion["auc"] == pytest.approx(roc_auc_score(loans["bad"], loans["log_odds"]), abs=2e-4)
    approved = pd_ < SETTINGS.cutoff
    assert champion["approval_rate"] == pytest.approx(approved.mean(), abs=3 / len(loans))
    assert champion["bad_rate_approved"] == pytest.approx(loans.loc[approved, "bad"].mean(), abs=3e-3)
    # the drift made the champion's PDs too low; the recalibrated challenger's are not
    assert champion["jeffreys_p"] < 0.01 < table.loc["jeffreys_p", "challenger"]
    assert table.loc["auc", "challenger"] == pytest.approx(champion["auc"], abs=1e-3)  # same ranking


def test_a_refit_uses_only_the_recent_window(con, drifted):
    _, ctx = drifted
    found = monitoring.challenge(con, ctx, "drifted", None, "refit", SINCE, SETTINGS)
    assert found.challenger.spec.start_date == "2022-01-01" and found.challenger.spec.split_date == "2023-01-01"
    direct = con.execute("SELECT * FROM drifted WHERE opened >= '2022-01-01' AND opened < '2023-01-01'").df()
    x = np.column_stack([direct["debt_ratio"], direct["rate_increase"] == 1, direct["region"] == "south"])
    x = np.column_stack([x, direct["region"] == "west"]).astype(float)
    result = sm.Logit(direct["bad"], sm.add_constant(x)).fit(disp=0)
    params = found.challenger.params
    names = ["const", "debt_ratio", "rate_increase[T.1]", "region[T.south]", "region[T.west]"]
    assert [params[n] for n in names] == pytest.approx(list(result.params), abs=1e-6)
    assert found.challenger.metrics["fit"]["n_obs"] == len(direct)
    assert params["rate_increase[T.1]"] > 1.0  # the stronger effect of a rate increase is learnt


def test_saving_the_challenger_adds_the_next_version_with_its_reason(con, drifted):
    _, ctx = drifted
    found = monitoring.challenge(con, ctx, "drifted", None, "intercept_slope", SINCE, SETTINGS)
    version = monitoring.save_challenger(con, found, "red lights since 2022")
    assert version == 2
    saved = model.load_model(con, "drifted", 2)
    assert saved.metrics["reason"] == "red lights since 2022"
    assert saved.metrics["challenge"]["evaluation"] == ["2023-01-01", "2023-06-30"]
    assert saved.params == pytest.approx(found.challenger.params)
    assert model.load_model(con, "drifted", 1).params == pytest.approx(found.champion.params)
    (detail,) = con.execute(
        "SELECT detail FROM risklab_catalog.audit WHERE action = 'save_model' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert json.loads(detail) == {"name": "drifted", "version": 2, "reason": "red lights since 2022"}
    default_reason = monitoring.save_challenger(con, found, " ")
    assert model.load_model(con, "drifted", default_reason).metrics["reason"] == found.reason()
    # the saved version is monitored like any other
    again = monitoring.monitor(con, ctx, "drifted", 2, SETTINGS)
    assert again.version == 2


def test_a_challenge_needs_a_known_kind_and_outcomes(con, drifted):
    _, ctx = drifted
    with pytest.raises(RiskLabError, match="not 'retrain'"):
        monitoring.challenge(con, ctx, "drifted", None, "retrain", SINCE, SETTINGS)
    con.execute("CREATE TABLE undefined AS SELECT * FROM drifted")
    datasets.save_roles(con, "undefined", {"opened": "origination_date"})
    with pytest.raises(RiskLabError, match="no default definition"):
        monitoring.challenge(con, datasets.table_context(con, "undefined"), "drifted", None, "intercept", SINCE)


def test_the_start_date_leaves_older_loans_out_of_a_fit(con, drifted):
    spec = model.ModelSpec(
        "drifted", (model.FactorSpec("debt_ratio"),), holdout="time", split_date="2021-01-01", start_date="2020-07-01"
    )
    fitted = fit(con, spec, validate=False)
    (expected,) = con.execute(
        "SELECT count(*) FROM drifted WHERE opened >= '2020-07-01' AND opened < '2021-01-01'"
    ).fetchone()
    assert fitted.stats["n_obs"] == expected

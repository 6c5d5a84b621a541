"""Monitoring: the back-tests and the DeLong interval against independent computations, PSI, CSI, points shift
and Hosmer-Lemeshow against hand calculations from the loans, open outcome windows, drift on constructed books,
and the monitor command."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from analytics import core, datasets, model, monitoring
from analytics.core import RiskLabError
from tests.conftest import add_table, fit
from tests.test_cli import cli

# --- the statistics -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("defaults", "loans", "pd_"), [(3, 10, 0.1), (0, 50, 0.02), (57, 624, 0.087), (40, 300, 0.1)])
def test_binomial_and_jeffreys_p_values_equal_scipy(defaults, loans, pd_):
    expected = stats.binomtest(defaults, loans, pd_, alternative="greater").pvalue
    assert monitoring.binomial_p(defaults, loans, pd_) == pytest.approx(expected, rel=1e-10, abs=1e-15)
    posterior = stats.beta(defaults + 0.5, loans - defaults + 0.5)
    assert monitoring.jeffreys_p(defaults, loans, pd_) == pytest.approx(posterior.cdf(pd_), rel=1e-10, abs=1e-15)


def test_binomial_p_by_hand():
    # P(X >= 3) for X ~ Binomial(10, 0.1) = 1 - (0.9^10 + 10 x 0.1 x 0.9^9 + 45 x 0.01 x 0.9^8)
    by_hand = 1 - (0.9**10 + 10 * 0.1 * 0.9**9 + 45 * 0.01 * 0.9**8)
    assert monitoring.binomial_p(3, 10, 0.1) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.0701908264, abs=1e-10)
    assert monitoring.binomial_p(0, 10, 0.1) == 1.0


def test_bad_back_test_input_is_refused():
    with pytest.raises(ValueError):
        monitoring.binomial_p(5, 3, 0.1)
    with pytest.raises(ValueError):
        monitoring.jeffreys_p(1, 10, 0.0)


def test_traffic_lights_at_configurable_p_values():
    assert [monitoring.traffic_light(p) for p in (0.2, 0.05, 0.049, 0.01, 0.0099)] == [
        "green",
        "green",
        "yellow",
        "yellow",
        "red",
    ]
    assert monitoring.traffic_light(0.15, yellow=0.2, red=0.1) == "yellow"
    assert monitoring.traffic_light(None) is None and monitoring.traffic_light(math.nan) is None
    with pytest.raises(ValueError):
        monitoring.traffic_light(0.1, yellow=0.01, red=0.05)


def delong_1988(bads: np.ndarray, goods: np.ndarray) -> tuple[float, float]:
    """AUC and its variance written from DeLong, DeLong & Clarke-Pearson (1988), eq. 2-5, row by row: psi(X, Y)
    is 1 when the bad X scores riskier than the good Y, 1/2 on a tie; V10(X_i) is the mean of psi over the goods,
    V01(Y_j) over the bads; var = S10 / m + S01 / n with S the sample variances of the components."""
    psi = (bads[:, None] > goods[None, :]) + 0.5 * (bads[:, None] == goods[None, :])
    auc = psi.mean()
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    s10 = ((v10 - auc) ** 2).sum() / (len(bads) - 1)
    s01 = ((v01 - auc) ** 2).sum() / (len(goods) - 1)
    return float(auc), float(s10 / len(bads) + s01 / len(goods))


def test_delong_interval_equals_the_1988_formulas_and_scikit_learn():
    rng = np.random.default_rng(7)
    y = rng.random(400) < 0.2
    risk = np.round(rng.normal(y * 0.8, 1.0), 1)  # rounded: many ties
    levels = np.unique(risk)  # increasing risk
    goods = np.array([(~y & (risk == v)).sum() for v in levels])
    bads = np.array([(y & (risk == v)).sum() for v in levels])
    found = monitoring.delong_from_counts(goods, bads)
    auc, variance = delong_1988(risk[y], risk[~y])
    assert found.auc == pytest.approx(auc, abs=1e-12)
    assert found.auc == pytest.approx(roc_auc_score(y, risk), abs=1e-12)
    assert found.se == pytest.approx(math.sqrt(variance), rel=1e-10)
    assert found.low == pytest.approx(auc - 1.959963984540054 * math.sqrt(variance), rel=1e-10)
    assert found.high == pytest.approx(auc + 1.959963984540054 * math.sqrt(variance), rel=1e-10)
    assert found.gini == pytest.approx(2 * auc - 1)


def test_delong_by_hand_on_three_bads_and_three_goods():
    # risk: bads 3, 2, 1; goods 2, 1, 0. psi rows (bad 3: 1 1 1; bad 2: 1/2 1 1; bad 1: 0 1/2 1): AUC = 7/9.
    # V10 = (1, 5/6, 1/2), V01 = (1/2, 5/6, 1); S10 = S01 = ((2/9)^2 + (1/18)^2 + (5/18)^2) / 2 = 1/15.3...
    found = monitoring.delong_from_counts(np.array([1, 1, 1, 0]), np.array([0, 1, 1, 1]))
    components = np.array([1, 5 / 6, 1 / 2])
    s = ((components - 7 / 9) ** 2).sum() / 2
    assert found.auc == pytest.approx(7 / 9)
    assert found.se == pytest.approx(math.sqrt(2 * s / 3))


# --- constructed books --------------------------------------------------------------------------------------------

QUARTER_LOANS = 2500


def book(seed: int, drift_from: str | None) -> pd.DataFrame:
    """Loans over 2020-2023 whose default follows a known logit; from ``drift_from`` on, applicants carry more debt
    and an interest-rate increase weighs three times as much."""
    rng = np.random.default_rng(seed)
    quarters = pd.date_range("2020-01-01", "2023-10-01", freq="QS")
    days = np.concatenate([q + pd.to_timedelta(rng.integers(0, 90, QUARTER_LOANS), unit="D") for q in quarters])
    n = len(days)
    drifted = np.zeros(n, dtype=bool) if drift_from is None else days >= pd.Timestamp(drift_from)
    debt = rng.uniform(0, 1, n) + 0.2 * drifted
    increase = (rng.random(n) < np.where(drifted, 0.45, 0.2)).astype(int)
    region = rng.choice(["north", "south", "west"], n)
    logit = -3.0 + 2.0 * debt + np.where(drifted, 1.5, 0.5) * increase + 0.3 * (region == "west")
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame(
        {
            "loan_id": np.arange(n),
            "opened": pd.to_datetime(days).date,
            "debt_ratio": debt,
            "rate_increase": increase,
            "region": region,
            "bad": default,
        }
    )


def install(con, name: str, frame: pd.DataFrame) -> model.SavedModel:
    """The book as a table with its roles and definition, and a model fitted on its 2020 loans (time holdout)."""
    add_table(con, name, frame)
    roles = {"loan_id": "loan_id", "opened": "origination_date", "bad": "outcome", "debt_ratio": "factor_numeric"}
    datasets.save_roles(con, name, {**roles, "rate_increase": "factor_categorical", "region": "factor_categorical"})
    datasets.save_definition(con, name, datasets.DefaultDefinition("flag", "bad", values=(1,)))
    factors = (
        model.FactorSpec("debt_ratio"),
        model.FactorSpec("rate_increase", "categorical", "0"),
        model.FactorSpec("region", "categorical", "north"),
    )
    spec = model.ModelSpec(name, factors, holdout="time", split_date="2021-01-01")
    model.save_model(con, name, fit(con, spec, validate=False))
    return model.load_model(con, name)


QUARTERLY = monitoring.Settings(period="quarter", as_of=dt.date(2024, 6, 30), window_months=12)


@pytest.fixture
def steady(con):
    saved = install(con, "steady", book(2, None))
    return saved, monitoring.monitor(con, datasets.table_context(con, "steady"), "steady", settings=QUARTERLY)


def test_an_undrifted_book_stays_green_and_stable(steady):
    """With yellow below p = 0.05, about one undrifted period in twenty turns yellow by chance: the seed is fixed."""
    _, found = steady
    periods = found.periods
    assert len(periods) == 16 and periods["period"].iloc[0] == "2020-Q1" and periods["period"].iloc[-1] == "2023-Q4"
    assert (periods["psi"] < 0.10).all()
    complete = periods[periods["complete"]]
    assert len(complete) == 14  # 2023-Q3 closes 2024-09-30, after the as-of date
    assert (complete["traffic_light"] == "green").all()
    assert not [a for a in found.alerts if a.key in ("monitoring.alert.psi_major", "monitoring.alert.red_period")]


def test_a_drifted_book_turns_later_periods_yellow_or_red(con):
    install(con, "drifted", book(2, "2022-01-01"))
    found = monitoring.monitor(con, datasets.table_context(con, "drifted"), "drifted", settings=QUARTERLY)
    periods = found.periods.set_index("period")
    early = periods.loc[[p for p in periods.index if p < "2022"]]
    late = periods.loc[[p for p in periods.index if p >= "2022"]]
    assert (early["traffic_light"] == "green").all() and (early["psi"] < 0.10).all()
    assert late.loc[late["complete"], "traffic_light"].isin(["yellow", "red"]).all()
    assert (late.loc[late["complete"], "traffic_light"] == "red").sum() >= 4
    assert (late["psi"] > 0.10).all()
    keys = [a.key for a in found.alerts]
    assert "monitoring.alert.red_period" in keys and "monitoring.alert.red_grade" in keys
    shift = found.characteristics.set_index(["factor", "period"])
    assert shift.loc[("debt_ratio", "2023-Q1"), "csi"] > shift.loc[("region", "2023-Q1"), "csi"]
    assert shift.loc[("debt_ratio", "2023-Q1"), "points_shift"] < -5  # more debt: fewer points
    assert "recalibrate the intercept" in str(next(a for a in found.alerts if a.key.endswith("red_period")))


# --- each figure against a hand calculation from the loans --------------------------------------------------------


def _by_hand(frame: pd.DataFrame, saved: model.SavedModel) -> pd.DataFrame:
    """Score, PD, points per factor and quarter of every loan, computed in pandas from the saved model."""
    out = frame.copy()
    out["score"] = saved.exact_score(frame)  # monitoring's score cells are of the exact score
    out["pd"] = saved.predict(frame)
    points = -saved.scaling.factor * saved.contribution_frame(frame)
    for column in points.columns:
        out[f"points_{column}"] = points[column]
    out["quarter"] = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in out["opened"]]
    return out


def _psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(expected / expected.sum(), 1e-4)
    a = np.maximum(actual / actual.sum(), 1e-4)
    return float(((a - e) * np.log(a / e)).sum())


def test_psi_csi_points_shift_and_hosmer_lemeshow_by_hand(con, steady):
    saved, found = steady
    frame = con.execute("SELECT * FROM steady").df()
    loans = _by_hand(frame, saved)
    development = loans[pd.to_datetime(loans["opened"]) < "2021-01-01"]
    edges = np.array(found.development.edges)
    # the bands: the development deciles of the score in whole points
    for k, edge in enumerate(edges, start=1):
        below = (development["score"] < edge - 0.05).mean()
        assert below <= k / 10 + 0.01
    dev_counts = np.bincount(np.searchsorted(edges, development["score"].round(1), side="right"), minlength=10)
    cutoff_score = saved.scaling.score(math.log(0.15 / 0.85))
    dev_region = development["region"].value_counts().reindex(["north", "south", "west"]).to_numpy()
    for quarter, row in found.periods.set_index("period").iterrows():
        part = loans[loans["quarter"] == quarter]
        counts = np.bincount(np.searchsorted(edges, part["score"].round(1), side="right"), minlength=10)
        assert row["psi"] == pytest.approx(_psi(dev_counts, counts), abs=1e-12)
        assert row["loans"] == len(part)
        assert row["mean_pd"] == pytest.approx(part["pd"].mean(), rel=1e-9)
        # a loan counts on the side of its score cell's PD: only loans within half a cell of the cutoff can differ
        near = (part["score"] - cutoff_score).abs() <= monitoring.SCORE_STEP / 2
        assert row["approval_rate"] == pytest.approx((part["pd"] < 0.15).mean(), abs=max(near.sum(), 0.5) / len(part))
        csi = found.characteristics.set_index(["factor", "period"]).loc[("region", quarter)]
        region = part["region"].value_counts().reindex(["north", "south", "west"], fill_value=0).to_numpy()
        assert csi["csi"] == pytest.approx(_psi(dev_region, region), abs=1e-12)
        debt_edges = next(b.edges for b in found.development.factors if b.column == "debt_ratio")
        assert len(debt_edges) == 9  # a number: deciles of its points, in whole points
        dev_debt = np.bincount(np.searchsorted(debt_edges, development["points_debt_ratio"].round(), "right"), None, 11)
        debt_bands = np.bincount(np.searchsorted(debt_edges, part["points_debt_ratio"].round(), "right"), None, 11)
        debt_csi = found.characteristics.set_index(["factor", "period"]).loc[("debt_ratio", quarter), "csi"]
        assert debt_csi == pytest.approx(_psi(dev_debt, debt_bands), abs=1e-12)
        shift = part["points_debt_ratio"].mean() - development["points_debt_ratio"].mean()
        debt = found.characteristics.set_index(["factor", "period"]).loc[("debt_ratio", quarter)]
        assert debt["points_shift"] == pytest.approx(shift, abs=1e-9)
        region_shift = part["points_region"].mean() - development["points_region"].mean()
        assert csi["points_shift"] == pytest.approx(region_shift, abs=1e-3)  # a level's points to 0.0005
        if not row["complete"]:
            continue
        assert row["default_rate"] == pytest.approx(part["bad"].mean())
        assert row["auc"] == pytest.approx(roc_auc_score(part["bad"], -part["score"]), abs=2e-4)
        band = np.searchsorted(edges, part["score"].round(1), side="right")
        groups = part.assign(band=band).groupby("band").agg(o=("bad", "sum"), e=("pd", "sum"), n=("bad", "size"))
        statistic = (((groups["o"] - groups["e"]) ** 2) / (groups["e"] * (1 - groups["e"] / groups["n"]))).sum()
        assert row["hosmer_lemeshow"] == pytest.approx(statistic, rel=1e-9)
        assert row["hosmer_lemeshow_p"] == pytest.approx(stats.chi2.sf(statistic, len(groups) - 2), rel=1e-9)
        jeffreys = stats.beta(part["bad"].sum() + 0.5, len(part) - part["bad"].sum() + 0.5).cdf(part["pd"].mean())
        assert row["jeffreys_p"] == pytest.approx(jeffreys, rel=1e-8)


def test_open_outcome_windows_are_never_zero_defaults(steady):
    _, found = steady
    open_periods = found.periods[~found.periods["complete"]]
    assert list(open_periods["period"]) == ["2023-Q3", "2023-Q4"]
    assert open_periods["default_rate"].isna().all() and open_periods["traffic_light"].isna().all()
    assert open_periods["auc"].isna().all() and open_periods["defaults"].isna().all()
    grades = found.grades[found.grades["period"].isin(open_periods["period"])]
    assert len(grades) and grades["defaults"].isna().all() and grades["traffic_light"].isna().all()
    rows = [p for p in found.to_json()["periods"] if not p["complete"]]
    assert [(p["default_rate"], p["traffic_light"], p["auc"]) for p in rows] == [(None, None, None)] * 2
    assert all(p["n"] > 0 and p["psi"] is not None for p in rows)


def test_the_outcome_window_moves_the_closed_periods(con, steady):
    assert steady[1].periods["complete"].sum() == 14
    ctx = datasets.table_context(con, "steady")
    settings = monitoring.Settings(period="quarter", as_of=dt.date(2024, 6, 30), window_months=3)
    found = monitoring.monitor(con, ctx, "steady", settings=settings)
    assert found.periods["complete"].sum() == 16
    month = monitoring.monitor(con, ctx, "steady", settings=monitoring.Settings(as_of=dt.date(2023, 12, 31)))
    assert month.periods["period"].iloc[0] == "2020-01" and len(month.periods) == 48
    assert month.periods.loc[month.periods["complete"], "period"].iloc[-1] == "2022-12"


def test_bad_settings_and_tables_say_what_is_wrong(con, steady):
    with pytest.raises(RiskLabError, match="month or quarter"):
        monitoring.Settings(period="week")
    with pytest.raises(RiskLabError, match="red p-value"):
        monitoring.Settings(red_p=0.1, yellow_p=0.05)
    with pytest.raises(RiskLabError, match="not a date"):
        monitoring.parse_date("2024-02-30")
    add_table(con, "undated", pd.DataFrame({"debt_ratio": [0.1], "rate_increase": [0], "region": ["west"]}))
    with pytest.raises(RiskLabError, match="no origination-date column"):
        monitoring.monitor(con, datasets.table_context(con, "undated"), "steady")
    add_table(con, "other", pd.DataFrame({"opened": [dt.date(2021, 1, 1)], "x": [1]}))
    datasets.save_roles(con, "other", {"opened": "origination_date"})
    with pytest.raises(RiskLabError, match="lacks the model's factors debt_ratio, rate_increase, region"):
        monitoring.monitor(con, datasets.table_context(con, "other"), "steady")


def test_weighted_edges_and_band_labels():
    edges = monitoring.weighted_edges(np.arange(100.0), np.ones(100), 4)
    assert edges == (25.0, 50.0, 75.0)
    assert monitoring.band_labels(edges) == ["< 25", "25-50", "50-75", ">= 75"]
    assert monitoring.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert monitoring.period_label(dt.date(2024, 7, 1), "quarter") == "2024-Q3"


# --- the command line ---------------------------------------------------------------------------------------------


def test_monitor_command_prints_the_contract(demo_db):
    result = cli("monitor", "--table", "sample_loans", "--model", "sample scorecard", "--period", "quarter", db=demo_db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "NaN" not in result.stdout  # strict JSON: missing figures are null
    assert set(report) == {"model", "version", "bins", "periods", "alerts"}
    assert report["model"] == "sample scorecard" and report["version"] == 1 and len(report["bins"]) == 9
    assert report["bins"] == sorted(report["bins"])
    first = report["periods"][0]
    assert set(first) == {"period", "n", "psi", "auc", "mean_pd", "default_rate", "complete", "traffic_light"}
    assert first["period"] == "2021-Q1" and first["complete"] and first["traffic_light"] in monitoring.LIGHTS
    assert [p["complete"] for p in report["periods"]][-4:] == [False] * 4  # June 2024 cut-off, 12-month window
    assert sum(p["n"] for p in report["periods"]) == 27_104  # every booked loan
    assert all(isinstance(a, str) for a in report["alerts"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--model", "nope"), "error: there is no saved model 'nope'"),
        (("--model", "sample scorecard", "--period", "week"), "error: the period must be month or quarter"),
        (("--model", "sample scorecard", "--as-of", "2024-13-01"), "error: '2024-13-01' is not a date"),
        (("--model", "sample scorecard", "--version", "two"), "error: --version must be a number"),
        (("--model", "sample scorecard", "--as-of", "2019-01-01"), "error: table 'sample_loans' has no loans"),
    ],
)
def test_monitor_command_bad_input_is_one_line_and_exit_1(demo_db, args, message):
    result = cli("monitor", "--table", "sample_loans", *args, db=demo_db)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_psi_floor_is_the_documented_one():
    assert monitoring.PSI_FLOOR == 1e-4
    assert core.psi(np.array([10, 0]), np.array([5, 5]), monitoring.PSI_FLOOR) == pytest.approx(
        _psi(np.array([10.0, 0.0]), np.array([5.0, 5.0]))
    )


def test_a_woe_binned_factor_is_monitored_per_bin(con):
    """A scorecard of WOE bins: each bin is a CSI band of its own, and the shares match the bins counted by hand."""
    from analytics import factors

    frame = book(5, "2022-01-01")
    add_table(con, "binned", frame)
    datasets.save_roles(con, "binned", {"opened": "origination_date", "bad": "outcome"})
    datasets.save_definition(con, "binned", datasets.DefaultDefinition("flag", "bad", values=(1,)))
    factors.save_binning(con, "binned", factors.manual_spec("debt_ratio", "0.25, 0.5, 0.75, 1"), "quarters")
    spec = model.ModelSpec(
        "binned", (model.FactorSpec("debt_ratio", "woe", binning="quarters"),), holdout="time", split_date="2021-01-01"
    )
    model.save_model(con, "binned", fit(con, spec, validate=False))
    found = monitoring.monitor(con, datasets.table_context(con, "binned"), "binned", settings=QUARTERLY)
    (bands,) = found.development.factors
    assert len(bands.levels) == 4  # the four bins seen in 2020 (debt below 1 then)
    cuts = np.array([0.25, 0.5, 0.75, 1.0])
    development = frame[pd.to_datetime(frame["opened"]) < "2021-01-01"]
    dev_bins = np.bincount(np.searchsorted(cuts, development["debt_ratio"], "right"), minlength=5)
    quarters = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in frame["opened"]]
    late = frame[np.array(quarters) == "2023-Q1"]
    late_bins = np.bincount(np.searchsorted(cuts, late["debt_ratio"], "right"), minlength=5)
    assert late_bins[4] > 0  # drifted debt above 1: a bin the development sample never had, so no points
    # the unseen bin has no WOE: those loans cannot be scored and fall in the missing band
    expected = _psi(np.append(dev_bins[:4], [0, 0]), np.append(late_bins[:4], [0, late_bins[4]]))
    csi = found.characteristics.set_index(["factor", "period"]).loc[("debt_ratio", "2023-Q1"), "csi"]
    assert csi == pytest.approx(expected, abs=1e-12)
    row = found.periods.set_index("period").loc["2023-Q1"]
    assert row["loans"] == len(late) and row["scored"] == late_bins[:4].sum()


def test_a_table_without_a_default_definition_gets_stability_only(con, steady):
    con.execute("CREATE TABLE undefined AS SELECT * EXCLUDE (bad) FROM steady")
    datasets.save_roles(con, "undefined", {"opened": "origination_date"})
    found = monitoring.monitor(con, datasets.table_context(con, "undefined"), "steady", settings=QUARTERLY)
    assert found.periods["psi"].to_numpy() == pytest.approx(steady[1].periods["psi"].to_numpy(), abs=1e-12)
    assert found.periods["default_rate"].isna().all() and found.periods["traffic_light"].isna().all()
    assert [p["default_rate"] for p in found.to_json()["periods"]] == [None] * 16


# --- the sample portfolio's documented change (data/README.md, "The change in July 2022") -------------------------


def _sample_report(demo_db, period: str):
    """The shipped sample scorecard monitored on the sample loans, and every booked loan scored by hand."""
    from analytics import sample, store

    con = store.connect(demo_db)
    saved = model.load_model(con, sample.SAMPLE_MODEL)
    found = monitoring.monitor(
        con, datasets.table_context(con, "sample_loans"), sample.SAMPLE_MODEL, settings=monitoring.Settings(period)
    )
    loans = con.execute("SELECT * FROM sample_loans WHERE booked").df()
    con.close()
    loans["score"] = saved.exact_score(loans)  # monitoring's score cells are of the exact score
    loans["pd"] = saved.predict(loans)
    dates = pd.to_datetime(loans["application_date"])
    loans["month"] = dates.dt.strftime("%Y-%m")
    loans["quarter"] = dates.dt.year.astype(str) + "-Q" + ((dates.dt.month - 1) // 3 + 1).astype(str)
    return found, loans, dates < pd.Timestamp("2022-07-01")


def _light(part: pd.DataFrame) -> str:
    """The Jeffreys traffic light at the default p-values (red below 0.01, yellow below 0.05), by hand."""
    bad = part["default_flag"].sum()
    p_value = stats.beta(bad + 0.5, len(part) - bad + 0.5).cdf(part["pd"].mean())
    return "red" if p_value < 0.01 else "yellow" if p_value < 0.05 else "green"


def test_the_sample_scorecard_drifts_after_the_documented_change_by_quarter(demo_db):
    """Developed on the loans before July 2022: the six quarters before are green and stable, the complete quarters
    after turn red (more default than predicted), the score PSI rises and the alerts say so."""
    found, loans, before = _sample_report(demo_db, "quarter")
    edges = np.array(found.development.edges)
    dev_counts = np.bincount(np.searchsorted(edges, loans.loc[before, "score"].round(1), side="right"), minlength=10)
    periods = found.periods.set_index("period")
    lights, psis = {}, {}
    for quarter, row in periods.iterrows():
        part = loans[loans["quarter"] == quarter]
        counts = np.bincount(np.searchsorted(edges, part["score"].round(1), side="right"), minlength=10)
        psis[quarter] = _psi(dev_counts, counts)
        assert row["psi"] == pytest.approx(psis[quarter], abs=1e-12)
        if row["complete"]:
            lights[quarter] = _light(part)
            assert row["traffic_light"] == lights[quarter]
            assert row["default_rate"] == pytest.approx(part["default_flag"].mean())
    early = [q for q in periods.index if q < "2022-Q3"]
    assert early == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2022-Q1", "2022-Q2"]
    assert [lights[q] for q in early] == ["green"] * 6
    assert max(psis[q] for q in early) < 0.01
    assert {q: lights[q] for q in lights if q >= "2022-Q3"} == {
        "2022-Q3": "red",
        "2022-Q4": "red",
        "2023-Q1": "red",
        "2023-Q2": "red",
    }
    late = [round(psis[q], 3) for q in periods.index if q >= "2022-Q3"]
    assert late == [0.080, 0.127, 0.101, 0.114, 0.117, 0.120, 0.126, 0.137]
    alerts = {a.key: str(a) for a in found.alerts}
    assert set(alerts) == {"monitoring.alert.psi_minor", "monitoring.alert.red_period", "monitoring.alert.red_grade"}
    assert alerts["monitoring.alert.psi_minor"].startswith(
        "Score PSI between 0.10 and 0.25 in 7 period(s), latest 2024-Q2"
    )
    assert "Red back-test in 4 period(s), latest 2023-Q2" in alerts["monitoring.alert.red_period"]
    assert "recalibrate the intercept" in alerts["monitoring.alert.red_period"]
    # the characteristic analysis names the documented change: the debt ratio first, the rate increase second
    csi = found.characteristics.pivot(index="period", columns="factor", values="csi")
    for quarter in [q for q in periods.index if q >= "2022-Q3"]:
        assert list(csi.loc[quarter].sort_values(ascending=False).index[:2]) == ["debt_ratio", "interest_rate_increase"]


def test_the_sample_scorecard_drifts_after_the_documented_change_by_month(demo_db):
    """By month: the score is stable before July 2022 and shifts after; the back-test is noisier (one early month
    in eighteen turns yellow by chance at p < 0.05) but ten complete months in twelve after the change are yellow or
    red, seven of them red."""
    found, loans, before = _sample_report(demo_db, "month")
    edges = np.array(found.development.edges)
    dev_counts = np.bincount(np.searchsorted(edges, loans.loc[before, "score"].round(1), side="right"), minlength=10)
    periods = found.periods.set_index("period")
    for month, row in periods.iterrows():
        part = loans[loans["month"] == month]
        counts = np.bincount(np.searchsorted(edges, part["score"].round(1), side="right"), minlength=10)
        assert row["psi"] == pytest.approx(_psi(dev_counts, counts), abs=1e-12)
        if row["complete"]:
            assert row["traffic_light"] == _light(part)
    early = periods[periods.index < "2022-07"]
    late = periods[periods.index >= "2022-07"]
    assert len(early) == 18 and len(late) == 24
    assert early["psi"].max() < 0.03 and (early["traffic_light"] != "red").all()
    assert early["traffic_light"].value_counts().to_dict() == {"green": 17, "yellow": 1}
    assert (late["psi"] >= 0.10).sum() == 20
    assert late.loc[late["complete"], "traffic_light"].value_counts().to_dict() == {"red": 7, "yellow": 3, "green": 2}

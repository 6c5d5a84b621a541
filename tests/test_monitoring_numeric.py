"""Monitoring a model with several numbers (log and plain, with missing and unscorable values), a text outcome
flag with unknown outcomes and many factor sets: PSI, CSI and points shift against a direct pandas/numpy
computation from the loans."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import datasets, model, monitoring
from tests.conftest import add_table, fit

SETTINGS = monitoring.Settings(period="quarter", as_of=dt.date(2023, 3, 31), window_months=6)
NUMBERS = ("income", "debt", "age", "overdue")


def book(seed: int = 7, loans: int = 24000) -> pd.DataFrame:
    """Loans over 2020-2022 whose debt and income drift from 2022; some incomes are missing or (from 2022) zero,
    which a log cannot score, some debts missing, some outcomes unknown; the outcome is a text flag."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, loans), unit="D")
    late = np.asarray(days >= pd.Timestamp("2022-01-01"))
    income = np.round(rng.lognormal(10 - 0.3 * late, 0.6), 2)
    income[(rng.random(loans) < 0.04) & late] = 0.0  # the fit refuses a log of zero: only after development
    debt = rng.uniform(0, 1, loans) + 0.25 * late
    age = rng.integers(20, 70, loans).astype(float)
    overdue = rng.poisson(0.5 + 0.5 * late, loans)
    region = rng.choice(["north", "south", "west", "east"], loans)
    tier = rng.choice(["a", "b", "c"], loans)
    logit = -2.0 - 0.4 * (np.log(np.maximum(income, 1)) - 10) + 1.5 * debt - 0.01 * age + 0.3 * overdue
    logit += 0.4 * (region == "west") - 0.3 * (tier == "a")
    bad = np.where(rng.random(loans) < 1 / (1 + np.exp(-logit)), "Yes", "no").astype(object)
    frame = pd.DataFrame(
        {
            "opened": pd.to_datetime(days).date,
            "income": income,
            "debt": debt,
            "age": age,
            "overdue": overdue,
            "region": region,
            "tier": tier,
            "bad": bad,
        }
    )
    frame.loc[rng.random(loans) < 0.03, "income"] = np.nan
    frame.loc[rng.random(loans) < 0.03, "debt"] = np.nan
    frame.loc[rng.random(loans) < 0.05, "bad"] = None
    return frame


@pytest.fixture
def monitored(con):
    frame = book()
    add_table(con, "numbers", frame)
    roles = {"opened": "origination_date", "bad": "outcome"}
    datasets.save_roles(con, "numbers", roles)
    datasets.save_definition(con, "numbers", datasets.DefaultDefinition("flag", "bad", values=("yes",)))
    factors = (
        model.FactorSpec("income", "log"),
        model.FactorSpec("debt"),
        model.FactorSpec("age"),
        model.FactorSpec("overdue"),
        model.FactorSpec("region", "categorical", "north"),
        model.FactorSpec("tier", "categorical", "c"),
    )
    spec = model.ModelSpec("numbers", factors, holdout="time", split_date="2021-01-01")
    model.save_model(con, "numbers", fit(con, spec, validate=False))
    saved = model.load_model(con, "numbers")
    found = monitoring.monitor(con, datasets.table_context(con, "numbers"), "numbers", settings=SETTINGS)
    return con.execute("SELECT * FROM numbers").df(), saved, found


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(expected / expected.sum(), 1e-4)
    a = np.maximum(actual / actual.sum(), 1e-4)
    return float(((a - e) * np.log(a / e)).sum())


def bands(points: pd.Series, edges: tuple[float, ...]) -> np.ndarray:
    """A number's CSI band from its points rounded to whole points; missing points in the last band."""
    band = np.searchsorted(np.array(edges), points.round().fillna(0), side="right")
    return np.where(points.isna(), len(edges) + 1, band)


def test_psi_csi_and_points_shift_of_numbers_equal_pandas(monitored):
    frame, saved, found = monitored
    loans = frame.copy()
    loans["score"] = saved.exact_score(frame)  # monitoring's score cells are of the exact score
    points = -saved.scaling.factor * saved.contribution_frame(frame)
    loans["quarter"] = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in pd.to_datetime(loans["opened"])]
    known = loans["bad"].notna()
    development = loans[(pd.to_datetime(loans["opened"]) < "2021-01-01") & known]
    dev_points = points.loc[development.index]
    scored = loans["score"].notna()
    dev_scored = development[scored.loc[development.index]]
    assert found.development.loans == len(dev_scored)  # the scored development loans
    assert found.development.default_rate == pytest.approx((dev_scored["bad"] == "Yes").mean(), abs=1e-12)
    assert (~scored).sum() > 500  # missing or zero incomes and missing debts cannot be scored
    edges = np.array(found.development.edges)
    dev_scores = development.loc[scored, "score"].round(1)
    dev_counts = np.bincount(np.searchsorted(edges, dev_scores, side="right"), minlength=len(edges) + 1)
    by_factor = {b.column: b for b in found.development.factors}
    assert [b.column for b in found.development.factors] == [f.column for f in saved.spec.factors]
    characteristics = found.characteristics.set_index(["factor", "period"])
    periods = found.periods.set_index("period")
    assert len(periods) == 12
    for quarter in periods.index:
        part = loans[loans["quarter"] == quarter]
        assert periods.loc[quarter, "loans"] == len(part)
        part_scores = part.loc[part["score"].notna(), "score"].round(1)
        counts = np.bincount(np.searchsorted(edges, part_scores, side="right"), minlength=len(edges) + 1)
        assert periods.loc[quarter, "psi"] == pytest.approx(psi(dev_counts, counts), abs=1e-12)
        for column in NUMBERS:
            factor_edges = by_factor[column].edges
            assert len(factor_edges) >= 2
            size = len(factor_edges) + 2
            expected = np.bincount(bands(dev_points[column], factor_edges), minlength=size)
            actual = np.bincount(bands(points.loc[part.index, column], factor_edges), minlength=size)
            row = characteristics.loc[(column, quarter)]
            assert row["csi"] == pytest.approx(psi(expected, actual), abs=1e-12)
            shift = points.loc[part.index, column].mean() - dev_points[column].mean()
            assert row["points_shift"] == pytest.approx(shift, abs=1e-9)
        region = part["region"].value_counts().reindex(["east", "north", "south", "west"], fill_value=0)
        dev_region = development["region"].value_counts().reindex(["east", "north", "south", "west"])
        expected_csi = psi(dev_region.to_numpy(), region.to_numpy())
        assert characteristics.loc[("region", quarter), "csi"] == pytest.approx(expected_csi, abs=1e-12)
    late = characteristics.loc[("debt", "2022-Q4")]
    assert late["csi"] > 0.1 and late["points_shift"] < -3  # the documented drift: more debt, fewer points


def test_outcomes_are_matched_once_per_raw_value(monitored):
    """The text flag ("Yes" / "no", some unknown) gives the same counts of the scored loans as matching each loan
    in pandas."""
    frame, saved, found = monitored
    quarters = np.array([f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in pd.to_datetime(frame["opened"])])
    scored = ~np.isnan(np.asarray(saved.score(frame), dtype=float))
    closed = 0
    for quarter, row in found.periods.set_index("period").iterrows():
        part = frame[(quarters == quarter) & scored]
        assert row["scored"] == len(part)
        if not row["complete"]:
            continue
        closed += 1
        assert row["known"] == part["bad"].notna().sum()
        assert row["defaults"] == (part["bad"] == "Yes").sum()
        assert row["default_rate"] == pytest.approx((part["bad"].dropna() == "Yes").mean(), abs=1e-12)
    assert closed == 11  # 2022-Q4 closes on 2023-06-30, after the as-of date

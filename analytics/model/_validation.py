"""How well a model ranks and calibrates, on the train and test samples, computed in DuckDB.

The input is a subquery with one row per loan: ``__part`` (0 train, 1 test), ``__bad`` (0/1), ``__lo`` (the
model's default log-odds, NULL when it cannot score the loan) and ``__row`` (a stable order for ties). AUC and
KS are exact (grouped by distinct log-odds); curves and tables come from at most 100 groups, so only small frames
reach Python whatever the number of loans.
"""

from __future__ import annotations

import dataclasses
import math
import uuid

import duckdb
import numpy as np
import pandas as pd

from analytics import core
from analytics.model._scorecard import Scaling

CURVE_POINTS = 100  # ROC and KS curves: population groups by descending risk
DECILES = 10
DISTRIBUTION_BINS = 50  # score histogram of goods and bads


@dataclasses.dataclass(frozen=True)
class Validation:
    """Discrimination and calibration of a model on one sample.

    ``roc``: fpr, tpr. ``ks_curve``: population, bads, goods (cumulative shares, riskiest first).
    ``calibration``: decile (1 = lowest PD), loans, defaults, expected, observed_rate, mean_pd.
    ``gains``: decile (1 = riskiest), loans, defaults, bad_rate, cum_defaults, capture, lift, cum_lift.
    ``distribution``: low, high (log-odds), goods, bads.
    """

    n: int
    events: int
    unscored: int
    auc: float
    gini: float
    ks: float
    brier: float
    hosmer_lemeshow: core.HosmerLemeshow
    roc: pd.DataFrame
    ks_curve: pd.DataFrame
    calibration: pd.DataFrame
    gains: pd.DataFrame
    distribution: pd.DataFrame

    def summary(self) -> dict:
        """The headline numbers (for saving and comparing models)."""
        return {
            "n": self.n,
            "events": self.events,
            "auc": self.auc,
            "gini": self.gini,
            "ks": self.ks,
            "brier": self.brier,
            "hosmer_lemeshow": self.hosmer_lemeshow.statistic,
            "hosmer_lemeshow_df": self.hosmer_lemeshow.df,
            "hosmer_lemeshow_p": self.hosmer_lemeshow.p_value,
        }

    def score_distribution(self, scaling: Scaling) -> pd.DataFrame:
        """The histogram of goods and bads in points: score_low, score_high, goods, bads (low scores first)."""
        d = self.distribution
        frame = pd.DataFrame(
            {
                "score_low": scaling.score(d["high"].to_numpy()),
                "score_high": scaling.score(d["low"].to_numpy()),
                "goods": d["goods"].to_numpy(),
                "bads": d["bads"].to_numpy(),
            }
        )
        return frame.iloc[::-1].reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    """k-fold cross-validated AUC: per fold (NaN for a fold with one class only), mean, standard deviation and the
    number of training loans it used."""

    aucs: tuple[float, ...]
    mean: float
    std: float
    loans: int = 0

    @classmethod
    def of(cls, aucs: list[float], loans: int = 0) -> CrossValidation:
        valid = np.array([a for a in aucs if not math.isnan(a)])
        mean = float(valid.mean()) if len(valid) else math.nan
        std = float(valid.std(ddof=1)) if len(valid) > 1 else math.nan
        return cls(tuple(float(a) for a in aucs), mean, std, int(loans))


def validate(con: duckdb.DuckDBPyConnection, source: str, params: list) -> dict[int, Validation]:
    """Validation per sample (``__part`` 0 and 1) of the scored rows in ``source`` (see the module docstring).

    The scored rows are materialised once in a temporary table, so the model's expression runs once per loan.
    """
    scored = f"__risklab_validation_{uuid.uuid4().hex}"
    con.execute(
        f"CREATE TEMP TABLE {scored} AS SELECT __part AS part, __bad AS bad, __lo AS lo, __row AS rowid "
        f"FROM {source} WHERE __part IS NOT NULL",
        params,
    )
    try:
        return _validate(con, scored)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {scored}")


def _validate(con: duckdb.DuckDBPyConnection, scored: str) -> dict[int, Validation]:
    counts = con.execute(
        f"""SELECT part, count(*), count(lo), sum(bad) FILTER (WHERE lo IS NOT NULL),
                   avg(power(1.0 / (1.0 + exp(-lo)) - bad, 2)), min(lo), max(lo)
            FROM {scored} GROUP BY part ORDER BY part"""
    ).fetchall()
    out = {}
    scored_rows = [r for r in counts if r[2]]
    if not scored_rows:
        return out
    low = min(r[5] for r in scored_rows)
    high = max(r[6] for r in scored_rows)
    ranking = _auc_ks(con, scored)
    groups = _groups(con, scored)
    distribution = _distribution(con, scored, low, high)
    for part, n, known, events, brier, _, _ in counts:
        if not known:
            continue
        auc, ks = ranking.get(part, (math.nan, math.nan))
        curve, deciles = groups[part]
        calibration = _calibration(deciles)
        out[int(part)] = Validation(
            n=int(known),
            events=int(events),
            unscored=int(n - known),
            auc=auc,
            gini=2 * auc - 1,
            ks=ks,
            brier=float(brier),
            hosmer_lemeshow=core.hosmer_lemeshow_from_counts(
                calibration["defaults"], calibration["expected"], calibration["loans"], holdout=part == 1
            ),
            roc=_roc(curve),
            ks_curve=_ks_curve(curve),
            calibration=calibration,
            gains=_gains(deciles),
            distribution=distribution[part],
        )
    return out


def _auc_ks(con: duckdb.DuckDBPyConnection, scored: str) -> dict[int, tuple[float, float]]:
    """Exact AUC and KS per sample from goods and bads per distinct log-odds (ties count one half)."""
    rows = con.execute(
        f"""
        WITH g AS (
            SELECT part, lo, CAST(count(*) - sum(bad) AS DOUBLE) AS goods, CAST(sum(bad) AS DOUBLE) AS bads
            FROM {scored} WHERE lo IS NOT NULL GROUP BY part, lo
        ), c AS (
            SELECT part, goods, bads, sum(goods) OVER w AS cum_goods, sum(bads) OVER w AS cum_bads,
                   sum(goods) OVER (PARTITION BY part) AS all_goods, sum(bads) OVER (PARTITION BY part) AS all_bads
            FROM g WINDOW w AS (PARTITION BY part ORDER BY lo ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT part, sum(bads * (cum_goods - 0.5 * goods)) / nullif(max(all_goods) * max(all_bads), 0),
               max(abs(cum_bads / nullif(all_bads, 0) - cum_goods / nullif(all_goods, 0)))
        FROM c GROUP BY part
        """
    ).fetchall()
    return {int(p): (_number(a), _number(k)) for p, a, k in rows}


def _number(value: object) -> float:
    return math.nan if value is None else float(value)


def _groups(con: duckdb.DuckDBPyConnection, scored: str) -> dict[int, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per sample: ``CURVE_POINTS`` groups by descending risk and ``DECILES`` groups by ascending PD."""
    frame = con.execute(
        f"""
        WITH r AS (
            SELECT part, bad, lo, 1.0 / (1.0 + exp(-lo)) AS p,
                   ntile({CURVE_POINTS}) OVER (PARTITION BY part ORDER BY lo DESC, rowid DESC) AS curve,
                   ntile({DECILES}) OVER (PARTITION BY part ORDER BY lo, rowid) AS decile
            FROM {scored} WHERE lo IS NOT NULL
        )
        SELECT part, curve, decile, count(*) AS loans, sum(bad) AS defaults, sum(p) AS expected,
               min(lo) AS low, max(lo) AS high
        FROM r GROUP BY GROUPING SETS ((part, curve), (part, decile)) ORDER BY part, curve, decile
        """
    ).df()
    out = {}
    for part, rows in frame.groupby("part"):
        curve = rows[rows["curve"].notna()].sort_values("curve")
        deciles = rows[rows["decile"].notna()].sort_values("decile")
        out[int(part)] = (curve.reset_index(drop=True), deciles.reset_index(drop=True))
    return out


def _cumulative(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    loans = curve["loans"].to_numpy(dtype=float)
    bads = curve["defaults"].to_numpy(dtype=float)
    goods = loans - bads
    shares = [np.cumsum(a) / a.sum() if a.sum() else np.zeros(len(a)) for a in (loans, bads, goods)]
    population, bad_share, good_share = (np.concatenate([[0.0], s]) for s in shares)
    return population, bad_share, good_share


def _roc(curve: pd.DataFrame) -> pd.DataFrame:
    _, tpr, fpr = _cumulative(curve)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr})


def _ks_curve(curve: pd.DataFrame) -> pd.DataFrame:
    population, bads, goods = _cumulative(curve)
    return pd.DataFrame({"population": population, "bads": bads, "goods": goods, "gap": bads - goods})


def _calibration(deciles: pd.DataFrame) -> pd.DataFrame:
    loans = deciles["loans"].to_numpy(dtype=np.int64)
    defaults = deciles["defaults"].to_numpy(dtype=float)
    expected = deciles["expected"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "decile": deciles["decile"].to_numpy(dtype=np.int64),
            "loans": loans,
            "defaults": defaults.astype(np.int64),
            "expected": expected,
            "observed_rate": defaults / loans,
            "mean_pd": expected / loans,
        }
    )


def _gains(deciles: pd.DataFrame) -> pd.DataFrame:
    riskiest = deciles.iloc[::-1]
    loans = riskiest["loans"].to_numpy(dtype=float)
    bads = riskiest["defaults"].to_numpy(dtype=float)
    rate = bads.sum() / loans.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "decile": np.arange(1, len(loans) + 1),
                "loans": loans.astype(np.int64),
                "defaults": bads.astype(np.int64),
                "bad_rate": bads / loans,
                "cum_defaults": np.cumsum(bads).astype(np.int64),
                "capture": np.cumsum(bads) / bads.sum(),
                "lift": bads / loans / rate,
                "cum_lift": np.cumsum(bads) / np.cumsum(loans) / rate,
            }
        )


def _distribution(con: duckdb.DuckDBPyConnection, scored: str, low: float, high: float) -> dict[int, pd.DataFrame]:
    """Goods and bads per equal-width log-odds bin (the same bins for both samples)."""
    width = (high - low) / DISTRIBUTION_BINS if high > low else 1.0
    frame = con.execute(
        f"""SELECT part, least(CAST(floor((lo - ?) / ?) AS INTEGER), ?) AS bin,
                   count(*) - sum(bad) AS goods, sum(bad) AS bads
            FROM {scored} WHERE lo IS NOT NULL GROUP BY part, bin ORDER BY part, bin""",
        [low, width, DISTRIBUTION_BINS - 1],
    ).df()
    out = {}
    for part, rows in frame.groupby("part"):
        full = rows.set_index("bin").reindex(range(DISTRIBUTION_BINS), fill_value=0)
        edges = low + width * np.arange(DISTRIBUTION_BINS + 1)
        out[int(part)] = pd.DataFrame(
            {
                "low": edges[:-1],
                "high": edges[1:],
                "goods": full["goods"].to_numpy(dtype=np.int64),
                "bads": full["bads"].to_numpy(dtype=np.int64),
            }
        )
    return out
